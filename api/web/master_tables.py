"""The coordinator's master tables in the pages (issue 14): add, change and delete centres,
sessions (moduler) and vehicles, through the same services as the REST API.

No ordinary edit can stop a driver's morning: a change that would break runs of a published
plan (a vehicle's places below a run's load, its hours or depot, a session moved, a centre
moved, a vehicle or centre deleted while runs use it) is refused by the service with the runs
named; the page shows them in Danish — weekday, direction, time, vehicle and the riders by
name — with what to do (plan with the change first, then publish, then edit).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.centres import service as centres
from api.centres.schemas import CentreFields, CentreIn, SessionFields, SessionIn
from api.db import models as m
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ApiError, ConflictError, NotFoundError
from api.riders import service as riders
from api.riders.schemas import VehicleFields, VehicleIn
from api.web import layouts
from api.web.addresses import addresses_of
from api.web.pages import PREFIX, WEEKDAY_KEYS, page, redirect, render
from api.web.session import WebUser, check_csrf
from routing.errors import SnapError
from routing.model import format_hm

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

BACK = "/koordinator/centre-og-vogne"
REASON_DA = {"over_capacity": "for få pladser til turens passagerer",
             "outside_hours": "vognen kører ikke på det tidspunkt",
             "depot_moved": "turen starter og slutter ved den gamle garage",
             "session_moved": "tiderne er lagt efter modulets gamle tider",
             "centre_moved": "turen kører til centrets gamle adresse",
             "vehicle_deleted": "turen køres af vognen",
             "centre_deleted": "turen kører til centret",
             "rider_changed": "borgerens adresse, center, moduler eller behov ændres"}
DIRECTION_SHORT = {"to_centre": "ud", "from_centre": "hjem"}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class _PlaceForm(BaseModel):
    """The fields every place form posts: the CSRF token, the address and a pin's point."""

    csrf: str = Field("", max_length=100)
    adresse: str = Field("", max_length=300)
    lat: str = Field("", max_length=30)
    lon: str = Field("", max_length=30)

    def values(self, *leave_out: str) -> dict[str, str]:
        """The fields as the form shows them again (not the token)."""
        return {k: str(v) for k, v in self.model_dump(exclude={"csrf", *leave_out}).items()}


class _CentreForm(_PlaceForm):
    navn: str = Field("", max_length=200)
    telefon: str = Field("", max_length=40)


class _VehicleForm(_PlaceForm):
    vogn: str = Field("", max_length=64)
    type: str = Field("", max_length=100)
    # One entry per layout row (see api.web.layouts); the first kept row is the standard.
    pladser: list[Annotated[str, Field(max_length=5)]] = Field([], max_length=layouts.MAX_ROWS)
    koerestole: list[Annotated[str, Field(max_length=5)]] = Field(
        [], max_length=layouts.MAX_ROWS)
    fjern: list[Annotated[str, Field(max_length=3)]] = Field([], max_length=layouts.MAX_ROWS)
    fra: str = Field("", max_length=8)
    til: str = Field("", max_length=8)
    dagspris: str = Field("", max_length=20)
    kmpris: str = Field("", max_length=20)
    timepris: str = Field("", max_length=20)

    def values(self, *leave_out: str) -> dict[str, str]:
        return super().values("pladser", "koerestole", "fjern", *leave_out)

    def layout_rows(self) -> layouts.ParsedLayouts:
        return layouts.parse(self.pladser, self.koerestole, self.fjern)


# --------------------------------------------------------------------------------------------
# Shared pieces


def affected_runs(db: Session, exc: ApiError) -> list[dict[str, str]]:
    """The runs a refused edit would break, in Danish with the riders' names."""
    runs = exc.extensions.get("runs")
    return run_rows(db, runs) if isinstance(runs, list) else []


def run_rows(db: Session, runs: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Runs as in a 409's ``runs`` (:func:`api.riders.isolation.broken_runs_out`) in Danish,
    with the riders' names."""
    ids = {rid for run in runs for rid in run.get("rider_ids", [])}
    names = {r.rider_id: r.name for r in db.query(m.Rider).filter(
        m.Rider.rider_id.in_(sorted(ids))).all()} if ids else {}
    return [{"when": f"{WEEKDAY_KEYS.get(run['weekday'], run['weekday']).capitalize()} "
                     f"{run['start']}–{run['end']}",
             "direction": DIRECTION_SHORT.get(run["direction"], run["direction"]),
             "vehicle": run["vehicle_id"],
             "riders": ", ".join(sorted(names.get(r, "ukendt borger")
                                        for r in run.get("rider_ids", []))),
             "reason": REASON_DA.get(run.get("reason", ""), run.get("reason", "")),
             "plan_id": str(run.get("plan_id", "")),
             "load": f"{run.get('load_seats', 0)} siddende, "
                     f"{run.get('load_wheelchairs', 0)} i kørestol"}
            for run in runs]


def _next_id(prefix: str, ids: Iterable[str]) -> str:
    """``prefix`` and the next free number (C3, BUS4)."""
    taken = set(ids)
    numbers = [int(mt.group(1)) for i in taken if (mt := re.fullmatch(
        re.escape(prefix) + r"(\d+)", i))]
    n = max(numbers, default=0) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _time(text: str) -> str | None:
    found = _TIME.match(text.strip())
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


def _number(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _place(context: Any, address: str, lat_text: str, lon_text: str, old_address: str,
           shown: tuple[float, float] | None) -> tuple[str, float, float] | str:
    """The address and point of a form, or a Danish error: coordinates changed from those
    shown (a pin) win; else a changed address is looked up (found exactly, never guessed);
    else the point shown."""
    lat = _number(lat_text, -90, 90) if lat_text.strip() else None
    lon = _number(lon_text, -180, 180) if lon_text.strip() else None
    if (lat is None) != (lon is None) or (lat_text.strip() and lat is None) or (
            lon_text.strip() and lon is None):
        return "Skriv både bredde- og længdegrad som tal (fx 55.8290 og 10.5960)."
    text = address.strip()
    if lat is not None and lon is not None and (shown is None or (lat, lon) != shown):
        return text, lat, lon
    if text and text != old_address:
        result = addresses_of(context).geocode(text)
        if result.status == "no_addresses":
            return ("Vejnettets fil har ingen adresser. Sæt en nål på kortet, eller skriv "
                    "bredde- og længdegrad.")
        if result.point is None or result.status != "exact":
            hint = f" Mente du {result.suggestions[0].address.label}?" \
                if result.suggestions else ""
            return f"Adressen '{text}' blev ikke fundet præcist.{hint}"
        return result.point.label, result.point.lat, result.point.lon
    if shown is None:
        return "Skriv adressen, eller sæt en nål på kortet."
    return text, shown[0], shown[1]


def _form_page(request: Request, who: Principal, title: str, action: str,
               fields: list[dict[str, Any]], status_code: int = 200, error: str | None = None,
               runs: list[dict[str, str]] | None = None, pin: str = "") -> Response:
    return render(request, "master_form.html", who, status_code=status_code, title=title,
                  action=action, fields=fields, error=error, runs=runs or [], back=BACK,
                  pin=pin, start=_start_point(request, fields))


def _start_point(request: Request, fields: list[dict[str, Any]]) -> tuple[float, float] | None:
    """Where the form's map opens: the coordinates in the form, else the service's road
    network's middle (a form with no place fields has no map)."""
    values = {f["name"]: str(f.get("value", "")) for f in fields}
    if "lat" not in values:
        return None
    lat, lon = _number(values["lat"], -90, 90), _number(values.get("lon", ""), -180, 180)
    if lat is not None and lon is not None:
        return lat, lon
    network = request.app.state.context.networks.get()
    return float(network.node_lat.mean()), float(network.node_lon.mean())


def _refused(request: Request, db: Session, who: Principal, exc: ApiError, title: str,
             action: str, fields: list[dict[str, Any]]) -> Response:
    db.rollback()
    runs = affected_runs(db, exc)
    if runs:
        text = ("Ændringen er ikke gemt: den ville ødelægge ture i den offentliggjorte plan, "
                "som chaufførerne kører efter. Lav først en plan med ændringen (Planlægning "
                "eller Tilføj, ændr eller fjern en borger), offentliggør den, og ret så igen.")
    else:
        text = f"Ændringen er ikke gemt: {exc.detail}."
    return _form_page(request, who, title, action, fields, 409 if runs else 422, text, runs)


def _call(request: Request, db: Session, who: Principal, title: str, action: str,
          fields: list[dict[str, Any]], work: Callable[[], object], done: str) -> Response:
    try:
        work()
    except (ValidationError, ValueError) as exc:
        db.rollback()
        return _form_page(request, who, title, action, fields, 422,
                          f"Et af felterne er ugyldigt ({_first_error(exc)}).")
    except NotFoundError:
        raise
    except SnapError:
        db.rollback()
        return _form_page(request, who, title, action, fields, 422, "Stedet ligger for langt "
                          "fra vejnettet. Vælg et punkt på eller ved en vej.")
    except ApiError as exc:
        return _refused(request, db, who, exc, title, action, fields)
    return redirect(BACK, besked=done)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', '')}"
    return str(exc)


# --------------------------------------------------------------------------------------------
# Centres


def _centre_fields(values: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"name": "navn", "label": "Navn", "value": values.get("navn", ""), "required": True},
        {"name": "adresse", "label": "Adresse", "value": values.get("adresse", ""),
         "suggest": True, "hint": "Som på et brev: Vej 12, 8305 Samsø."},
        {"name": "lat", "label": "Breddegrad", "value": values.get("lat", ""),
         "hint": "Kun når adressen ikke findes: sæt en nål på kortet, eller skriv tallet."},
        {"name": "lon", "label": "Længdegrad", "value": values.get("lon", "")},
        {"name": "telefon", "label": "Telefon (til chaufførerne)", "type": "tel",
         "value": values.get("telefon", "")}]


@router.get("/koordinator/centre/ny", response_class=HTMLResponse)
@page
def new_centre_form(request: Request, who: WebUser) -> Response:
    who.require("coordinator")
    return _form_page(request, who, "Nyt center", "/koordinator/centre/ny", _centre_fields({}))


@router.post("/koordinator/centre/ny", response_class=HTMLResponse)
@page
def create_centre(request: Request, db: DbSession, who: WebUser, context: Context,
                  form: Annotated[_CentreForm, Form()]) -> Response:
    check_csrf(request, form.csrf)
    who.require("coordinator")
    values = form.values()
    navn, adresse, lat, lon, telefon = form.navn, form.adresse, form.lat, form.lon, form.telefon
    fields, action, title = _centre_fields(values), "/koordinator/centre/ny", "Nyt center"
    if not navn.strip():
        return _form_page(request, who, title, action, fields, 422, "Skriv centrets navn.")
    place = _place(context, adresse, lat, lon, "", None)
    if isinstance(place, str):
        return _form_page(request, who, title, action, fields, 422, place)
    centre_id = _next_id("C", (c.centre_id for c in centres.list_centres(db, who)))

    def work() -> None:
        row = centres.create_centre(db, who, CentreIn(
            centre_id=centre_id, name=navn.strip(), address=place[0], lat=place[1],
            lon=place[2]), context)
        row.phone = telefon.strip()

    return _call(request, db, who, title, action, fields, work, "gemt")


@router.get("/koordinator/centre/{centre_id}/ret", response_class=HTMLResponse)
@page
def edit_centre_form(request: Request, centre_id: str, db: DbSession,
                     who: WebUser) -> Response:
    who.require("coordinator")
    c = centres.visible_centre(db, who, centre_id)
    return _form_page(request, who, f"Ret {c.name}",
                      f"/koordinator/centre/{quote(centre_id)}/ret", _centre_fields(
                          {"navn": c.name, "adresse": c.address, "lat": f"{c.lat:.6f}",
                           "lon": f"{c.lon:.6f}", "telefon": c.phone}),
                      pin=f"/koordinator/kort/centre/{quote(centre_id)}")


@router.post("/koordinator/centre/{centre_id}/ret", response_class=HTMLResponse)
@page
def edit_centre(request: Request, centre_id: str, db: DbSession, who: WebUser,
                context: Context, form: Annotated[_CentreForm, Form()]) -> Response:
    check_csrf(request, form.csrf)
    who.require("coordinator")
    row = centres.visible_centre(db, who, centre_id)
    values = form.values()
    navn, adresse, lat, lon, telefon = form.navn, form.adresse, form.lat, form.lon, form.telefon
    fields = _centre_fields(values)
    action, title = f"/koordinator/centre/{quote(centre_id)}/ret", f"Ret {row.name}"
    if not navn.strip():
        return _form_page(request, who, title, action, fields, 422, "Skriv centrets navn.")
    place = _place(context, adresse, lat, lon, row.address, (
        round(row.lat, 6), round(row.lon, 6)))
    if isinstance(place, str):
        return _form_page(request, who, title, action, fields, 422, place)
    # An unchanged point keeps its stored precision (the form shows 6 decimals).
    point = (row.lat, row.lon) if (place[1], place[2]) == (round(row.lat, 6),
                                                           round(row.lon, 6)) else place[1:]

    def work() -> None:
        updated = centres.update_centre(db, who, centre_id, CentreFields(
            name=navn.strip(), address=place[0], lat=point[0], lon=point[1]), context)
        updated.phone = telefon.strip()

    return _call(request, db, who, title, action, fields, work, "gemt")


@router.post("/koordinator/centre/{centre_id}/slet", response_class=HTMLResponse)
@page
def delete_centre(request: Request, centre_id: str, db: DbSession, who: WebUser,
                  context: Context,
                  csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    row = centres.visible_centre(db, who, centre_id)
    try:
        centres.delete_centre(db, who, centre_id, context.today())
    except ConflictError as exc:
        return _refused(request, db, who, exc, f"Slet {row.name}",
                        f"/koordinator/centre/{quote(centre_id)}/ret", _centre_fields(
                            {"navn": row.name, "adresse": row.address,
                             "lat": f"{row.lat:.6f}", "lon": f"{row.lon:.6f}",
                             "telefon": row.phone}))
    return redirect(BACK, besked="slettet")


# --------------------------------------------------------------------------------------------
# Sessions (moduler)


def _session_fields(db: Session, who: Principal, values: dict[str, str],
                    new: bool) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    if new:
        fields.append({"name": "center", "label": "Center", "value": values.get("center", ""),
                       "options": [(c.centre_id, c.name) for c in centres.list_centres(db, who)],
                       "required": True})
    fields += [
        {"name": "ugedag", "label": "Ugedag", "value": values.get("ugedag", "mon"),
         "options": [(k, v.capitalize()) for k, v in WEEKDAY_KEYS.items()]},
        {"name": "start", "label": "Starter", "type": "time", "value": values.get("start", ""),
         "required": True},
        {"name": "slut", "label": "Slutter", "type": "time", "value": values.get("slut", ""),
         "required": True}]
    return fields


def _session_data(ugedag: str, start: str, slut: str) -> SessionFields | str:
    first, last = _time(start), _time(slut)
    if first is None or last is None:
        return "Skriv tiderne som TT:MM, fx 09:00."
    if first >= last:
        return "Modulet skal slutte efter, det starter."
    if ugedag not in WEEKDAY_KEYS:
        return "Vælg en ugedag."
    return SessionFields(weekday=ugedag, start=first, end=last)  # type: ignore[arg-type]


@router.get("/koordinator/moduler/ny", response_class=HTMLResponse)
@page
def new_session_form(request: Request, db: DbSession, who: WebUser) -> Response:
    who.require("coordinator")
    return _form_page(request, who, "Nyt modul", "/koordinator/moduler/ny",
                      _session_fields(db, who, {}, True))


@router.post("/koordinator/moduler/ny", response_class=HTMLResponse)
@page
def create_session(request: Request, db: DbSession, who: WebUser,
                   csrf: Annotated[str, Form(max_length=100)] = "",
                   center: Annotated[str, Form(max_length=64)] = "",
                   ugedag: Annotated[str, Form(max_length=5)] = "",
                   start: Annotated[str, Form(max_length=8)] = "",
                   slut: Annotated[str, Form(max_length=8)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    values = {"center": center, "ugedag": ugedag, "start": start, "slut": slut}
    fields, action, title = _session_fields(db, who, values, True), "/koordinator/moduler/ny", \
        "Nyt modul"
    data = _session_data(ugedag, start, slut)
    if isinstance(data, str) or not center:
        return _form_page(request, who, title, action, fields, 422,
                          data if isinstance(data, str) else "Vælg centret.")
    taken = [s.session_id for s in db.query(m.Session).all()]
    base = f"{center}-{ugedag}"
    session_id = base if base not in taken else _next_id(base + "-", taken)
    return _call(request, db, who, title, action, fields, lambda: centres.create_session(
        db, who, center, SessionIn(session_id=session_id, **data.model_dump())), "gemt")


def _own_session(db: Session, session_id: str) -> m.Session:
    row = db.get(m.Session, session_id)
    if row is None:
        raise NotFoundError("session", session_id)
    return row


@router.get("/koordinator/moduler/{session_id}/ret", response_class=HTMLResponse)
@page
def edit_session_form(request: Request, session_id: str, db: DbSession,
                      who: WebUser) -> Response:
    who.require("coordinator")
    s = _own_session(db, session_id)
    return _form_page(request, who, f"Ret modul {_session_text(s)}",
                      f"/koordinator/moduler/{quote(session_id)}/ret", _session_fields(
                          db, who, {"ugedag": s.weekday, "start": format_hm(s.start_s),
                                    "slut": format_hm(s.end_s)}, False))


def _session_text(s: m.Session) -> str:
    return (f"{WEEKDAY_KEYS.get(s.weekday, s.weekday)} {format_hm(s.start_s)}–"
            f"{format_hm(s.end_s)}")


@router.post("/koordinator/moduler/{session_id}/ret", response_class=HTMLResponse)
@page
def edit_session(request: Request, session_id: str, db: DbSession, who: WebUser,
                 context: Context,
                 csrf: Annotated[str, Form(max_length=100)] = "",
                 ugedag: Annotated[str, Form(max_length=5)] = "",
                 start: Annotated[str, Form(max_length=8)] = "",
                 slut: Annotated[str, Form(max_length=8)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    s = _own_session(db, session_id)
    values = {"ugedag": ugedag, "start": start, "slut": slut}
    fields = _session_fields(db, who, values, False)
    action, title = f"/koordinator/moduler/{quote(session_id)}/ret", \
        f"Ret modul {_session_text(s)}"
    data = _session_data(ugedag, start, slut)
    if isinstance(data, str):
        return _form_page(request, who, title, action, fields, 422, data)
    centre_id = s.centre_id
    return _call(request, db, who, title, action, fields, lambda: centres.update_session(
        db, who, centre_id, session_id, data, context.today()), "gemt")


@router.post("/koordinator/moduler/{session_id}/slet", response_class=HTMLResponse)
@page
def delete_session(request: Request, session_id: str, db: DbSession, who: WebUser,
                   csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    s = _own_session(db, session_id)
    try:
        centres.delete_session(db, who, s.centre_id, session_id)
    except ConflictError as exc:
        db.rollback()
        count = len(exc.extensions.get("rider_ids") or [])
        return redirect(BACK, fejl="modul-i-brug") if count else redirect(BACK, fejl="ukendt")
    return redirect(BACK, besked="slettet")


# --------------------------------------------------------------------------------------------
# Vehicles


def _vehicle_fields(values: dict[str, str], new: bool, rows: list[layouts.LayoutRow],
                    errors: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The vehicle form's fields; ``errors`` (Danish, by field name) are shown at the field
    (``indretninger``: above the layout rows, whose own errors are in ``rows``)."""
    fields: list[dict[str, Any]] = []
    if new:
        fields.append({"name": "vogn", "label": "Vognens navn (kort, fx BUS3)",
                       "value": values.get("vogn", ""), "required": True})
    fields += [
        {"name": "type", "label": "Type", "value": values.get("type", ""),
         "hint": "Fx minibus med lift, taxa, kørestolstaxa."},
        {"name": "indretninger", "label": "Indretninger (siddepladser + kørestolspladser)",
         "layouts": rows,
         "hint": "En kørestolsplads kan tage siddepladsers plads, fx 8+2 eller 6+3. Den "
                 "første er standard. Tilføj en i den tomme række; sæt kryds for at fjerne "
                 "en (mindst én skal blive)."},
        {"name": "fra", "label": "Kører fra", "type": "time", "value": values.get("fra", "")},
        {"name": "til", "label": "Kører til", "type": "time", "value": values.get("til", "")},
        {"name": "dagspris", "label": "Pris pr. dag (kr.)", "value": values.get("dagspris", "")},
        {"name": "kmpris", "label": "Pris pr. km (kr.)", "value": values.get("kmpris", "")},
        {"name": "timepris", "label": "Pris pr. time (kr.)",
         "value": values.get("timepris", "")},
        {"name": "adresse", "label": "Garage (adresse)", "value": values.get("adresse", ""),
         "suggest": True},
        {"name": "lat", "label": "Garage: breddegrad", "value": values.get("lat", "")},
        {"name": "lon", "label": "Garage: længdegrad", "value": values.get("lon", "")}]
    for f in fields:
        f["error"] = (errors or {}).get(f["name"], "")
    return fields


def _ore(text: str) -> int | None:
    value = _number(text or "0", 0, 10_000_000)
    return None if value is None else round(value * 100)


def _vehicle_data(values: dict[str, str], point: tuple[float, float],
                  parsed: layouts.ParsedLayouts) -> tuple[dict[str, Any], dict[str, str]]:
    """The vehicle's fields for the service and Danish errors by field name (the layouts'
    own errors are in ``parsed``); the fields are empty when there are errors."""
    errors: dict[str, str] = {}
    if parsed.error:
        errors["indretninger"] = parsed.error
    elif not parsed.ok:
        errors["indretninger"] = "Ret indretningerne markeret nedenfor."
    first, last = _time(values["fra"] or "06:00"), _time(values["til"] or "18:00")
    if first is None:
        errors["fra"] = "Skriv tiden som TT:MM, fx 06:00."
    if last is None:
        errors["til"] = "Skriv tiden som TT:MM, fx 18:00."
    elif first is not None and first >= last:
        errors["til"] = "'Kører til' skal ligge efter 'kører fra'."
    prices = {k: _ore(values[k]) for k in ("dagspris", "kmpris", "timepris")}
    for key, price in prices.items():
        if price is None:
            errors[key] = "Skriv prisen som et tal i kroner, fx 1500 eller 12,50."
    if errors:
        return {}, errors
    (seats, chairs), *_ = parsed.layouts
    # All layouts, standard first (the model keeps them in order and drops duplicates).
    return {"kind": values["type"].strip(), "depot_lat": point[0], "depot_lon": point[1],
            "seats": seats, "wheelchair_places": chairs,
            "layouts": [{"seats": a, "wheelchair_places": b} for a, b in parsed.layouts],
            "fixed_cost_ore": prices["dagspris"], "cost_per_km_ore": prices["kmpris"],
            "cost_per_hour_ore": prices["timepris"], "available_from": first,
            "available_to": last}, {}


def _field_errors(request: Request, who: Principal, title: str, action: str,
                  values: dict[str, str], new: bool, parsed: layouts.ParsedLayouts,
                  errors: dict[str, str]) -> Response:
    return _form_page(request, who, title, action,
                      _vehicle_fields(values, new, parsed.rows, errors), 422,
                      "Ændringen er ikke gemt: ret felterne markeret nedenfor.")


@router.get("/koordinator/vogne/ny", response_class=HTMLResponse)
@page
def new_vehicle_form(request: Request, who: WebUser) -> Response:
    who.require("coordinator")
    return _form_page(request, who, "Ny vogn", "/koordinator/vogne/ny",
                      _vehicle_fields({"fra": "06:00", "til": "18:00"}, True,
                                      layouts.rows_of(None)))


@router.post("/koordinator/vogne/ny", response_class=HTMLResponse)
@page
def create_vehicle(request: Request, db: DbSession, who: WebUser, context: Context,
                   form: Annotated[_VehicleForm, Form()]) -> Response:
    check_csrf(request, form.csrf)
    who.require("coordinator")
    values, parsed = form.values(), form.layout_rows()
    vogn, adresse, lat, lon = form.vogn, form.adresse, form.lat, form.lon
    fields = _vehicle_fields(values, True, parsed.rows)
    action, title = "/koordinator/vogne/ny", "Ny vogn"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", vogn.strip()):
        return _field_errors(request, who, title, action, values, True, parsed, {
            "vogn": "Vognens navn må kun have bogstaver (a–z), tal, punktum, bindestreg og "
                    "understreg."})
    place = _place(context, adresse, lat, lon, "", None)
    if isinstance(place, str):
        return _field_errors(request, who, title, action, values, True, parsed,
                             {"adresse": place})
    data, errors = _vehicle_data(values, (place[1], place[2]), parsed)
    if errors:
        return _field_errors(request, who, title, action, values, True, parsed, errors)
    return _call(request, db, who, title, action, fields, lambda: riders.create_vehicle(
        db, who, VehicleIn(vehicle_id=vogn.strip(), **data), context), "gemt")


def _vehicle_values(v: m.Vehicle) -> dict[str, str]:
    return {"type": v.kind, "fra": format_hm(v.available_from_s),
            "til": format_hm(v.available_to_s), "dagspris": _kr(v.fixed_cost_ore),
            "kmpris": _kr(v.cost_per_km_ore), "timepris": _kr(v.cost_per_hour_ore),
            "adresse": "", "lat": f"{v.depot_lat:.6f}", "lon": f"{v.depot_lon:.6f}"}


def _kr(ore: int) -> str:
    return f"{ore / 100:.2f}".replace(".", ",").removesuffix(",00")


@router.get("/koordinator/vogne/{vehicle_id}/ret", response_class=HTMLResponse)
@page
def edit_vehicle_form(request: Request, vehicle_id: str, db: DbSession,
                      who: WebUser) -> Response:
    who.require("coordinator")
    v = riders.visible_vehicle(db, who, vehicle_id)
    return _form_page(request, who, f"Ret vogn {vehicle_id}",
                      f"/koordinator/vogne/{quote(vehicle_id)}/ret",
                      _vehicle_fields(_vehicle_values(v), False, layouts.rows_of(v)),
                      pin=f"/koordinator/kort/vogne/{quote(vehicle_id)}")


@router.post("/koordinator/vogne/{vehicle_id}/ret", response_class=HTMLResponse)
@page
def edit_vehicle(request: Request, vehicle_id: str, db: DbSession, who: WebUser,
                 context: Context, form: Annotated[_VehicleForm, Form()]) -> Response:
    check_csrf(request, form.csrf)
    who.require("coordinator")
    v = riders.visible_vehicle(db, who, vehicle_id)
    values, parsed = form.values("vogn"), form.layout_rows()
    adresse, lat, lon = form.adresse, form.lat, form.lon
    fields = _vehicle_fields(values, False, parsed.rows)
    action, title = f"/koordinator/vogne/{quote(vehicle_id)}/ret", f"Ret vogn {vehicle_id}"
    shown = (round(v.depot_lat, 6), round(v.depot_lon, 6))
    place = _place(context, adresse, lat, lon, "", shown)
    if isinstance(place, str):
        return _field_errors(request, who, title, action, values, False, parsed,
                             {"adresse": place})
    point = (v.depot_lat, v.depot_lon) if (place[1], place[2]) == shown else place[1:]
    data, errors = _vehicle_data(values, point, parsed)
    if errors:
        return _field_errors(request, who, title, action, values, False, parsed, errors)
    # A change that makes a published run's load fit none of the layouts is refused by the
    # service (409, the runs named), like fewer seats.
    return _call(request, db, who, title, action, fields, lambda: riders.replace_vehicle(
        db, who, vehicle_id, VehicleFields(**data), context), "gemt")


@router.post("/koordinator/vogne/{vehicle_id}/slet", response_class=HTMLResponse)
@page
def delete_vehicle(request: Request, vehicle_id: str, db: DbSession, who: WebUser,
                   context: Context,
                   csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    v = riders.visible_vehicle(db, who, vehicle_id)
    try:
        riders.delete_vehicle(db, who, vehicle_id, context.today())
    except ConflictError as exc:
        return _refused(request, db, who, exc, f"Slet vogn {vehicle_id}",
                        f"/koordinator/vogne/{quote(vehicle_id)}/ret",
                        _vehicle_fields(_vehicle_values(v), False, layouts.rows_of(v)))
    return redirect(BACK, besked="slettet")
