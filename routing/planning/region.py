"""Clusters of centres as independent parts of a weekly plan (issue 17, item 3: a region).

With ``PlanParams.clusters = k > 1`` the centres are grouped by geography (k-means on their
coordinates, seeded), each rider goes with their centre, and the fleet is divided: each cluster
gets a share of every kind of vehicle (same layouts) in proportion to its trips, taking the
vehicles whose depots lie nearest to it. Each cluster is then a weekly plan of its own, with its
own snapping and travel matrix (so memory grows with the largest cluster, not the region), and
the clusters are solved at once: in worker processes of this machine (``workers``) or as parts
through the job engine (``run_parts``, across machines). The plans are merged into one.

What the cut costs: a vehicle no longer serves riders of two clusters, so a region's plan is
dearer than one model would make it where clusters border (measured: README, *Benchmarks*).
It is the way a region too large for one model is planned; ``clusters = 1`` (the default) is
one plan over everything.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.cluster.vq import kmeans2

from routing.model import WEEKDAYS, Plan, Run, Scenario, Vehicle
from routing.network.matrix import TravelMatrix, travel_matrix
from routing.network.roads import RoadNetwork
from routing.params import PlanParams, plan_params_from_stored, plan_params_to_stored
from routing.places import centre_place, depot_place, home_place
from routing.planning import day_parts
from routing.planning.budget import Deadline
from routing.planning.kpis import kpis_of
from routing.planning.plan_io import plan_from_dict, plan_to_dict
from routing.planning.trips import rider_trips, snap_places
from routing.planning.week import PartRunner, effective_workers

SOLVER = "routing.planning.region:solve_cluster_part"

PlanBuilder = Callable[..., Plan]
""":func:`routing.planning.planner.build_plan` (passed in: the planner calls this module)."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """One part of a region: its centres' scenario (riders and a share of the fleet)."""

    label: str
    scenario: Scenario
    trips: int


def centre_clusters(scenario: Scenario, k: int, seed: int) -> list[list[str]]:
    """The centres grouped into at most ``k`` geographic clusters (k-means on the plane of
    their coordinates; empty clusters dropped), largest first, each sorted by id."""
    ids = sorted(c.centre_id for c in scenario.centres)
    if k <= 1 or len(ids) <= 1:
        return [ids]
    if k >= len(ids):
        return [[c] for c in ids]
    by_id = {c.centre_id: c for c in scenario.centres}
    lat0 = math.radians(sum(c.lat for c in scenario.centres) / len(ids))
    points = np.array([[by_id[c].lon * math.cos(lat0), by_id[c].lat] for c in ids])
    _, labels = kmeans2(points, k, seed=seed, minit="++")
    groups: dict[int, list[str]] = defaultdict(list)
    for cid, label in zip(ids, labels, strict=True):
        groups[int(label)].append(cid)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * 111.32
    return math.hypot(dx, (lat2 - lat1) * 110.57)


def _quotas(count: int, demand: Sequence[int]) -> list[int]:
    """``count`` vehicles of one kind shared by ``demand`` (largest remainder), each cluster
    with demand getting at least one while there are enough to go round."""
    total = sum(demand)
    if total == 0:
        return [0] * len(demand)
    needy = [i for i, d in enumerate(demand) if d > 0]
    base = [1 if (i in needy and count >= len(needy)) else 0 for i in range(len(demand))]
    rest = count - sum(base)
    exact = [rest * d / total for d in demand]
    quota = [b + math.floor(e) for b, e in zip(base, exact, strict=True)]
    order = sorted(range(len(demand)), key=lambda i: (-(exact[i] - math.floor(exact[i])), i))
    for i in order[: count - sum(quota)]:
        quota[i] += 1
    return quota


def divide_fleet(vehicles: Sequence[Vehicle], centroids: Sequence[tuple[float, float]],
                 demand: Sequence[int]) -> list[list[Vehicle]]:
    """Each cluster's vehicles: of every kind (same layouts) a share by its demand, the
    vehicles whose depots lie nearest to the cluster's centroid first."""
    kinds: dict[tuple[tuple[int, int], ...], list[Vehicle]] = defaultdict(list)
    for v in vehicles:
        kinds[v.layouts].append(v)
    out: list[list[Vehicle]] = [[] for _ in centroids]
    for kind in sorted(kinds, key=lambda k: (k, kinds[k][0].vehicle_id)):
        left = _quotas(len(kinds[kind]), demand)
        pairs = sorted((_km(v.depot_lat, v.depot_lon, lat, lon), v.vehicle_id, i, v)
                       for v in kinds[kind] for i, (lat, lon) in enumerate(centroids))
        placed: set[str] = set()
        for _d, vid, i, v in pairs:
            if vid not in placed and left[i] > 0:
                out[i].append(v)
                placed.add(vid)
                left[i] -= 1
    return [sorted(vs, key=lambda v: v.vehicle_id) for vs in out]


def split_scenario(scenario: Scenario, params: PlanParams) -> list[Cluster]:
    """The region's clusters (:func:`centre_clusters`) as scenarios of their own."""
    groups = centre_clusters(scenario, params.clusters, params.seed)
    cluster_of = {c: i for i, g in enumerate(groups) for c in g}
    all_trips = rider_trips(scenario, params)
    trips = Counter(cluster_of[t.centre_id] for t in all_trips)
    # The fleet follows the busiest hour, not the week: that is when every vehicle is needed.
    hourly = Counter((cluster_of[t.centre_id], t.weekday, t.direction, t.centre_time_s // 3600)
                     for t in all_trips)
    demand = [max((n for (i, *_), n in hourly.items() if i == k), default=0)
              for k in range(len(groups))]
    centres = {c.centre_id: c for c in scenario.centres}
    centroids = [(sum(centres[c].lat for c in g) / len(g), sum(centres[c].lon for c in g) / len(g))
                 for g in groups]
    fleets = divide_fleet(scenario.vehicles, centroids, demand)
    out: list[Cluster] = []
    for i, group in enumerate(groups):
        members = set(group)
        out.append(Cluster(
            label="+".join(group),
            scenario=replace(
                scenario, name=f"{scenario.name} [{'+'.join(group)}]",
                centres=tuple(c for c in scenario.centres if c.centre_id in members),
                sessions=tuple(s for s in scenario.sessions if s.centre_id in members),
                riders=tuple(r for r in scenario.riders if r.centre_id in members),
                vehicles=tuple(fleets[i])),
            trips=trips.get(i, 0)))
    return out


# Set in the parent just before the pool forks; the children read it (nothing is pickled).
_FORKED: tuple[PlanBuilder, RoadNetwork, list[Cluster], list[TravelMatrix]] | None = None


def _cluster_in_child(i: int, params_doc: dict[str, Any], deadline_at: float) -> dict[str, Any]:
    assert _FORKED is not None, "cluster workers must be forked from build_region_plan"
    build, network, clusters, matrices = _FORKED
    params = plan_params_from_stored(params_doc)
    # A cluster that waited for a free worker gets what is left of the plan's time.
    params = replace(params, time_limit_s=min(params.time_limit_s, Deadline(deadline_at).left()))
    return plan_to_dict(build(clusters[i].scenario, network, params, matrix=matrices[i]))


def solve_cluster_part(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Plan one cluster from its JSON spec (the job engine's part solver, on any machine)."""
    from routing.planning.planner import build_plan  # the planner imports this module

    params = plan_params_from_stored(spec["params"])
    params = replace(params, time_limit_s=day_parts.part_budget(spec, time.time()))
    scenario = day_parts.scenario_from_doc(spec["scenario"], params)
    return plan_to_dict(build_plan(scenario, day_parts.network_of(scenario.network_path), params))


def build_region_plan(build: PlanBuilder, scenario: Scenario, network: RoadNetwork,
                      params: PlanParams, *,
                      progress: Callable[[str, int, int], None] | None = None,
                      run_parts: PartRunner | None = None) -> Plan:
    """The weekly plan of a region: its clusters planned apart, at once, and merged."""
    global _FORKED
    started = time.monotonic()
    clusters = [c for c in split_scenario(scenario, params) if c.scenario.riders]
    matrices = [travel_matrix(network, snap_places(c.scenario, network, params))
                for c in clusters]
    prepared_s = time.monotonic() - started
    deadline = Deadline.after(params.time_limit_s)
    workers = effective_workers(params.workers)
    total = sum(c.trips for c in clusters)
    parallel = len(clusters) if run_parts is not None else min(workers, len(clusters))
    docs: list[dict[str, Any]] = []

    def params_of(c: Cluster) -> PlanParams:
        share = min(1.0, parallel * c.trips / max(1, total))
        return replace(params, clusters=1, workers=1,
                       time_limit_s=max(1.0, params.time_limit_s * share))

    def done(doc: dict[str, Any]) -> None:
        docs.append(doc)
        if progress is not None:
            progress(clusters[len(docs) - 1].label, len(docs), len(clusters))

    if run_parts is not None:
        ends = time.time() + deadline.left()
        own = [params_of(c) for c in clusters]
        specs = [{"scenario": day_parts.scenario_doc(c.scenario),
                  "params": plan_params_to_stored(p), "budget_s": p.time_limit_s,
                  "deadline_unix": ends} for c, p in zip(clusters, own, strict=True)]
        for doc in run_parts(SOLVER, specs):
            done(doc)
    elif parallel > 1 and "fork" in multiprocessing.get_all_start_methods():
        _FORKED = (build, network, clusters, matrices)
        try:
            with ProcessPoolExecutor(max_workers=parallel,
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_cluster_in_child, i, plan_params_to_stored(params_of(c)),
                                       deadline.at) for i, c in enumerate(clusters)]
                for f in futures:  # in cluster order: the result does not depend on timing
                    done(f.result())
        finally:
            _FORKED = None
    else:
        for c, m in zip(clusters, matrices, strict=True):
            mine = params_of(c)
            mine = replace(mine, time_limit_s=min(mine.time_limit_s, max(1.0, deadline.left())))
            done(plan_to_dict(build(c.scenario, network, mine, matrix=m)))
    plans = [plan_from_dict(d) for d in docs]
    return _merged(scenario, params, clusters, matrices, plans,
                   prepared_s, time.monotonic() - started, parallel)


def _merged(scenario: Scenario, params: PlanParams, clusters: Sequence[Cluster],
            matrices: Sequence[TravelMatrix], plans: Sequence[Plan], prepared_s: float,
            elapsed: float,
            parallel: int) -> Plan:
    runs: list[Run] = sorted((r for p in plans for r in p.runs),
                             key=lambda r: (WEEKDAYS.index(r.weekday), r.stops[0].departure_s,
                                            r.run_id))
    unserved = sorted((u for p in plans for u in p.unserved),
                      key=lambda u: (WEEKDAYS.index(u.weekday), u.direction, u.rider_id))
    exceptions = [e for p in plans for e in p.kpis.get("consistency_exceptions", [])]
    # Every home, centre and depot belongs to one cluster; a run never leaves its cluster.
    where: dict[str, TravelMatrix] = {}
    for c, m in zip(clusters, matrices, strict=True):
        where.update({home_place(r.rider_id): m for r in c.scenario.riders})
        where.update({centre_place(x.centre_id): m for x in c.scenario.centres})
        where.update({depot_place(v.vehicle_id): m for v in c.scenario.vehicles})

    def travel(a: str, b: str) -> int:
        m = where[a]
        return int(m.time_s[m.index(a), m.index(b)])

    kpis = kpis_of(runs, unserved, {r.rider_id: r for r in scenario.riders},
                   {v.vehicle_id: v for v in scenario.vehicles}, params, travel, exceptions)
    waves = [dict(w, cluster=c.label) for c, p in zip(clusters, plans, strict=True)
             for w in p.stats.get("waves", [])]
    stats = {"seconds": round(elapsed, 2), "prepare_s": round(prepared_s, 2),
             "solve_s": round(elapsed - prepared_s, 2), "waves": waves,
             "trips": sum(c.trips for c in clusters), "workers": parallel,
             "days": [dict(day, cluster=c.label) for c, p in zip(clusters, plans, strict=True)
                      for day in p.stats.get("days", [])],
             "clusters": [{"centres": c.label, "riders": len(c.scenario.riders),
                           "vehicles": len(c.scenario.vehicles), "trips": c.trips,
                           "cost_dkk": p.kpis.get("cost_dkk"),
                           "trips_unserved": p.kpis.get("trips_unserved"),
                           "seconds": p.stats.get("seconds")}
                          for c, p in zip(clusters, plans, strict=True)],
             "deterministic": all(bool(p.stats.get("deterministic")) for p in plans),
             "solution_limit": params.solution_limit, "time_limit_s": params.time_limit_s,
             "seed": params.seed}
    return Plan(runs=tuple(runs), unserved=tuple(unserved), kpis=kpis, stats=stats,
                scenario=scenario.name, params=params)
