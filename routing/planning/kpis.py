"""Key figures of a plan: vehicles, km, hours, cost, ride times, detours, time consistency and
waiting. Computed by the planner and again after every edit of the living plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from routing.model import Rider, Run, Stop, Unserved, Vehicle
from routing.params import PlanParams
from routing.planning.costing import runs_cost_ore
from routing.planning.rules import boarding_time_s
from routing.planning.timing import onboard_waits_s


def kpis_of(
    runs: Sequence[Run],
    unserved: Sequence[Unserved],
    riders: Mapping[str, Rider],
    vehicles: Mapping[str, Vehicle],
    params: PlanParams,
    travel_s: Callable[[str, str], int],
    exceptions: Sequence[dict[str, object]] = (),
) -> dict[str, object]:
    """The plan's key figures from its runs (also after edits: :mod:`routing.living.changes`).

    ``travel_s(a, b)`` is the direct travel time between two place ids (for detour factors).
    """
    rides: list[int] = []
    detours: list[float] = []
    agreed: dict[tuple[str, str], list[int]] = defaultdict(list)
    for run in runs:
        picked: dict[str, Stop] = {}
        for stop in run.stops:
            if stop.kind == "pickup":
                for rid in stop.rider_ids:
                    picked[rid] = stop
                    if stop.agreed_s is not None:
                        agreed[(rid, run.direction)].append(stop.agreed_s)
            elif stop.kind == "dropoff":
                for rid in stop.rider_ids:
                    if rid not in picked:  # a malformed run; the verifier says so
                        continue
                    p_stop = picked[rid]
                    ride = stop.arrival_s - p_stop.departure_s
                    rides.append(ride)
                    direct = travel_s(p_stop.place, stop.place)
                    if direct > 0:
                        detours.append(ride / direct)
    spreads = [max(v) - min(v) for v in agreed.values()]
    waits, late = run_wait_figures(runs, riders, params)
    vehicles_by_day: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        vehicles_by_day[run.weekday].add(run.vehicle_id)
    cost_ore = runs_cost_ore(runs, vehicles)
    limit = params.consistency_s
    return {
        "vehicles": max((len(v) for v in vehicles_by_day.values()), default=0),
        "vehicle_days": sum(len(v) for v in vehicles_by_day.values()),
        "runs": len(runs),
        "km": round(sum(r.distance_m for r in runs) / 1000.0, 1),
        "vehicle_hours": round(sum(r.duration_s for r in runs) / 3600.0, 2),
        "cost_dkk": round(cost_ore / 100.0, 2),
        "trips_served": len(rides),
        "trips_unserved": len(unserved),
        "riders_unserved": len({u.rider_id for u in unserved}),
        "mean_ride_min": round(sum(rides) / len(rides) / 60.0, 1) if rides else 0.0,
        "max_ride_min": round(max(rides) / 60.0, 1) if rides else 0.0,
        "mean_detour_factor": round(sum(detours) / len(detours), 2) if detours else 0.0,
        "consistency_max_spread_min": round(max(spreads, default=0) / 60.0, 1),
        "consistency_mean_spread_min": round(sum(spreads) / len(spreads) / 60.0, 2)
        if spreads else 0.0,
        "consistency_within_limit_pct": round(
            100.0 * sum(1 for s in spreads if limit is None or s <= limit) / len(spreads), 1)
        if spreads else 100.0,
        "consistency_exceptions": list(exceptions),
        "onboard_wait_total_min": round(sum(waits) / 60.0, 1),
        "onboard_wait_max_min": round(max(waits, default=0) / 60.0, 1),
        "boarding_after_agreed_max_min": round(max(late, default=0) / 60.0, 1),
    }


def run_wait_figures(
    runs: Iterable[Run], riders: Mapping[str, Rider], params: PlanParams
) -> tuple[list[int], list[int]]:
    """Waiting figures of timed runs: idle seconds with riders on board at each stop where it
    happens, and for each pickup how long after the agreed time boarding starts.

    Boarding is taken to end at the stop's departure (the plan's convention), so it starts at
    ``departure - boarding``.
    """
    waits: list[int] = []
    late: list[int] = []
    for run in runs:
        services = [sum(boarding_time_s(riders[r], params) for r in s.rider_ids if r in riders)
                    for s in run.stops]
        loads = [s.load_seats + s.load_wheelchairs for s in run.stops]
        per_stop = onboard_waits_s(
            [s.arrival_s for s in run.stops], [s.departure_s for s in run.stops],
            [s.leg_travel_s for s in run.stops], services, loads,
            [s.kind == "pickup" for s in run.stops])
        waits.extend(w for w in per_stop if w > 0)
        for stop, service in zip(run.stops, services, strict=True):
            if stop.kind == "pickup" and stop.agreed_s is not None:
                late.append(max(0, stop.departure_s - service - stop.agreed_s))
    return waits, late
