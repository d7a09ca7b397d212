"""The island case of issue 17 (item 2): a Samsø week other than the demo, and its bench.

:func:`island_case` generates it with a fixed seed on the bundled Samsø extract
(``data/osm/samsoe-2020-03-09.osm.bz2``): 91 riders at real address points (``addr:street`` +
``addr:housenumber``, at most 150 m from a road), two centres — a day centre in Tranebjerg open
Mon–Fri 09:00–15:00 and one in Nordby with Haderslev-like modules Mon–Thu 09–12 and 12–15 —, 70 %
of riders at the nearer centre, 2–4 days a week, wheelchair users, escorts and 45-minute ride
limits in the demo's shares, and 14 vehicles with the demo's tariffs: 5 minibuses 8+2 (or 6+3),
6 taxis 4+0 and 3 wheelchair taxis 3+1, from the demo's two depots in Tranebjerg.

:func:`run_island` plans it (the planner, ``--time-limit`` seconds), verifies the plan and
compares its cost with :mod:`benchmarks.reference_day`, an independent whole-day model.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from routing.model import WEEKDAYS, Centre, Rider, Scenario, Session, Vehicle
from routing.network.geocode import address_index
from routing.network.roads import (
    RoadNetwork,
    default_cache_dir,
    default_network_path,
    load_network,
)
from routing.network.snap import snap_points
from routing.params import PlanParams

SEED = 2017
N_RIDERS = 91
_MIN, _HOUR = 60, 3600
_MAX_ROAD_M = 150.0

# Centres at real addresses (those of the demo's centres).
_CENTRES = (
    Centre("DAG", "Dagcenter Tranebjerg", 55.83124, 10.594559, "Smedegade 37, 8305 Samsø"),
    Centre("MOD", "Modulcenter Nordby", 55.958829, 10.554942, "Landevejen 32, 8305 Samsø"),
)
_BUS_DEPOT = (55.8345324, 10.597312)
_TAXI_DEPOT = (55.8332135, 10.5929966)


def island_network() -> RoadNetwork:
    """The bundled Samsø network (from the cache after the first load)."""
    return load_network(default_network_path(), cache_dir=default_cache_dir())


def _sessions() -> list[Session]:
    out: list[Session] = []
    for d in WEEKDAYS:
        out.append(Session("DAG", f"DAG-{d.upper()}", d, 9 * _HOUR, 15 * _HOUR))
    for d in WEEKDAYS[:4]:
        out.append(Session("MOD", f"MOD-{d.upper()}-AM", d, 9 * _HOUR, 12 * _HOUR))
        out.append(Session("MOD", f"MOD-{d.upper()}-PM", d, 12 * _HOUR, 15 * _HOUR))
    return out


def _fleet() -> list[Vehicle]:
    kinds = (("BUS", 5, 8, 2, ((6, 3),), 140000, 850, 42000, "minibus", _BUS_DEPOT),
             ("TAXI", 6, 4, 0, (), 0, 1400, 48000, "taxi", _TAXI_DEPOT),
             ("HTAXI", 3, 3, 1, (), 30000, 1600, 54000, "wheelchair_taxi", _TAXI_DEPOT))
    out: list[Vehicle] = []
    for prefix, count, seats, places, layouts, fixed, per_km, per_hour, kind, depot in kinds:
        for j in range(count):
            out.append(Vehicle(
                vehicle_id=f"{prefix}{j + 1}", depot_lat=depot[0], depot_lon=depot[1],
                seats=seats, wheelchair_places=places, fixed_cost_ore=fixed,
                cost_per_km_ore=per_km, cost_per_hour_ore=per_hour,
                available_from_s=7 * _HOUR, available_to_s=17 * _HOUR, kind=kind,
                layouts=layouts))
    return out


def island_case(net: RoadNetwork, seed: int = SEED, params: PlanParams | None = None,
                n_riders: int = N_RIDERS) -> Scenario:
    """The island case (module docstring); same network and seed → the same scenario."""
    rng = random.Random(seed)
    points = sorted(address_index(Path(net.source), default_cache_dir()).points,
                    key=lambda a: (a.street, a.housenumber, a.lat, a.lon))
    snapped = snap_points(net, [(str(i), a.lat, a.lon) for i, a in enumerate(points)],
                          max_distance_m=math.inf)
    near = [points[i] for i, s in enumerate(snapped) if s.distance_m <= _MAX_ROAD_M]
    if len(near) < n_riders:
        raise ValueError(f"only {len(near)} addresses near a road, {n_riders} needed")
    homes = rng.sample(near, n_riders)
    riders: list[Rider] = []
    for i, a in enumerate(homes):
        dist = [math.hypot(c.lat - a.lat, (c.lon - a.lon) * 0.56) for c in _CENTRES]
        nearest = 0 if dist[0] <= dist[1] else 1
        centre = _CENTRES[nearest if rng.random() < 0.7 else 1 - nearest].centre_id
        days_open = WEEKDAYS if centre == "DAG" else WEEKDAYS[:4]
        days = sorted(rng.sample(days_open, rng.randint(2, 4)), key=WEEKDAYS.index)
        if centre == "DAG":
            sids = tuple(f"DAG-{d.upper()}" for d in days)
        else:
            part = rng.choice(("AM", "PM", "AM+PM"))
            sids = tuple(f"MOD-{d.upper()}-{m}" for d in days for m in part.split("+"))
        riders.append(Rider(
            rider_id=f"I{i + 1:03d}", name=f"Borger {i + 1}", lat=a.lat, lon=a.lon,
            centre_id=centre, session_ids=sids, wheelchair=rng.random() < 0.15,
            escort=rng.random() < 0.08, max_ride_s=45 * _MIN if rng.random() < 0.06 else None,
            address=f"{a.street} {a.housenumber}, {a.postcode} {a.city}".strip()))
    return Scenario(name=f"Samsø island case, {n_riders} riders (seed {seed})",
                    centres=_CENTRES, sessions=tuple(_sessions()), riders=tuple(riders),
                    vehicles=tuple(_fleet()), network_path=str(net.source),
                    plan_params=params or PlanParams())


@dataclass(frozen=True, slots=True)
class IslandResult:
    """One planner run on the island case, beside the reference model."""

    time_limit_s: float
    cost_dkk: float
    runs: int
    vehicle_days: int
    trips_served: int
    trips_unserved: int
    consistency_pct: float
    seconds: float
    violations: int
    reference_dkk: float | None

    @property
    def ratio(self) -> float | None:
        return self.cost_dkk / self.reference_dkk if self.reference_dkk else None


def plan_island(time_limit_s: float, net: RoadNetwork | None = None,
                reference_dkk: float | None = None, **overrides: object) -> IslandResult:
    """Plan and verify the island case with ``time_limit_s`` solver seconds."""
    from routing.planning.planner import build_plan
    from routing.verify.checks import verify_plan

    net = net or island_network()
    params = replace(PlanParams(), time_limit_s=time_limit_s, **overrides)  # type: ignore[arg-type]
    sc = island_case(net, params=params)
    started = time.monotonic()
    plan = build_plan(sc, net, params)
    seconds = time.monotonic() - started
    errors = [v for v in verify_plan(plan, sc, net) if v.severity == "error"]
    k = plan.kpis
    return IslandResult(
        time_limit_s=time_limit_s, cost_dkk=float(k["cost_dkk"]),
        runs=int(k["runs"]), vehicle_days=int(k["vehicle_days"]),
        trips_served=int(k["trips_served"]), trips_unserved=int(k["trips_unserved"]),
        consistency_pct=float(k["consistency_within_limit_pct"]),
        seconds=round(seconds, 1), violations=len(errors), reference_dkk=reference_dkk)


def reference_cost_dkk(seconds_per_day: float = 60.0,
                       net: RoadNetwork | None = None) -> tuple[float, int]:
    """The reference whole-day model's cost (DKK/week) and vehicle-days on the island case."""
    from benchmarks.reference_day import reference_week
    from routing.planning.trips import place_matrix

    net = net or island_network()
    sc = island_case(net)
    days = reference_week(sc, place_matrix(sc, net), seconds_per_day)
    if any(d.served < d.trips for d in days):
        raise RuntimeError("the reference model left trips unserved: raise its time per day")
    return sum(d.cost_ore for d in days) / 100.0, sum(d.vehicles for d in days)


def run_island(time_limits: tuple[float, ...] = (60.0, 300.0),
               reference_s_per_day: float = 60.0,
               progress: Callable[[IslandResult], None] | None = None) -> list[IslandResult]:
    """The reference model (unless ``reference_s_per_day`` is 0), then the planner at each
    time limit; every plan verified."""
    net = island_network()
    ref = reference_cost_dkk(reference_s_per_day, net)[0] if reference_s_per_day > 0 else None
    out: list[IslandResult] = []
    for limit in time_limits:
        result = plan_island(limit, net, ref)
        out.append(result)
        if progress is not None:
            progress(result)
    return out
