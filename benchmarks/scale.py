"""City-scale cases on the Lyngby road network: a generator with a fixed seed and the bench.

The mix follows issue 17 (item 6), for ``n`` riders:

- ``max(4, n // 100)`` centres at points on the network; half are day centres open Mon–Fri
  (start 08:30, 09:00 or 09:30; end 14:00, 14:30 or 15:00), half run Haderslev-like modules
  Mon–Thu 09–12 and 12–15;
- riders at points on residential streets (edges whose speed is at most 40 km/h, the Danish
  defaults of residential and smaller roads in built-up areas), 15 % wheelchair users, 8 % with an
  escort, a quarter with a 45-minute ride limit, attending 2–5 days a week (module riders: the
  morning, the afternoon or both), 70 % at the nearest centre and the rest at the second nearest;
- per 1,000 riders 110 minibuses 8+2 (or 6+3), 50 taxis 4+0 and 25 wheelchair taxis 3+1 from three
  depots, with the demo's tariffs.

The network is ``../shared/data/osm/lyngby-2022-11-23.osm.gz`` beside the checkout (about 4 MB,
not copied into the repository); :func:`lyngby_path` returns None when it is absent and the bench
skips the set. Each size is planned in a fresh worker process so that its peak memory is its own.
"""

from __future__ import annotations

import math
import random
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from routing.model import WEEKDAYS, Centre, Rider, Scenario, Session, Vehicle
from routing.network.roads import RoadNetwork, default_cache_dir, load_network, to_metric
from routing.params import PlanParams

LYNGBY = (Path(__file__).resolve().parents[2] / "shared" / "data" / "osm"
          / "lyngby-2022-11-23.osm.gz")
"""Default location of the Lyngby extract (``/work/shared/data/osm`` beside the repository)."""

SIZES: tuple[int, ...] = (250, 500, 1000, 2000)
SEED = 17
_RESIDENTIAL_MAX_KPH = 40.0
_MIN, _HOUR = 60, 3600


def lyngby_path(root: Path | None = None) -> Path | None:
    """The Lyngby extract (in ``root`` if given), or None when it is not there."""
    path = LYNGBY if root is None else Path(root) / LYNGBY.name
    return path if path.is_file() else None


def load_lyngby(path: Path | None = None) -> RoadNetwork:
    """The prepared Lyngby network, from the cache after the first load."""
    source = path or lyngby_path()
    if source is None:
        raise FileNotFoundError(f"Lyngby extract not found at {LYNGBY}")
    return load_network(source, cache_dir=default_cache_dir())


def _points_on_edges(net: RoadNetwork, edges: np.ndarray, k: int,
                     rng: random.Random) -> list[tuple[float, float]]:
    """``k`` points (lat, lon) at random positions along random edges of ``edges``."""
    out: list[tuple[float, float]] = []
    for _ in range(k):
        e = int(edges[rng.randrange(len(edges))])
        lat, lon = net.edge_polyline(e)
        i = rng.randrange(len(lat) - 1)
        f = rng.random()
        out.append((float(lat[i] + f * (lat[i + 1] - lat[i])),
                    float(lon[i] + f * (lon[i + 1] - lon[i]))))
    return out


def city_case(net: RoadNetwork, n_riders: int, seed: int = SEED,
              params: PlanParams | None = None) -> Scenario:
    """A city case of ``n_riders`` riders on ``net`` (the mix in the module docstring).

    Same network, size and seed → the same scenario.
    """
    rng = random.Random(seed * 1_000_003 + n_riders)
    speed_kph = 3.6 * net.edge_length_m / np.maximum(net.edge_travel_s, 1e-9)
    residential = np.flatnonzero((speed_kph <= _RESIDENTIAL_MAX_KPH + 1e-6)
                                 & (net.edge_length_m >= 30.0))
    arterial = np.flatnonzero(speed_kph > _RESIDENTIAL_MAX_KPH + 1e-6)
    if len(residential) == 0 or len(arterial) == 0:
        raise ValueError("network has no residential or no faster roads to place the case on")

    n_centres = max(4, n_riders // 100)
    centres: list[Centre] = []
    sessions: list[Session] = []
    modules: set[str] = set()
    for i, (lat, lon) in enumerate(_points_on_edges(net, arterial, n_centres, rng)):
        cid = f"C{i + 1:02d}"
        centres.append(Centre(cid, f"Centre {i + 1}", lat, lon))
        if i % 2 == 0:  # day centre, Mon–Fri
            start = 8 * _HOUR + 30 * _MIN + 30 * _MIN * rng.randrange(3)
            end = 14 * _HOUR + 30 * _MIN * rng.randrange(3)
            sessions += [Session(cid, f"{cid}-{d.upper()}", d, start, end) for d in WEEKDAYS]
        else:  # modules Mon–Thu
            modules.add(cid)
            for d in WEEKDAYS[:4]:
                sessions.append(Session(cid, f"{cid}-{d.upper()}-AM", d, 9 * _HOUR, 12 * _HOUR))
                sessions.append(Session(cid, f"{cid}-{d.upper()}-PM", d, 12 * _HOUR, 15 * _HOUR))
    cx, cy = to_metric([c.lon for c in centres], [c.lat for c in centres])

    riders: list[Rider] = []
    homes = _points_on_edges(net, residential, n_riders, rng)
    hx, hy = to_metric([h[1] for h in homes], [h[0] for h in homes])
    for i, (lat, lon) in enumerate(homes):
        dist = np.hypot(cx - hx[i], cy - hy[i])
        near = np.argsort(dist, kind="stable")
        centre = centres[int(near[0] if rng.random() < 0.7 else near[1])]
        cid = centre.centre_id
        days_open = WEEKDAYS[:4] if cid in modules else WEEKDAYS
        n_days = min(rng.randint(2, 5), len(days_open))
        days = sorted(rng.sample(days_open, n_days), key=WEEKDAYS.index)
        if cid in modules:
            part = rng.choice(("AM", "PM", "AM+PM"))
            sids = tuple(f"{cid}-{d.upper()}-{m}" for d in days for m in part.split("+"))
        else:
            sids = tuple(f"{cid}-{d.upper()}" for d in days)
        riders.append(Rider(
            rider_id=f"R{i + 1:04d}", name=f"Rider {i + 1}", lat=lat, lon=lon, centre_id=cid,
            session_ids=sids, wheelchair=rng.random() < 0.15, escort=rng.random() < 0.08,
            max_ride_s=45 * _MIN if rng.random() < 0.25 else None))

    depots = _points_on_edges(net, arterial, 3, rng)
    vehicles: list[Vehicle] = []
    scale = n_riders / 1000.0
    fleet = (("BUS", 110, 8, 2, ((6, 3),), 140000, 850, 42000, "minibus"),
             ("TAXI", 50, 4, 0, (), 0, 1400, 48000, "taxi"),
             ("HTAXI", 25, 3, 1, (), 30000, 1600, 54000, "wheelchair_taxi"))
    for prefix, per_1000, seats, places, layouts, fixed, per_km, per_hour, kind in fleet:
        for j in range(max(1, math.ceil(per_1000 * scale))):
            dlat, dlon = depots[j % 3]
            vehicles.append(Vehicle(
                vehicle_id=f"{prefix}{j + 1:03d}", depot_lat=dlat, depot_lon=dlon, seats=seats,
                wheelchair_places=places, fixed_cost_ore=fixed, cost_per_km_ore=per_km,
                cost_per_hour_ore=per_hour, available_from_s=7 * _HOUR,
                available_to_s=17 * _HOUR, kind=kind, layouts=layouts))
    return Scenario(name=f"Lyngby city case, {n_riders} riders (seed {seed})",
                    centres=tuple(centres), sessions=tuple(sessions), riders=tuple(riders),
                    vehicles=tuple(vehicles), network_path=str(net.source),
                    plan_params=params or PlanParams())


@dataclass(frozen=True, slots=True)
class ScaleResult:
    """One size of the scale bench."""

    riders: int
    trips: int
    servable: int
    """Trips not ruled out before the solve (off the network, direct trip too long, …)."""
    served: int
    unserved_time_budget: int
    unserved_no_room: int
    cost_dkk: float
    runs: int
    vehicle_days: int
    seconds: float
    peak_rss_mb: float
    violations: int
    workers: int = 1
    solve_s: float = 0.0
    """Seconds after snapping and the matrix (what ``time_limit_s`` bounds)."""
    prepare_s: float = 0.0
    """Snapping and the travel matrix."""
    peak_child_rss_mb: float = 0.0
    """Largest peak of a worker process (days or pieces solved in parallel)."""
    consistency_pct: float = 100.0
    clusters: int = 1
    """Geographic clusters of centres planned apart (``PlanParams.clusters``)."""

    @property
    def served_pct(self) -> float:
        return 100.0 * self.served / self.servable if self.servable else 100.0


def plan_city_case(n_riders: int, time_limit_s: float | None = None, seed: int = SEED,
                   network_path: str | None = None, out_dir: str | None = None,
                   workers: int | None = None, clusters: int | None = None) -> ScaleResult:
    """Generate, plan and verify one size; meant to run in its own process (peak memory).

    With ``out_dir`` the scenario and the plan are written to ``out_dir/lyngby-<n>/`` (for
    ``samkorsel verify <dir>/plan.json --scenario <dir>/scenario``).
    """
    from routing.planning.plan_io import write_plan
    from routing.planning.planner import build_plan
    from routing.planning.reasons import reason_code
    from routing.scenario.reader import write_scenario
    from routing.verify.checks import verify_plan

    net = load_lyngby(Path(network_path) if network_path else None)
    params = PlanParams()
    if time_limit_s is not None:
        params = replace(params, time_limit_s=time_limit_s)
    if workers is not None:
        params = replace(params, workers=workers)
    if clusters is not None:
        params = replace(params, clusters=clusters)
    sc = city_case(net, n_riders, seed, params)
    started = time.monotonic()
    plan = build_plan(sc, net, params)
    seconds = time.monotonic() - started
    errors = [v for v in verify_plan(plan, sc, net) if v.severity == "error"]
    if out_dir is not None:
        target = Path(out_dir) / f"lyngby-{n_riders}"
        write_scenario(sc, target / "scenario")
        write_plan(plan, target / "plan.json")
    pre = sum(int(w.get("prechecked_out", 0)) for w in plan.stats["waves"])
    by_budget = sum(1 for u in plan.unserved if reason_code(u.reason) == "time_budget")
    trips = int(plan.stats["trips"])
    return ScaleResult(
        riders=n_riders, trips=trips, servable=trips - pre,
        served=int(plan.kpis["trips_served"]),
        unserved_time_budget=by_budget,
        unserved_no_room=len(plan.unserved) - pre - by_budget,
        cost_dkk=float(plan.kpis["cost_dkk"]), runs=int(plan.kpis["runs"]),
        vehicle_days=int(plan.kpis["vehicle_days"]), seconds=round(seconds, 1),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        violations=len(errors), workers=int(plan.stats.get("workers", 1)),
        solve_s=float(plan.stats.get("solve_s", 0.0)),
        prepare_s=float(plan.stats.get("prepare_s", 0.0)),
        peak_child_rss_mb=round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0, 1),
        consistency_pct=float(plan.kpis.get("consistency_within_limit_pct", 100.0)),
        clusters=len(plan.stats.get("clusters", [])) or 1)


def run_scale(sizes: tuple[int, ...] = SIZES, time_limit_s: float | None = None,
              seed: int = SEED, progress: Any = None,
              out_dir: Path | None = None, workers: int | None = None,
              clusters: int | None = None) -> list[ScaleResult]:
    """Plan each size in a fresh process, one after the other; [] when Lyngby is absent."""
    path = lyngby_path()
    if path is None:
        return []
    load_lyngby(path)  # fill the cache once, so that no size pays the cold load
    results: list[ScaleResult] = []
    for n in sizes:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
            result = pool.submit(plan_city_case, n, time_limit_s, seed, str(path),
                                 None if out_dir is None else str(out_dir), workers,
                                 clusters).result()
        results.append(result)
        if progress is not None:
            progress(result)
    return results
