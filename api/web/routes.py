"""The web pages (Danish, server-rendered): coordinators, centre staff and drivers.

Each page uses the same services and role checks as the REST API, so a user sees in the browser
exactly what their API key may see (a centre only its own centres, a driver only its own vehicle,
no CPR numbers or diagnoses anywhere). A resource the user may not see answers 404, like an
unknown one. Forms post with a CSRF token and redirect (post/redirect/get); errors are shown in
Danish.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.absences import service as absences
from api.absences.schemas import AbsenceIn, NoShowIn
from api.auth import (
    end_session,
    login_user,
    session_principal,
    session_ttl,
    start_session,
)
from api.centres import service as centres
from api.centres.schemas import ClosureIn
from api.context import road_lines
from api.db import models as m
from api.db import repo, repo_absences
from api.db.repo_plans import published_ref
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import (
    ConflictError,
    NotFoundError,
)
from api.grants.rules_store import absence_rules_in_force, municipal_rules
from api.manifests import service as days
from api.plans import service as plans
from api.riders import service as riders
from api.scenario.service import scenario_from_db
from api.web import centre_tools
from api.web.followups import followup_block
from api.web.pages import (
    DIRECTION_DA,
    ERRORS,
    KPI_LABELS,
    PREFIX,
    WEEKDAY_KEYS,
    _error_text,
    form_date,
    home_of,
    page,
    parse_date,
    redirect,
    render,
)
from api.web.planmap import plan_map
from api.web.planning import in_force
from api.web.png import run_png_bytes
from api.web.session import (
    COOKIE_NAME,
    WebUser,
    check_csrf,
    clear_session_cookie,
    login_csrf_ok,
    login_throttle,
    new_login_token,
    set_login_cookie,
    set_session_cookie,
)
from maps.basemap import road_geojson
from maps.manifest.data import next_stop
from maps.webmap import config_json, map_config
from routing.model import format_hm
from routing.operations.holidays import next_working_day

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)


# --------------------------------------------------------------------------------------------
# Login


@router.get("/", response_class=HTMLResponse)
def start(request: Request, db: DbSession, context: Context) -> Response:
    key = request.cookies.get(COOKIE_NAME)
    who = session_principal(db, key, context.now()) if key else None
    return redirect(home_of(who) if who is not None else "/login")


def _next_page(text: str) -> str | None:
    """A page of this site to go to after logging in (nothing else: no open redirect)."""
    if text.startswith(PREFIX + "/") and not text.startswith("//") and "\\" not in text \
            and not text.startswith(PREFIX + "/log"):
        return text[len(PREFIX):]
    return None


def _login_page(request: Request, naeste: str, status_code: int = 200,
                error: str | None = None, username: str = "") -> Response:
    token = new_login_token()
    response = render(request, "login.html", None, status_code=status_code, naeste=naeste,
                      login_csrf=token, error=error, username=username)
    set_login_cookie(response, request, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request,
               naeste: Annotated[str, Query(max_length=300)] = "") -> Response:
    return _login_page(request, naeste)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: DbSession, context: Context,
          username: Annotated[str, Form(max_length=100)] = "",
          password: Annotated[str, Form(max_length=200)] = "",
          husk: Annotated[str, Form(max_length=10)] = "",
          csrf: Annotated[str, Form(max_length=100)] = "",
          naeste: Annotated[str, Form(max_length=300)] = "") -> Response:
    if not login_csrf_ok(request, csrf):
        log.info("web login refused: login form token or origin wrong")
        return _login_page(request, naeste, 400, ERRORS["csrf"], username)
    throttle = login_throttle(request)
    if throttle.blocked(username):
        log.warning("web login refused: too many failed attempts for one username")
        return _login_page(request, naeste, 429, "For mange forkerte forsøg. Vent et kvarter, "
                           "eller bed koordinatoren om en ny adgangskode.", username)
    user = login_user(db, username, password)
    if user is None:
        throttle.failed(username)
        return _login_page(request, naeste, 401, "Forkert brugernavn eller adgangskode.",
                           username)
    throttle.succeeded(username)
    remember = husk == "ja"
    key = start_session(db, user, remember, context.now())
    who = session_principal(db, key, context.now())
    assert who is not None
    response = redirect(_next_page(naeste) or home_of(who))
    set_session_cookie(response, request, key, session_ttl(user.role, remember))
    log.info("web login of user %s (%s)", who.user_id, who.role)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, context: Context,
           csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, csrf)
    key = request.cookies.get(COOKIE_NAME, "")
    end_session(db, key, context.now())
    context.principals.clear()
    response = redirect("/login", besked="logget-ud")
    clear_session_cookie(response)
    return response


# --------------------------------------------------------------------------------------------
# Coordinator


@router.get("/koordinator", response_class=HTMLResponse)
@page
def coordinator_home(request: Request, db: DbSession, who: WebUser,
                     context: Context) -> Response:

    rows = plans.list_plans(db, who, None, 50, 0)
    return render(request, "coordinator.html", who, plans=rows, today=context.today(),
                  marks=in_force(db, context.today()))




def _runs_table(plan: Any, weekday: str | None, names: dict[str, str],
                centre_names: dict[str, str]) -> list[dict[str, Any]]:
    """The plan's runs of a weekday (all: None) by vehicle and time, for the review table:
    times, centre, riders in stop order, most on board, longest ride."""

    rows = []
    order = list(WEEKDAY_KEYS)
    for run in sorted((r for r in plan.runs if weekday is None or r.weekday == weekday),
                      key=lambda r: (order.index(r.weekday) if r.weekday in order else 9,
                                     r.vehicle_id, r.stops[0].departure_s if r.stops else 0)):
        boarded: dict[str, int] = {}
        longest = 0
        for stop in run.stops:
            for rider in stop.rider_ids:
                if stop.kind == "pickup":
                    boarded[rider] = stop.departure_s
                elif stop.kind == "dropoff" and rider in boarded:
                    longest = max(longest, stop.arrival_s - boarded[rider])
        rows.append({
            "weekday": WEEKDAY_KEYS.get(run.weekday, run.weekday), "vehicle": run.vehicle_id,
            "direction": DIRECTION_DA.get(run.direction, run.direction),
            "start": format_hm(run.stops[0].departure_s) if run.stops else "",
            "end": format_hm(run.stops[-1].arrival_s) if run.stops else "",
            "centre": ", ".join(centre_names.get(c, c)
                                for c in (run.centre_ids or (run.centre_id,))),
            "riders": ", ".join(names.get(r, r) for r in run.rider_ids),
            "load": max((s.load_seats + s.load_wheelchairs for s in run.stops), default=0),
            "km": round(run.distance_m / 1000, 1), "longest_min": round(longest / 60),
        })
    return rows


@router.get("/koordinator/planer/{plan_id}", response_class=HTMLResponse)
@page
def plan_page(request: Request, plan_id: int, db: DbSession, who: WebUser, context: Context,
              ugedag: Annotated[str, Query(max_length=8)] = "mon",
              mod: Annotated[int | None, Query(ge=1)] = None) -> Response:
    row = plans.get_plan(db, who, plan_id)
    weekday = None if ugedag == "alle" else (ugedag if ugedag in WEEKDAY_KEYS else "mon")
    plan = plans.finished_plan(row) if row.status == "done" else None
    scenario = scenario_from_db(db, context.networks.path)
    names = {r.rider_id: r.name for r in scenario.riders}
    map_json = ""
    diff = None
    diff_error = None
    if plan is not None:
        map_json = config_json(plan_map(context, db, row, plan, weekday))
        try:
            diff = plans.diff_plans(db, who, plan_id, mod)
        except ConflictError:
            diff_error = "Der er ingen anden offentliggjort plan at sammenligne med."
        except NotFoundError:
            diff_error = f"Plan {mod} findes ikke."

    kpis = (row.summary or {}).get("kpis", {}) if row.summary else {}
    others = [p for p in plans.list_plans(db, who, "done", 50, 0) if p.plan_id != plan_id]
    in_force = published_ref(db)
    runs_table = _runs_table(plan, weekday, names, {c.centre_id: c.name
                                                    for c in scenario.centres}) if plan else []
    errors = [v for v in row.violations or [] if v.get("severity") == "error"]
    door = [v for v in row.violations or [] if v.get("code") == "door_far_from_stop"]
    return render(request, "plan.html", who, row=row, plan=plan, kpis=kpis,
                  kpi_labels=KPI_LABELS, names=names, weekday=ugedag, map_json=map_json,
                  diff=diff, diff_error=diff_error, others=others, against=mod,
                  in_force=in_force is not None and in_force.plan_id == row.plan_id,
                  rule_errors=errors, door=door, runs_table=runs_table)


@router.get("/koordinator/dag/{on_date}", response_class=HTMLResponse)
@page
def day_page(request: Request, on_date: str, db: DbSession, who: WebUser,
             context: Context) -> Response:
    day = parse_date(on_date, context.today())
    who.require("coordinator")
    current = days.day_for(db, who, context, day, absence_rules_in_force(db, context))
    result = current.result
    names = {r.rider_id: r.name for r in current.scenario.riders}
    config = map_config(result.runs, context.networks.get(), group_by="vehicle",
                        centres=current.scenario.centres, rider_names=names,
                        snap_max_m=current.params.snap_max_m,
                        roads=f"{PREFIX}/kort/vejnet.geojson",
                        lines=road_lines(context, current.params.snap_max_m))

    centre_names = {c.centre_id: c.name for c in current.scenario.centres}
    vehicles: dict[str, list[str]] = {}
    for run in sorted(result.runs, key=lambda r: (r.vehicle_id, r.stops[0].departure_s
                                                  if r.stops else 0)):
        if run.stops:
            vehicles.setdefault(run.vehicle_id, []).append(
                f"{format_hm(run.stops[0].departure_s)}–{format_hm(run.stops[-1].arrival_s)}")
    zone = ZoneInfo(context.settings.timezone)
    late = [{"name": names.get(a.rider_id, a.rider_id), "reason": a.reason,
             "at": a.registered_at.astimezone(zone).strftime("%d.%m. kl. %H:%M")}
            for a in absences.list_absences(db, who, rider_id=None, centre_id=None,
                                            first=day, last=day, include_withdrawn=False,
                                            limit=500, offset=0) if a.late]
    return render(request, "day.html", who, day=day, result=result, names=names,
                  map_json=config_json(config), previous=day - timedelta(days=1),
                  next=day + timedelta(days=1), centre_names=centre_names,
                  vehicles=vehicles, late=late,
                  opfoelgning=followup_block(db, who, context, day))


# --------------------------------------------------------------------------------------------
# Centre staff


@router.get("/center", response_class=HTMLResponse)
@page
def centre_home(request: Request, db: DbSession, who: WebUser) -> Response:
    who.require("coordinator", "centre")
    visible = centres.list_centres(db, who)
    if len(visible) == 1:
        return redirect(f"/center/{quote(visible[0].centre_id)}")
    return render(request, "centres.html", who, centres=visible)


@router.get("/center/{centre_id}", response_class=HTMLResponse)
@page
def centre_page(request: Request, centre_id: str, db: DbSession, who: WebUser,
                context: Context,
                dato: Annotated[str | None, Query(max_length=20)] = None) -> Response:

    centre = centres.visible_centre(db, who, centre_id)
    today = context.today()
    rules = absence_rules_in_force(db, context)
    # The list to prepare is the next working day's (on a Friday: Monday's), unless picked.
    upcoming = next_working_day(today)
    chosen = form_date(dato or "") or upcoming
    lists: list[tuple[str, dict[str, object] | None, str | None]] = []
    shown = [("I dag", today)] if chosen != today else []
    shown.append(("Valgt dag" if chosen != upcoming else "Næste arbejdsdag", chosen))
    for label, day in shown:
        try:
            lists.append((label, days.centre_list(db, who, context, centre_id, day, rules),
                          None))
        except ConflictError as exc:
            lists.append((label, None, _error_text(exc)[1]))
    centre_riders = sorted(riders.list_riders(db, who, centre_id), key=lambda r: r.name)
    names = {r.rider_id: r.name for r in centre_riders}
    active = absences.list_absences(db, who, rider_id=None, centre_id=centre_id, first=today,
                                    last=None, include_withdrawn=False, limit=500, offset=0)

    tools = centre_tools.page_values(db, who, context, centre_id, today,
                                     dict(request.query_params))
    return render(request, "centre.html", who, centre=centre, lists=lists,
                  riders=centre_riders, names=names, absences=active, today=today,
                  chosen=chosen, opfoelgning=followup_block(db, who, context, today, centre_id),
                  **tools)


@router.post("/center/{centre_id}/afbud")
@page
def register_absence(
    request: Request, centre_id: str, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    borger: Annotated[str, Form(max_length=64)] = "",
    fra: Annotated[str, Form(max_length=20)] = "",
    til: Annotated[str, Form(max_length=20)] = "",
    retning: Annotated[str, Form(max_length=20)] = "both",
    aarsag: Annotated[str, Form(max_length=300)] = "",
    meldt_af: Annotated[str, Form(max_length=20)] = "centre",
) -> Response:
    back = f"/center/{quote(centre_id)}"
    check_csrf(request, csrf)
    centres.visible_centre(db, who, centre_id)
    start, end = form_date(fra), form_date(til)
    if start is None or (til.strip() and end is None):
        return redirect(back, fejl="dato")
    if end is not None and end < start:
        return redirect(back, fejl="periode")
    rider = riders.visible_rider(db, who, borger) if borger else None
    if rider is None or rider.centre_id != centre_id:
        return redirect(back, fejl="borger")
    try:
        data = AbsenceIn(rider_id=rider.rider_id, start=start, end=end, reason=aarsag.strip(),
                         reported_by=meldt_af, scope=retning)  # type: ignore[arg-type]
    except ValidationError:
        return redirect(back, fejl="felter")

    if centre_tools.refuses(db, rider.rider_id, centre_id, start, end, retning):
        return redirect(back, fejl="ingen-koersel", borger=rider.rider_id, fra=start.isoformat(),
                        til=end.isoformat() if end else "")
    rules = absence_rules_in_force(db, context)
    row, created = absences.register(db, who, data, rules, context.now())
    late = {"sent": str(row.absence_id)} if created and row.late else {}
    return redirect(back, besked="afbud" if created else "afbud-findes", **late)


@router.post("/center/{centre_id}/afbud/{absence_id}/tilbagekald")
@page
def withdraw_absence(request: Request, centre_id: str, absence_id: int, db: DbSession,
                     who: WebUser, context: Context,
                     csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    back = f"/center/{quote(centre_id)}"
    check_csrf(request, csrf)
    centres.visible_centre(db, who, centre_id)
    try:
        absences.withdraw(db, who, absence_id, context.now())
    except NotFoundError:
        db.rollback()
        return redirect(back, fejl="afbud")
    return redirect(back, besked="tilbagekaldt")


@router.post("/center/{centre_id}/lukning")
@page
def add_closure(request: Request, centre_id: str, db: DbSession, who: WebUser,
                csrf: Annotated[str, Form(max_length=100)] = "",
                fra: Annotated[str, Form(max_length=20)] = "",
                til: Annotated[str, Form(max_length=20)] = "",
                aarsag: Annotated[str, Form(max_length=300)] = "") -> Response:
    back = f"/center/{quote(centre_id)}"
    check_csrf(request, csrf)
    start, end = form_date(fra), form_date(til)
    if start is None or (til.strip() and end is None):
        return redirect(back, fejl="dato")
    if end is not None and end < start:
        return redirect(back, fejl="periode")
    centres.create_closure(db, who, centre_id, ClosureIn(start=start, end=end,
                                                         reason=aarsag.strip()))
    return redirect(back, besked="lukning")


# --------------------------------------------------------------------------------------------
# Drivers


@router.get("/chauffoer", response_class=HTMLResponse)
@page
def driver_home(request: Request, db: DbSession, who: WebUser, context: Context) -> Response:
    who.require("coordinator", "driver")
    if who.vehicle_id:
        return redirect(f"/chauffoer/{quote(who.vehicle_id)}")
    vehicles = days.manifest_vehicles(db, who, context, context.today(),
                                      absence_rules_in_force(db, context))
    return render(request, "vehicles.html", who, vehicles=vehicles, today=context.today())


NO_SHOW_UNDO = timedelta(minutes=30)
"""A driver may undo a no-show this long after recording it (a mistap, the rider came out)."""


def _manifest_phones(db: Session, body: dict[str, Any]) -> tuple[dict[str, dict[str, str]],
                                                                 dict[str, str]]:
    """Phone numbers of the riders on this manifest and of their centres (by centre name, as
    the stops show it) — only those: the driver of these runs sees no other numbers."""

    rider_ids = {r["rider_id"] for run in body["runs"] for stop in run["stops"]
                 for r in stop.get("riders", [])}
    if not rider_ids:
        return {}, {}
    rows = db.query(m.Rider).filter(m.Rider.rider_id.in_(sorted(rider_ids))).all()
    phones = {r.rider_id: {"phone": r.phone, "contact": r.contact_phone} for r in rows}
    centre_ids = sorted({r.centre_id for r in rows})
    centre_rows = db.query(m.Centre).filter(m.Centre.centre_id.in_(centre_ids)).all()
    return phones, {c.name: c.phone for c in centre_rows if c.phone}


@router.get("/chauffoer/{vehicle_id}", response_class=HTMLResponse)
@page
def driver_page(request: Request, vehicle_id: str, db: DbSession, who: WebUser,
                context: Context,
                dato: Annotated[str | None, Query(max_length=20)] = None) -> Response:

    today = context.today()
    day = parse_date(dato, today)
    doc = days.manifest(db, who, context, day, vehicle_id, absence_rules_in_force(db, context))
    body = doc.body
    for run in body["runs"]:
        run.pop("map_svg", None)  # the page shows the PNG instead
        run.pop("route", None)
    phones, centre_phones = _manifest_phones(db, body)
    recorded = {(n.rider_id, n.run_id): n for n in repo_absences.list_no_shows(
        db, vehicle_id=vehicle_id, between=(day, day), limit=1000, offset=0)}
    now = context.now()
    local = now.astimezone(ZoneInfo(context.settings.timezone))
    upcoming = next_stop(body, local.hour * 3600 + local.minute * 60 + local.second) \
        if day == today else None
    no_shows = {key: {"id": n.no_show_id, "time": n.recorded_at.astimezone(
        ZoneInfo(context.settings.timezone)).strftime("%H:%M"),
        "undo": who.is_coordinator or now - n.recorded_at <= NO_SHOW_UNDO,
        "home_kept": n.keep_ride_home, "morning": n.direction == "to_centre"}
        for key, n in recorded.items()}
    return render(request, "driver.html", who, m=body, day=day, today=today,
                  can_no_show=day <= today, vehicle_id=vehicle_id,
                  previous=day - timedelta(days=1), next=day + timedelta(days=1),
                  phones=phones, centre_phones=centre_phones, no_shows=no_shows,
                  dispatch=context.settings.dispatch_phone,
                  # A morning no-show cancels the ride home only where the municipality says so.
                  cancels_home=municipal_rules(db).no_show_cancels_ride_home,
                  next_stop=upcoming)


@router.post("/chauffoer/{vehicle_id}/udeblevet")
@page
def record_no_show(request: Request, vehicle_id: str, db: DbSession, who: WebUser,
                   context: Context,
                   csrf: Annotated[str, Form(max_length=100)] = "",
                   borger: Annotated[str, Form(max_length=64)] = "",
                   tur: Annotated[str, Form(max_length=128)] = "",
                   dato: Annotated[str, Form(max_length=20)] = "") -> Response:
    check_csrf(request, csrf)
    if not who.sees_vehicle(vehicle_id):
        raise NotFoundError("vehicle", vehicle_id)
    day = form_date(dato)
    back = f"/chauffoer/{quote(vehicle_id)}"
    if day is None:
        return redirect(back, fejl="dato")
    if day > context.today():
        return redirect(back, dato=day.isoformat(), fejl="fremtid")
    try:
        absences.record_no_show(db, who, NoShowIn(rider_id=borger, date=day, run_id=tur),
                                context.now(), context.today())
    except (NotFoundError, ValidationError):
        db.rollback()
        return redirect(back, dato=day.isoformat(), fejl="tur")
    return redirect(back, dato=day.isoformat(), besked="udeblevet")


@router.post("/chauffoer/{vehicle_id}/udeblevet/fortryd")
@page
def undo_no_show(request: Request, vehicle_id: str, db: DbSession, who: WebUser,
                 context: Context,
                 csrf: Annotated[str, Form(max_length=100)] = "",
                 id: Annotated[int, Form(ge=1)] = 0,
                 dato: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Undo a no-show recorded by mistake: within :data:`NO_SHOW_UNDO` for the driver, any
    time for a coordinator. The row is deleted (the audit log keeps what happened)."""

    check_csrf(request, csrf)
    who.require("coordinator", "driver")
    row = repo_absences.get_no_show(db, id)
    if row is None or row.vehicle_id != vehicle_id or not who.sees_vehicle(row.vehicle_id):
        raise NotFoundError("no-show", id)
    back = f"/chauffoer/{quote(vehicle_id)}"
    if not who.is_coordinator and context.now() - row.recorded_at > NO_SHOW_UNDO:
        return redirect(back, dato=row.date.isoformat(), fejl="for-sent")
    repo.audit(db, who.user_id, "undo", "no_show", str(row.no_show_id),
               {"rider_id": row.rider_id, "date": row.date.isoformat(), "run_id": row.run_id})
    day = row.date
    db.delete(row)
    log.info("no-show %s undone by user %s", id, who.user_id)
    return redirect(back, dato=day.isoformat(), besked="fortrudt")


# --------------------------------------------------------------------------------------------
# Map data and images


@router.get("/kort/vejnet.geojson")
def road_layer(request: Request, who: WebUser, context: Context) -> Response:
    """The road network base layer (for maps when no tiles load); any logged-in user."""
    body = config_json(road_geojson(context.networks.get()))
    return Response(body, media_type="application/geo+json",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.get("/kort/koreliste/{vehicle_id}/{on_date}/{run_id}.png")
@page
def run_png(request: Request, vehicle_id: str, on_date: str, run_id: str, db: DbSession,
            who: WebUser, context: Context) -> Response:
    """A run's map as PNG (drivers: only their own vehicle's runs)."""
    day = parse_date(on_date, context.today())
    png = run_png_bytes(db, who, context, day, vehicle_id, run_id)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})
