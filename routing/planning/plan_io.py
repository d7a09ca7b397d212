"""Reading and writing the plan file, schema ``samkorsel.plan/1`` (documented in the README).

A run may carry the optional ``layout`` ``{"seats": 6, "wheelchairs": 3}``: the vehicle layout it
uses (``docs/vehicles.md``); files without it stay valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from routing.errors import PlanFormatError
from routing.model import Plan, Run, Stop, Unserved, format_hms, parse_time
from routing.params import PlanParams, plan_params_from_stored, plan_params_to_stored
from routing.planning.reasons import reason_from_stored, reason_to_stored

SCHEMA = "samkorsel.plan/1"


def stop_to_dict(stop: Stop) -> dict[str, Any]:
    return {
        "kind": stop.kind,
        "rider_ids": list(stop.rider_ids),
        "place": stop.place,
        "lat": round(stop.lat, 7),
        "lon": round(stop.lon, 7),
        "arrival": format_hms(stop.arrival_s),
        "departure": format_hms(stop.departure_s),
        "agreed": format_hms(stop.agreed_s) if stop.agreed_s is not None else None,
        "load": {"seats": stop.load_seats, "wheelchairs": stop.load_wheelchairs},
        "leg": {"distance_m": stop.leg_distance_m, "travel_s": stop.leg_travel_s},
    }


def run_to_dict(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {
        "run_id": run.run_id,
        "weekday": run.weekday,
        "centre_id": run.centre_id,
        "session_id": run.session_id,
        "direction": run.direction,
        "vehicle_id": run.vehicle_id,
        "centre_ids": list(run.centre_ids),
        "session_ids": list(run.session_ids),
        "distance_m": run.distance_m,
        "duration_s": run.duration_s,
        "stops": [stop_to_dict(s) for s in run.stops],
    }
    if run.layout is not None:
        out["layout"] = {"seats": run.layout[0], "wheelchairs": run.layout[1]}
    return out


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON-ready form of a plan (``samkorsel.plan/1``)."""
    return {
        "schema": SCHEMA,
        "scenario": plan.scenario,
        "params": plan_params_to_stored(plan.params),
        "kpis": plan.kpis,
        "stats": plan.stats,
        "runs": [run_to_dict(r) for r in plan.runs],
        "unserved": [
            {
                "rider_id": u.rider_id,
                "weekday": u.weekday,
                "session_id": u.session_id,
                "direction": u.direction,
                **reason_to_stored(u.reason),
            }
            for u in plan.unserved
        ],
    }


def write_plan(plan: Plan, path: Path) -> None:
    """Write the plan as pretty-printed UTF-8 JSON."""
    path.write_text(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")


def _stop_from_dict(d: dict[str, Any]) -> Stop:
    return Stop(
        kind=d["kind"],
        rider_ids=tuple(d["rider_ids"]),
        lat=float(d["lat"]),
        lon=float(d["lon"]),
        arrival_s=parse_time(d["arrival"]),
        departure_s=parse_time(d["departure"]),
        load_seats=int(d["load"]["seats"]),
        load_wheelchairs=int(d["load"]["wheelchairs"]),
        leg_distance_m=int(d["leg"]["distance_m"]),
        leg_travel_s=int(d["leg"]["travel_s"]),
        place=d.get("place", ""),
        agreed_s=parse_time(d["agreed"]) if d.get("agreed") else None,
    )


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """Parse a plan dictionary.

    Raises
    ------
    PlanFormatError
        If the schema tag is wrong or a field is missing or malformed (names the run and stop).
    """
    if data.get("schema") != SCHEMA:
        raise PlanFormatError(f"not a plan file: schema is {data.get('schema')!r}, "
                              f"expected {SCHEMA!r}")
    runs = []
    for i, r in enumerate(data.get("runs", [])):
        try:
            stops = tuple(_stop_from_dict(s) for s in r["stops"])
            runs.append(Run(
                run_id=r["run_id"], weekday=r["weekday"], centre_id=r["centre_id"],
                session_id=r["session_id"], direction=r["direction"], vehicle_id=r["vehicle_id"],
                stops=stops, centre_ids=tuple(r.get("centre_ids", ())),
                session_ids=tuple(r.get("session_ids", ())),
                layout=(int(r["layout"]["seats"]), int(r["layout"]["wheelchairs"]))
                if r.get("layout") is not None else None,
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanFormatError(
                f"runs[{i}] ({r.get('run_id', '?')}): malformed: {exc!r}") from exc
    try:
        unserved = tuple(
            Unserved(u["rider_id"], u["weekday"], u["session_id"], u["direction"],
                     reason_from_stored(u["reason"], u.get("reason_code"),
                                        u.get("reason_figures")))
            for u in data.get("unserved", [])
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanFormatError(f"unserved: malformed entry: {exc!r}") from exc
    return Plan(runs=tuple(runs), unserved=unserved, kpis=data.get("kpis", {}),
                stats=data.get("stats", {}), scenario=data.get("scenario", ""),
                params=_params(data.get("params")))


def _params(value: object) -> PlanParams:
    if value is not None and not isinstance(value, dict):
        raise PlanFormatError(f"params: must be an object, got {type(value).__name__}")
    try:
        return plan_params_from_stored(value)
    except TypeError as exc:
        raise PlanFormatError(f"params: malformed: {exc!r}") from exc


def read_plan(path: Path) -> Plan:
    """Read a plan file written by :func:`write_plan`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PlanFormatError(f"{path}: top level must be an object")
    return plan_from_dict(data)
