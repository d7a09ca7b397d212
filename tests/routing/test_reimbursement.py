"""Reimbursement instead of the shared ride: rates, marginal cost, options and the decision.

Two layers: hand-checkable unit tests on a four-place matrix (exact figures), and scenarios on the
Samsø road network planned by the real planner (behaviour: who is warranted and why). Nothing is
granted without the centre's recorded assessment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from routing.model import Centre, Plan, Rider, Run, Scenario, Session, Stop, Unserved, Vehicle
from routing.params import PlanParams
from routing.planning.costing import runs_cost_ore
from routing.planning.reasons import danish
from routing.reimbursement.common import ReimbursementError
from routing.reimbursement.decision import SCHEMA, Decision, decide, recompute
from routing.reimbursement.facts import CentreAssessment, DecisionInputs, ReimbursementRules
from routing.reimbursement.inputs import assess, candidates
from routing.reimbursement.marginal import marginal_cost, marginal_costs, without_riders
from routing.reimbursement.rates import (
    EscortPolicy,
    RateTableError,
    available_years,
    load_rates,
    rates_from_mapping,
)

H = 3600
M = 60

# --------------------------------------------------------------------------------------------
# Rates


def test_shipped_years_and_sources() -> None:
    assert {2024, 2025, 2026} <= set(available_years())
    r24, r25, r26 = load_rates(2024), load_rates(2025), load_rates(2026)
    assert (r26.car_low_per_km_ore, r26.car_high_per_km_ore, r26.bicycle_per_km_ore) == (
        228, 394, 64)
    assert (r25.car_low_per_km_ore, r25.car_high_per_km_ore, r25.bicycle_per_km_ore) == (
        223, 381, 63)
    assert (r24.car_low_per_km_ore, r24.car_high_per_km_ore) == (223, 379)
    for table in (r24, r25, r26):
        assert table.source and table.car_source and table.bicycle_source
        # Fares and tariffs are examples, and say so.
        assert table.public_transport.example and table.taxi.example
        assert table.wheelchair_taxi.example
        assert "EXAMPLE" in table.taxi.source


def test_missing_year_lists_available(tmp_path: Path) -> None:
    with pytest.raises(RateTableError, match="available: 2024, 2025, 2026"):
        load_rates(1999)
    (tmp_path / "2030.toml").write_text('year = 2030\nsource = "x"\n', encoding="utf-8")
    with pytest.raises(RateTableError, match=r"2030\.toml: car: missing table"):
        load_rates(2030, tmp_path)


def test_malformed_rate_names_key() -> None:
    data = load_rates(2026).to_dict()
    data["taxi"]["per_km_ore"] = 12.5
    with pytest.raises(RateTableError, match=r"taxi\.per_km_ore: must be an integer"):
        rates_from_mapping(data)
    data = load_rates(2026).to_dict()
    data["escort"]["rule"] = "half"
    with pytest.raises(RateTableError, match=r"escort\.rule"):
        rates_from_mapping(data)


def test_rate_table_round_trips_through_dict() -> None:
    table = load_rates(2026)
    again = rates_from_mapping(json.loads(json.dumps(table.to_dict())))
    assert again.to_dict() == table.to_dict()


def test_fares_and_tariffs() -> None:
    rates = load_rates(2026)
    fares = rates.public_transport
    assert fares.zones(1_000) == 2  # the 2-zone minimum
    assert fares.zones(20_000) == 3
    assert fares.fare_ore(1_000) == fares.fares_ore[1]
    assert fares.fare_ore(10**7) == fares.fares_ore[-1]  # beyond the table: the last fare
    bands = replace(fares, kind="distance_bands", bands=((5_000, 2000), (15_000, 3000)))
    assert [bands.fare_ore(d) for d in (0, 5_000, 5_001, 99_000)] == [2000, 2000, 3000, 3000]
    # 10 km in 15 min: start + 10 × per km + 15 × per minute.
    taxi = rates.taxi
    assert taxi.fare_ore(10_000, 15 * M) == (
        taxi.start_ore + 10 * taxi.per_km_ore + 15 * taxi.per_min_ore)


# --------------------------------------------------------------------------------------------
# Marginal cost on a hand-made four-place matrix


@dataclass(frozen=True)
class FakeMatrix:
    ids: tuple[str, ...]
    time_s: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.int64]

    def index(self, place_id: str) -> int:
        return self.ids.index(place_id)


PLACES = ("depot:V", "home:A", "home:B", "centre:C")
# Travel times (s); distances are 10 m per second (36 km/h).
TIMES = np.array([
    [0, 600, 700, 300],
    [600, 0, 300, 480],
    [700, 300, 0, 600],
    [300, 480, 600, 0],
], dtype=np.int64)
FAKE = FakeMatrix(PLACES, TIMES, TIMES * 10)
TRANEBJERG = (55.8305, 10.5910)
NORDBY = (55.9609, 10.5709)  # on a Nordby street (55.9640, 10.5950 lies 1.5 km off the roads)


def _fake_scenario() -> Scenario:
    lat, lon = TRANEBJERG
    return Scenario(
        name="fake",
        centres=(Centre("C", "Aktivitetscentret", lat, lon),),
        sessions=(Session("C", "s1", "mon", 9 * H, 15 * H),
                  Session("C", "s2", "tue", 9 * H, 15 * H)),
        riders=(
            Rider("A", "A", lat, lon, "C", ("s1",)),
            Rider("B", "B", lat, lon, "C", ("s1", "s2")),
        ),
        vehicles=(Vehicle("V", lat, lon, seats=8, wheelchair_places=1, fixed_cost_ore=100_000,
                          cost_per_km_ore=1000, cost_per_hour_ore=36_000,
                          available_from_s=6 * H, available_to_s=18 * H),),
        network_path="",
        plan_params=PlanParams(),
    )


def _stop(kind: str, place: str, riders: tuple[str, ...], arr: int, dep: int, load: int,
          leg_s: int, agreed: int | None = None) -> Stop:
    return Stop(kind=kind, rider_ids=riders, lat=0.0, lon=0.0, arrival_s=arr,  # type: ignore[arg-type]
                departure_s=dep, load_seats=load, load_wheelchairs=0, leg_distance_m=leg_s * 10,
                leg_travel_s=leg_s, place=place, agreed_s=agreed)


def _fake_plan() -> Plan:
    t = 8 * H + 20 * M  # 08:20
    mon_to = Run("MON-TO", "mon", "C", "s1", "to_centre", "V", (
        _stop("depot", "depot:V", (), t, t, 0, 600),
        _stop("pickup", "home:A", ("A",), t + 600, t + 720, 1, 300, agreed=t + 600),
        _stop("pickup", "home:B", ("B",), t + 1020, t + 1320, 2, 600, agreed=t + 1200),
        _stop("dropoff", "centre:C", ("A", "B"), t + 1920, t + 2160, 0, 300),
        _stop("depot", "depot:V", (), t + 2460, t + 2460, 0, 0),
    ))
    f = 15 * H
    mon_from = Run("MON-FROM", "mon", "C", "s1", "from_centre", "V", (
        _stop("depot", "depot:V", (), f - 300, f - 300, 0, 300),
        _stop("pickup", "centre:C", ("A",), f, f + 120, 1, 480, agreed=f),
        _stop("dropoff", "home:A", ("A",), f + 600, f + 720, 0, 600),
        _stop("depot", "depot:V", (), f + 1320, f + 1320, 0, 0),
    ))
    t2 = 8 * H + 30 * M
    tue_to = Run("TUE-TO", "tue", "C", "s2", "to_centre", "V", (
        _stop("depot", "depot:V", (), t2, t2, 0, 700),
        _stop("pickup", "home:B", ("B",), t2 + 700, t2 + 820, 1, 600, agreed=t2 + 700),
        _stop("dropoff", "centre:C", ("B",), t2 + 1420, t2 + 1540, 0, 300),
        _stop("depot", "depot:V", (), t2 + 1840, t2 + 1840, 0, 0),
    ))
    return Plan(runs=(mon_to, mon_from, tue_to), unserved=())


def test_removing_a_later_pickup_shortens_the_run() -> None:
    scenario, plan = _fake_scenario(), _fake_plan()
    run = without_riders(plan.runs[0], {"B"}, scenario, FAKE)
    assert run is not None
    t = 8 * H + 20 * M
    assert [s.place for s in run.stops] == ["depot:V", "home:A", "centre:C", "depot:V"]
    # A keeps the agreed time; the new leg A→C (480 s) reaches the centre before its window
    # (09:00 - 20 min = 08:40), so the vehicle waits to arrive at 08:40; one rider alights (2 min).
    assert [(s.arrival_s, s.departure_s) for s in run.stops] == [
        (t, t), (t + 600, t + 720), (8 * H + 40 * M, 8 * H + 42 * M),
        (8 * H + 47 * M, 8 * H + 47 * M)]
    assert run.stops[1].agreed_s == t + 600
    assert [s.leg_travel_s for s in run.stops] == [600, 480, 300, 0]
    assert [s.load_seats for s in run.stops] == [0, 1, 0, 0]
    assert run.stops[2].rider_ids == ("A",)
    assert run.distance_m == 13_800
    assert run.duration_s == 1620


def test_removing_the_first_pickup_lets_the_depot_departure_move_later() -> None:
    scenario, plan = _fake_scenario(), _fake_plan()
    run = without_riders(plan.runs[0], {"A"}, scenario, FAKE)
    assert run is not None
    # B's agreed time 08:40 binds: leave the depot 700 s earlier, at 08:28:20.
    assert run.stops[0].departure_s == 8 * H + 40 * M - 700
    assert run.stops[1].arrival_s == 8 * H + 40 * M
    assert run.stops[2].arrival_s == 8 * H + 52 * M  # as planned, not later
    assert run.duration_s == 1840
    assert run.distance_m == 16_000


def test_marginal_cost_counts_variable_and_fixed_savings() -> None:
    scenario, plan = _fake_scenario(), _fake_plan()
    costs = marginal_costs(plan, scenario, FAKE)
    assert set(costs) == {"A", "B"}
    vehicles = {v.vehicle_id: v for v in scenario.vehicles}
    total = runs_cost_ore(plan.runs, vehicles)
    b = costs["B"]
    assert b.plan_cost_ore == total
    # Monday: 4.2 km and 840 s saved, at 1000 øre/km and 10 øre/s.
    mon = next(t for t in b.trips if t.run_id == "MON-TO")
    assert (mon.distance_saved_m, mon.duration_saved_s) == (4200, 840)
    assert mon.variable_saved_ore == 4200 + 8400
    assert not mon.run_dropped
    # Tuesday: B rides alone, so the run and the vehicle-day go.
    tue = next(t for t in b.trips if t.run_id == "TUE-TO")
    assert tue.run_dropped
    assert b.vehicle_days_saved == (("tue", "V"),)
    assert b.fixed_saved_ore == 100_000
    tue_run_cost = 16_000 + 18_400  # 16 km + 1840 s
    assert b.per_week_ore == 12_600 + tue_run_cost + 100_000
    assert b.without_rider_ore == total - b.per_week_ore
    assert b.per_trip_ore == round(b.per_week_ore / 2)
    # A shares Monday's vehicle-day with B: no fixed saving, and the same figure one by one.
    assert costs["A"].fixed_saved_ore == 0
    assert marginal_cost(plan, scenario, FAKE, "A") == costs["A"]


def test_marginal_cost_needs_matching_vehicle() -> None:
    scenario, plan = _fake_scenario(), _fake_plan()
    broken = replace(scenario, vehicles=())
    with pytest.raises(ReimbursementError, match="vehicle 'V'"):
        marginal_costs(plan, broken, FAKE)


# --------------------------------------------------------------------------------------------
# The decision from stored inputs (no network)

ASSESSED = CentreAssessment("Lone K., afdelingsleder", "2026-01-10",
                            "Borgeren bliver urolig af lange ture med andre")


def _inputs(**changes: Any) -> DecisionInputs:
    base = DecisionInputs(
        rider_id="R", centre_id="C", centre_name="Aktivitetscentret", wheelchair=False,
        escort=False, can_travel_alone=False, has_driver=False, distance_m=12_345,
        travel_s=14 * M, weekdays=("mon", "wed", "fri"),
    )
    return replace(base, **changes)


def test_the_centres_assessment_must_say_who_when_and_why() -> None:
    with pytest.raises(ReimbursementError, match="missing: assessed_by"):
        CentreAssessment(" ", "2026-01-10", "x")
    with pytest.raises(ReimbursementError, match="missing: reason"):
        CentreAssessment("Lone", "2026-01-10", "  ")
    with pytest.raises(ReimbursementError, match="not YYYY-MM-DD"):
        CentreAssessment("Lone", "10/1/2026", "x")
    # A legacy free-text assessment (no who, no when) counts as none.
    assert CentreAssessment.from_value("Kan ikke tåle turen") is None


def test_options_and_reasons_follow_the_riders_abilities() -> None:
    rates = load_rates(2026)
    # Wheelchair user, nobody drives: only a wheelchair taxi is reasonable → referral, no money.
    d = decide(_inputs(wheelchair=True, centre_assessment=ASSESSED), rates)
    by = {o.means: o for o in d.options}
    assert d.outcome == "referral" and not d.warranted and d.chosen is None
    assert d.per_trip_ore == d.per_week_ore == d.per_month_ore == 0
    assert by["wheelchair_taxi"].reasonable and not by["wheelchair_taxi"].reimbursable
    assert {o.means for o in d.excluded} == {"public_transport", "own_car", "bicycle", "taxi"}
    assert "individuel afgørelse" in d.text_da and "bevilges ikke som godtgørelse" in d.text_da
    assert "kørestol" in by["taxi"].reason_da and "wheelchair" in by["taxi"].reason_en
    assert "alene" in by["public_transport"].reason_da
    # Someone can drive them: the car at the low rate.
    d = decide(_inputs(wheelchair=True, has_driver=True, centre_assessment=ASSESSED), rates)
    assert d.outcome == "reimbursement" and d.chosen is not None and d.chosen.means == "own_car"
    assert d.per_trip_ore == round(12_345 * 228 / 1000)
    # Travelling alone by bus does not mean cycling: the bus fare, not the bicycle rate.
    d = decide(_inputs(can_travel_alone=True, distance_m=4_000, centre_assessment=ASSESSED),
               rates)
    assert d.chosen is not None and d.chosen.means == "public_transport"
    assert "cykle" in {o.means: o for o in d.options}["bicycle"].reason_da
    # A rider who can cycle, close by: the bicycle rate (above the minimum amount).
    d = decide(_inputs(can_cycle=True, distance_m=9_000, centre_assessment=ASSESSED), rates)
    assert d.chosen is not None and d.chosen.means == "bicycle"
    assert d.per_trip_ore == round(9_000 * 64 / 1000)
    # Nobody drives, no bus, no bicycle: an ordinary taxi is reasonable but not reimbursed.
    d = decide(_inputs(centre_assessment=ASSESSED), rates)
    assert d.outcome == "referral" and d.cheapest is None and d.per_week_ore == 0


def test_no_token_amounts_and_walking_distance() -> None:
    rates = load_rates(2026)
    # 700 m by bicycle is 0,45 kr.: the municipality's minimum is paid instead.
    d = decide(_inputs(can_cycle=True, distance_m=700, centre_assessment=ASSESSED), rates)
    assert d.chosen is not None and d.chosen.per_trip_ore == round(700 * 64 / 1000)
    assert d.per_trip_ore == 500 and "mindstebeløb" in d.text_da
    # 300 m for a rider who gets about alone: walk, no amount.
    d = decide(_inputs(can_cycle=True, distance_m=300, centre_assessment=ASSESSED), rates)
    assert d.outcome == "walk" and d.per_trip_ore == 0 and "kort" in d.text_da
    # The same distance in a wheelchair is not a walk.
    d = decide(_inputs(wheelchair=True, has_driver=True, distance_m=300,
                       centre_assessment=ASSESSED), rates)
    assert d.outcome == "reimbursement" and d.per_trip_ore == 500
    rules = ReimbursementRules(walk_max_m=0, min_per_trip_ore=0)
    d = decide(_inputs(can_cycle=True, distance_m=300, centre_assessment=ASSESSED, rules=rules),
               rates)
    assert d.outcome == "reimbursement" and d.per_trip_ore == round(300 * 64 / 1000)


def test_high_car_rate_and_escort_surcharge_are_configurable() -> None:
    rates = load_rates(2026)
    d = decide(_inputs(has_driver=True, centre_assessment=ASSESSED,
                       rules=ReimbursementRules(car_rate="high")), rates)
    assert d.per_trip_ore == round(12_345 * 394 / 1000)
    surcharge = replace(rates, escort=EscortPolicy("surcharge", 50, ("public_transport",)))
    fare = rates.public_transport.fare_ore(12_345)
    d = decide(_inputs(can_travel_alone=True, escort=True, centre_assessment=ASSESSED),
               surcharge)
    assert d.chosen is not None and d.chosen.means == "public_transport"
    assert d.per_trip_ore == fare + fare // 2 and d.chosen.escort_extra_ore == fare // 2
    not_covered = replace(rates, escort=EscortPolicy("not_covered"))
    d = decide(_inputs(can_travel_alone=True, escort=True, centre_assessment=ASSESSED),
               not_covered)
    assert d.per_trip_ore == fare and "dækkes ikke" in d.text_da


def test_economic_ground_is_a_signal_never_a_grant() -> None:
    rates = load_rates(2026)
    fare_week = 6 * rates.public_transport.fare_ore(12_345)
    dear = _inputs(can_travel_alone=True, plan_checked=True, served_trips=6,
                   marginal_per_week_ore=10 * fare_week)
    d = decide(dear, rates)
    assert d.outcome == "shared_ride" and not d.warranted and d.per_week_ore == 0
    assert [s.kind for s in d.signals] == ["economic"] and d.grounds == ()
    assert d.reason_da.startswith("Nej: du tilbydes samkørsel")
    # The letter claims no assessment nobody made.
    assert "samlet faglig og økonomisk vurdering" not in d.text_da
    assert "koster" not in d.text_da
    assert decide(replace(dear, marginal_per_week_ore=fare_week), rates).signals == ()
    assert decide(dear, rates, cost_multiple=20).signals == ()
    # With the centre's assessment the economic fact is stated as a supporting ground.
    d = decide(replace(dear, centre_assessment=ASSESSED), rates)
    assert d.warranted and [g.kind for g in d.grounds] == ["centre_assessment", "economic"]
    assert "Lone K." in d.text_da and "lørdag den 10. januar 2026" in d.text_da


def test_decision_record_is_json_and_recomputes() -> None:
    d = decide(_inputs(has_driver=True, centre_assessment=ASSESSED), load_rates(2025))
    record = json.loads(json.dumps(d.to_dict(), ensure_ascii=False))
    assert record["schema"] == SCHEMA and record["outcome"] == "reimbursement"
    assert record["rates_year"] == 2025 and record["rates"]["car"]["low_per_km_ore"] == 223
    assert record["inputs"]["centre_assessment"]["assessed_by"] == "Lone K., afdelingsleder"
    assert DecisionInputs.from_dict(record["inputs"]) == d.inputs
    again = recompute(record, load_rates(2026))
    assert again.per_trip_ore == round(12_345 * 228 / 1000) != d.per_trip_ore
    assert recompute(d, load_rates(2025)).to_dict() == d.to_dict()


def test_municipal_appeal_guidance_replaces_the_general_one() -> None:
    text = "Klagevejledning\nKlag inden 4 uger til Handicap, Socialpsykiatri og Myndighed."
    d = decide(_inputs(has_driver=True, centre_assessment=ASSESSED, appeal_da=text),
               load_rates(2026))
    assert d.text_da.rstrip().endswith("Handicap, Socialpsykiatri og Myndighed.")


# --------------------------------------------------------------------------------------------
# Samsø: a planned week


@pytest.fixture(scope="module")
def network(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("samso_network")
    except pytest.FixtureLookupError:
        from routing.network.roads import default_cache_dir, default_network_path, load_network

        return load_network(default_network_path(), cache_dir=default_cache_dir())


def _samso_scenario() -> Scenario:
    lat, lon = TRANEBJERG
    sessions = (Session("TB", "mon", "mon", 9 * H, 15 * H),
                Session("TB", "wed", "wed", 9 * H, 15 * H))
    days = ("mon", "wed")
    riders = (
        # Wheelchair user in Nordby; the fleet has no wheelchair place.
        Rider("W", "W", *NORDBY, "TB", days, wheelchair=True),
        # Can take the bus; lives in Nordby in the house next to N, whom the ride fetches anyway.
        Rider("B", "B", 55.9626, 10.5698, "TB", days, can_travel_alone=True),
        Rider("N", "N", 55.9625, 10.5697, "TB", days),
        # Neither alone nor driven, close to the centre and to other riders.
        Rider("C", "C", 55.8320, 10.5940, "TB", days),
        Rider("T", "T", 55.8290, 10.5880, "TB", days),
        # A relative can drive them (Ballen).
        Rider("D", "D", 55.8170, 10.6380, "TB", days, has_driver=True),
    )
    vehicles = tuple(
        Vehicle(f"BUS{i}", lat, lon, seats=8, wheelchair_places=0, fixed_cost_ore=150_000,
                cost_per_km_ore=800, cost_per_hour_ore=30_000, available_from_s=6 * H,
                available_to_s=18 * H)
        for i in (1, 2)
    )
    return Scenario(
        name="samso-reimbursement",
        centres=(Centre("TB", "Samsø Aktivitetscenter", lat, lon),),
        sessions=sessions, riders=riders, vehicles=vehicles, network_path="",
        plan_params=PlanParams(time_limit_s=2.0),
    )


@dataclass(frozen=True)
class Planned:
    scenario: Scenario
    matrix: Any
    plan: Plan


@pytest.fixture(scope="module")
def planned(network: Any) -> Iterator[Planned]:
    from routing.planning.planner import build_plan, place_matrix

    scenario = _samso_scenario()
    matrix = place_matrix(scenario, network)
    plan = build_plan(scenario, network, matrix=matrix)
    yield Planned(scenario, matrix, plan)


def test_unserved_wheelchair_user_is_a_candidate_then_a_referral(planned: Planned) -> None:
    s, plan, rates = planned.scenario, planned.plan, load_rates(2026)
    assert {u.rider_id for u in plan.unserved} == {"W"}
    d = assess("W", s, planned.matrix, rates, plan=plan)
    assert d.outcome == "shared_ride" and not d.warranted and d.grounds == ()
    assert [g.kind for g in d.signals] == ["cannot_be_served"]
    # The planner's reason is cited, in Danish.
    assert danish(plan.unserved[0].reason) in d.signals[0].text_da
    assert plan.unserved[0].reason in d.signals[0].text_en
    listed = {c.rider_id: c for c in candidates(plan, s, planned.matrix, rates)}
    assert "W" in listed and listed["W"].text_da.startswith("Overvej en vurdering")
    d = assess("W", s, planned.matrix, rates, plan=plan, centre_assessment=ASSESSED)
    assert d.outcome == "referral" and d.chosen is None and d.per_week_ore == 0
    assert [g.kind for g in d.grounds] == []  # a referral grants nothing


def test_bus_rider_warranted_only_with_the_centres_assessment(planned: Planned) -> None:
    s, plan, rates = planned.scenario, planned.plan, load_rates(2026)
    assert not any(u.rider_id == "B" for u in plan.unserved)
    d = assess("B", s, planned.matrix, rates, plan=plan)
    assert not d.warranted and d.chosen is None and d.per_trip_ore == 0
    assert d.reason_en.startswith("No: the shared ride is offered")
    assert d.cheapest is not None and d.cheapest.means == "public_transport"
    d = assess("B", s, planned.matrix, rates, plan=plan, centre_assessment=ASSESSED)
    assert d.warranted and d.grounds[0].kind == "centre_assessment"
    assert d.chosen is not None and d.chosen.means == "public_transport"
    assert d.per_trip_ore == rates.public_transport.fare_ore(d.inputs.distance_m)
    assert {"bicycle", "own_car"} <= {o.means for o in d.excluded}


def test_rider_close_to_a_run_is_not_warranted(planned: Planned) -> None:
    s, plan = planned.scenario, planned.plan
    costs = marginal_costs(plan, s, planned.matrix)
    assert set(costs) == {r.rider_id for r in s.riders}
    c = costs["C"]
    assert c.served_trips == 4 and c.fixed_saved_ore == 0
    assert c.per_week_ore >= 0
    d = assess("C", s, planned.matrix, load_rates(2026), plan=plan, marginal=c)
    assert not d.warranted and not d.grounds
    assert d.inputs.marginal_per_week_ore == c.per_week_ore
    assert "klage" in d.text_da and "4 uger" in d.text_da


def test_runs_without_a_rider_still_keep_every_rule(planned: Planned, network: Any) -> None:
    """The removal behind the marginal cost leaves runs the independent checker accepts."""
    from routing.verify.checks import verify_plan

    s, plan = planned.scenario, planned.plan
    base = {v.code for v in verify_plan(plan, s, network) if v.severity == "error"}
    for rider_id in ("B", "C", "D"):
        runs = [without_riders(r, {rider_id}, s, planned.matrix) for r in plan.runs]
        reduced = replace(plan, runs=tuple(r for r in runs if r is not None))
        rest = replace(s, riders=tuple(r for r in s.riders if r.rider_id != rider_id))
        new = [v for v in verify_plan(reduced, rest, network)
               if v.severity == "error" and v.code not in base]
        assert new == [], rider_id
        assert sum(r.distance_m for r in reduced.runs) <= sum(r.distance_m for r in plan.runs)


def test_rate_change_between_years_changes_the_amount(planned: Planned) -> None:
    s, plan = planned.scenario, planned.plan
    d25 = assess("D", s, planned.matrix, load_rates(2025), plan=plan,
                 centre_assessment=ASSESSED)
    assert d25.chosen is not None and d25.chosen.means == "own_car"
    km = d25.inputs.distance_m
    assert km > 1000
    d26 = recompute(d25.to_dict(), load_rates(2026))
    assert d25.per_trip_ore == round(km * 223 / 1000)
    assert d26.per_trip_ore == round(km * 228 / 1000)
    assert d26.per_week_ore - d25.per_week_ore == 4 * (d26.per_trip_ore - d25.per_trip_ore) > 0
    assert (d25.rates_year, d26.rates_year) == (2025, 2026)
    assert d26.inputs == d25.inputs


def test_danish_decision_text_has_reasons_and_appeal_guidance(planned: Planned) -> None:
    from datetime import date

    from routing.operations.calendar import CentreCalendar

    d = assess("D", planned.scenario, planned.matrix, load_rates(2026), plan=planned.plan,
               calendar=CentreCalendar(), decided_on=date(2026, 1, 15),
               centre_assessment=ASSESSED)
    text = d.text_da
    for needle in ("Afgørelse", "Begrundelse", "kilometergodtgørelse", "ikke forsvarlig",
                   "Lovgrundlag", "BEK", "nr. 483", "§ 105, stk. 2", "§ 1, stk. 3",
                   "Klagevejledning", "klage", "4 uger", "Ankestyrelsen", "2026-01-15",
                   "Lone K."):
        assert needle in text, needle
    # Actual open days: 12 months of 2026, fewer trips in December (Christmas) than in March.
    months = dict(d.by_month_ore)
    assert len(months) == 12 and months["2026-12"] < months["2026-03"]
    assert d.per_month_ore == round(sum(months.values()) / 12)


def test_plan_of_another_scenario_is_rejected(planned: Planned) -> None:
    s = planned.scenario
    stranger = Rider("X", "X", *TRANEBJERG, "TB", ("mon",))
    s2 = replace(s, riders=(*s.riders, stranger))
    with pytest.raises(ReimbursementError, match="rider X is neither in a run"):
        assess("X", s2, _MatrixWithHome(planned.matrix), load_rates(2026), plan=planned.plan)


class _MatrixWithHome:
    """The planned matrix, with ``home:X`` standing in for ``home:T``'s row (a test double)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.time_s = inner.time_s
        self.distance_m = inner.distance_m

    def index(self, place_id: str) -> int:
        return int(self.inner.index("home:T" if place_id == "home:X" else place_id))


def test_unserved_reason_is_cited_verbatim_without_network() -> None:
    plan = replace(_fake_plan(), unserved=(
        Unserved("A", "mon", "s1", "from_centre", "direct trip 80 min > max 60 min"),))
    d = assess("A", _fake_scenario(), FAKE, load_rates(2026), plan=plan)
    assert not d.warranted and "den direkte tur tager 80 min; længste tilladte køretid er 60 min" \
        in d.signals[0].text_da
    assert "direct trip 80 min > max 60 min" in d.signals[0].text_en
    assert isinstance(d, Decision)
