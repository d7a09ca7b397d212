"""Planning in the web pages: start a plan, watch it run, publish it, and who must be told.

The same services as the REST API (``api.plans``): a plan job is queued and solved in the
background; the plan page refreshes itself while it runs. The notifications (riders whose
pickup or arrival home changes, drivers whose run changes, centres) are shown by name and can be
printed or downloaded as CSV with the page's session — no API key needed.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError, NotFoundError, UnprocessableError
from api.plans import living
from api.plans import service as plans
from api.plans.schemas import PlanCreate
from api.scenario.service import scenario_from_db
from api.web.pages import PREFIX, page, redirect, render
from api.web.session import WebUser, check_csrf
from routing.model import format_hm

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

RECIPIENT_DA = {"rider": "Borger", "driver": "Chauffør", "centre": "Center"}


@router.post("/koordinator/planer")
@page
def start_plan(request: Request, db: DbSession, who: WebUser, context: Context,
               background: BackgroundTasks,
               csrf: Annotated[str, Form(max_length=100)] = "",
               navn: Annotated[str, Form(max_length=200)] = "",
               sekunder: Annotated[str, Form(max_length=10)] = "") -> Response:
    check_csrf(request, csrf)
    try:
        limit = float(sekunder) if sekunder.strip() else None
        data = PlanCreate(name=navn.strip(), time_limit_s=limit)
    except ValueError:
        return redirect("/koordinator", fejl="felter")
    try:
        row = plans.create_plan(db, who, context, data)
    except (ConflictError, UnprocessableError) as exc:
        db.rollback()
        log.info("plan not started from the web: %s", exc.detail)
        return redirect("/koordinator", fejl="plan-start")
    if context.jobs is not None:  # after the commit, like the REST API
        background.add_task(context.jobs.submit, row.plan_id)
    return redirect(f"/koordinator/planer/{row.plan_id}", besked="plan-startet")


@router.post("/koordinator/planer/{plan_id}/offentliggoer")
@page
def publish(request: Request, plan_id: int, db: DbSession, who: WebUser,
            csrf: Annotated[str, Form(max_length=100)] = "",
            trods_fejl: Annotated[str, Form(max_length=5)] = "") -> Response:
    check_csrf(request, csrf)
    try:
        plans.publish_plan(db, who, plan_id, force=trods_fejl == "ja")
    except ConflictError:
        db.rollback()
        return redirect(f"/koordinator/planer/{plan_id}", fejl="plan-fejl")
    return redirect(f"/koordinator/planer/{plan_id}/beskeder", besked="offentliggjort")


@router.get("/koordinator/planer/{plan_id}/beskeder", response_class=HTMLResponse)
@page
def notifications_page(request: Request, plan_id: int, db: DbSession, who: WebUser,
                       context: Context,
                       mod: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """Who must be told about this plan against another (default: the plan before it in
    force), by name, with address and times; printable."""
    from api.db.repo_plans import current_published

    who.require("coordinator")
    row = plans.get_plan(db, who, plan_id)
    against = mod
    if against is None:
        # A published plan is compared with the one in force before it; a draft with the
        # plan in force.
        before = current_published(db, before_id=plan_id) if row.published else None
        against = before.plan_id if before is not None else None
    try:
        diff = plans.diff_plans(db, who, plan_id, against)
    except ConflictError:
        return render(request, "notifications.html", who, row=row, notes=[], against=None,
                      error="Der er ingen anden offentliggjort plan at sammenligne med.")
    except NotFoundError:
        return render(request, "notifications.html", who, row=row, notes=[], against=None,
                      error=f"Plan {against} findes ikke.")
    scenario = scenario_from_db(db, context.networks.path)
    riders = {r.rider_id: r for r in scenario.riders}
    centres = {c.centre_id: c for c in scenario.centres}
    # The centres' messages name riders by id: the page shows their names.
    ids = re.compile(r"\b(" + "|".join(re.escape(r) for r in sorted(riders, key=len,
                                                                      reverse=True)) + r")\b") \
        if riders else None
    notes = []
    for n in diff.notifications:
        rider = riders.get(n.recipient_id) if n.recipient_type == "rider" else None
        centre = centres.get(n.recipient_id) if n.recipient_type == "centre" else None
        notes.append({
            "kind": RECIPIENT_DA.get(n.recipient_type, n.recipient_type),
            "who": (rider.name if rider else centre.name if centre
                    else f"Vogn {n.recipient_id}"),
            "address": rider.address if rider else centre.address if centre else "",
            "message": ids.sub(lambda mt: riders[mt.group(1)].name, n.message)
            if ids is not None else n.message,
        })
    return render(request, "notifications.html", who, row=row, notes=notes,
                  against=diff.from_plan_id, format_hm=format_hm)


@router.get("/koordinator/planer/{plan_id}/beskeder.csv")
@page
def notifications_csv(request: Request, plan_id: int, db: DbSession, who: WebUser,
                      context: Context,
                      mod: Annotated[int | None, Query(ge=1)] = None) -> Response:
    body = living.notifications_csv(db, who, context, plan_id, mod)
    return Response(content=body.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="beskeder-plan-{plan_id}.csv"',
                             "Cache-Control": "no-store"})
