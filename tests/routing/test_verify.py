"""Tests of the independent plan checker on hand-made plans over the Samsø road network.

The plans are built here, stop by stop, with legs from ``travel_matrix`` (not from the planner),
so a correct plan must pass with no violation; each mutation must raise its specific code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from routing.model import (
    Centre,
    Plan,
    Rider,
    Run,
    Scenario,
    Session,
    Stop,
    StopKind,
    Unserved,
    Vehicle,
)
from routing.network.matrix import TravelMatrix, travel_matrix
from routing.network.roads import RoadNetwork
from routing.network.snap import snap_points
from routing.params import PlanParams
from routing.planning.plan_io import plan_from_dict, plan_to_dict
from routing.verify.checks import Violation, expected_trips, verify_plan

H = 3600
M = 60

# Real addresses in and around Tranebjerg (OSM address nodes; all snap within ~60 m).
CENTRE_TRA = Centre("TRA", "Aktivitetscentret Tranebjerg", 55.8305, 10.5910)
CENTRE_BAL = Centre("BAL", "Dagcentret Ballen", 55.827298, 10.636885)
SESSIONS = (
    Session("TRA", "TRA-MON-AM", "mon", 9 * H, 12 * H),
    Session("TRA", "TRA-MON-PM", "mon", 12 * H + 30 * M, 15 * H),
    Session("TRA", "TRA-TUE", "tue", 9 * H, 15 * H),
)
RIDER_A = Rider("A", "Rider A", 55.819028, 10.605431, "TRA",
                ("TRA-MON-AM", "TRA-MON-PM", "TRA-TUE"))  # Brundby Hovedgade
RIDER_B = Rider("B", "Rider B", 55.837923, 10.581876, "TRA", ("TRA-MON-AM",))  # Tingvej
RIDER_C = Rider("C", "Rider C", 55.826617, 10.561647, "TRA", ("TRA-TUE",),
                wheelchair=True)  # Storegade, Kolby
VEHICLE = Vehicle("V1", 55.833271, 10.592158, seats=4, wheelchair_places=1,
                  fixed_cost_ore=150_000, cost_per_km_ore=1_200, cost_per_hour_ore=45_000,
                  available_from_s=6 * H, available_to_s=18 * H)  # Langgade
# Rider C's door is 53 m from the road: above the wheelchair door-to-stop warning (30 m), which
# test_door_far_from_stop_is_a_warning checks; the other tests expect no finding at all.
PARAMS = PlanParams(door_stop_warn_wheelchair_m=60.0)

SCENARIO = Scenario(
    name="mini",
    centres=(CENTRE_TRA, CENTRE_BAL),
    sessions=SESSIONS,
    riders=(RIDER_A, RIDER_B, RIDER_C),
    vehicles=(VEHICLE,),
    network_path="data/osm/samsoe-2020-03-09.osm.bz2",
    plan_params=PARAMS,
)


def _coords(place: str) -> tuple[float, float]:
    kind, _, ident = place.partition(":")
    if kind == "depot":
        return VEHICLE.depot_lat, VEHICLE.depot_lon
    if kind == "centre":
        c = SCENARIO.centre(ident)
        return c.lat, c.lon
    r = SCENARIO.rider(ident)
    return r.lat, r.lon


PLACES = ("depot:V1", "centre:TRA", "centre:BAL", "home:A", "home:B", "home:C")


@pytest.fixture(scope="module")
def network(samso_network: RoadNetwork) -> RoadNetwork:
    return samso_network


@pytest.fixture(scope="module")
def matrix(network: RoadNetwork) -> TravelMatrix:
    points = [(p, *_coords(p)) for p in PLACES]
    return travel_matrix(network, snap_points(network, points, PARAMS.snap_max_m))


def _leg(matrix: TravelMatrix, a: str, b: str) -> tuple[int, int]:
    if a == b:
        return 0, 0
    i, j = matrix.index(a), matrix.index(b)
    return int(matrix.time_s[i, j]), int(matrix.distance_m[i, j])


def _floor_grid(t: int) -> int:
    return t - t % PARAMS.rounding_s


def _schedule(
    matrix: TravelMatrix,
    spec: Sequence[tuple[StopKind, str, tuple[str, ...]]],
    depot_departure_s: int,
    scenario: Scenario = SCENARIO,
) -> tuple[Stop, ...]:
    """Times, agreed times, loads and legs of a stop sequence, simulated forward with no waiting:
    each rider boards on arrival and the agreed time is that rounded down to the grid."""
    stops: list[Stop] = []
    t = depot_departure_s
    seats = wheelchairs = 0
    for i, (kind, place, riders) in enumerate(spec):
        arrival = t
        agreed = _floor_grid(arrival) if kind == "pickup" else None
        start = arrival
        board = 0
        for rider_id in riders:
            rider = scenario.rider(rider_id)
            board += PARAMS.boarding_wheelchair_s if rider.wheelchair else PARAMS.boarding_s
            sign = 1 if kind == "pickup" else -1
            seats += sign * rider.seats
            wheelchairs += sign * rider.wheelchair_places
        departure = start + board
        travel_s, distance_m = (0, 0) if i == len(spec) - 1 else _leg(matrix, place,
                                                                        spec[i + 1][1])
        lat, lon = _coords(place)
        stops.append(Stop(kind, riders, lat, lon, arrival, departure, seats, wheelchairs,
                          distance_m, travel_s, place=place, agreed_s=agreed))
        t = departure + travel_s
    return tuple(stops)


def _to_centre_run(
    matrix: TravelMatrix, run_id: str, weekday: str, session_id: str, pickups: Sequence[str],
    session_start_s: int,
) -> Run:
    """Depot → homes → centre TRA → depot, arriving in the window (aim 10 min before start)."""
    riders = tuple(pickups)
    spec: list[tuple[StopKind, str, tuple[str, ...]]] = [("depot", "depot:V1", ())]
    spec += [("pickup", f"home:{r}", (r,)) for r in pickups]
    spec += [("dropoff", "centre:TRA", riders), ("depot", "depot:V1", ())]
    lo = session_start_s - PARAMS.arrive_earliest_before_s
    hi = session_start_s - PARAMS.arrive_latest_before_s
    # Latest depot departure whose centre arrival lands in the window (rounding shifts it).
    first_leg = _leg(matrix, "depot:V1", f"home:{pickups[0]}")[0]
    for first_agreed in range(_floor_grid(hi), lo - 2 * H, -PARAMS.rounding_s):
        stops = _schedule(matrix, spec, first_agreed - first_leg)
        if lo <= stops[-2].arrival_s <= hi:
            return Run(run_id, weekday, "TRA", session_id, "to_centre", "V1", stops,
                       centre_ids=("TRA",), session_ids=(session_id,))
    raise AssertionError("no schedule fits the arrival window")


def _from_centre_run(
    matrix: TravelMatrix, run_id: str, weekday: str, session_id: str, dropoffs: Sequence[str],
    session_end_s: int,
) -> Run:
    """Depot → centre TRA (pickup at end + 5 min) → homes → depot."""
    riders = tuple(dropoffs)
    spec: list[tuple[StopKind, str, tuple[str, ...]]] = [("depot", "depot:V1", ()),
                                                          ("pickup", "centre:TRA", riders)]
    spec += [("dropoff", f"home:{r}", (r,)) for r in dropoffs]
    spec += [("depot", "depot:V1", ())]
    agreed = session_end_s + 5 * M
    stops = _schedule(matrix, spec, agreed - _leg(matrix, "depot:V1", "centre:TRA")[0])
    assert stops[1].agreed_s == agreed
    return Run(run_id, weekday, "TRA", session_id, "from_centre", "V1", stops,
               centre_ids=("TRA",), session_ids=(session_id,))


@pytest.fixture(scope="module")
def plan(matrix: TravelMatrix) -> Plan:
    runs = (
        _to_centre_run(matrix, "MON-TO-0900-V1", "mon", "TRA-MON-AM", ["A", "B"], 9 * H),
        _from_centre_run(matrix, "MON-FROM-1200-V1", "mon", "TRA-MON-AM", ["B"], 12 * H),
        _from_centre_run(matrix, "MON-FROM-1500-V1", "mon", "TRA-MON-PM", ["A"], 15 * H),
        _to_centre_run(matrix, "TUE-TO-0900-V1", "tue", "TRA-TUE", ["C", "A"], 9 * H),
        _from_centre_run(matrix, "TUE-FROM-1500-V1", "tue", "TRA-TUE", ["A"], 15 * H),
    )
    unserved = (Unserved("C", "tue", "TRA-TUE", "from_centre", "no wheelchair vehicle free"),)
    return Plan(runs=runs, unserved=unserved, scenario="mini")


def _codes(violations: Sequence[Violation], severity: str = "error") -> set[str]:
    return {v.code for v in violations if v.severity == severity}


def _check(
    plan: Plan,
    network: RoadNetwork,
    scenario: Scenario = SCENARIO,
    *,
    params: PlanParams | None = None,
    expected_trips: set[tuple[str, str, str]] | None = None,
) -> list[Violation]:
    return verify_plan(plan, scenario, network, params, expected_trips=expected_trips)


def _run(plan: Plan, run_id: str) -> Run:
    return next(r for r in plan.runs if r.run_id == run_id)


def _with_run(plan: Plan, run: Run) -> Plan:
    return replace(plan, runs=tuple(run if r.run_id == run.run_id else r for r in plan.runs))


def _with_stop(plan: Plan, run_id: str, index: int, **changes: object) -> Plan:
    run = _run(plan, run_id)
    stops = list(run.stops)
    stops[index] = replace(stops[index], **changes)  # type: ignore[arg-type]
    return _with_run(plan, replace(run, stops=tuple(stops)))


def _shift_run(run: Run, delta_s: int) -> Run:
    return replace(run, stops=tuple(
        replace(s, arrival_s=s.arrival_s + delta_s, departure_s=s.departure_s + delta_s,
                agreed_s=None if s.agreed_s is None else s.agreed_s + delta_s)
        for s in run.stops))


# ------------------------------------------------------------------------------------------


def test_expected_trips_from_sessions() -> None:
    assert expected_trips(SCENARIO) == {
        (r, d, direction)
        for r, d in (("A", "mon"), ("A", "tue"), ("B", "mon"), ("C", "tue"))
        for direction in ("to_centre", "from_centre")
    }


def test_correct_plan_passes(plan: Plan, network: RoadNetwork) -> None:
    assert _check(plan, network) == []


def test_plan_survives_json_round_trip(plan: Plan, network: RoadNetwork) -> None:
    assert _check(plan_from_dict(plan_to_dict(plan)), network) == []


def test_arrival_too_late(plan: Plan, network: RoadNetwork) -> None:
    late = _shift_run(_run(plan, "MON-TO-0900-V1"), 15 * M)
    violations = _check(_with_run(plan, late), network)
    assert "arrival_window" in _codes(violations)
    message = next(v.message for v in violations if v.code == "arrival_window")
    assert "MON-TO-0900-V1 stop 3" in message and "08:40–08:55" in message


def test_pickup_at_centre_outside_window(plan: Plan, network: RoadNetwork) -> None:
    late = _shift_run(_run(plan, "MON-FROM-1200-V1"), 20 * M)
    assert "pickup_window" in _codes(_check(_with_run(plan, late), network))


def test_capacity_exceeded(plan: Plan, network: RoadNetwork) -> None:
    small = replace(SCENARIO, vehicles=(replace(VEHICLE, seats=1, layouts=()),))
    assert "capacity_seats" in _codes(_check(plan, network, small))
    no_lift = replace(SCENARIO, vehicles=(replace(VEHICLE, seats=4, wheelchair_places=0,
                                                  layouts=()),))
    assert "capacity_wheelchairs" in _codes(_check(plan, network, no_lift))


def test_rider_missing(plan: Plan, network: RoadNetwork) -> None:
    fewer = replace(plan, runs=tuple(r for r in plan.runs if r.run_id != "MON-FROM-1200-V1"))
    violations = _check(fewer, network)
    assert _codes(violations) == {"missing_trip"}
    assert [v.rider_id for v in violations] == ["B"]


def test_unserved_entry_removed_is_missing(plan: Plan, network: RoadNetwork) -> None:
    assert _codes(_check(replace(plan, unserved=()), network)) == {"missing_trip"}


def test_duplicate_trip(plan: Plan, network: RoadNetwork) -> None:
    twice = replace(plan, unserved=(*plan.unserved,
                                    Unserved("B", "mon", "TRA-MON-AM", "to_centre", "test")))
    assert _codes(_check(twice, network)) == {"duplicate_trip"}


def test_duplicate_run_overlaps_vehicle(plan: Plan, network: RoadNetwork) -> None:
    copy = replace(_run(plan, "TUE-FROM-1500-V1"), run_id="TUE-FROM-1500-V1-copy")
    codes = _codes(_check(replace(plan, runs=(*plan.runs, copy)), network))
    assert {"duplicate_trip", "vehicle_overlap"} <= codes


def test_leg_distance_wrong(plan: Plan, network: RoadNetwork) -> None:
    stop = _run(plan, "MON-TO-0900-V1").stops[1]
    bad = _with_stop(plan, "MON-TO-0900-V1", 1, leg_distance_m=stop.leg_distance_m + 50)
    assert _codes(_check(bad, network)) == {"leg_distance"}


def test_leg_time_wrong_and_timetable_too_tight(plan: Plan, network: RoadNetwork) -> None:
    run = _run(plan, "MON-FROM-1500-V1")
    stop = run.stops[1]
    bad = _with_stop(plan, run.run_id, 1, leg_travel_s=stop.leg_travel_s - 120)
    assert _codes(_check(bad, network)) == {"leg_time"}
    # Arriving at the next stop earlier than the road allows.
    nxt = run.stops[2]
    early = _with_stop(plan, run.run_id, 2, arrival_s=nxt.arrival_s - 120)
    assert "travel_time" in _codes(_check(early, network))


def test_last_leg_not_zero(plan: Plan, network: RoadNetwork) -> None:
    bad = _with_stop(plan, "MON-TO-0900-V1", 4, leg_distance_m=10, leg_travel_s=5)
    assert _codes(_check(bad, network)) == {"leg_distance", "leg_time"}


def test_agreed_not_on_grid(plan: Plan, network: RoadNetwork) -> None:
    agreed = _run(plan, "MON-FROM-1500-V1").stops[1].agreed_s
    assert agreed is not None
    bad = _with_stop(plan, "MON-FROM-1500-V1", 1, agreed_s=agreed - 60)
    assert "agreed_not_on_grid" in _codes(_check(bad, network))


def test_late_at_pickup(plan: Plan, network: RoadNetwork) -> None:
    stop = _run(plan, "MON-TO-0900-V1").stops[1]
    agreed = stop.agreed_s
    assert agreed is not None
    # Within the pickup interval (boarding up to 10 min after the agreed time) is on time …
    ok = _with_stop(plan, "MON-TO-0900-V1", 1, arrival_s=agreed + 9 * M,
                    departure_s=agreed + 9 * M + PARAMS.boarding_s)
    assert "late_at_pickup" not in _codes(_check(ok, network))
    # … beyond it is late.
    late = _with_stop(plan, "MON-TO-0900-V1", 1, arrival_s=agreed + 11 * M,
                      departure_s=agreed + 11 * M + PARAMS.boarding_s)
    violations = _check(late, network)
    assert "late_at_pickup" in _codes(violations)
    message = next(v.message for v in violations if v.code == "late_at_pickup")
    assert "MON-TO-0900-V1 stop 1" in message and "10 min" in message


def _delay_from(run: Run, stop_index: int, delay_s: int, *, at_stop: bool) -> Run:
    """The run with the vehicle idle ``delay_s`` at (``at_stop``) or before stop ``stop_index``:
    later stops shift by the delay, agreed times stay."""
    stops = list(run.stops)
    for i in range(stop_index, len(stops)):
        st = stops[i]
        arrival = st.arrival_s if (i == stop_index and at_stop) else st.arrival_s + delay_s
        stops[i] = replace(st, arrival_s=arrival, departure_s=st.departure_s + delay_s)
    return replace(run, stops=tuple(stops))


def test_onboard_wait_is_flagged(plan: Plan, network: RoadNetwork) -> None:
    run = _run(plan, "MON-TO-0900-V1")  # depot → A → B → centre → depot
    assert run.stops[1].rider_ids == ("A",) and run.stops[2].rider_ids == ("B",)
    # The old timetable: the vehicle reaches B early and waits there with A on board.
    parked = _delay_from(run, 2, 4 * M, at_stop=True)
    violations = _check(_with_run(plan, parked), network)
    assert "onboard_wait" in _codes(violations)
    wait = next(v for v in violations if v.code == "onboard_wait")
    assert wait.rider_id == "A" and "stop 2" in wait.message and "4 min" in wait.message
    # Waiting on the way to the centre (arriving later than the drive takes) is flagged too.
    slow = _delay_from(run, 3, 3 * M, at_stop=False)
    assert "onboard_wait" in _codes(_check(_with_run(plan, slow), network))
    # Waiting before the first pickup, with nobody on board, is fine.
    early = _delay_from(run, 1, 0, at_stop=False)
    first = early.stops[1]
    early = replace(early, stops=(replace(early.stops[0], arrival_s=early.stops[0].arrival_s
                                          - 10 * M, departure_s=early.stops[0].departure_s
                                          - 10 * M),
                                  replace(first, arrival_s=first.arrival_s - 10 * M),
                                  *early.stops[2:]))
    assert _check(_with_run(plan, early), network) == []


def test_boarding_too_short(plan: Plan, network: RoadNetwork) -> None:
    stop = _run(plan, "TUE-TO-0900-V1").stops[1]  # wheelchair user C: 5 min
    rushed = _with_stop(plan, "TUE-TO-0900-V1", 1, departure_s=stop.departure_s - 60)
    assert "boarding" in _codes(_check(rushed, network))


def test_load_mismatch(plan: Plan, network: RoadNetwork) -> None:
    bad = _with_stop(plan, "MON-TO-0900-V1", 2, load_seats=3)
    assert _codes(_check(bad, network)) == {"load_mismatch"}


def test_ride_too_long(plan: Plan, network: RoadNetwork) -> None:
    strict_a = replace(RIDER_A, max_ride_s=60)
    scenario = replace(SCENARIO, riders=(strict_a, RIDER_B, RIDER_C))
    violations = _check(plan, network, scenario)
    assert _codes(violations) == {"ride_time"}
    assert {v.rider_id for v in violations} == {"A"}


def test_detour_factor(plan: Plan, network: RoadNetwork) -> None:
    params = PARAMS.with_overrides(detour_factor=1.0, min_detour_s=0)
    violations = _check(plan, network, params=params)
    # C is picked up first on Tuesday and waits while A boards: more than the direct trip.
    assert "detour" in _codes(violations)
    assert "C" in {v.rider_id for v in violations if v.code == "detour"}


def test_vehicle_overlap(plan: Plan, network: RoadNetwork) -> None:
    tue_to = _run(plan, "TUE-TO-0900-V1")
    # Tuesday's morning run moved to Monday: same times as Monday's run of the same vehicle.
    moved = replace(plan, runs=tuple(replace(r, weekday="mon") if r is tue_to else r
                                     for r in plan.runs))
    assert "vehicle_overlap" in _codes(_check(moved, network))


def test_vehicle_availability(plan: Plan, network: RoadNetwork) -> None:
    late_start = replace(SCENARIO, vehicles=(replace(VEHICLE, available_from_s=10 * H),))
    assert _codes(_check(plan, network, late_start)) == {"availability"}


def test_wrong_centre(plan: Plan, network: RoadNetwork) -> None:
    run = _run(plan, "MON-TO-0900-V1")
    relabelled = _with_run(plan, replace(run, centre_id="BAL", centre_ids=("BAL",)))
    assert _codes(_check(relabelled, network)) == {"wrong_centre"}
    # Dropping the riders at the other centre.
    elsewhere = _with_stop(plan, run.run_id, 3, place="centre:BAL", lat=CENTRE_BAL.lat,
                           lon=CENTRE_BAL.lon)
    codes = _codes(_check(elsewhere, network))
    assert "wrong_centre" in codes
    assert "leg_distance" in codes  # legs were computed to TRA


def test_wrong_place_and_position(plan: Plan, network: RoadNetwork) -> None:
    moved = _with_stop(plan, "MON-TO-0900-V1", 1, lat=RIDER_A.lat + 0.001)
    assert _codes(_check(moved, network)) == {"stop_position"}
    swapped = _with_stop(plan, "MON-TO-0900-V1", 1, place="home:B")
    codes = _codes(_check(swapped, network))
    assert {"wrong_place", "stop_position"} <= codes


def test_wrong_session(plan: Plan, network: RoadNetwork) -> None:
    run = _run(plan, "MON-FROM-1500-V1")
    bad = _with_run(plan, replace(run, session_id="TRA-MON-AM", session_ids=("TRA-MON-AM",)))
    assert _codes(_check(bad, network)) == {"wrong_session"}


def test_unknown_rider_and_unexpected_trip(plan: Plan, network: RoadNetwork) -> None:
    ghost = replace(plan, unserved=(*plan.unserved,
                                    Unserved("Z", "mon", "TRA-MON-AM", "to_centre", "test")))
    assert _codes(_check(ghost, network)) == {"unknown_rider"}
    wrong_day = replace(plan, unserved=(*plan.unserved,
                                        Unserved("B", "tue", "TRA-TUE", "to_centre", "test")))
    assert "unexpected_trip" in _codes(_check(wrong_day, network))


def test_order_dropoff_before_pickup(plan: Plan, network: RoadNetwork) -> None:
    run = _run(plan, "MON-TO-0900-V1")
    bad = _with_stop(plan, run.run_id, 3, rider_ids=("A",))  # B never dropped off
    codes = _codes(_check(bad, network))
    assert "order" in codes


def test_depot_rules(plan: Plan, network: RoadNetwork) -> None:
    bad = _with_stop(plan, "MON-TO-0900-V1", 0, place="depot:V2")
    assert "depot" in _codes(_check(bad, network))


def test_consistency(plan: Plan, network: RoadNetwork) -> None:
    # A is picked up first on Monday, after C on Tuesday; Tuesday's agreed time is 5 min
    # earlier (A boards within the pickup interval after it): the agreed times differ.
    mon = _run(plan, "MON-TO-0900-V1").stops[1].agreed_s
    tue = _run(plan, "TUE-TO-0900-V1").stops[2].agreed_s
    assert mon is not None and tue is not None
    tue -= 5 * M
    plan = _with_stop(plan, "TUE-TO-0900-V1", 2, agreed_s=tue)
    assert _check(plan, network) == []
    strict = PARAMS.with_overrides(consistency_s=0)
    violations = _check(plan, network, params=strict)
    assert _codes(violations) == {"consistency"}
    assert [v.rider_id for v in violations] == ["A"]
    excepted = replace(plan, kpis={"consistency_exceptions": [
        {"rider_id": "A", "direction": "to_centre", "spread_s": abs(mon - tue)}]})
    violations = _check(excepted, network, params=strict)
    assert _codes(violations) == set()
    assert _codes(violations, "warning") == {"consistency"}


def test_daily_expected_set(plan: Plan, network: RoadNetwork) -> None:
    monday = {t for t in expected_trips(SCENARIO) if t[1] == "mon"}
    monday_plan = replace(plan, runs=tuple(r for r in plan.runs if r.weekday == "mon"),
                          unserved=())
    assert _check(monday_plan, network, expected_trips=monday) == []
    # The full plan against Monday's set: Tuesday's trips are not expected.
    assert "unexpected_trip" in _codes(_check(plan, network, expected_trips=monday))


def test_messages_name_run_and_numbers(plan: Plan, network: RoadNetwork) -> None:
    small = replace(SCENARIO, vehicles=(replace(VEHICLE, seats=1, layouts=()),))
    v = next(v for v in _check(plan, network, small) if v.code == "capacity_seats")
    assert v.run_id is not None and v.run_id in v.message
    assert "vehicle V1 in layout 1+1 has 1" in v.message
    assert str(v).startswith("[error] capacity_seats:")


def test_co_located_riders_share_a_stop(matrix: TravelMatrix, network: RoadNetwork) -> None:
    # D lives at B's address (e.g. a couple): one stop named home:B serves both.
    rider_d = replace(RIDER_B, rider_id="D", name="Rider D", escort=True)
    scenario = replace(SCENARIO, riders=(RIDER_A, RIDER_B, RIDER_C, rider_d))
    spec_to: list[tuple[StopKind, str, tuple[str, ...]]] = [
        ("depot", "depot:V1", ()), ("pickup", "home:B", ("B", "D")),
        ("dropoff", "centre:TRA", ("B", "D")), ("depot", "depot:V1", ()),
    ]
    spec_from: list[tuple[StopKind, str, tuple[str, ...]]] = [
        ("depot", "depot:V1", ()), ("pickup", "centre:TRA", ("B", "D")),
        ("dropoff", "home:B", ("B", "D")), ("depot", "depot:V1", ()),
    ]
    to_stops = _schedule(matrix, spec_to, 8 * H + 45 * M - _leg(matrix, "depot:V1", "home:B")[0],
                         scenario)
    from_stops = _schedule(matrix, spec_from,
                           12 * H + 5 * M - _leg(matrix, "depot:V1", "centre:TRA")[0], scenario)
    assert to_stops[1].load_seats == RIDER_B.seats + rider_d.seats == 3
    runs = (
        Run("MON-TO-0900-V1", "mon", "TRA", "TRA-MON-AM", "to_centre", "V1", to_stops),
        Run("MON-FROM-1200-V1", "mon", "TRA", "TRA-MON-AM", "from_centre", "V1", from_stops),
    )
    expected = {(r, "mon", d) for r in ("B", "D") for d in ("to_centre", "from_centre")}
    assert verify_plan(Plan(runs, ()), scenario, network, expected_trips=expected) == []
    # Naming the shared stop after D instead is just as valid.
    renamed = replace(runs[0], stops=tuple(
        replace(st, place="home:D") if st.place == "home:B" else st for st in runs[0].stops))
    assert verify_plan(Plan((renamed, runs[1]), ()), scenario, network,
                       expected_trips=expected) == []


def test_direction_mislabelled(plan: Plan, network: RoadNetwork) -> None:
    run = _run(plan, "MON-FROM-1200-V1")
    bad = _with_run(plan, replace(run, direction="to_centre"))
    codes = _codes(_check(bad, network))
    assert {"wrong_place", "missing_trip", "duplicate_trip"} <= codes


def test_point_off_the_network(plan: Plan, network: RoadNetwork) -> None:
    at_sea = replace(RIDER_B, lat=55.70, lon=10.40)  # Kattegat, far from any road
    scenario = replace(SCENARIO, riders=(RIDER_A, at_sea, RIDER_C))
    codes = _codes(_check(plan, network, scenario))
    assert {"off_network", "stop_position"} <= codes


def test_depot_load_not_zero(plan: Plan, network: RoadNetwork) -> None:
    bad = _with_stop(plan, "MON-TO-0900-V1", 4, load_seats=1)
    assert _codes(_check(bad, network)) == {"depot", "load_mismatch"}


def test_door_far_from_stop_is_a_warning(plan: Plan, network: RoadNetwork) -> None:
    # With the default limits (100 m, 30 m for wheelchair users) rider C's 53 m is flagged.
    violations = _check(plan, network, params=PlanParams())
    assert [(v.code, v.rider_id, v.severity) for v in violations] == [
        ("door_far_from_stop", "C", "warning")]
    assert "53 m from the door (limit 30 m for a wheelchair user)" in violations[0].message
