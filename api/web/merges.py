"""Accepting a run merge (consolidation) from the coordinator's day page (issue 14).

The day page lists the merges the day's afbud make possible; *Læg sammen* opens a confirmation
naming everyone affected — the riders who change vehicle and the riders whose pickup time moves,
old and new time — and only the confirmation stores the merge, through the same service as
``POST /api/v1/days/{date}/consolidation``. The day's runs and manifests then follow it.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError
from api.grants.rules_store import absence_rules_in_force
from api.manifests import service as days
from api.scenario.service import scenario_from_db
from api.web.pages import PREFIX, form_date, page, parse_date, redirect, render
from api.web.session import WebUser, check_csrf
from routing.model import Run, format_hm

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

DIRECTION_SHORT = {"to_centre": "ud", "from_centre": "hjem"}


def run_text(run: Run, centres: dict[str, str]) -> str:
    """``V2 ud til Aktivitetscentret 08:40–09:00``: vehicle, direction, centre, times."""
    where = ", ".join(centres.get(c, c) for c in (run.centre_ids or (run.centre_id,)))
    span = (f"{format_hm(run.stops[0].departure_s)}–{format_hm(run.stops[-1].arrival_s)}"
            if run.stops else "")
    towards = "til" if run.direction == "to_centre" else "fra"
    return f"{run.vehicle_id} {DIRECTION_SHORT.get(run.direction, '')} {towards} {where} {span}"


def pickup_times(run: Run) -> dict[str, int]:
    """Each rider's pickup time on the run (agreed time where there is one)."""
    return {rider: stop.agreed_s if stop.agreed_s is not None else stop.departure_s
            for stop in run.stops if stop.kind == "pickup" for rider in stop.rider_ids}


@router.get("/koordinator/dagsoversigt/samkoersel", response_class=HTMLResponse)
@page
def confirm_merge(request: Request, db: DbSession, who: WebUser, context: Context,
                  dato: Annotated[str, Query(max_length=10)] = "",
                  tur: Annotated[str, Query(max_length=128)] = "",
                  med: Annotated[str, Query(max_length=128)] = "") -> Response:
    """Who a merge affects, before it is stored."""
    who.require("coordinator")
    day = parse_date(dato, context.today())
    report = days.suggestions(db, who, context, day, absence_rules_in_force(db, context))
    chosen = next((s for s in report.suggestions
                   if s.absorbed_run_id == tur and s.target_run_id == med), None)
    if chosen is None:
        return redirect("/koordinator/dagsoversigt", dato=day.isoformat(), fejl="samkoersel")
    scenario = scenario_from_db(db, context.networks.path)
    names = {r.rider_id: r.name for r in scenario.riders}
    centres = {c.centre_id: c.name for c in scenario.centres}
    old_times = {**pickup_times(chosen.target), **pickup_times(chosen.absorbed)}
    new_times = pickup_times(chosen.merged)
    affected: list[dict[str, Any]] = []
    for rider_id in sorted(set(chosen.absorbed.rider_ids) | set(chosen.target.rider_ids),
                           key=lambda r: str(names.get(r, r)).casefold()):
        old, new = old_times.get(rider_id), new_times.get(rider_id)
        affected.append({
            "name": names.get(rider_id, "ukendt borger"),
            "vehicle": (f"{chosen.absorbed.vehicle_id} → {chosen.target.vehicle_id}"
                        if rider_id in chosen.absorbed.rider_ids else chosen.target.vehicle_id),
            "old": format_hm(old) if old is not None else "",
            "new": format_hm(new) if new is not None else "",
            "same": old == new,
            "tell": old != new or rider_id in chosen.absorbed.rider_ids})
    return render(request, "merge_confirm.html", who, day=day, suggestion=chosen,
                  absorbed=run_text(chosen.absorbed, centres),
                  target=run_text(chosen.target, centres),
                  merged=run_text(chosen.merged, centres), affected=affected)


@router.post("/koordinator/dagsoversigt/samkoersel", response_class=HTMLResponse)
@page
def accept_merge(request: Request, db: DbSession, who: WebUser, context: Context,
                 csrf: Annotated[str, Form(max_length=100)] = "",
                 dato: Annotated[str, Form(max_length=10)] = "",
                 tur: Annotated[str, Form(max_length=128)] = "",
                 med: Annotated[str, Form(max_length=128)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    day = form_date(dato)
    if day is None:
        return redirect("/koordinator/dagsoversigt", fejl="dato")
    if day < context.today():
        return redirect("/koordinator/dagsoversigt", dato=day.isoformat(), fejl="samkoersel")
    try:
        record, _ = days.accept(db, who, context, day, tur, med,
                                absence_rules_in_force(db, context), context.now())
    except ConflictError:
        db.rollback()
        return redirect("/koordinator/dagsoversigt", dato=day.isoformat(), fejl="samkoersel")
    log.info("merge %s accepted in the web pages by user %s", record.consolidation_id,
             who.user_id)
    return redirect("/koordinator/dagsoversigt", dato=day.isoformat(), besked="samkoersel")
