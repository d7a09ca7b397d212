"""The coordinator's desk (issue 14): riders table, a rider's page, adding a rider by address.

Same services and role checks as the REST API: a coordinator sees every rider, centre staff
only their centres' riders (others answer 404). Names, not ids; phone numbers only where the
role needs them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.absences import service as absences
from api.auth import Principal
from api.centres import service as centres
from api.db import models as m
from api.db import repo
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ConflictError, UnprocessableError
from api.plans.service import published_plan
from api.riders import service as riders
from api.riders.schemas import RiderIn, RiderPatch
from api.scenario.service import scenario_from_db
from api.web.addresses import addresses_of, geocode_out
from api.web.grants_pages import rider_section
from api.web.pages import PREFIX, WEEKDAY_KEYS, page, redirect, render
from api.web.pin import planning_changed, planning_values, rider_is_planned
from api.web.session import WebUser, check_csrf
from routing.errors import SnapError
from routing.model import Plan, format_hm
from routing.network.geocode import door_distances
from routing.planning.reasons import danish

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

WEEKDAY_SHORT = {"mon": "man", "tue": "tir", "wed": "ons", "thu": "tor", "fri": "fre",
                 "sat": "lør", "sun": "søn"}
GEOCODE_DA = {
    "corrected": "Adressen er rettet – bekræft den rigtige nedenfor.",
    "ambiguous": "Adressen findes flere steder. Vælg den rigtige nedenfor.",
    "missing_housenumber": "Husnummeret mangler. Vælg adressen nedenfor eller skriv nummeret.",
    "unknown_housenumber": "Husnummeret findes ikke på vejen. Vælg en af adresserne nedenfor.",
    "unknown_street": "Vejen findes ikke i adresselisten. Ret stavningen eller vælg nedenfor.",
    "no_addresses": "Vejnettets fil har ingen adresser. Angiv koordinater (bredde- og "
                    "længdegrad) i stedet.",
    "empty": "Skriv adressen (vej og husnummer).",
}
SORT_KEYS = ("navn", "adresse", "center")


def _session_days(db: Session) -> dict[str, str]:
    """Session id → weekday key, of all centres (the table shows days, not session ids)."""

    return {s.session_id: s.weekday for s in db.query(m.Session).all()}


def _days_text(session_ids: list[str], days: dict[str, str]) -> str:
    keys = sorted({days.get(s, "") for s in session_ids} - {""},
                  key=lambda d: list(WEEKDAY_SHORT).index(d) if d in WEEKDAY_SHORT else 9)
    return ", ".join(WEEKDAY_SHORT.get(k, k) for k in keys)


def _needs(rider: Any) -> list[str]:
    return (["Kørestol"] if rider.wheelchair else []) + (["Ledsager"] if rider.escort else [])


@router.get("/koordinator/borgere", response_class=HTMLResponse)
@page
def riders_table(request: Request, db: DbSession, who: WebUser,
                 q: Annotated[str, Query(max_length=100)] = "",
                 sort: Annotated[str, Query(max_length=10)] = "navn") -> Response:
    who.require("coordinator", "centre")
    rows = riders.list_riders(db, who)
    centre_names = {c.centre_id: c.name for c in centres.list_centres(db, who)}
    days = _session_days(db)
    table = [{"rider_id": r.rider_id, "name": r.name, "address": r.address,
              "centre": centre_names.get(r.centre_id, r.centre_id),
              "days": _days_text(list(r.session_ids), days), "needs": _needs(r),
              "phone": r.phone} for r in rows]
    needle = q.strip().casefold()
    if needle:
        table = [t for t in table if needle in " ".join(
            str(t[k]) for k in ("name", "address", "centre", "phone")).casefold()]
    key = {"navn": "name", "adresse": "address", "center": "centre"}.get(sort, "name")
    table.sort(key=lambda t: (str(t[key]).casefold(), str(t["name"]).casefold()))
    return render(request, "riders.html", who, rows=table, q=q, sort=sort if sort in SORT_KEYS
                  else "navn", total=len(rows))


@dataclass
class _TripTimes:
    weekday: str
    to_pickup: str = ""
    to_arrival: str = ""
    to_vehicle: str = ""
    from_departure: str = ""
    from_home: str = ""
    from_vehicle: str = ""
    notes: str = ""


def _agreed_times(plan: Plan, rider_id: str) -> list[_TripTimes]:
    """The rider's agreed times per weekday and direction in the plan in force."""
    out: dict[str, _TripTimes] = {}
    for run in plan.runs:
        if rider_id not in {r for s in run.stops for r in s.rider_ids}:
            continue
        times = out.setdefault(run.weekday, _TripTimes(run.weekday))
        for stop in run.stops:
            if rider_id not in stop.rider_ids:
                continue
            if run.direction == "to_centre" and stop.kind == "pickup":
                times.to_pickup = format_hm(stop.agreed_s if stop.agreed_s is not None
                                            else stop.arrival_s)
                times.to_vehicle = run.vehicle_id
            elif run.direction == "to_centre" and stop.kind == "dropoff":
                times.to_arrival = format_hm(stop.arrival_s)
            elif run.direction == "from_centre" and stop.kind == "pickup":
                times.from_departure = format_hm(stop.agreed_s if stop.agreed_s is not None
                                                 else stop.departure_s)
                times.from_vehicle = run.vehicle_id
            elif run.direction == "from_centre" and stop.kind == "dropoff":
                times.from_home = format_hm(stop.arrival_s)
    for u in plan.unserved:
        if u.rider_id == rider_id:
            times = out.setdefault(u.weekday, _TripTimes(u.weekday))
            label = "ud" if u.direction == "to_centre" else "hjem"
            times.notes += f"Ingen kørsel {label}: {danish(u.reason)} "
    order = list(WEEKDAY_SHORT)
    return sorted(out.values(), key=lambda t: order.index(t.weekday) if t.weekday in order
                  else 9)


@router.get("/koordinator/borgere/ny", response_class=HTMLResponse)
@page
def new_rider_form(request: Request, db: DbSession, who: WebUser) -> Response:
    who.require("coordinator", "centre")
    return _new_rider_page(request, db, who, {})


def _new_rider_page(request: Request, db: Session, who: Principal, values: dict[str, Any],
                    status_code: int = 200, error: str | None = None,
                    geocoded: Any = None, edit: str | None = None) -> Response:
    visible = centres.list_centres(db, who)

    sessions = [s for s in db.query(m.Session).order_by(m.Session.centre_id,
                                                        m.Session.session_id).all()
                if who.sees_centre(s.centre_id)]
    names = {c.centre_id: c.name for c in visible}
    session_rows = [{"session_id": s.session_id, "centre": names.get(s.centre_id, ""),
                     "centre_id": s.centre_id,
                     "text": f"{WEEKDAY_KEYS.get(s.weekday, s.weekday).capitalize()} "
                             f"{format_hm(s.start_s)}–{format_hm(s.end_s)}"}
                    for s in sessions]
    return render(request, "rider_new.html", who, status_code=status_code, error=error,
                  centres=visible, sessions=session_rows, v=values, geocoded=geocoded,
                  geocode_text=GEOCODE_DA.get(geocoded.status, "") if geocoded else "",
                  edit=edit)


def _next_rider_id(db: Session) -> str:
    """``R`` and the next free number, as wide as the widest existing one (R01 → R61)."""

    ids = [row[0] for row in db.query(m.Rider.rider_id).all()]
    numbers = [(int(mt.group(1)), len(mt.group(1))) for i in ids
               if (mt := re.fullmatch(r"R(\d+)", i))]
    width = max((w for _, w in numbers), default=2)
    n = max((k for k, _ in numbers), default=0) + 1
    while f"R{n:0{width}d}" in ids:
        n += 1
    return f"R{n:0{width}d}"


@router.post("/koordinator/borgere/ny", response_class=HTMLResponse)
@page
def create_rider(
    request: Request, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    navn: Annotated[str, Form(max_length=200)] = "",
    adresse: Annotated[str, Form(max_length=300)] = "",
    valgt: Annotated[str, Form(max_length=300)] = "",
    center: Annotated[str, Form(max_length=64)] = "",
    moduler: Annotated[list[str] | None, Form()] = None,
    koerestol: Annotated[str, Form(max_length=5)] = "",
    ledsager: Annotated[str, Form(max_length=5)] = "",
    telefon: Annotated[str, Form(max_length=40)] = "",
    paaroerende: Annotated[str, Form(max_length=40)] = "",
    noter: Annotated[str, Form(max_length=2000)] = "",
    bredde: Annotated[str, Form(max_length=30)] = "",
    laengde: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator", "centre")
    values = {"navn": navn, "adresse": valgt or adresse, "center": center,
              "moduler": moduler or [], "koerestol": koerestol, "ledsager": ledsager,
              "telefon": telefon, "paaroerende": paaroerende, "noter": noter,
              "bredde": bredde, "laengde": laengde}
    if not navn.strip() or not (valgt or adresse).strip() or not center or not moduler:
        return _new_rider_page(request, db, who, values, 422,
                               "Udfyld navn, adresse, center og mindst ét modul.")
    pinned = _coordinates(bredde, laengde)
    if pinned is None and (bredde.strip() or laengde.strip()):
        return _new_rider_page(request, db, who, values, 422, "Skriv både bredde- og "
                               "længdegrad som tal, fx 55.8290 og 10.5960.")
    if pinned is not None:
        # Coordinates given (e.g. where the network file has no addresses): the address text
        # is kept as written; the pin can be moved on the rider's map afterwards.
        lat, lon, label = pinned[0], pinned[1], (valgt or adresse).strip()
    else:
        result = addresses_of(context).geocode(valgt or adresse)
        # Only an address found as written (or picked from the suggestions) places the rider.
        if result.point is None or (result.status == "corrected" and not valgt):
            return _new_rider_page(request, db, who, values, 422,
                                   GEOCODE_DA.get(result.status, result.message), result)
        lat, lon, label = result.point.lat, result.point.lon, result.point.label
    rider_id = _next_rider_id(db)
    try:
        data = RiderIn(rider_id=rider_id, name=navn.strip(), centre_id=center, lat=lat,
                       lon=lon, address=label, session_ids=moduler or [],
                       wheelchair=koerestol == "ja", escort=ledsager == "ja",
                       notes=noter.strip())
    except ValidationError:
        return _new_rider_page(request, db, who, values, 422, "Et af felterne er ugyldigt.")
    try:
        row = riders.create_rider(db, who, data, context if pinned is not None else None)
    except ConflictError:
        db.rollback()
        return _new_rider_page(request, db, who, values, 409,
                               "Borgeren kunne ikke gemmes (findes allerede).")
    except SnapError:  # typed coordinates far from every road
        db.rollback()
        return _new_rider_page(request, db, who, values, 422, "Stedet ligger for langt fra "
                               "vejnettet. Tjek koordinaterne.")
    row.phone, row.contact_phone = telefon.strip(), paaroerende.strip()
    log.info("rider %s added in the web pages by user %s", rider_id, who.user_id)
    return redirect(f"/koordinator/borgere/{quote(rider_id)}", besked="borger-oprettet")


def _coordinates(lat: str, lon: str) -> tuple[float, float] | None:
    try:
        point = (float(lat.strip().replace(",", ".")), float(lon.strip().replace(",", ".")))
    except ValueError:
        return None
    return point if -90 <= point[0] <= 90 and -180 <= point[1] <= 180 else None


@router.get("/adresser")
def address_suggestions(request: Request, db: DbSession, who: WebUser, context: Context,
                        q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Suggestions for the add-a-rider form's address field (same answer as the REST API)."""
    who.require("coordinator", "centre")
    if len(q.strip()) < 3:
        return JSONResponse({"status": "empty", "suggestions": []})
    body = geocode_out(addresses_of(context).geocode(q, limit=8)).model_dump()
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/koordinator/borgere/{rider_id}", response_class=HTMLResponse)
@page
def rider_page(request: Request, rider_id: str, db: DbSession, who: WebUser,
               context: Context) -> Response:

    who.require("coordinator", "centre")
    rider = riders.visible_rider(db, who, rider_id)
    centre = centres.visible_centre(db, who, rider.centre_id)
    scenario = scenario_from_db(db, context.networks.path)
    params = scenario.plan_params
    model = next((r for r in scenario.riders if r.rider_id == rider_id), None)
    door = None
    if model is not None:
        found = door_distances(context.networks.get(), [model], params.door_stop_warn_m,
                               params.door_stop_warn_wheelchair_m)
        door = found[0] if found else None
    try:
        _, plan = published_plan(db, context.today())
        trips = _agreed_times(plan, rider_id)
        no_plan = False
    except ConflictError:
        trips, no_plan = [], True
    today = context.today()
    upcoming = absences.list_absences(db, who, rider_id=rider_id, centre_id=None, first=today,
                                      last=None, include_withdrawn=False, limit=50, offset=0)
    return render(request, "rider.html", who, rider=rider, centre=centre, door=door,
                  trips=trips, no_plan=no_plan, absences=upcoming, needs=_needs(rider),
                  days=_days_text(list(rider.session_ids), _session_days(db)),
                  WEEKDAY_LONG=WEEKDAY_KEYS, today=today, until=today + timedelta(days=7),
                  **rider_section(db, who, context, rider_id))


@router.get("/koordinator/borgere/{rider_id}/ret", response_class=HTMLResponse)
@page
def edit_rider_form(request: Request, rider_id: str, db: DbSession, who: WebUser) -> Response:
    who.require("coordinator", "centre")
    r = riders.visible_rider(db, who, rider_id)
    values = {"navn": r.name, "adresse": r.address, "center": r.centre_id,
              "moduler": list(r.session_ids), "koerestol": "ja" if r.wheelchair else "",
              "ledsager": "ja" if r.escort else "", "telefon": r.phone,
              "paaroerende": r.contact_phone, "noter": r.notes}
    return _new_rider_page(request, db, who, values, edit=rider_id)


@router.post("/koordinator/borgere/{rider_id}/ret", response_class=HTMLResponse)
@page
def edit_rider(
    request: Request, rider_id: str, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    navn: Annotated[str, Form(max_length=200)] = "",
    adresse: Annotated[str, Form(max_length=300)] = "",
    valgt: Annotated[str, Form(max_length=300)] = "",
    center: Annotated[str, Form(max_length=64)] = "",
    moduler: Annotated[list[str] | None, Form()] = None,
    koerestol: Annotated[str, Form(max_length=5)] = "",
    ledsager: Annotated[str, Form(max_length=5)] = "",
    telefon: Annotated[str, Form(max_length=40)] = "",
    paaroerende: Annotated[str, Form(max_length=40)] = "",
    noter: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Change a rider: a changed address is looked up like a new one (confirmed, never
    guessed); the plan in force is not changed here (see the living plan)."""
    check_csrf(request, csrf)
    who.require("coordinator", "centre")
    row = riders.visible_rider(db, who, rider_id)
    before = planning_values(row)
    values = {"navn": navn, "adresse": valgt or adresse, "center": center,
              "moduler": moduler or [], "koerestol": koerestol, "ledsager": ledsager,
              "telefon": telefon, "paaroerende": paaroerende, "noter": noter}
    if not navn.strip() or not center or not moduler:
        return _new_rider_page(request, db, who, values, 422,
                               "Udfyld navn, center og mindst ét modul.", edit=rider_id)
    changes: dict[str, Any] = {"name": navn.strip(), "centre_id": center,
                               "session_ids": moduler, "wheelchair": koerestol == "ja",
                               "escort": ledsager == "ja", "notes": noter.strip()}
    text = (valgt or adresse).strip()
    if text and text != row.address:
        result = addresses_of(context).geocode(text)
        if result.point is None or (result.status == "corrected" and not valgt):
            return _new_rider_page(request, db, who, values, 422,
                                   GEOCODE_DA.get(result.status, result.message), result,
                                   edit=rider_id)
        changes.update(address=result.point.label, lat=result.point.lat,
                       lon=result.point.lon)
    try:
        # Centre staff may not outdate the plan drivers follow (coordinators go on to the
        # living plan below).
        updated = riders.patch_rider(db, who, rider_id, RiderPatch(**changes),
                                     context if not who.is_coordinator else None,
                                     guard=not who.is_coordinator)
    except ConflictError:
        db.rollback()
        return _new_rider_page(request, db, who, values, 409, "Borgeren kører efter den "
                               "gældende plan. Bed koordinatoren om at ændre adresse, center, "
                               "moduler eller behov.", edit=rider_id)
    except (ValidationError, UnprocessableError):
        db.rollback()
        return _new_rider_page(request, db, who, values, 422, "Et af felterne er ugyldigt "
                               "(modulerne skal høre til borgerens center).", edit=rider_id)
    updated.phone, updated.contact_phone = telefon.strip(), paaroerende.strip()
    if who.is_coordinator and planning_changed(before, updated) and rider_is_planned(
            db, context, rider_id):
        # The plan drivers follow still has the old home, days or needs: the living plan
        # shows who a new version affects (issue 14: no edit silently outdates the plan).
        return redirect("/koordinator/levende", borger=rider_id, handling="aendr",
                        besked="borger-rettet-plan")
    return redirect(f"/koordinator/borgere/{quote(rider_id)}", besked="borger-rettet")


@router.get("/koordinator/centre-og-vogne", response_class=HTMLResponse)
@page
def centres_and_vehicles(request: Request, db: DbSession, who: WebUser) -> Response:
    """The centres (address, phone, modules, riders) and the vehicles (places, layouts,
    hours, tariff) — the master data next to the riders table."""

    who.require("coordinator")
    sessions: dict[str, list[dict[str, Any]]] = {}
    order = list(WEEKDAY_SHORT)
    visible = centres.list_centres(db, who)
    names = {c.centre_id: c.name for c in visible}
    rows = riders.list_riders(db, who)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.centre_id] = counts.get(r.centre_id, 0) + 1
    for s in sorted(db.query(m.Session).all(), key=lambda s: (
            order.index(s.weekday) if s.weekday in order else 9, s.start_s)):
        sessions.setdefault(s.centre_id, []).append({
            "session_id": s.session_id, "centre": names.get(s.centre_id, s.centre_id),
            "weekday": WEEKDAY_KEYS.get(s.weekday, s.weekday).capitalize(),
            "time": f"{format_hm(s.start_s)}–{format_hm(s.end_s)}",
            "text": f"{WEEKDAY_SHORT.get(s.weekday, s.weekday)} {format_hm(s.start_s)}–"
                    f"{format_hm(s.end_s)}",
            "riders": sum(1 for r in rows if s.session_id in r.session_ids)})
    # Sessions arrive in weekday order; a stable sort by centre keeps it within each centre.
    session_rows = sorted((x for xs in sessions.values() for x in xs),
                          key=lambda x: str(x["centre"]).casefold())
    return render(request, "master_data.html", who, centres=visible, sessions=sessions,
                  session_rows=session_rows, counts=counts,
                  vehicles=riders.list_vehicles(db, who), format_hm=format_hm)


@router.post("/koordinator/centre/{centre_id}/telefon")
@page
def set_centre_phone(request: Request, centre_id: str, db: DbSession, who: WebUser,
                     csrf: Annotated[str, Form(max_length=100)] = "",
                     telefon: Annotated[str, Form(max_length=40)] = "") -> Response:
    """The centre's phone number (shown to the drivers of runs to it)."""

    check_csrf(request, csrf)
    who.require("coordinator")
    centre = centres.visible_centre(db, who, centre_id)
    if centre.phone != telefon.strip():
        repo.audit(db, who.user_id, "update", "centre", centre_id,
                   {"before": {"phone": centre.phone}, "after": {"phone": telefon.strip()}})
        centre.phone = telefon.strip()
    return redirect("/koordinator/centre-og-vogne", besked="gemt")
