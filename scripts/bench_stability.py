"""Stability of a living plan on the demo: insertion vs re-solving from scratch.

``k`` riders (fixed seed) are taken out of the demo scenario and the week is planned without
them: that is the plan in force. Each removed rider is then added back in two ways:

* **insertion** (:func:`routing.living.changes.insert_rider`, best option) into the plan in force;
* **re-solve**: the whole week planned from scratch with the rider back (``build_plan``).

For each, the script counts the *other* riders (and trips) whose agreed pickup time differs from
the plan in force, the added weekly cost, and whether the result passes the verifier. Run::

    .venv/bin/python scripts/bench_stability.py [--k 4] [--seed 1] [--time-limit 90]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from routing.living.changes import agreed_times, insert_rider  # noqa: E402
from routing.model import Plan, Scenario  # noqa: E402
from routing.network.roads import default_cache_dir, load_network  # noqa: E402
from routing.params import PlanParams  # noqa: E402
from routing.planning.costing import runs_cost_ore  # noqa: E402
from routing.planning.planner import build_plan, place_matrix  # noqa: E402
from routing.scenario.reader import load_scenario  # noqa: E402
from routing.verify.checks import verify_plan  # noqa: E402


def moved(old: Plan, new: Plan, exclude: set[str]) -> tuple[set[str], int, int]:
    """Riders (not in ``exclude``) whose agreed time changed, trips changed, trips compared."""
    before, after = agreed_times(old), agreed_times(new)
    keys = [k for k in before if k[0] not in exclude and k in after]
    changed = [k for k in keys if before[k][0] != after[k][0]]
    return {k[0] for k in changed}, len(changed), len(keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=4, help="riders taken out and added back")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=90.0)
    args = parser.parse_args()

    demo = load_scenario(REPO / "data" / "demo")
    base_params = demo.plan_params if isinstance(demo.plan_params, PlanParams) else PlanParams()
    params = base_params.with_overrides(time_limit_s=args.time_limit)
    network = load_network(demo.network_path, cache_dir=default_cache_dir())
    chosen = sorted(random.Random(args.seed).sample([r.rider_id for r in demo.riders], args.k))
    vehicles = {v.vehicle_id: v for v in demo.vehicles}
    print(f"demo: {len(demo.riders)} riders; taken out (seed {args.seed}): {', '.join(chosen)}")

    t0 = time.monotonic()
    without: Scenario = dataclasses.replace(
        demo, riders=tuple(r for r in demo.riders if r.rider_id not in chosen))
    in_force = build_plan(without, network, params)
    base_cost = runs_cost_ore(in_force.runs, vehicles)
    others = {k[0] for k in agreed_times(in_force)}
    print(f"plan in force: {len(in_force.runs)} runs, {len(others)} riders, "
          f"{base_cost / 100:,.2f} DKK/week ({time.monotonic() - t0:.0f} s)")
    matrix = place_matrix(demo, network, params)

    rows: list[tuple[str, int, int, int, float, int, int, int, float, bool, bool]] = []
    for rider_id in chosen:
        with_rider = dataclasses.replace(without, riders=(*without.riders,
                                                          demo.rider(rider_id)))
        t1 = time.monotonic()
        report = insert_rider(in_force, with_rider, matrix, rider_id)
        ins = report.best.plan
        ins_s = time.monotonic() - t1
        ins_riders, ins_trips, n_trips = moved(in_force, ins, {rider_id})
        ins_ok = not [v for v in verify_plan(ins, with_rider, network) if v.severity == "error"]
        t2 = time.monotonic()
        fresh = build_plan(with_rider, network, params)
        fresh_s = time.monotonic() - t2
        fr_riders, fr_trips, _ = moved(in_force, fresh, {rider_id})
        fresh_ok = not [v for v in verify_plan(fresh, with_rider, network)
                        if v.severity == "error"]
        rows.append((rider_id, len(ins_riders), ins_trips,
                     runs_cost_ore(ins.runs, vehicles) - base_cost, ins_s,
                     len(fr_riders), fr_trips, runs_cost_ore(fresh.runs, vehicles) - base_cost,
                     fresh_s, ins_ok, fresh_ok))
        print(f"{rider_id}: insertion moves {len(ins_riders)} other rider(s) ({ins_trips}/"
              f"{n_trips} trips), +{rows[-1][3] / 100:,.2f} DKK, {ins_s:.2f} s, verified "
              f"{ins_ok}; re-solve moves {len(fr_riders)} rider(s) ({fr_trips}/{n_trips} trips, "
              f"{100 * fr_trips / max(1, n_trips):.0f} %), {rows[-1][7] / 100:+,.2f} DKK, "
              f"{fresh_s:.0f} s, verified {fresh_ok}", flush=True)

    n = len(others)
    print("\nsummary (mean over the riders added back):")
    print(f"  insertion: {statistics.mean(r[1] for r in rows):.1f} other riders moved "
          f"({100 * statistics.mean(r[1] for r in rows) / n:.1f} % of {n}), "
          f"{statistics.mean(r[2] for r in rows):.1f} trips moved, "
          f"+{statistics.mean(r[3] for r in rows) / 100:,.2f} DKK/week, "
          f"{statistics.mean(r[4] for r in rows):.2f} s")
    print(f"  re-solve:  {statistics.mean(r[5] for r in rows):.1f} other riders moved "
          f"({100 * statistics.mean(r[5] for r in rows) / n:.1f} % of {n}), "
          f"{statistics.mean(r[6] for r in rows):.1f} trips moved, "
          f"{statistics.mean(r[7] for r in rows) / 100:+,.2f} DKK/week, "
          f"{statistics.mean(r[8] for r in rows):.0f} s")
    print(f"  verified: insertion {sum(r[9] for r in rows)}/{len(rows)}, "
          f"re-solve {sum(r[10] for r in rows)}/{len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
