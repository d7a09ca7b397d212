"""The coordinator's day overview: which plan is in force on the date (effective dates), the
runs by vehicle with a link to each manifest, closed centres by name, the day's afbud with the
late ones flagged, the merges the afbud make possible (accepted in :mod:`api.web.merges`) and
the merges accepted for the day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.absences import service as absences
from api.db import repo_plans
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError
from api.grants.rules_store import absence_rules_in_force
from api.manifests import service as days
from api.plans import service as plans
from api.scenario.service import scenario_from_db
from api.web.followups import followup_block
from api.web.merges import run_text
from api.web.pages import PREFIX, WEEKDAY_KEYS, page, parse_date, render
from api.web.session import WebUser
from routing.model import format_hm

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

CANCEL_TEXT = {"empty": "alle har meldt afbud", "closed": "centret er lukket",
               "consolidated": "samkørt med en anden tur"}


@router.get("/koordinator/dagsoversigt", response_class=HTMLResponse)
@page
def day_overview(request: Request, db: DbSession, who: WebUser, context: Context,
                 dato: Annotated[str, Query(max_length=10)] = "") -> Response:
    who.require("coordinator")
    today = context.today()
    day = parse_date(dato, today)
    ref = repo_plans.published_ref(db, day)
    if ref is None:
        raise ConflictError("no plan has been published yet")
    row = plans.get_plan(db, who, ref.plan_id)
    effective = dict(repo_plans.in_force_from(db)).get(ref.plan_id)
    current = days.day_for(db, who, context, day, absence_rules_in_force(db, context))
    scenario = current.scenario
    names = {r.rider_id: r.name for r in scenario.riders}
    centres = {c.centre_id: c.name for c in scenario.centres}
    runs: list[dict[str, Any]] = []
    for run in sorted(current.result.runs, key=lambda r: (r.vehicle_id,
                                                           r.stops[0].departure_s)):
        runs.append({
            "vehicle_id": run.vehicle_id,
            "title": ("Ud til " if run.direction == "to_centre" else "Hjem fra ")
            + centres.get(run.centre_id, run.centre_id),
            "span": f"{format_hm(run.stops[0].departure_s)}–{format_hm(run.stops[-1].arrival_s)}",
            "riders": sorted(names.get(rid, "ukendt borger") for rid in run.rider_ids)})
    cancelled = [{"vehicle_id": c.vehicle_id, "reason": CANCEL_TEXT.get(c.reason, c.reason),
                  "saved_ore": c.saved_ore} for c in current.result.cancelled]
    afbud = absences.list_absences(db, who, rider_id=None, centre_id=None, first=day,
                                   last=day, include_withdrawn=False, limit=500, offset=0)
    afbud_rows = sorted(({"name": names.get(a.rider_id, "ukendt borger"), "late": a.late,
                          "reason": a.reason, "scope": a.scope} for a in afbud),
                        key=lambda a: (not a["late"], a["name"]))
    merges = []
    if day >= today:
        report = days.suggestions(db, who, context, day, absence_rules_in_force(db, context))
        for s in report.suggestions:
            merges.append({
                "absorbed": f"{s.absorbed.vehicle_id} "
                f"{format_hm(s.absorbed.stops[0].departure_s)}",
                "target": f"{s.target.vehicle_id} {format_hm(s.target.stops[0].departure_s)}",
                "saved_ore": s.saved_ore, "absorbed_id": s.absorbed_run_id,
                "target_id": s.target_run_id,
                "moved": [f"{names.get(mv.rider_id, 'ukendt borger')}" for mv in s.moved]})
    # Merges accepted for the day: the runs above already follow the applied ones.
    plan_runs = {r.run_id: r for r in plans.finished_plan(row).runs}

    def run_name(run_id: str) -> str:
        run = plan_runs.get(run_id)
        return run_text(run, centres) if run is not None else run_id

    accepted = [{"absorbed": run_name(rec.absorbed_run_id),
                 "target": run_name(rec.target_run_id),
                 "saved_ore": rec.saved_ore, "applied": applied,
                 "moved": [f"{names.get(str(mv.get('rider_id')), 'ukendt borger')} "
                           f"{format_hm(int(mv['old_agreed_s']))} → "
                           f"{format_hm(int(mv['new_agreed_s']))}"
                           for mv in rec.moved or [] if mv.get("old_agreed_s") is not None
                           and mv.get("new_agreed_s") is not None]}
                for rec, applied in current.accepted]
    return render(request, "day_overview.html", who, day=day, row=row, effective=effective,
                  runs=runs, cancelled=cancelled, afbud=afbud_rows, merges=merges,
                  accepted=accepted,
                  closed=sorted(centres.get(c, c) for c in current.result.closed_centres),
                  weekday=WEEKDAY_KEYS.get(current.result.weekday or "", ""),
                  previous=day - timedelta(days=1), next=day + timedelta(days=1),
                  today=today, opfoelgning=followup_block(db, who, context, day))


@router.get("/koordinator/statistik", response_class=HTMLResponse)
@page
def statistics_page(request: Request, db: DbSession, who: WebUser, context: Context,
                    fra: Annotated[str, Query(max_length=10)] = "",
                    til: Annotated[str, Query(max_length=10)] = "") -> Response:
    """Afbud on time and late, no-shows, cancelled runs and savings per month, centre and
    rider (names), for a period of at most three months (default: this month so far)."""
    who.require("coordinator")
    today = context.today()
    first = parse_date(fra, today.replace(day=1))
    last = parse_date(til, today)
    error = None
    if last < first or (last - first).days >= days.MAX_STATISTICS_DAYS:
        error = (f"Vælg en periode på højst {days.MAX_STATISTICS_DAYS} dage, hvor "
                 "slutdatoen ikke ligger før startdatoen.")
        first, last = today.replace(day=1), today
    stats = days.statistics(db, who, context, first, last, absence_rules_in_force(db, context))
    scenario = scenario_from_db(db, context.networks.path)
    names = {r.rider_id: r.name for r in scenario.riders}
    centres = {c.centre_id: c.name for c in scenario.centres}

    def rows(table: dict[str, dict[str, int]], label: dict[str, str], fallback: str
             ) -> list[tuple[str, dict[str, int]]]:
        return sorted(((label.get(k, fallback if label else k), v) for k, v in table.items()),
                      key=lambda item: (-item[1].get("afbud", 0), item[0]))

    table = cast(dict[str, dict[str, dict[str, int]]], stats)
    return render(request, "statistics.html", who, error=error, first=first, last=last,
                  total=stats["total"], months=sorted(table["by_month"].items()),
                  centres=rows(table["by_centre"], centres, "ukendt center"),
                  riders=rows(table["by_rider"], names, "ukendt borger"))
