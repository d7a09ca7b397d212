"""A weekday as a JSON part: what the job engine sends to a worker, perhaps on another machine.

:func:`spec_maker` turns (day, consistency windows, budget) into a spec that holds everything
the day depends on — the scenario's centres, sessions, riders and vehicles, the plan's
parameters, the windows from the anchor day — and :func:`solve_day_part` (named
:data:`SOLVER` for ``api.jobs.parts``) solves it with the planner's own day solver and answers
with the day's runs and unserved trips in the plan file's format. A worker snaps the places and
computes the travel matrix once per scenario and keeps it for the next part of the same plan;
in the process that built the spec (the plan job, which helps solve its own parts) the planner's
context is used as it is.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

from routing.model import Centre, Rider, Scenario, Session, Vehicle
from routing.network.matrix import travel_matrix
from routing.network.roads import RoadNetwork, default_cache_dir, load_network
from routing.params import PlanParams, plan_params_from_stored, plan_params_to_stored
from routing.planning import context, whole_day
from routing.planning.plan_io import SCHEMA, plan_from_dict, run_to_dict
from routing.planning.reasons import reason_to_stored
from routing.planning.trips import rider_trips, scenario_places, snap_places, waves_of_day
from routing.planning.week import DayPart, DayResult, Windows

SOLVER = "routing.planning.day_parts:solve_day_part"

_CONTEXTS: dict[str, Any] = {}
"""Fingerprint of (scenario, params) → the planner's context, the last few."""
_NETWORKS: dict[str, RoadNetwork] = {}
_KEEP = 2


def scenario_doc(scenario: Scenario) -> dict[str, Any]:
    """What planning a day needs of a scenario, as JSON (closures and rules have already shaped
    the riders and sessions by then)."""

    def rider(r: Rider) -> dict[str, Any]:
        d = asdict(r)
        for key in ("grant_from", "grant_to"):
            d[key] = None if d[key] is None else d[key].isoformat()
        return d

    return {"name": scenario.name, "network_path": scenario.network_path,
            "centres": [asdict(c) for c in scenario.centres],
            "sessions": [asdict(s) for s in scenario.sessions],
            "riders": [rider(r) for r in scenario.riders],
            "vehicles": [asdict(v) for v in scenario.vehicles]}


def scenario_from_doc(doc: Mapping[str, Any], params: PlanParams) -> Scenario:
    def rider(d: dict[str, Any]) -> Rider:
        d = dict(d, session_ids=tuple(d["session_ids"]))
        for key in ("grant_from", "grant_to"):
            d[key] = None if d[key] is None else date.fromisoformat(d[key])
        return Rider(**d)

    return Scenario(
        name=doc["name"], network_path=doc["network_path"],
        centres=tuple(Centre(**c) for c in doc["centres"]),
        sessions=tuple(Session(**s) for s in doc["sessions"]),
        riders=tuple(rider(r) for r in doc["riders"]),
        vehicles=tuple(Vehicle(**dict(v, layouts=tuple(tuple(x) for x in v["layouts"])))
                       for v in doc["vehicles"]),
        plan_params=params)


def _fingerprint(doc: Mapping[str, Any], params_doc: Mapping[str, Any]) -> str:
    text = json.dumps([doc, params_doc], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _remember(key: str, ctx: Any) -> None:
    _CONTEXTS[key] = ctx
    while len(_CONTEXTS) > _KEEP:
        del _CONTEXTS[next(iter(_CONTEXTS))]


def spec_maker(scenario: Scenario, params: PlanParams, ctx: Any) -> DayPart:
    """The planner's :data:`DayPart`; registers ``ctx`` so parts solved here reuse it."""
    doc = scenario_doc(scenario)
    params_doc = plan_params_to_stored(params)
    _remember(_fingerprint(doc, params_doc), ctx)

    def make(day: str, windows: Windows, budget_s: float, wider: Windows) -> dict[str, Any]:
        return {"scenario": doc, "params": params_doc, "day": day,
                "windows": [[r, d, lo, hi] for (r, d), (lo, hi) in sorted(windows.items())],
                "wider": [[r, d, lo, hi] for (r, d), (lo, hi) in sorted(wider.items())],
                "budget_s": budget_s}

    return make


def network_of(path: str) -> RoadNetwork:
    """The road network of ``path``, kept for the worker's next part."""
    if path not in _NETWORKS:
        _NETWORKS.clear()  # one network per worker is plenty
        _NETWORKS[path] = load_network(Path(path), cache_dir=default_cache_dir())
    return _NETWORKS[path]


def _context(spec: Mapping[str, Any]) -> Any:
    key = _fingerprint(spec["scenario"], spec["params"])
    if key in _CONTEXTS:
        return _CONTEXTS[key]
    params = plan_params_from_stored(spec["params"])
    scenario = scenario_from_doc(spec["scenario"], params)
    network = network_of(scenario.network_path)
    snapped = snap_places(scenario, network, params)
    ctx = context._Context(
        scenario=scenario, params=params, matrix=travel_matrix(network, snapped),
        snapped={s.point_id: s for s in snapped},
        riders={r.rider_id: r for r in scenario.riders},
        vehicles={v.vehicle_id: v for v in scenario.vehicles},
        coords={pl: (lat, lon) for pl, lat, lon in scenario_places(scenario)})
    _remember(key, ctx)
    return ctx


def part_budget(spec: Mapping[str, Any], now: float) -> float:
    """The part's solver time: its budget, cut to what is left of the plan's time when it
    waited for a free worker (``deadline_unix``, wall clock: workers on other machines share
    no monotonic clock, so they are assumed NTP-synchronised)."""
    budget = float(spec["budget_s"])
    if spec.get("deadline_unix") is not None:
        budget = min(budget, max(0.0, float(spec["deadline_unix"]) - now))
    return budget


def solve_day_part(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Solve one day of a spec from :func:`spec_maker` (the job engine's part solver)."""
    budget = part_budget(spec, time.time())
    ctx = replace(_context(spec), piece_workers=1)
    day = str(spec["day"])
    trips = [t for t in rider_trips(ctx.scenario, ctx.params) if t.weekday == day]
    windows = {(str(r), str(d)): (int(lo), int(hi)) for r, d, lo, hi in spec["windows"]}
    wider = {(str(r), str(d)): (int(lo), int(hi)) for r, d, lo, hi in spec.get("wider", [])}
    result = whole_day.solve_day(day, waves_of_day(trips, ctx.params), ctx, windows,
                                budget, context._DayState({}, set(), wider))
    return {"runs": [run_to_dict(r) for r in result.runs],
            "unserved": [{"rider_id": u.rider_id, "weekday": u.weekday,
                          "session_id": u.session_id, "direction": u.direction,
                          **reason_to_stored(u.reason)} for u in result.unserved],
            "exceptions": result.exceptions, "stats": result.stats}


def day_result(doc: Mapping[str, Any]) -> DayResult:
    """A part's answer as the planner's :class:`DayResult`."""
    plan = plan_from_dict({"schema": SCHEMA, "runs": doc["runs"], "unserved": doc["unserved"]})
    return DayResult(list(plan.runs), list(plan.unserved), list(doc["exceptions"]),
                     dict(doc["stats"]))
