"""Whole-day vehicles (issue 17, item 2) on the Samsø network: one vehicle's day through
several waves, its fixed price once, no waiting on board, consistency windows kept, the
verifier clean; and the day model's problem itself (groups, fixed price, travel via a depot)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict

import pytest
from demo_subsets import FAST

from routing.model import Scenario
from routing.network.roads import RoadNetwork
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore
from routing.planning.planner import _Context, _DayState, build_plan
from routing.planning.trips import (
    place_matrix,
    rider_trips,
    scenario_places,
    snap_places,
    waves_of_day,
)
from routing.planning.whole_day import (
    build_day_problem,
    day_tries,
    day_work_limit,
    use_whole_day,
)
from routing.verify.checks import verify_plan

WHOLE = dataclasses.replace(FAST, day_model="whole_day")


def _module_case(demo: Scenario, days: tuple[str, ...] = ("mon",)) -> Scenario:
    """Tranebjerg riders of the demo: three in the morning module only (home at 12:00), three
    in the afternoon only (in at 12:00), two in both; one minibus with a fixed price and one
    taxi: cheapest when the minibus serves every wave of the day."""
    tra = [r for r in demo.riders if r.centre_id == "TRA" and not r.wheelchair and not r.escort]
    riders = []
    for i, r in enumerate(tra[:8]):
        part = ("AM",) if i < 3 else ("PM",) if i < 6 else ("AM", "PM")
        sids = tuple(f"TRA-{d.upper()}-{m}" for d in days for m in part)
        riders.append(dataclasses.replace(r, session_ids=sids, max_ride_s=None))
    bus = next(v for v in demo.vehicles if v.kind == "minibus")
    taxi = next(v for v in demo.vehicles if v.kind == "taxi")
    keep = {s for r in riders for s in r.session_ids}
    return dataclasses.replace(
        demo, riders=tuple(riders), vehicles=(bus, taxi),
        sessions=tuple(s for s in demo.sessions if s.session_id in keep), plan_params=WHOLE)


@pytest.fixture(scope="module")
def module_case(demo: Scenario) -> Scenario:
    return _module_case(demo, ("mon", "tue"))


@pytest.fixture(scope="module")
def whole_plan(module_case: Scenario, samso_network: RoadNetwork):  # type: ignore[no-untyped-def]
    return build_plan(module_case, samso_network, WHOLE)


def test_whole_day_plan_is_verified_and_serves_everyone(  # type: ignore[no-untyped-def]
        module_case: Scenario, whole_plan, samso_network: RoadNetwork) -> None:
    errors = [v for v in verify_plan(whole_plan, module_case, samso_network)
              if v.severity == "error"]
    assert errors == []
    assert whole_plan.unserved == ()
    served = {(r, run.weekday, run.direction) for run in whole_plan.runs for r in run.rider_ids}
    assert served == {(t.rider_id, t.weekday, t.direction) for t in rider_trips(module_case)}
    days = [w for w in whole_plan.stats["waves"] if str(w["wave"]).endswith("WHOLE-DAY")]
    assert {str(w["wave"]) for w in days} == {"MON-WHOLE-DAY", "TUE-WHOLE-DAY"}


def test_a_vehicle_chains_its_waves_and_pays_its_fixed_price_once(  # type: ignore[no-untyped-def]
        module_case: Scenario, whole_plan) -> None:
    runs_of: dict[tuple[str, str], list] = defaultdict(list)  # type: ignore[type-arg]
    for run in whole_plan.runs:
        runs_of[(run.weekday, run.vehicle_id)].append(run)
    # Some vehicle serves three or four waves of a day (in 09, home 12, in 12, home 15) ...
    longest = max(runs_of.values(), key=len)
    assert len({(r.direction, r.centre_time_s // 3600) for r in longest}) >= 3
    # ... one run after the other, each from and back to its depot.
    longest.sort(key=lambda r: r.stops[0].departure_s)
    for a, b in itertools.pairwise(longest):
        assert a.stops[-1].arrival_s <= b.stops[0].departure_s
    # The plan's cost counts the fixed price once per vehicle-day, not once per run.
    vehicles = {v.vehicle_id: v for v in module_case.vehicles}
    variable = sum(run_variable_cost_ore(r, vehicles[r.vehicle_id]) for r in whole_plan.runs)
    fixed = sum(vehicles[v].fixed_cost_ore for _d, v in runs_of)
    assert round(whole_plan.kpis["cost_dkk"] * 100) == variable + fixed
    assert whole_plan.kpis["vehicle_days"] == len(runs_of)
    assert whole_plan.kpis["runs"] > whole_plan.kpis["vehicle_days"]


def test_no_waiting_on_board_and_consistent_times(whole_plan) -> None:  # type: ignore[no-untyped-def]
    assert whole_plan.kpis["onboard_wait_total_min"] == 0
    # Tuesday was planned inside Monday's consistency windows (or lists the exception).
    assert (whole_plan.kpis["consistency_within_limit_pct"] == 100.0
            or whole_plan.kpis["consistency_exceptions"])
    assert whole_plan.kpis["consistency_max_spread_min"] <= 10 or \
        whole_plan.kpis["consistency_exceptions"]


@pytest.mark.parametrize("between_runs", ["centre", "depot"])
def test_day_problem_groups_waves_and_travels_between_them_via_a_depot(
        module_case: Scenario, samso_network: RoadNetwork, between_runs: str) -> None:
    params = dataclasses.replace(WHOLE, between_runs=between_runs)
    snapped = snap_places(module_case, samso_network, params)
    ctx = _Context(
        scenario=module_case, params=params, matrix=place_matrix(module_case, samso_network),
        snapped={s.point_id: s for s in snapped},
        riders={r.rider_id: r for r in module_case.riders},
        vehicles={v.vehicle_id: v for v in module_case.vehicles},
        coords={pl: (lat, lon) for pl, lat, lon in scenario_places(module_case)})
    monday = [t for t in rider_trips(module_case) if t.weekday == "mon"]
    waves = waves_of_day(monday, params)
    assert len(waves) == 4
    trips = [t for w in waves for t in w]
    wave_of = [i for i, w in enumerate(waves) for _ in w]
    windows: dict[tuple[str, str], tuple[int, int]] = {
        (trips[0].rider_id, trips[0].direction): (8 * 3600, 8 * 3600 + 600)}
    problem, locs, vehicle_ids = build_day_problem(
        trips, wave_of, ctx, windows, _DayState({}, set()), "test")
    assert [r.group for r in problem.requests] == wave_of
    # The fixed price is in every vehicle (paid once by its day), time charged for driving only.
    for fv, (vid, _layout) in zip(problem.vehicles, vehicle_ids, strict=True):
        assert fv.fixed_cost == ctx.vehicles[vid].fixed_cost_ore * 100
        assert fv.cost_per_time == 0 and fv.cost_per_travel_time > 0
    # The consistency window bounds the pickup (on the grid: boarding before 08:15).
    first = problem.requests[0].pickup
    assert first is not None and (first.earliest, first.latest) == (8 * 3600, 8 * 3600 + 899)
    # The same centre in two waves: reached only through a depot, unless the vehicle may
    # wait at the centre (between_runs = "centre"): then directly, in no time.
    centre = next(pl for pl, _w in locs if pl.startswith("centre:"))
    a, b = locs.index((centre, 0)), locs.index((centre, 1))
    depot = locs.index((f"depot:{vehicle_ids[0][0]}", -1))
    via = problem.time[a, depot] + problem.time[depot, b]
    assert via > 0
    if between_runs == "centre":
        assert problem.time[a, b] == 0
    else:
        assert problem.time[a, b] >= via
    assert problem.time[a, a] == 0
    # From a home, the next wave is always reached through a depot.
    home = next(i for i, (pl, w) in enumerate(locs) if pl.startswith("home:") and w == 0)
    assert problem.time[home, b] >= problem.time[home, depot] + problem.time[depot, b]


def test_day_model_choice_and_a_larger_budget_buys_more_work(
        module_case: Scenario, samso_network: RoadNetwork) -> None:
    def ctx(params: PlanParams) -> _Context:
        return _Context(module_case, params, None, {}, {}, {}, {})  # type: ignore[arg-type]

    auto = PlanParams()
    assert use_whole_day(auto.whole_day_max_requests, ctx(auto))
    assert not use_whole_day(auto.whole_day_max_requests + 1, ctx(auto))
    assert not use_whole_day(10, ctx(dataclasses.replace(auto, day_model="waves")))
    assert use_whole_day(10**6, ctx(dataclasses.replace(auto, day_model="whole_day")))
    at = [dataclasses.replace(auto, time_limit_s=s) for s in (60, 300)]
    assert day_work_limit(ctx(at[0]), 4) == day_work_limit(ctx(at[1]), 4) == 400
    assert (day_tries(ctx(at[0])), day_tries(ctx(at[1]))) == (1, 3)


def test_riders_of_different_groups_never_share_the_vehicle() -> None:
    """Two riders from the same door to the same centre: together when they may be, one after
    the other when their requests belong to different groups (waves)."""
    import numpy as np

    from routing.planning.problem import (
        FleetVehicle,
        Request,
        RoutingProblem,
        SolveOptions,
        Visit,
    )
    from routing.planning.solver import solve

    t = np.array([[0, 300, 600], [300, 0, 300], [600, 300, 0]], dtype=np.int64)

    def problem(groups: tuple[int | None, int | None]) -> RoutingProblem:
        reqs = tuple(Request(f"r{i}", Visit(2, 0, 10**5, 60), (1,), Visit(1, 0, 10**5, 60),
                             max_ride=3600, drop_penalty=10**9, group=g)
                     for i, g in enumerate(groups))
        return RoutingProblem(t, t, reqs, (FleetVehicle("v", 0, 0, (2,),
                                                        cost_per_travel_time=1.0),),
                              no_wait_on_board=True)

    def onboard_together(sol) -> bool:  # type: ignore[no-untyped-def]
        load, peak = 0, 0
        for v in sol.routes[0].visits:
            load += {"pickup": 1, "delivery": -1}.get(v.kind, 0)
            peak = max(peak, load)
        return peak > 1

    together = solve(problem((None, None)), SolveOptions(time_limit_s=2))
    apart = solve(problem((0, 1)), SolveOptions(time_limit_s=2))
    assert not together.dropped and not apart.dropped
    assert onboard_together(together) and not onboard_together(apart)
    # Driving and service are charged, waiting is not: the shared trip costs less.
    assert together.objective < apart.objective


# --------------------------------------------------------------------------------------------
# Waiting at a centre between runs (between_runs = "centre", the default)


def _terminals(plan):  # type: ignore[no-untyped-def]
    return [(r.stops[0].place, r.stops[-1].place) for r in plan.runs]


@pytest.fixture(scope="module")
def depot_plan(module_case: Scenario, samso_network: RoadNetwork):  # type: ignore[no-untyped-def]
    params = dataclasses.replace(WHOLE, between_runs="depot")
    return build_plan(dataclasses.replace(module_case, plan_params=params), samso_network,
                      params)


def _chained_at_centre(plan):  # type: ignore[no-untyped-def]
    """Pairs (run, next run of its vehicle and day) where the first ends at a centre."""
    by_vday: dict[tuple[str, str], list] = defaultdict(list)  # type: ignore[type-arg]
    for run in plan.runs:
        by_vday[(run.weekday, run.vehicle_id)].append(run)
    pairs = []
    for runs in by_vday.values():
        runs.sort(key=lambda r: r.stops[0].departure_s)
        pairs += [(a, b) for a, b in itertools.pairwise(runs)
                  if a.stops[-1].place.startswith("centre:")]
    return pairs


def test_a_vehicle_waits_at_the_centre_between_waves(  # type: ignore[no-untyped-def]
        module_case: Scenario, whole_plan, depot_plan, samso_network: RoadNetwork) -> None:
    assert whole_plan.params.between_runs == "centre"
    pairs = _chained_at_centre(whole_plan)
    # The 12:00 arrivals are dropped and the 12:00 leavers picked up in one visit.
    assert pairs
    for a, b in pairs:
        assert a.direction == "to_centre"
        end = a.stops[-1]
        assert end.kind == "depot" and end.rider_ids == () and end.load_seats == 0
        # The terminal is right after the last drop-off, at its centre, with no leg.
        assert a.stops[-2].kind == "dropoff" and a.stops[-2].place == end.place
        assert a.stops[-2].leg_travel_s == 0 and end.arrival_s == a.stops[-2].departure_s
        assert b.stops[0].place == end.place
        assert b.stops[0].departure_s >= end.arrival_s
    # Each vehicle's day still starts and ends at its depot.
    by_vday: dict[tuple[str, str], list] = defaultdict(list)  # type: ignore[type-arg]
    for run in whole_plan.runs:
        by_vday[(run.weekday, run.vehicle_id)].append(run)
    for (_day, vid), runs in by_vday.items():
        runs.sort(key=lambda r: r.stops[0].departure_s)
        assert runs[0].stops[0].place == f"depot:{vid}"
        assert runs[-1].stops[-1].place == f"depot:{vid}"
    errors = [v for v in verify_plan(whole_plan, module_case, samso_network)
              if v.severity == "error"]
    assert errors == []
    # Cheaper than (or as cheap as) returning to the depot between the waves.
    assert whole_plan.unserved == depot_plan.unserved == ()
    assert whole_plan.kpis["cost_dkk"] <= depot_plan.kpis["cost_dkk"]


def test_between_runs_depot_keeps_every_run_at_the_depot(  # type: ignore[no-untyped-def]
        module_case: Scenario, depot_plan, samso_network: RoadNetwork) -> None:
    assert depot_plan.params.between_runs == "depot"
    assert depot_plan.runs
    for run in depot_plan.runs:
        assert run.stops[0].place == run.stops[-1].place == f"depot:{run.vehicle_id}"
    params = dataclasses.replace(WHOLE, between_runs="depot")
    errors = [v for v in verify_plan(depot_plan, dataclasses.replace(
        module_case, plan_params=params), samso_network) if v.severity == "error"]
    assert errors == []


def _moved_start(run, place: str, scenario: Scenario):  # type: ignore[no-untyped-def]
    centre = scenario.centre(place.partition(":")[2])
    return dataclasses.replace(run, stops=(
        dataclasses.replace(run.stops[0], place=place, lat=centre.lat, lon=centre.lon),
        *run.stops[1:]))


def test_verifier_flags_an_unreachable_start_and_a_day_starting_at_a_centre(  # type: ignore[no-untyped-def]
        module_case: Scenario, whole_plan, samso_network: RoadNetwork) -> None:
    # The shortest wait at a centre (the 12:00 arrivals dropped, the 12:00 leavers next) ...
    a, b = min(_chained_at_centre(whole_plan),
               key=lambda ab: ab[1].stops[0].departure_s - ab[0].stops[-1].arrival_s)
    assert b.stops[0].departure_s - a.stops[-1].arrival_s < 15 * 60
    # ... but the next run starts at the other centre, which the vehicle cannot reach in the
    # minutes between the runs.
    other = next(f"centre:{c.centre_id}" for c in module_case.centres
                 if f"centre:{c.centre_id}" != a.stops[-1].place)
    far = _moved_start(b, other, module_case)
    runs = tuple(far if r.run_id == b.run_id else r for r in whole_plan.runs)
    found = [v for v in verify_plan(dataclasses.replace(whole_plan, runs=runs), module_case,
                                    samso_network) if v.code == "vehicle_chain"]
    assert [v.run_id for v in found] == [b.run_id]
    assert a.run_id in found[0].message and other in found[0].message
    # A vehicle's first run of the day starting at a centre.
    first = min((r for r in whole_plan.runs
                 if (r.weekday, r.vehicle_id) == (a.weekday, a.vehicle_id)),
                key=lambda r: r.stops[0].departure_s)
    assert first.stops[0].place.startswith("depot:")
    moved = _moved_start(first, a.stops[-1].place, module_case)
    runs = tuple(moved if r.run_id == first.run_id else r for r in whole_plan.runs)
    found = [v for v in verify_plan(dataclasses.replace(whole_plan, runs=runs), module_case,
                                    samso_network) if v.code == "vehicle_day"]
    assert [v.run_id for v in found] == [first.run_id]


def test_daily_runs_after_afbud_empty_a_run_that_ends_at_the_centre(  # type: ignore[no-untyped-def]
        module_case: Scenario, whole_plan, samso_network: RoadNetwork) -> None:
    from datetime import date

    from routing.operations.daily import daily_expected_trips, daily_runs
    from routing.planning.planner import place_matrix

    matrix = place_matrix(module_case, samso_network)
    monday = date(2026, 3, 2)
    trips = {(r, run.weekday, run.direction) for run in whole_plan.runs for r in run.rider_ids}
    pairs = [(a, b) for a, b in _chained_at_centre(whole_plan) if a.weekday == "mon"]
    assert pairs
    for a, _b in pairs:
        absent = {(r, "to_centre") for r in a.rider_ids}
        day = daily_runs(whole_plan, module_case, matrix, monday, absent, set())
        assert a.run_id in {c.run_id for c in day.cancelled}
        errors = [str(v) for v in verify_plan(
            day.as_plan(), module_case, samso_network,
            expected_trips=daily_expected_trips(trips, day)) if v.severity == "error"]
        assert errors == []
        # The vehicle's day still starts and ends at its depot.
        own = sorted((r for r in day.runs if r.vehicle_id == a.vehicle_id),
                     key=lambda r: r.stops[0].departure_s)
        assert own[0].stops[0].place == own[-1].stops[-1].place == f"depot:{a.vehicle_id}"


def test_marginal_cost_of_the_only_rider_of_a_run_waiting_at_the_centre(  # type: ignore[no-untyped-def]
        demo: Scenario, samso_network: RoadNetwork) -> None:
    """Without its only rider the morning run goes, so the vehicle's next run (which started at
    the centre where the morning run waited) starts at the depot: the reimbursement's removal
    cost counts that, as the day's runs after the rider's afbud do."""
    from datetime import date

    from routing.operations.daily import daily_runs
    from routing.planning.costing import runs_cost_ore
    from routing.planning.planner import place_matrix
    from routing.reimbursement.marginal import marginal_cost

    tra = [r for r in demo.riders if r.centre_id == "TRA" and not r.wheelchair and not r.escort]
    riders = [dataclasses.replace(r, session_ids=("TRA-MON-AM",) if i == 0 else ("TRA-MON-PM",),
                                  max_ride_s=None) for i, r in enumerate(tra[:4])]
    bus = next(v for v in demo.vehicles if v.kind == "minibus")
    keep = {s for r in riders for s in r.session_ids}
    case = dataclasses.replace(demo, riders=tuple(riders), vehicles=(bus,), plan_params=WHOLE,
                               sessions=tuple(s for s in demo.sessions if s.session_id in keep))
    plan = build_plan(case, samso_network, WHOLE)
    alone = riders[0].rider_id
    first = min(plan.runs, key=lambda r: r.stops[0].departure_s)
    assert first.rider_ids == (alone,) and first.stops[-1].place == "centre:TRA"
    matrix = place_matrix(case, samso_network)
    cost = marginal_cost(plan, case, matrix, alone)
    day = daily_runs(plan, case, matrix, date(2026, 3, 2),
                     {(alone, "to_centre"), (alone, "from_centre")}, set())
    assert min(day.runs, key=lambda r: r.stops[0].departure_s).stops[0].place == "depot:" + \
        bus.vehicle_id
    assert cost.without_rider_ore == runs_cost_ore(day.runs, {bus.vehicle_id: bus})
