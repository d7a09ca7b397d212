"""Benchmark readers, the independent evaluator and the runner, on tiny hand-made instances.

Fixtures in ``tests/data/bench/`` (coordinates chosen on 3-4-5 triangles so that distances can be
checked by hand):

- ``a2-tiny.txt`` (Cordeau DARP): depot (0,0); pickups 1 (3,0) and 2 (0,4), drop-offs 3 (3,4) and
  4 (0,8); 2 vehicles, T = 60, Q = 2, L = 15, service 1; node 2 must be served in [10, 20].
- ``lc-tiny.txt`` (Li & Lim): the same points, pairs 1→3 (5 units) and 2→4 (3 units), capacity 10.
- ``c-tiny.txt`` (Solomon/Homberger): customers 1 (3,0) demand 4, 2 (3,4) demand 5, 3 (0,4)
  demand 6, capacity 10 (so at least two routes), CRLF line ends as in the original files.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from benchmarks.evaluate import evaluate
from benchmarks.instance import (
    DEFAULT_ROOT,
    SCALE,
    BenchInstance,
    BenchmarkNotFoundError,
    BenchResult,
)
from benchmarks.readers import (
    CORDEAU_BEST,
    _tightened,
    instance_paths,
    load_instance,
    read_best_known,
    read_cordeau,
    read_homberger,
    read_lilim,
)
from benchmarks.results import read_solution, write_json, write_solutions
from benchmarks.run import run_benchmarks, summarize
from routing.errors import BenchmarkFormatError
from routing.planning.problem import SolveOptions

BENCH = Path(__file__).parents[1] / "data" / "bench"
DARP = BENCH / "a2-tiny.txt"
LILIM = BENCH / "lc-tiny.txt"
VRPTW = BENCH / "c-tiny.txt"

# A feasible DARP route: 1 picked up at 3, dropped at 8; 2 picked up at 12, dropped at 17; back
# at 26. Distance 3 + 4 + 3 + 4 + 8 = 22.
DARP_GOOD = [(0, 1, 3, 2, 4, 0)]


def _with(inst: BenchInstance, **arrays: tuple[int, float]) -> BenchInstance:
    """A copy with single entries of the named arrays changed (``latest=(2, 11.0)``)."""
    changes = {}
    for name, (node, value) in arrays.items():
        arr = getattr(inst, name).copy()
        arr[node] = value
        changes[name] = arr
    return dataclasses.replace(inst, **changes)


# --------------------------------------------------------------------------------------------
# Readers


def test_read_cordeau_builds_scaled_pickup_delivery_problem() -> None:
    inst = read_cordeau(DARP)
    p = inst.problem
    assert inst.name == "a2-tiny" and inst.set == "darp"
    assert p.distance.shape == (5, 5)
    assert p.distance[0, 1] == 3000 and p.distance[1, 2] == 5000 and p.distance[0, 4] == 8000
    # sqrt(73) = 8.5440037...: the distance rounds to nearest, the travel time rounds up.
    assert p.distance[1, 4] == 8544 and p.time[1, 4] == 8545
    assert p.time[0, 1] == 3000 and p.time[2, 2] == 0
    assert [(r.pickup.location if r.pickup else None, r.delivery.location) for r in p.requests] \
        == [(1, 3), (2, 4)]
    r2 = p.requests[1]
    assert r2.pickup is not None
    assert (r2.pickup.earliest, r2.pickup.latest, r2.pickup.service) == (10_000, 20_000, 1000)
    assert r2.demand == (1,)
    # Cordeau's L counts from the end of service at the pickup: 15 + 1 in the solver's terms.
    assert all(r.max_ride == 16_000 for r in p.requests)
    # Serving a request must beat dropping it whatever the detour: more than any solution's length.
    bound = int(p.distance.max()) * (4 + 2)
    assert all(r.drop_penalty is not None and r.drop_penalty > bound for r in p.requests)
    assert len(p.vehicles) == 2
    v = p.vehicles[0]
    assert (v.start_location, v.end_location, v.capacity) == (0, 0, (2,))
    assert (v.earliest_start, v.latest_end, v.max_duration) == (0, 200_000, 60_000)
    assert (v.fixed_cost, v.cost_per_distance, v.cost_per_time) == (0, 1.0, 0.0)
    assert inst.pairs == ((1, 3), (2, 4)) and inst.customers == (1, 2, 3, 4)
    assert inst.max_ride == 15 and inst.max_route_duration == 60 and inst.capacity == 2


def test_read_cordeau_uses_end_depot_row_when_present(tmp_path: Path) -> None:
    path = tmp_path / "a2-end.txt"
    path.write_text(DARP.read_text() + "5 0.000 0.000 0 0 0 60\n")
    inst = read_cordeau(path)
    assert inst.end_depot == 5
    assert inst.problem.vehicles[0].end_location == 5
    assert inst.problem.vehicles[0].latest_end == 60_000
    assert evaluate(inst, [(0, 1, 3, 2, 4, 5)]).feasible
    assert not evaluate(inst, DARP_GOOD).feasible  # must end at node 5


def test_read_lilim_pairs_and_objectives() -> None:
    inst = read_lilim(LILIM)
    p = inst.problem
    assert inst.pairs == ((1, 3), (2, 4))
    assert [(r.pickup.location if r.pickup else None, r.delivery.location, r.demand)
            for r in p.requests] == [(1, 3, (5,)), (2, 4, (3,))]
    assert all(r.max_ride is None for r in p.requests)
    assert p.time[1, 4] == 8545 and p.distance[1, 4] == 8544
    assert p.requests[0].delivery.latest == 60_000 and p.requests[0].delivery.service == 2000
    assert len(p.vehicles) == 2 and p.vehicles[0].capacity == (10,)
    assert p.vehicles[0].latest_end == 100_000 and p.vehicles[0].fixed_cost == 0
    hier = read_lilim(LILIM, objective="routes-then-distance")
    fixed = hier.problem.vehicles[0].fixed_cost
    # One vehicle fewer must outweigh any distance: more than the longest arc × arcs.
    assert fixed > int(hier.problem.distance.max()) * (4 + 2)
    assert all(r.drop_penalty is not None and r.drop_penalty > fixed
               for r in hier.problem.requests)


def test_read_homberger_customers_loaded_at_depot() -> None:
    inst = read_homberger(VRPTW)
    p = inst.problem
    assert inst.customers == (1, 2, 3) and inst.pairs == ()
    assert all(r.pickup is None for r in p.requests)
    assert [r.demand for r in p.requests] == [(4,), (5,), (6,)]
    assert (p.requests[1].delivery.earliest, p.requests[1].delivery.latest) == (5000, 30_000)
    assert p.distance[2, 0] == 5000 and p.time[1, 3] == 5000
    assert len(p.vehicles) == 2 and p.vehicles[0].capacity == (10,)
    assert p.vehicles[0].fixed_cost > 0  # routes first by default
    assert read_homberger(VRPTW, objective="distance").problem.vehicles[0].fixed_cost == 0


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a-bad.txt", "2 4 60 2\n", "header"),
    ("a-odd.txt", "2 3 60 2 15\n0 0 0 0 0 0 200\n", "odd"),
    ("a-load.txt", "2 2 60 2 15\n0 0 0 0 0 0 9\n1 0 0 1 1 0 9\n2 1 1 1 -2 0 9\n", "line 4"),
    ("a-id.txt", "2 2 60 2 15\n0 0 0 0 0 0 9\n2 0 0 1 1 0 9\n1 1 1 1 -1 0 9\n", "line 3"),
])
def test_cordeau_format_errors_name_file_and_line(tmp_path: Path, name: str, text: str,
                                                  message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BenchmarkFormatError, match=message) as info:
        read_cordeau(path)
    assert name in str(info.value)


def test_lilim_unmatched_pair_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "lc-bad.txt"
    # Delivery 3 names pickup 2 instead of 1.
    path.write_text(LILIM.read_text().replace("-5\t0\t60\t2\t1\t0", "-5\t0\t60\t2\t2\t0"))
    with pytest.raises(BenchmarkFormatError, match="line 3: pickup 1 names delivery 3"):
        read_lilim(path)


def test_missing_instance_and_folder(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkNotFoundError):
        read_homberger(tmp_path / "nope.txt")
    with pytest.raises(BenchmarkNotFoundError):
        instance_paths("darp", tmp_path)
    with pytest.raises(ValueError, match="unknown benchmark set"):
        instance_paths("tsp", tmp_path)


# --------------------------------------------------------------------------------------------
# Evaluator


def test_evaluate_feasible_route_and_distance() -> None:
    ev = evaluate(read_cordeau(DARP), DARP_GOOD)
    assert ev.feasible, ev.violations
    assert ev.distance == pytest.approx(22.0)
    assert ev.routes == 1 and ev.missing == ()
    # Unused vehicles (depot to depot) are not routes.
    assert evaluate(read_cordeau(DARP), [*DARP_GOOD, (0, 0)]).routes == 1


def test_evaluate_detects_capacity_violation() -> None:
    inst = read_cordeau(DARP)
    both_aboard = [(0, 1, 2, 3, 4, 0)]
    assert not any("capacity" in v for v in evaluate(inst, both_aboard).violations)
    ev = evaluate(dataclasses.replace(inst, capacity=1.0), both_aboard)
    assert any("load 2 exceeds capacity 1" in v for v in ev.violations)
    vrp = read_homberger(VRPTW)
    ev = evaluate(vrp, [(0, 2, 3, 0), (0, 1, 0)])  # 5 + 6 > 10
    assert ev.violations == ("route 1: load 11 exceeds capacity 10",)


def test_evaluate_detects_time_window_violation() -> None:
    inst = _with(read_cordeau(DARP), latest=(2, 11.0))  # node 2 reached at 12 at the earliest
    ev = evaluate(inst, DARP_GOOD)
    assert any("node 2 served at 12.000, after its window closes at 11" in v
               for v in ev.violations)
    # Li & Lim: return to the depot after it closes.
    lil = _with(read_lilim(LILIM), latest=(0, 20.0))
    assert any("node 0 served" in v for v in evaluate(lil, [(0, 1, 3, 2, 4, 0)]).violations)


def test_evaluate_waiting_is_allowed() -> None:
    # Going to node 2 first arrives at 4 and waits until its window opens at 10.
    ev = evaluate(read_cordeau(DARP), [(0, 2, 4, 1, 3, 0)])
    assert ev.feasible, ev.violations


def test_evaluate_detects_ride_time_violation() -> None:
    # Both aboard, 2 dropped before 1: rider 1 rides at least 16 whatever the waiting (limit 15).
    ev = evaluate(read_cordeau(DARP), [(0, 1, 2, 4, 3, 0)])
    assert ev.violations == ("route 1: request 1→3 rides at least 16.000, above the limit 15",)


def test_evaluate_detects_duration_violation() -> None:
    inst = dataclasses.replace(read_cordeau(DARP), max_route_duration=20.0)
    ev = evaluate(inst, DARP_GOOD)
    assert ev.violations == ("route 1: lasts at least 26.000, above the limit 20",)


def test_evaluate_detects_limits_that_conflict_only_together() -> None:
    # Route 0 1 2 3 4 0 with node 1 served by 5 and node 4 from 28: 7 units of waiting between
    # them, with rider 1 or rider 2 (or both) aboard. Each ride (at least 9) can take all of it
    # alone within the limit 12, but not both together.
    inst = read_cordeau(DARP)
    route = [(0, 1, 2, 3, 4, 0)]
    assert evaluate(inst, route).feasible
    tight = dataclasses.replace(_with(_with(inst, latest=(1, 5.0)), earliest=(4, 28.0)),
                                max_ride=12.0)
    ev = evaluate(tight, route)
    assert ev.violations == ("route 1: no schedule meets all its ride-time and duration limits "
                             "together",)
    looser = dataclasses.replace(tight, max_ride=12.5)
    assert evaluate(looser, route).feasible


def test_evaluate_detects_missing_duplicate_and_precedence() -> None:
    inst = read_cordeau(DARP)
    ev = evaluate(inst, [(0, 1, 3, 0)])
    assert ev.violations == ("request 2 not served",) and ev.missing == (2, 4)
    ev = evaluate(inst, [(0, 3, 1, 2, 4, 0)])
    assert "route 1: delivery 3 before its pickup 1" in ev.violations
    ev = evaluate(inst, [(0, 1, 0), (0, 3, 2, 4, 0)])
    assert "route 1: request 1→3 is split across routes" in ev.violations
    ev = evaluate(inst, [(0, 1, 3, 0), (0, 1, 3, 2, 4, 0)])
    assert "node 1 visited 2 times" in ev.violations
    ev = evaluate(inst, [(0, 1, 3, 0), (0, 2, 4, 0), (0, 2, 4, 0)])
    assert "3 routes, but the fleet has 2 vehicles" in ev.violations
    assert not evaluate(inst, [(1, 3, 2, 4)]).feasible
    assert not evaluate(inst, [(0, 1, 0, 3, 2, 4, 0)]).feasible
    assert not evaluate(inst, [(0, 1, 3, 2, 4, 9, 0)]).feasible
    vrp = read_homberger(VRPTW)
    assert evaluate(vrp, [(0, 1, 2, 0)]).violations == ("customer 3 not served",)


# --------------------------------------------------------------------------------------------
# Published solutions on the real instances (skipped without the benchmark folder)

needs_data = pytest.mark.skipif(not DEFAULT_ROOT.is_dir(),
                                reason=f"benchmark data not found at {DEFAULT_ROOT}")


@needs_data
def test_evaluate_reproduces_published_optimum_a2_16() -> None:
    inst = load_instance("darp", DEFAULT_ROOT / "darp-cordeau" / "a2-16.txt")
    ev = evaluate(inst, read_solution(BENCH / "a2-16.opt.sol"))
    assert ev.feasible, ev.violations
    assert ev.distance == pytest.approx(294.24795, abs=1e-4)
    assert inst.best_known == CORDEAU_BEST["a2-16"] == pytest.approx(ev.distance, abs=0.005)


@needs_data
def test_evaluate_reproduces_best_known_lr101() -> None:
    inst = load_instance("lilim-hier", DEFAULT_ROOT / "lilim-100" / "lr101.txt")
    ev = evaluate(inst, read_solution(BENCH / "lr101.bks.sol"))
    assert ev.feasible, ev.violations
    assert (ev.routes, inst.best_known_routes) == (19, 19)
    assert ev.distance == pytest.approx(inst.best_known, abs=1e-3)


@needs_data
@pytest.mark.parametrize("set_name", ["darp", "darp-b", "lilim", "lilim-hier", "homberger"])
def test_every_real_instance_reads_with_a_reference(set_name: str) -> None:
    paths = instance_paths(set_name)
    assert len(paths) in (21, 56, 60)
    for path in paths:
        inst = load_instance(set_name, path)
        assert inst.best_known is not None, path
        assert inst.problem.requests


def test_read_best_known_keeps_fewest_routes_then_distance(tmp_path: Path) -> None:
    path = tmp_path / "best-known.csv"
    path.write_text("benchmark,clients,instance,when,routes,distance,who\n"
                    "LiLim,100,lc1,2001,10,900.5,a\n"
                    "LiLim,100,lc1,2003,9,1000.0,b\n"
                    "LiLim,200,lc1,2003,5,1.0,c\n")
    assert read_best_known(path, "LiLim", 100) == {"lc1": (9, 1000.0)}


# --------------------------------------------------------------------------------------------
# Through the solver


def _fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "benchmarks"
    for folder, src in (("darp-cordeau", DARP), ("lilim-100", LILIM), ("homberger-200", VRPTW)):
        (root / folder).mkdir(parents=True)
        shutil.copy(src, root / folder / src.name)
    (root / "lilim-100" / "distance-only-reference.csv").write_text(
        "instance,routes,distance\nlc-tiny,1,22.0\n")
    (root / "best-known.csv").write_text(
        "benchmark,clients,instance,when,routes,distance,who\n"
        "GehringHomberger,200,c-tiny,2001,2,20.0,hand\n")
    return root


def test_solving_tiny_instances_gives_feasible_solutions(tmp_path: Path) -> None:
    pytest.importorskip("ortools")
    root = _fake_root(tmp_path)
    seen: list[BenchResult] = []
    results = run_benchmarks(["darp", "lilim", "homberger"], time_limit_s=1.0, root=root,
                             options=SolveOptions(solution_limit=50), progress=seen.append)
    assert [r.instance for r in results] == ["a2-tiny", "lc-tiny", "c-tiny"] == \
        [r.instance for r in seen]
    for r in results:
        assert r.feasible, (r.instance, r.violations, r.dropped)
        assert r.dropped == () and r.violations == ()
        if r.set != "darp":  # no published value for the hand-made DARP instance
            assert r.best_known is not None and r.gap_pct is not None
            assert r.cost >= r.best_known - 1e-6
        assert r.route_nodes and all(route[0] == 0 and route[-1] == 0 for route in r.route_nodes)
    c_tiny = results[2]
    assert c_tiny.routes == 2 and c_tiny.best_known_routes == 2  # capacity forces two routes
    assert c_tiny.gap_pct == pytest.approx((c_tiny.cost - 20.0) / 20.0 * 100, abs=1e-3)

    # Solutions written in the instance's numbering check out again when read back.
    written = write_solutions(results, tmp_path / "sol")
    assert [p.name for p in written] == ["a2-tiny.sol", "lc-tiny.sol", "c-tiny.sol"]
    assert written[0].read_text().splitlines()[1].startswith("Route 1: 0 ")
    for r, path in zip(results, written, strict=True):
        inst = load_instance(r.set, root / {"darp": "darp-cordeau", "lilim": "lilim-100",
                                            "homberger": "homberger-200"}[r.set]
                             / f"{r.instance}.txt", root)
        ev = evaluate(inst, read_solution(path))
        assert ev.feasible and ev.distance == pytest.approx(r.cost, abs=1e-4)

    out = tmp_path / "bench.json"
    write_json(results, out)
    data = json.loads(out.read_text())
    assert {"instance", "cost", "routes", "best_known", "gap_pct", "seconds", "feasible"} \
        <= set(data[0])
    summary = summarize(results)
    assert summary["homberger"]["feasible"] == 1
    assert summary["homberger"]["mean_gap_pct"] == pytest.approx(c_tiny.gap_pct)


def test_run_benchmarks_filters_and_reports_unknown_names(tmp_path: Path) -> None:
    root = _fake_root(tmp_path)
    assert run_benchmarks(["darp"], 1.0, instances=["a2-tiny"], limit=0, root=root) == []
    with pytest.raises(BenchmarkNotFoundError, match="zz9"):
        run_benchmarks(["darp"], 1.0, instances=["zz9"], root=root)


def test_scale_is_documented_value() -> None:
    # Solution files and gaps are in instance units; only the solver sees scaled integers.
    assert SCALE == 1000
    assert np.issubdtype(read_cordeau(DARP).problem.distance.dtype, np.integer)


def test_cordeau_window_tightening_keeps_every_schedule() -> None:
    """A user with a window at the drop-off only gets the implied pickup window, and back."""
    pick, drop = _tightened((0, 1000), (500, 600), direct=100, pick_service=10, drop_service=10,
                            ride=200, from_depot=50, to_depot=900)
    # Pickup: no earlier than 600 - ... : d - p <= 200 → p >= 500 - 200; d >= p + 10 + 100 →
    # p <= 600 - 110.
    assert pick == (300, 490)
    assert drop == (500, 600)
    # Every feasible (p, d) pair lies inside the tightened windows.
    for p in range(0, 1001, 5):
        for d in range(500, 601, 5):
            if d >= p + 110 and d - p <= 200 and p >= 50:
                assert pick[0] <= p <= pick[1] and drop[0] <= d <= drop[1]
    # A request infeasible alone keeps its windows (the solver reports it).
    assert _tightened((0, 10), (500, 600), direct=100, pick_service=10, drop_service=10,
                      ride=200, from_depot=0, to_depot=900) == ((0, 10), (500, 600))
