"""Days in parallel (worker processes, a part runner) and the time budget as a promise.

The plans are real (demo riders on the Samsø network, OR-Tools); what is asserted is behaviour:
the verifier finds nothing, times stay consistent across weekdays, the same parts give the same
plan wherever they are solved, and a large problem stopped by its deadline still returns a whole
solution whose missing requests are the ones the clock left out. No wall-clock speed is asserted.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from demo_subsets import first_riders
from test_construction import _problem, check_routes

from routing.model import WEEKDAYS, Plan, Scenario
from routing.network.roads import RoadNetwork
from routing.params import PlanParams
from routing.planning import day_parts
from routing.planning.budget import Deadline
from routing.planning.decompose import solve_large
from routing.planning.plan_io import plan_to_dict
from routing.planning.planner import build_plan
from routing.planning.problem import SolveOptions
from routing.planning.week import windows_for
from routing.verify.checks import verify_plan

# The work limit ends every wave long before the clock: the plans are reproducible.
PARAMS = PlanParams(time_limit_s=120.0, solution_limit=15)


@pytest.fixture(scope="module")
def week(demo: Scenario) -> Scenario:
    sc = first_riders(demo, 12, days=WEEKDAYS, params=PARAMS)
    weekday = {s.session_id: s.weekday for s in sc.sessions}
    busiest = Counter(weekday[s] for r in sc.riders for s in r.session_ids).most_common(1)[0][0]
    # Three riders do not attend the busiest day (the anchor): their days agree without it.
    riders = []
    for k, r in enumerate(sc.riders):
        others = tuple(s for s in r.session_ids if weekday[s] != busiest)
        if k < 3 and len({weekday[s] for s in others}) >= 2:
            r = dataclasses.replace(r, session_ids=others)
        riders.append(r)
    sc = dataclasses.replace(sc, riders=tuple(riders))
    assert len(set(weekday.values())) >= 3
    assert sum(all(weekday[s] != busiest for s in r.session_ids) for r in sc.riders) >= 1
    return sc


@pytest.fixture(scope="module")
def parallel_plan(week: Scenario, samso_network: RoadNetwork) -> Plan:
    return build_plan(week, samso_network, PARAMS.with_overrides(workers=2))


def _spread_ok(plan: Plan, limit_s: int) -> None:
    listed = {(e["rider_id"], e["direction"]) for e in plan.kpis["consistency_exceptions"]}
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for run in plan.runs:
        for stop in run.stops:
            if stop.kind == "pickup" and stop.agreed_s is not None:
                for rid in stop.rider_ids:
                    seen[(rid, run.direction)].append(stop.agreed_s)
    for key, times in seen.items():
        assert max(times) - min(times) <= limit_s or key in listed, (key, times)


def test_two_workers_give_a_verified_consistent_plan(week: Scenario, parallel_plan: Plan,
                                                     samso_network: RoadNetwork) -> None:
    plan = parallel_plan
    assert plan.stats["workers"] == 2
    # The anchor (busiest day) alone, then the others together in one round.
    days = plan.stats["days"]
    assert "parallel_round_s" not in days[0]
    weekday = {s.session_id: s.weekday for s in week.sessions}
    assert any(all(weekday[s] != days[0]["day"] for s in r.session_ids) for r in week.riders)
    assert all("parallel_round_s" in d for d in days[1:]) and len(days) >= 3
    errors = [v for v in verify_plan(plan, week, samso_network) if v.severity == "error"]
    assert errors == []
    assert plan.kpis["trips_unserved"] == 0
    assert plan.stats["deterministic"]
    _spread_ok(plan, 600)


def test_days_solved_together_get_half_windows_around_the_anchor() -> None:
    from routing.planning.trips import Trip

    trip = Trip("R1", "tue", "to_centre", "C1", "S", 9 * 3600)
    seen = {("R1", "to_centre"): [8 * 3600]}
    assert windows_for([trip], seen, 600, together=False) == {
        ("R1", "to_centre"): (8 * 3600 - 600, 8 * 3600 + 600)}
    # Two days each within ±5 min of the anchor are within 10 min of each other.
    assert windows_for([trip], seen, 600, together=True) == {
        ("R1", "to_centre"): (8 * 3600 - 300, 8 * 3600 + 300)}
    assert windows_for([trip], seen, None, together=True) == {}


def _runs(plan: Plan) -> str:
    doc = plan_to_dict(plan)
    return json.dumps([doc["runs"], doc["unserved"]], sort_keys=True)


def test_parts_through_a_part_runner_give_the_same_plan(
        week: Scenario, parallel_plan: Plan, samso_network: RoadNetwork) -> None:
    from api.jobs.parts import solve_inline

    calls: list[int] = []

    def elsewhere(solver: str, specs: Sequence[Mapping[str, Any]]) -> list[Any]:
        # As on another machine: JSON specs, no context left from the planner's process.
        calls.append(len(specs))
        day_parts._CONTEXTS.clear()
        return solve_inline(solver, json.loads(json.dumps(list(specs))))

    params = PARAMS.with_overrides(workers=2)
    by_runner = build_plan(week, samso_network, params, run_parts=elsewhere)
    assert calls == [len(by_runner.stats["days"]) - 1]
    assert by_runner.stats["deterministic"]
    assert _runs(by_runner) == _runs(parallel_plan)
    # In the planner's own process the registered context is used as it is: same plan.
    inline = build_plan(week, samso_network, params, run_parts=solve_inline)
    assert _runs(inline) == _runs(parallel_plan)


def test_one_worker_is_the_sequential_loop(week: Scenario, samso_network: RoadNetwork) -> None:
    plan = build_plan(week, samso_network, PARAMS.with_overrides(workers=1))
    assert plan.stats["workers"] == 1
    assert not any("parallel_round_s" in d for d in plan.stats["days"])
    assert plan.kpis["trips_unserved"] == 0
    _spread_ok(plan, 600)


def test_solve_large_keeps_its_deadline_with_a_whole_solution() -> None:
    problem = _problem(n=300, seed=7, vehicles=140)
    # A deadline the construction cannot meet: it stops, and what it built is returned whole.
    sol = solve_large(problem, SolveOptions(time_limit_s=60, solution_limit=100),
                      piece_requests=30, deadline=Deadline.after(0.05))
    unreached = set(sol.stats["unreached"])
    assert unreached and set(sol.dropped) == unreached | set(sol.stats["no_room"])
    served = check_routes(problem, sol.routes)
    assert served == set(range(300)) - set(sol.dropped)
    assert sol.stats["pieces_improved"] == 0  # no time was left for any piece
    # With time for the construction, nothing is left out by the clock; improved or not, every
    # piece is accounted for and the solution stays valid.
    full = solve_large(problem, SolveOptions(time_limit_s=60, solution_limit=30),
                       piece_requests=30, deadline=Deadline.after(60))
    assert not full.stats["unreached"] and not full.dropped
    assert full.stats["pieces"] >= 2 and full.stats["pieces_skipped"] == 0
    assert check_routes(problem, full.routes) == set(range(300))


def test_pieces_in_worker_processes_give_the_same_solution() -> None:
    problem = _problem(n=60, seed=3, vehicles=30)
    options = SolveOptions(time_limit_s=60, solution_limit=30)
    one = solve_large(problem, options, piece_requests=15)
    two = solve_large(problem, options, piece_requests=15, workers=2)
    assert one.stats["pieces"] >= 2
    assert [(r.vehicle, r.visits) for r in one.routes] == [(r.vehicle, r.visits)
                                                           for r in two.routes]


def test_cli_rejects_a_negative_worker_count(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "--scenario", str(tmp_path), "--out", str(out),
                                      "--workers", "-1"])
    assert result.exit_code == 2
    assert "--workers" in result.output and not out.exists()


def test_construction_tries_the_wider_window_before_dropping_it() -> None:
    from routing.planning.construction import construct
    from routing.planning.problem import Request, RoutingProblem, Visit

    wide = _problem(n=6, seed=5)
    # Request 0 must board by 10 but may not arrive before 900 and nobody waits on board.
    tight = [Request(r.request_id, r.delivery, r.demand,
                     Visit(r.pickup.location, 0, 10, r.pickup.service) if i == 0 and r.pickup
                     else r.pickup, r.max_ride, r.drop_penalty, r.allowed_vehicles)
             for i, r in enumerate(wide.requests)]
    problem = RoutingProblem(time=wide.time, distance=wide.distance, requests=tuple(tight),
                             vehicles=wide.vehicles, no_wait_on_board=True)
    c = construct(problem, fallback=wide, middle=wide)
    assert c.widened == (0,) and c.relaxed == () and not c.no_room
    assert construct(problem, fallback=wide).relaxed == (0,)


def test_a_part_that_waited_gets_what_is_left_of_the_plan_time() -> None:
    spec = {"budget_s": 30.0, "deadline_unix": 1_000.0}
    assert day_parts.part_budget(spec, now=960.0) == 30.0   # started at once: its own budget
    assert day_parts.part_budget(spec, now=985.0) == 15.0   # waited 25 s in the queue
    assert day_parts.part_budget(spec, now=1_200.0) == 0.0  # started after the plan's deadline
    assert day_parts.part_budget({"budget_s": 30.0}, now=1e9) == 30.0  # an older spec
