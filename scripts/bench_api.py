#!/usr/bin/env python3
"""Load benchmark of the REST API (not a test): manifests and afbud on the demo data, SQLite
(default) or PostgreSQL (``--postgres URL``).

Seeds a fresh database with the demo scenario and a weekly plan, starts ``uvicorn`` in a
separate process on 127.0.0.1, then sends requests *open loop* at a fixed rate (default 100 per
second: new requests start on schedule whether or not earlier ones have answered) for a bounded
time and prints p50/p90/p99/max latency per endpoint. Target: p99 ≤ 50 ms on 2 cores.

Mix: 50 % driver manifests (JSON) of a vehicle and one of the next 5 working days, 30 % afbud
registrations (a random rider for one of the next 60 working days, each new: an afbud for a
manifest's day changes that manifest), 20 % a centre's afbud of one day. Before measuring, every
manifest is fetched once (the server has been up since the morning).

With ``--with-plan-job`` a plan job (``POST /plans``) is started before each measurement and
is solving the whole time (the script waits until the worker is planning, checks it still is at
the end, then cancels it): the API's latency while the solver works. The job runs in the job
engine's worker process (``SAMKORSEL_JOB_ENGINE``), never in the server's. The machine's load
average (``/proc/loadavg``) is printed with every measurement: on a shared machine the tail moves
with the other work.

Usage::

    .venv/bin/python scripts/bench_api.py [--rate 100] [--seconds 20] [--runs 5]
        [--plan out/demo/plan.json] [--with-plan-job]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

# httpcore looks for the optional ``sniffio`` on every connection operation; when it is not
# installed each look is a failed import that searches the file system — enough to make this
# client the bottleneck. A ``None`` entry makes the import fail at once.
sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from routing.model import Plan, Scenario

REPO = Path(__file__).resolve().parents[1]
TARGET_P99_MS = 50.0
sys.path.insert(0, str(REPO))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(database_url: str, plan_file: Path | None,
          time_limit_s: float) -> tuple[str, Scenario, Plan]:
    from api.demo_seed import seed_demo_database
    from api.settings import Settings
    from routing.planning.plan_io import read_plan
    from routing.scenario.reader import load_scenario

    scenario = load_scenario(REPO / "data" / "demo")
    if plan_file is not None:
        plan = read_plan(plan_file)
    else:
        from routing.network.roads import default_cache_dir, load_network
        from routing.params import PlanParams
        from routing.planning.planner import build_plan

        network = load_network(scenario.network_path, cache_dir=default_cache_dir())
        params = scenario.plan_params if isinstance(scenario.plan_params, PlanParams) \
            else PlanParams()
        print(f"planning the demo week ({time_limit_s:g} s)…", flush=True)
        plan = build_plan(scenario, network, params.with_overrides(time_limit_s=time_limit_s))
    token = seed_demo_database(Settings(database_url=database_url), scenario, plan)
    return token, scenario, plan


def _cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User + system CPU of a process and (by default) its children (Linux /proc; 0
    elsewhere)."""
    total = 0.0
    pids = [pid]
    try:
        if children:  # children of every thread (the job worker's supervisor is a thread)
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        ticks = os.sysconf("SC_CLK_TCK")
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return 0.0
    return total


def _working_days(n: int) -> list[date]:
    days: list[date] = []
    day = date.today() + timedelta(days=1)
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the load")
    parser.add_argument("--plan", type=Path, default=None, help="plan.json of the demo "
                        "scenario (default: plan now)")
    parser.add_argument("--time-limit", type=float, default=20.0,
                        help="solver seconds when planning now")
    parser.add_argument("--connections", dest="workers", type=int, default=64,
                        help="client connections")
    parser.add_argument("--manifest-days", type=int, default=5,
                        help="manifests are fetched for this many coming working days")
    parser.add_argument("--absence-days", type=int, default=60,
                        help="afbud are registered over this many coming working days")
    parser.add_argument("--write-share", type=float, default=0.3,
                        help="share of afbud registrations")
    parser.add_argument("--list-share", type=float, default=0.2,
                        help="share of afbud lists (the rest: manifests)")
    parser.add_argument("--server-workers", type=int, default=1,
                        help="uvicorn worker processes")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="measure on PostgreSQL instead: a server URL with the right to "
                        "create databases (a fresh database is made and dropped afterwards), "
                        "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=1,
                        help="measure this many times in a row against the same server (the "
                        "spread shows how much the machine's other work moves the tail)")
    parser.add_argument("--with-plan-job", action="store_true",
                        help="keep a plan job solving during every measurement")
    parser.add_argument("--alternate", action="store_true",
                        help="with --with-plan-job: runs 1, 3, … without the job, 2, 4, … with "
                        "it, so both are measured under the same machine load")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip fetching every manifest once before measuring")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="samkorsel-bench-")
    database_url = f"sqlite+pysqlite:///{tmp.name}/bench.db"
    if not args.postgres:
        return _bench(database_url, args, tmp)
    from api.db.scratch import scratch_database

    with scratch_database(args.postgres, "samkorsel_bench") as database_url:
        return _bench(database_url, args, tmp)


def _bench(database_url: str, args: argparse.Namespace,
           tmp: tempfile.TemporaryDirectory[str]) -> int:
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"database: {backend}, server workers: {args.server_workers}", flush=True)
    token, scenario, plan = _seed(database_url, args.plan, args.time_limit)
    # The load generator must not pause to walk the seeding's heap (the planner's objects when
    # it planned the week here): a full collection in this process would add its pause to
    # every request in flight.
    gc.collect()
    gc.freeze()
    port = _free_port()
    env = {**os.environ, "SAMKORSEL_DATABASE_URL": database_url}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
         "--workers", str(args.server_workers)],
        cwd=REPO, env=env,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        p99s: list[float] = []
        with_job_p99s: list[float] = []
        without_p99s: list[float] = []
        rng = random.Random(1)
        used: set[tuple[str, date]] = set()  # (rider, day) given an afbud: each one is new
        for run in range(args.runs):
            if args.runs > 1:
                print(f"\n== run {run + 1} of {args.runs}")
            if run == 0 and not args.no_warm_up:
                _warm_up(base, headers, plan, args)
            with_job = args.with_plan_job and not (args.alternate and run % 2 == 0)
            job = _start_plan_job(base, headers, args) if with_job else None
            if args.with_plan_job and job is None:
                print("(no plan job in this run)")
            print(f"load average before: {_loadavg()}", flush=True)
            cpu_before = _cpu_seconds(server.pid, children=False)
            all_before = _cpu_seconds(server.pid)
            started = time.monotonic()
            p99s.append(_load(base, headers, scenario, plan, args, rng, used))
            (with_job_p99s if with_job else without_p99s).append(p99s[-1])
            elapsed = time.monotonic() - started
            cpu = _cpu_seconds(server.pid, children=False) - cpu_before
            others = _cpu_seconds(server.pid) - all_before - cpu
            print(f"server CPU: {cpu:.1f} s in {elapsed:.1f} s ({cpu / elapsed:.2f} cores); "
                  f"its child processes (job worker): {others / elapsed:.2f} cores")
            print(f"load average after: {_loadavg()}")
            if job is not None:
                _end_plan_job(base, headers, job)
        if args.runs > 1:
            met = sum(1 for p in p99s if p <= TARGET_P99_MS)
            print(f"\np99 of all requests over {args.runs} runs: min {min(p99s):.1f}, median "
                  f"{statistics.median(p99s):.1f}, max {max(p99s):.1f} ms; target met in "
                  f"{met} of {args.runs}")
        if args.with_plan_job and args.alternate:
            for label, values in (("with a plan job solving", with_job_p99s),
                                  ("without", without_p99s)):
                if values:
                    print(f"p99 {label}: {', '.join(f'{v:.1f}' for v in values)} ms (median "
                          f"{statistics.median(values):.1f})")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)
        tmp.cleanup()


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _start_plan_job(base: str, headers: dict[str, str], args: argparse.Namespace) -> int:
    """Start a plan job with a budget longer than the measurement; return once it is solving."""
    budget = args.seconds + 60
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        r = client.post("/plans", json={"name": "bench", "time_limit_s": budget})
        r.raise_for_status()
        plan_id = int(r.json()["plan_id"])
        deadline = time.monotonic() + 120
        while True:
            status = client.get(f"/plans/{plan_id}/status").json()
            if status["status"] == "running" and status["progress"].get("total"):
                break  # past loading and the matrix: the solver is at work
            if status["status"] not in ("queued", "running") or time.monotonic() > deadline:
                raise SystemExit(f"plan job {plan_id} did not start solving: {status}")
            time.sleep(0.2)
    print(f"plan job {plan_id} solving ({budget:g} s budget): {status['progress']}", flush=True)
    return plan_id


def _end_plan_job(base: str, headers: dict[str, str], plan_id: int) -> None:
    """Check the job solved all along, then cancel it."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        status = client.get(f"/plans/{plan_id}/status").json()
        ok = status["status"] == "running"
        print(f"plan job {plan_id} at the end: {status['status']} {status['progress']}"
              f"{'' if ok else '  (NOT solving through the whole measurement)'}")
        client.post(f"/plans/{plan_id}/cancel")
        deadline = time.monotonic() + 120
        while client.get(f"/plans/{plan_id}/status").json()["status"] == "running":
            if time.monotonic() > deadline:
                print(f"plan job {plan_id} did not stop after cancellation")
                break
            time.sleep(0.2)


def _manifest_targets(plan: Plan, args: argparse.Namespace) -> list[tuple[date, str]]:
    weekdays_run = {(r.weekday, r.vehicle_id) for r in plan.runs}
    days = _working_days(args.manifest_days)
    return [(d, v) for d in days for (w, v) in weekdays_run
            if ("mon", "tue", "wed", "thu", "fri")[d.weekday()] == w]


def _warm_up(base: str, headers: dict[str, str], plan: Plan,
             args: argparse.Namespace) -> None:
    """As in the morning: every driver has fetched the day's manifest once."""
    targets = _manifest_targets(plan, args)
    print(f"warm-up: {len(targets)} manifests…", flush=True)
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for day, vehicle in targets:
            client.get(f"/days/{day.isoformat()}/manifests/{vehicle}?format=json")


def _load(base: str, headers: dict[str, str], scenario: Scenario, plan: Plan,
          args: argparse.Namespace, rng: random.Random, used: set[tuple[str, date]]) -> float:
    """One measurement; returns the p99 latency of all requests (ms)."""
    manifest_targets = _manifest_targets(plan, args)
    riders = [r.rider_id for r in scenario.riders]
    centres = [c.centre_id for c in scenario.centres]
    absence_days = _working_days(args.absence_days)

    def next_request() -> tuple[str, str, str, dict[str, object] | None]:
        roll = rng.random()
        if roll < 1 - args.write_share - args.list_share and manifest_targets:
            day, vehicle = rng.choice(manifest_targets)
            return "manifest", "GET", f"/days/{day.isoformat()}/manifests/{vehicle}?format=json", \
                None
        if roll < 1 - args.list_share:
            while True:
                key = (rng.choice(riders), rng.choice(absence_days))
                if key not in used:
                    used.add(key)
                    break
            # One day each ("end" as "start"; without it an afbud runs until further notice).
            return "absence POST", "POST", "/absences", {
                "rider_id": key[0], "start": key[1].isoformat(), "end": key[1].isoformat(),
                "reason": "bench"}
        listed = rng.choice(absence_days).isoformat()
        return "absence list", "GET", \
            f"/absences?centre_id={rng.choice(centres)}&from={listed}&to={listed}", None

    total = int(args.rate * args.seconds)
    requests = [next_request() for _ in range(total)]
    print(f"sending {total} requests at {args.rate:g}/s for {args.seconds:g} s…", flush=True)
    client_cpu = time.process_time()
    results, wall = asyncio.run(_send_all(base, headers, requests, args.rate, args.workers))
    client_cpu = time.process_time() - client_cpu
    p99 = _report(results, wall)
    print(f"client CPU: {client_cpu:.1f} s ({client_cpu / wall:.2f} cores)")
    return p99


async def _send_all(base: str, headers: dict[str, str],
                    requests: list[tuple[str, str, str, dict[str, object] | None]],
                    rate: float, connections: int) -> tuple[list[tuple[str, float, int]], float]:
    """Open loop: request ``i`` is due at ``i / rate`` seconds whatever the earlier ones do.

    Latency is measured from the moment a request is due, so waiting for a free connection
    counts too (no coordinated omission). One event loop drives ``connections`` workers, each
    with its own single-connection client (httpcore's shared pool spends quadratic time when
    many requests queue for it).
    """
    results: list[tuple[str, float, int]] = []
    queue: asyncio.Queue[tuple[float, tuple[str, str, str, dict[str, object] | None]] | None] = \
        asyncio.Queue()

    async def worker() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        # verify=False: plain http to localhost; it spares each client loading the CA store.
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60,
                                     limits=limits, verify=False) as client:
            while (item := await queue.get()) is not None:
                due, (kind, method, path, body) = item
                try:
                    status = (await client.request(method, path, json=body)).status_code
                except httpx.HTTPError:
                    status = 0
                results.append((kind, time.perf_counter() - due, status))

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    t0 = time.perf_counter()
    for i, request in enumerate(requests):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((due, request))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return results, time.perf_counter() - t0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(results: list[tuple[str, float, int]], wall_s: float) -> float:
    print(f"\n{len(results)} requests in {wall_s:.1f} s ({len(results) / wall_s:.0f}/s)")
    print(f"{'endpoint':<16}{'n':>6}{'errors':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}")
    kinds = [*sorted({k for k, _, _ in results}), "all"]
    p99_all = 0.0
    for kind in kinds:
        rows = [r for r in results if kind in ("all", r[0])]
        ms = [r[1] * 1000 for r in rows]
        errors = sum(1 for r in rows if not 200 <= r[2] < 300)
        p99 = _percentile(ms, 0.99)
        if kind == "all":
            p99_all = p99
        print(f"{kind:<16}{len(rows):>6}{errors:>8}{statistics.median(ms):>9.1f}"
              f"{_percentile(ms, 0.90):>9.1f}{p99:>9.1f}{max(ms):>9.1f}")
    statuses: dict[int, int] = {}
    for _, _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"status codes: {dict(sorted(statuses.items()))}")
    print(f"target p99 ≤ {TARGET_P99_MS:g} ms: "
          f"{'met' if p99_all <= TARGET_P99_MS else 'NOT met'} ({p99_all:.1f} ms)")
    return p99_all


if __name__ == "__main__":
    raise SystemExit(main())
