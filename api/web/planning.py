"""The coordinator's planning workflow in the pages: start a plan, follow its progress, review
it (key figures, runs per weekday and vehicle with names, map, comparison with the plan in
force), publish it with an effective date ("gældende fra"), see who must be told (printable,
CSV with the page's session), and change the living plan (add, change, remove a rider with the
ranked options; reoptimise within a stability budget).

Only the plans service's public functions are used (jobs are submitted through
``context.jobs`` after the request's commit, as the REST route does).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.context import AppContext
from api.db import models as m
from api.db import repo_plans
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ApiError, ConflictError, NotFoundError, UnprocessableError
from api.plans import living
from api.plans import service as plans
from api.plans.schemas import InsertRequest, PlanCreate, RemoveRequest, ReoptimiseRequest
from api.scenario.service import scenario_from_db
from api.schemas import IntId
from api.web.pages import PREFIX, WEEKDAY_KEYS, page, redirect, render
from api.web.planmap import plan_map
from api.web.session import WebUser, check_csrf
from maps.manifest.texts import LABELS
from maps.webmap import config_json
from routing.living.notifications import Notification, notifications_csv, plan_notifications
from routing.model import Plan, Run, Scenario, Stop, format_hm
from routing.places import is_centre, parse_place
from routing.planning.costing import runs_cost_ore

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

STAGE_DA = {"queued": "Venter på at blive beregnet", "starting": "Starter",
            "matrix": "Beregner køretider mellem adresserne", "solve": "Lægger ture",
            "solving": "Lægger ture", "verify": "Kontrollerer planen", "done": "Færdig",
            "failed": "Fejlet"}
KIND_DA = {"depot": "Garage", "pickup": "Afhentning", "dropoff": "Aflevering"}
RECIPIENT_DA = {"rider": "Borgere", "driver": "Chauffører", "centre": "Centre"}
CHANGE_DA = {"time": "Ny tid", "vehicle": "Ny vogn", "added": "Ny kørsel",
             "removed": "Kørsel ophører", "changed": "Ændret tur", "cancelled": "Tur aflyst",
             "new": "Ny tur"}
COMPARED_KPIS = (("cost_dkk", "Pris pr. uge", "kr."), ("km", "Kilometer", "km"),
                 ("vehicle_hours", "Køretimer", "timer"), ("runs", "Ture", ""),
                 ("riders_unserved", "Borgere uden kørsel", ""),
                 ("mean_ride_min", "Gns. køretid", "min"),
                 ("max_ride_min", "Længste køretid", "min"))


def _hm(seconds: int | None) -> str:
    return format_hm(seconds) if seconds is not None else "–"


def _shift(old: int | None, new: int | None) -> str:
    """``+10 min`` / ``−5 min`` / empty."""
    if old is None or new is None or old == new:
        return ""
    minutes = round((new - old) / 60)
    return f"+{minutes} min" if minutes > 0 else f"−{-minutes} min"


# --------------------------------------------------------------------------------------------
# The plan in force, marked


@dataclass(frozen=True)
class InForce:
    """Which published plan is in force today, and which take effect later."""

    today_id: int | None
    dates: dict[int, date | None]
    """Every published plan's effective date (None: from the start)."""

    def state(self, plan_id: int, today: date) -> str:
        """``i-brug``, ``kommende``, ``tidligere`` or ``udkast``."""
        if plan_id == self.today_id:
            return "i-brug"
        if plan_id not in self.dates:
            return "udkast"
        start = self.dates[plan_id]
        return "kommende" if start is not None and start > today else "tidligere"


def in_force(db: Session, today: date) -> InForce:
    ref = repo_plans.published_ref(db, today)
    return InForce(ref.plan_id if ref else None, dict(repo_plans.in_force_from(db)))


# --------------------------------------------------------------------------------------------
# Runs in names


@dataclass
class StopRow:
    time: str
    agreed: str
    kind: str
    place: str
    names: list[str]
    load: str


@dataclass
class RunRow:
    vehicle_id: str
    title: str
    span: str
    km: str
    stops: list[StopRow]
    rides: list[tuple[str, int]]
    """(name, ride minutes) of each rider."""


def _place_name(place: str, scenario: Scenario, names: dict[str, str]) -> str:
    parsed = parse_place(place)
    if parsed is None:
        return ""
    kind, ident = parsed
    if kind == "centre":
        return next((c.name for c in scenario.centres if c.centre_id == ident), ident)
    if kind == "home":
        rider = next((r for r in scenario.riders if r.rider_id == ident), None)
        return rider.address or "hjemme" if rider else "hjemme"
    return "Garage"


def _kind_da(stop: Stop, first: bool) -> str:
    """The stop's kind in Danish; a run's terminal at a centre (the vehicle waits there
    between runs) is not the garage."""
    if stop.kind == "depot" and is_centre(stop.place):
        return f"{LABELS['centre_out' if first else 'centre_in']} centret"
    return KIND_DA.get(stop.kind, stop.kind)


def run_rows(plan: Plan, scenario: Scenario, weekday: str) -> list[RunRow]:
    names = {r.rider_id: r.name for r in scenario.riders}
    centres = {c.centre_id: c.name for c in scenario.centres}
    rows: list[RunRow] = []
    runs = sorted((r for r in plan.runs if r.weekday == weekday),
                  key=lambda r: (r.vehicle_id, r.stops[0].departure_s if r.stops else 0))
    for run in runs:
        stops = [StopRow(
            time=_hm(s.arrival_s), agreed=_hm(s.agreed_s) if s.agreed_s is not None else "",
            kind=_kind_da(s, i == 0), place=_place_name(s.place, scenario, names),
            names=[names.get(rid, "ukendt borger") for rid in s.rider_ids],
            load=f"{s.load_seats}" + (f" + {s.load_wheelchairs} kørestol"
                                      if s.load_wheelchairs else ""))
            for i, s in enumerate(run.stops)]
        centre = centres.get(run.centre_id, run.centre_id)
        title = f"{'Ud til' if run.direction == 'to_centre' else 'Hjem fra'} {centre}"
        span = (f"{_hm(run.stops[0].departure_s)}–{_hm(run.stops[-1].arrival_s)}"
                if run.stops else "")
        rows.append(RunRow(run.vehicle_id, title, span, f"{run.distance_m / 1000:.1f}".replace(
            ".", ","), stops, [(names.get(rid, "ukendt borger"), max(1, round(ride / 60)))
                               for rid, ride in _ride_times(run).items()]))
    return rows


def _ride_times(run: Run) -> dict[str, int]:
    """Each rider's time in the vehicle on the run (boarding to leaving), seconds."""
    on: dict[str, int] = {}
    rides: dict[str, int] = {}
    for stop in run.stops:
        for rid in stop.rider_ids:
            if stop.kind == "pickup":
                on[rid] = stop.departure_s
            elif stop.kind == "dropoff" and rid in on:
                rides[rid] = stop.arrival_s - on[rid]
    return rides


# --------------------------------------------------------------------------------------------
# Who moves: pickups and arrivals home


@dataclass
class Move:
    name: str
    weekday: str
    pickup_out: tuple[str, str, str]
    """(old, new, shift) of the pickup at home going to the centre."""
    pickup_home: tuple[str, str, str]
    """… of the pickup at the centre going home."""
    arrival_home: tuple[str, str, str]
    vehicles: str
    kind: str = "flyttet"
    """``flyttet`` (in both plans), ``ny`` (only in the new) or ``ude`` (only in the old)."""


def _trips(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    """(rider, weekday) → pickup out, pickup home, arrival home (seconds) and vehicles."""
    trips: dict[tuple[str, str], dict[str, Any]] = {}
    for run in plan.runs:
        for stop in run.stops:
            for rid in stop.rider_ids:
                trip = trips.setdefault((rid, run.weekday), {"vehicles": set()})
                trip["vehicles"].add(run.vehicle_id)
                if run.direction == "to_centre" and stop.kind == "pickup":
                    trip["out"] = stop.agreed_s if stop.agreed_s is not None else \
                        stop.departure_s
                elif run.direction == "from_centre" and stop.kind == "pickup":
                    trip["home_pickup"] = stop.agreed_s if stop.agreed_s is not None else \
                        stop.departure_s
                elif run.direction == "from_centre" and stop.kind == "dropoff":
                    trip["arrival"] = stop.arrival_s
    return trips


def moves(old: Plan, new: Plan, scenario: Scenario, min_shift_s: int = 60) -> list[Move]:
    """Riders whose pickup (either way) or arrival home moves by ``min_shift_s`` or more,
    or whose vehicle or trips change."""
    names = {r.rider_id: r.name for r in scenario.riders}
    before, after = _trips(old), _trips(new)
    order = {d: i for i, d in enumerate(WEEKDAY_KEYS)}
    result: list[Move] = []
    for key in sorted(set(before) | set(after), key=lambda k: (names.get(k[0], k[0]),
                                                               order.get(k[1], 9))):
        a, b = before.get(key, {}), after.get(key, {})

        def triple(field: str, a: dict[str, Any] = a, b: dict[str, Any] = b
                   ) -> tuple[str, str, str]:
            return _hm(a.get(field)), _hm(b.get(field)), _shift(a.get(field), b.get(field))

        moved = any((a.get(f) is None) != (b.get(f) is None)
                    or abs((a.get(f) or 0) - (b.get(f) or 0)) >= min_shift_s
                    for f in ("out", "home_pickup", "arrival"))
        if not moved and a.get("vehicles") == b.get("vehicles"):
            continue
        vehicles = " / ".join(sorted(a.get("vehicles", ()))) or "–"
        if a.get("vehicles") != b.get("vehicles"):
            vehicles += " → " + (" / ".join(sorted(b.get("vehicles", ()))) or "–")
        kind = "ny" if not a else "ude" if not b else "flyttet"
        result.append(Move(names.get(key[0], "ukendt borger"), WEEKDAY_KEYS.get(key[1], key[1]),
                           triple("out"), triple("home_pickup"), triple("arrival"), vehicles,
                           kind))
    return result


def figures(row: m.PlanRecord, plan: Plan, scenario: Scenario) -> dict[str, Any]:
    """The plan's key figures; the basic ones computed from its runs where the stored
    document has none (hand-made or imported plans)."""
    kpis = dict((row.summary or {}).get("kpis", {}) or plan.kpis or {})
    vehicles = {v.vehicle_id: v for v in scenario.vehicles}
    if "cost_dkk" not in kpis and all(r.vehicle_id in vehicles for r in plan.runs):
        kpis["cost_dkk"] = round(runs_cost_ore(plan.runs, vehicles) / 100.0, 2)
    kpis.setdefault("km", round(sum(r.distance_m for r in plan.runs) / 1000.0, 1))
    kpis.setdefault("vehicle_hours", round(sum(r.duration_s for r in plan.runs) / 3600.0, 1))
    kpis.setdefault("runs", len(plan.runs))
    kpis.setdefault("riders_unserved", len({u.rider_id for u in plan.unserved}))
    return kpis


def kpi_comparison(old: dict[str, Any] | None, new: dict[str, Any]
                   ) -> list[tuple[str, Any, Any, str, str]]:
    """(label, in force, this plan, unit, difference) of the compared key figures."""
    a = old or {}
    rows = []
    for key, label, unit in COMPARED_KPIS:
        x, y = a.get(key), new.get(key)
        diff = ""
        if isinstance(x, int | float) and isinstance(y, int | float) and x != y:
            d = y - x
            text = f"{abs(d):,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
            diff = ("+" if d > 0 else "−") + text.removesuffix(",0")
        rows.append((label, x, y, unit, diff))
    return rows


# --------------------------------------------------------------------------------------------
# Overview and start


@router.get("/koordinator/planlaeg", response_class=HTMLResponse)
@page
def planning_home(request: Request, db: DbSession, who: WebUser, context: Context) -> Response:
    who.require("coordinator")
    today = context.today()
    rows = plans.list_plans(db, who, None, 30, 0)
    marks = in_force(db, today)
    settings = context.settings
    scenario = scenario_from_db(db, context.networks.path)
    return render(request, "planning.html", who, plans=rows, marks=marks, today=today,
                  default_limit=int(settings.plan_time_limit_s),
                  max_limit=int(settings.plan_time_limit_max_s),
                  riders=len(scenario.riders), vehicles=len(scenario.vehicles))


@router.post("/koordinator/planlaeg")
@page
def start_plan(request: Request, db: DbSession, who: WebUser, context: Context,
               background: BackgroundTasks,
               csrf: Annotated[str, Form(max_length=100)] = "",
               navn: Annotated[str, Form(max_length=200)] = "",
               tid: Annotated[str, Form(max_length=10)] = "") -> Response:
    check_csrf(request, csrf)
    try:
        limit = float(tid) if tid.strip() else None
        data = PlanCreate(name=navn.strip(), time_limit_s=limit)
    except (ValueError, ValidationError):
        return _home_error(request, db, who, context,
                           "Beregningstiden skal være et antal sekunder (større end 0).")
    try:
        row = plans.create_plan(db, who, context, data)
    except UnprocessableError:
        return _home_error(request, db, who, context,
                           f"Beregningstiden må højst være "
                           f"{int(context.settings.plan_time_limit_max_s)} sekunder.")
    except ConflictError:
        return _home_error(request, db, who, context, "Der er ingen borgere eller ingen vogne "
                           "at planlægge. Importér regnearket først.")
    _submit(context, background, row.plan_id)
    return redirect(f"/koordinator/planer/{row.plan_id}/gennemgang")


def _submit(context: AppContext, background: BackgroundTasks, plan_id: int) -> None:
    # After the response, i.e. after the request's commit (as the REST route does).
    if context.jobs is not None:
        background.add_task(context.jobs.submit, plan_id)


def _home_error(request: Request, db: Session, who: Principal, context: AppContext,
                text: str) -> Response:
    db.rollback()
    today = context.today()
    scenario = scenario_from_db(db, context.networks.path)
    return render(request, "planning.html", who, status_code=422, error=text,
                  plans=plans.list_plans(db, who, None, 30, 0), marks=in_force(db, today),
                  today=today, default_limit=int(context.settings.plan_time_limit_s),
                  max_limit=int(context.settings.plan_time_limit_max_s),
                  riders=len(scenario.riders), vehicles=len(scenario.vehicles))


# --------------------------------------------------------------------------------------------
# Progress and review


@router.get("/koordinator/planer/{plan_id}/gennemgang", response_class=HTMLResponse)
@page
def review(request: Request, plan_id: IntId, db: DbSession, who: WebUser, context: Context,
           ugedag: Annotated[str, Query(max_length=8)] = "mon") -> Response:
    row = plans.get_plan(db, who, plan_id)
    today = context.today()
    marks = in_force(db, today)
    if row.status in repo_plans.UNFINISHED or row.status == "failed":
        progress = row.progress or {}
        stage = str(progress.get("stage", ""))
        # The solver reports its waves by name (e.g. "mon-to-0900"): shown as laying runs.
        text = STAGE_DA.get(stage) or ("Venter på at blive beregnet"
                                       if stage.startswith("queued") else "Lægger ture")
        return render(request, "plan_progress.html", who, row=row, stage=text,
                      done=progress.get("done") or 0, total=progress.get("total") or 0)
    weekday = ugedag if ugedag in WEEKDAY_KEYS else "mon"
    plan = plans.finished_plan(row)
    scenario = scenario_from_db(db, context.networks.path)
    names = {r.rider_id: r.name for r in scenario.riders}
    current_ref = repo_plans.published_ref(db, today)
    current = plans.get_plan(db, who, current_ref.plan_id) if current_ref else None
    compare_with = current if current is not None and current.plan_id != plan_id else None
    moved: list[Move] = []
    old_figures = None
    if compare_with is not None:
        old_plan = plans.finished_plan(compare_with)
        moved = moves(old_plan, plan, scenario)
        old_figures = figures(compare_with, old_plan, scenario)
    errors = [v for v in row.violations or [] if v.get("severity") == "error"]
    map_json = config_json(plan_map(context, db, row, plan, weekday))
    return render(
        request, "plan_review.html", who, row=row, plan=plan, weekday=weekday,
        runs=run_rows(plan, scenario, weekday),
        compared=kpi_comparison(old_figures, figures(row, plan, scenario)),
        compare_with=compare_with, moved=moved, names=names, map_json=map_json,
        state=marks.state(plan_id, today), effective=marks.dates.get(plan_id), today=today,
        errors=errors, vehicles=sorted({r.vehicle_id for r in plan.runs
                                        if r.weekday == weekday}))


@router.post("/koordinator/planer/{plan_id}/offentliggoer")
@page
def publish(request: Request, plan_id: IntId, db: DbSession, who: WebUser, context: Context,
            csrf: Annotated[str, Form(max_length=100)] = "",
            fra: Annotated[str, Form(max_length=20)] = "",
            trods_fejl: Annotated[str, Form(max_length=5)] = "") -> Response:
    check_csrf(request, csrf)
    today = context.today()
    try:
        first = date.fromisoformat(fra.strip()) if fra.strip() else today
    except ValueError:
        return _review_error(request, plan_id, db, who, context,
                             "Skriv datoen som ÅÅÅÅ-MM-DD.")
    if first < today:
        return _review_error(request, plan_id, db, who, context,
                             "Datoen ligger i fortiden. Dage, der er gået, beholder deres "
                             "plan; vælg i dag eller en senere dag.")
    try:
        plans.publish_plan(db, who, plan_id, force=trods_fejl == "ja", effective_from=first,
                           today=today)
    except ConflictError as exc:
        return _review_error(request, plan_id, db, who, context,
                             "Planen bryder en eller flere regler (se kontrollen). Sæt "
                             "kryds i «Offentliggør alligevel», hvis det er en bevidst "
                             "beslutning." if "rule" in exc.detail else
                             "Planen er ikke færdigberegnet.")
    return redirect(f"/koordinator/planer/{plan_id}/besked", offentliggjort="ja")


def _review_error(request: Request, plan_id: int, db: Session, who: Principal,
                  context: AppContext, text: str) -> Response:
    db.rollback()
    response = review(request=request, plan_id=plan_id, db=db, who=who, context=context)
    body = response.body.decode() if isinstance(response.body, bytes) else ""
    marker = '<main>'
    html = body.replace(marker, f'{marker}\n<p class="flash fejl" role="alert" '
                        f'id="offentliggoer-fejl">{_escape(text)}</p>', 1)
    return HTMLResponse(html, status_code=422, headers={
        k: v for k, v in response.headers.items() if k.lower() != "content-length"})


def _escape(text: str) -> str:

    return escape(text)


# --------------------------------------------------------------------------------------------
# Who must be told


ARRIVAL_NOTICE_S = 5 * 60
"""A rider is told about a later or earlier arrival home from this shift on."""


def arrival_notifications(old: Plan, new: Plan, scenario: Scenario,
                          already: set[tuple[str, str]],
                          min_shift_s: int = ARRIVAL_NOTICE_S) -> list[Notification]:
    """Riders whose arrival home moves by ``min_shift_s`` or more while their pickup times
    stay (those with a new pickup time are told already, ``already``: (rider, weekday))."""
    names = {r.rider_id: r.name for r in scenario.riders}
    before, after = _trips(old), _trips(new)
    notes = []
    for (rid, weekday), trip in sorted(after.items()):
        was = before.get((rid, weekday), {})
        a, b = was.get("arrival"), trip.get("arrival")
        if a is None or b is None or abs(b - a) < min_shift_s or (rid, weekday) in already:
            continue
        notes.append(Notification(
            recipient_type="rider", recipient_id=rid, weekday=weekday,
            direction="from_centre", change="time", old_time_s=a, new_time_s=b,
            old_run_id=None, new_run_id=None, old_vehicle_id=None, new_vehicle_id=None,
            message=f"Fra nu af kommer du hjem ca. kl. {format_hm(b)} om "
            f"{WEEKDAY_KEYS.get(weekday, weekday)}en (før ca. kl. {format_hm(a)}). "
            "Afhentningstiden er den samme.", name=names.get(rid, "")))
    return notes


def _notifications(db: Session, who: Principal, context: AppContext, plan_id: int
                   ) -> tuple[m.PlanRecord, m.PlanRecord, list[Notification], Scenario]:
    """The core's notifications (pickups, drivers, centres) and the riders' arrivals home."""
    old_row, new_row = plans.plans_to_compare(db, who, plan_id, None)
    scenario = scenario_from_db(db, context.networks.path)
    old, new = plans.finished_plan(old_row), plans.finished_plan(new_row)
    notes = plan_notifications(old, new, scenario)
    told = {(n.recipient_id, n.weekday) for n in notes if n.recipient_type == "rider"}
    return old_row, new_row, notes + arrival_notifications(old, new, scenario, told), scenario


@router.get("/koordinator/planer/{plan_id}/besked", response_class=HTMLResponse)
@page
def notifications_page(request: Request, plan_id: IntId, db: DbSession, who: WebUser,
                       context: Context) -> Response:
    row = plans.get_plan(db, who, plan_id)
    today = context.today()
    marks = in_force(db, today)
    try:
        old_row, _, notes, scenario = _notifications(db, who, context, plan_id)
    except ConflictError:
        return render(request, "notifications.html", who, row=row, old_row=None, groups=[],
                      state=marks.state(plan_id, today), effective=marks.dates.get(plan_id),
                      published_now=request.query_params.get("offentliggjort") == "ja")
    riders = {r.rider_id: r for r in scenario.riders}
    centres = {c.centre_id: c for c in scenario.centres}
    named = _namer(scenario, plans.finished_plan(old_row), plans.finished_plan(row))
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for kind in ("rider", "driver", "centre"):
        items = []
        for n in (n for n in notes if n.recipient_type == kind):
            address, phone = "", ""
            if kind == "rider" and n.recipient_id in riders:
                address = riders[n.recipient_id].address
            if kind == "centre" and n.recipient_id in centres:
                address = centres[n.recipient_id].address
            name = n.name or (f"Chauffør på {n.recipient_id}" if kind == "driver" else
                              "ukendt")
            items.append({"name": name, "address": address, "phone": phone,
                          "weekday": WEEKDAY_KEYS.get(n.weekday, n.weekday),
                          "change": "Ny hjemkomst" if n.change == "time" and
                          n.direction == "from_centre" and n.new_run_id is None
                          else CHANGE_DA.get(n.change, n.change),
                          "old": _hm(n.old_time_s), "new": _hm(n.new_time_s),
                          "shift": _shift(n.old_time_s, n.new_time_s),
                          "message": named(n.message)})
        groups.append((RECIPIENT_DA[kind], items))
    return render(request, "notifications.html", who, row=row, old_row=old_row, groups=groups,
                  state=marks.state(plan_id, today), effective=marks.dates.get(plan_id),
                  published_now=request.query_params.get("offentliggjort") == "ja")


def _namer(scenario: Scenario, *versions: Plan) -> Callable[[str], str]:
    """The core's messages name riders and runs by id (so they can go through channels that
    must not carry names); the coordinator's page shows names and drops run ids."""
    names = {r.rider_id: r.name for r in scenario.riders}
    run_ids = {run.run_id for plan in versions for run in plan.runs}
    pattern = re.compile(r"(?<![\w-])(" + "|".join(
        re.escape(x) for x in sorted(set(names) | run_ids, key=len, reverse=True)) +
        r")(?![\w-])") if names or run_ids else None

    def named(message: str) -> str:
        if pattern is None:
            return message
        text = pattern.sub(lambda m: names.get(m.group(1), ""), message)
        return re.sub(r" {2,}", " ", text)

    return named


@router.get("/koordinator/planer/{plan_id}/besked.csv")
@page
def notifications_download(request: Request, plan_id: IntId, db: DbSession, who: WebUser,
                           context: Context) -> Response:
    _, _, notes, _ = _notifications(db, who, context, plan_id)
    text = notifications_csv(notes)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="besked-plan-{plan_id}.csv"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


# --------------------------------------------------------------------------------------------
# The living plan


ACTION_DA = {"tilfoej": "Tilføj borger", "aendr": "Ændret borger", "fjern": "Fjern borger"}


def _base_plan(db: Session, who: Principal, today: date) -> m.PlanRecord:
    ref = repo_plans.published_ref(db, today)
    if ref is None:
        raise ConflictError("no plan has been published yet")
    return plans.get_plan(db, who, ref.plan_id)


@router.get("/koordinator/levende", response_class=HTMLResponse)
@page
def living_form(request: Request, db: DbSession, who: WebUser, context: Context,
                borger: Annotated[str, Query(max_length=64)] = "",
                handling: Annotated[str, Query(max_length=10)] = "tilfoej",
                forskydning: Annotated[int, Query(ge=0, le=120)] = 20) -> Response:
    who.require("coordinator")
    today = context.today()
    base = _base_plan(db, who, today)
    scenario = scenario_from_db(db, context.networks.path)
    planned = {rid for run in plans.finished_plan(base).runs for rid in run.rider_ids}
    riders = sorted(scenario.riders, key=lambda r: r.name.casefold())
    names = {r.rider_id: r.name for r in scenario.riders}
    answer = None
    problem = None
    action = handling if handling in ACTION_DA else "tilfoej"
    if borger:
        try:
            if action == "fjern":
                answer = living.remove(db, who, context, base.plan_id,
                                       RemoveRequest(rider_id=borger, dry_run=True))
            else:
                request_data = InsertRequest(rider_id=borger, dry_run=True,
                                             max_shift_min=forskydning)
                answer = (living.insert if action == "tilfoej" else living.change)(
                    db, who, context, base.plan_id, request_data)
        except (ApiError, ValidationError) as exc:
            db.rollback()
            problem = _living_problem(exc, names.get(borger, "borgeren"), action)
    return render(request, "living.html", who, base=base, riders=riders, planned=planned,
                  names=names, borger=borger, action=action, actions=ACTION_DA,
                  shift=forskydning, answer=answer, problem=problem)


def _living_problem(exc: Exception, name: str, action: str) -> str:
    if isinstance(exc, NotFoundError):
        return f"{name} er ikke med i planen i brug." if action == "fjern" else \
            "Borgeren findes ikke."
    detail = getattr(exc, "detail", str(exc))
    if "already" in detail or "matches" in detail:
        return f"{name} er allerede med i planen i brug. Vælg «Ændret borger», hvis " \
            "borgerens adresse, dage eller moduler er ændret."
    return f"Det kan ikke lade sig gøre for {name} ({detail})."


@router.post("/koordinator/levende")
@page
def living_apply(request: Request, db: DbSession, who: WebUser, context: Context,
                 csrf: Annotated[str, Form(max_length=100)] = "",
                 borger: Annotated[str, Form(max_length=64)] = "",
                 handling: Annotated[str, Form(max_length=10)] = "tilfoej",
                 valg: Annotated[int, Form(ge=1, le=20)] = 1,
                 forskydning: Annotated[int, Form(ge=0, le=120)] = 20) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    if not borger.strip():
        return redirect("/koordinator/levende", fejl="felter")
    base = _base_plan(db, who, context.today())
    scenario = scenario_from_db(db, context.networks.path)
    name = next((r.name for r in scenario.riders if r.rider_id == borger), "borgeren")
    label = f"{ACTION_DA.get(handling, 'Ændring')}: {name}"
    if handling == "fjern":
        answer = living.remove(db, who, context, base.plan_id,
                               RemoveRequest(rider_id=borger, name=label))
    else:
        data = InsertRequest(rider_id=borger, choose=valg, max_shift_min=forskydning,
                             name=label)
        answer = (living.insert if handling == "tilfoej" else living.change)(
            db, who, context, base.plan_id, data)
    assert answer.plan_id is not None
    return redirect(f"/koordinator/planer/{answer.plan_id}/gennemgang")


@router.post("/koordinator/planer/{plan_id}/genoptimer")
@page
def reoptimise(request: Request, plan_id: IntId, db: DbSession, who: WebUser, context: Context,
               background: BackgroundTasks,
               csrf: Annotated[str, Form(max_length=100)] = "",
               flyt: Annotated[int, Form(ge=0, le=10_000)] = 5,
               minutter: Annotated[int, Form(ge=0, le=120)] = 15) -> Response:
    check_csrf(request, csrf)
    row = living.queue_reoptimise(db, who, plan_id, ReoptimiseRequest(
        max_moved=flyt, max_shift_min=minutter,
        name=f"Genoptimeret (højst {flyt} borgere, {minutter} min)"))
    _submit(context, background, row.plan_id)
    return redirect(f"/koordinator/planer/{row.plan_id}/gennemgang")
