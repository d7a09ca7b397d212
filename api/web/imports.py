"""Importing the coordinators' spreadsheet in the web pages: upload, check, preview, save.

The upload (the four CSV files and scenario.toml, or a zip of them) is validated by the same
loader as the REST import; errors are listed in Danish with file, row and column, and nothing is
stored. A valid upload is previewed — new, changed and removed riders by name — and kept in this
process's memory for :data:`KEEP_FOR` under a random token until the coordinator saves it
(nothing is written before). With several worker processes the save must reach the same
process (sticky sessions); otherwise the page asks for the files again.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.context import AppContext
from api.db import models as m
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ApiError
from api.scenario import service as scenario_service
from api.uploads import read_upload
from api.web.pages import PREFIX, page, redirect, render
from api.web.session import WebUser, check_csrf
from routing.errors import ScenarioErrors
from routing.model import Scenario

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

KEEP_FOR = 30 * 60.0
"""Seconds a previewed upload waits for "Gem"."""

FILE_DA = {"centres.csv": "centres.csv (centre)", "sessions.csv": "sessions.csv (moduler)",
           "riders.csv": "riders.csv (borgere)", "vehicles.csv": "vehicles.csv (vogne)"}

# The loader's messages (English, stable) in Danish; anything else is shown as it is.
_DANISH: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), d) for p, d in (
    (r"^value is empty$", "feltet er tomt"),
    (r"^'(.*)' is not a number: use a decimal point, not a comma$",
     r"'\1' er ikke et tal: brug decimalpunktum, ikke komma"),
    (r"^'(.*)' is not a number$", r"'\1' er ikke et tal"),
    (r"^'(.*)' is not a whole number$", r"'\1' er ikke et helt tal"),
    (r"^(.*) is outside the range (.*) to (.*)$", r"\1 ligger uden for \2 til \3"),
    (r"^required column is missing from the header$", "kolonnen mangler i overskriftsrækken"),
    (r"^column appears twice in the header$", "kolonnen står to gange i overskriftsrækken"),
    (r"^file is missing \(expected columns: (.*)\)$", r"filen mangler (kolonner: \1)"),
    (r"^file has a header but no rows$", "filen har en overskrift, men ingen rækker"),
    (r"^unknown centre '(.*)' \(not in centres.csv\)$", r"ukendt center '\1' (ikke i centres.csv)"),
    (r"^unknown session '(.*)' \(not in sessions.csv\)$",
     r"ukendt modul '\1' (ikke i sessions.csv)"),
    (r"^duplicate (\w+) '(.*)' \(first in row (\d+)\)$", r"'\2' står to gange (først i række \3)"),
    (r"^'(.*)' must be 0 or 1$", r"'\1' skal være 0 eller 1"),
    (r"^no session listed$", "intet modul angivet"),
    (r"^session '(.*)' is listed twice$", r"modulet '\1' står to gange"),
))


_ADDRESS = re.compile(r"^address '(?P<text>.*)' not placed: (?P<why>.*?)"
                      r"(?: \(suggestions: (?P<hint>.*)\))?; write it exactly or give .*$")
_ADDRESS_WHY: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), d) for p, d in (
    (r"^did you mean (.*)\?$", r"mente du \1?"),
    (r"^.*: the house number is missing$", "husnummeret mangler"),
    (r"^(.*) has no number (.*) in the address points$", r"\1 har ikke nummer \2"),
    (r"^no street called '(.*)' in the address points$", r"vejen '\1' findes ikke"),
    (r"^(.*) exists (\d+) times; give the postcode and town$",
     r"\1 findes \2 steder; skriv postnummer og by"),
    (r"^the road network file has no address points.*$",
     "vejnettets fil har ingen adresser; angiv lat/lon"),
))


def danish_error(message: str) -> str:
    address = _ADDRESS.match(message)
    if address is not None:
        why = address.group("why")
        for pattern, text in _ADDRESS_WHY:
            if pattern.match(why):
                why = pattern.sub(text, why)
                break
        hint = f" (forslag: {address.group('hint')})" if address.group("hint") else ""
        return (f"adressen '{address.group('text')}' blev ikke fundet: {why}{hint}; skriv den "
                "præcist eller angiv lat/lon")
    for pattern, text in _DANISH:
        if pattern.match(message):
            return pattern.sub(text, message)
    return message


@dataclass
class _Pending:
    user_id: int
    uploads: list[tuple[str, bytes]]
    mode: str
    expires: float


_PENDING: dict[str, _Pending] = {}
_LOCK = threading.Lock()


def _keep(user_id: int, uploads: list[tuple[str, bytes]], mode: str) -> str:
    token = secrets.token_urlsafe(16)
    now = time.monotonic()
    with _LOCK:
        for key in [k for k, p in _PENDING.items() if p.expires < now]:
            del _PENDING[key]
        _PENDING[token] = _Pending(user_id, uploads, mode, now + KEEP_FOR)
    return token


def _take(token: str, user_id: int) -> _Pending | None:
    with _LOCK:
        pending = _PENDING.get(token)
        if pending is None or pending.user_id != user_id or pending.expires < time.monotonic():
            return None
        return _PENDING.pop(token)


_FIELDS_DA = {"name": "navn", "address": "adresse", "centre_id": "center",
              "session_ids": "moduler", "wheelchair": "kørestol", "escort": "ledsager",
              "lat": "placering", "lon": "placering", "notes": "besked til chaufføren",
              "max_ride_s": "længste køretid"}


def _preview(db: Any, scenario: Scenario, mode: str) -> dict[str, Any]:
    """New, changed and removed riders (by name, with what changed), and the other counts."""
    stored = {r.rider_id: r for r in db.query(m.Rider).all()}
    new, changed = [], []
    for r in scenario.riders:
        old = stored.get(r.rider_id)
        if old is None:
            new.append({"name": r.name, "address": r.address})
            continue
        what: list[str] = []
        for field in ("name", "address", "centre_id", "wheelchair", "escort", "notes",
                      "max_ride_s"):
            if getattr(old, field) != getattr(r, field):
                what.append(_FIELDS_DA[field])
        if list(old.session_ids) != list(r.session_ids):
            what.append("moduler")
        if abs(old.lat - r.lat) > 1e-6 or abs(old.lon - r.lon) > 1e-6:
            what.append("placering")
        if what:
            changed.append({"name": r.name, "what": ", ".join(dict.fromkeys(what))})
    uploaded = {r.rider_id for r in scenario.riders}
    missing = [{"name": r.name} for rid, r in sorted(stored.items()) if rid not in uploaded]
    return {"new": new, "changed": changed, "missing": missing, "removes": mode == "replace",
            "centres": len(scenario.centres), "sessions": len(scenario.sessions),
            "riders": len(scenario.riders), "vehicles": len(scenario.vehicles),
            "name": scenario.name}


@router.get("/koordinator/import", response_class=HTMLResponse)
@page
def import_form(request: Request, who: WebUser) -> Response:
    who.require("coordinator")
    return render(request, "import.html", who, errors=None, preview=None)


def _limits(context: AppContext) -> scenario_service.UnpackLimits:
    """The REST import's limits on unpacked zips (zip bombs), for the page too."""
    settings = context.settings
    return scenario_service.UnpackLimits(settings.max_unpacked_bytes, settings.max_unpack_ratio)


@router.post("/koordinator/import", response_class=HTMLResponse)
@page
def import_check(
    request: Request, db: DbSession, who: WebUser, context: Context,
    filer: Annotated[list[UploadFile], File()],
    csrf: Annotated[str, Form(max_length=100)] = "",
    tilstand: Annotated[str, Form(max_length=10)] = "merge",
) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    mode = "replace" if tilstand == "replace" else "merge"
    limit = context.settings.max_upload_bytes
    uploads = [(f.filename or "", read_upload(f, limit)) for f in filer if f.filename]
    if sum(len(c) for _, c in uploads) > limit:
        return render(request, "import.html", who, status_code=413, errors=None, preview=None,
                      error="Filerne er for store.")
    try:
        scenario = scenario_service.load_upload(
            uploads, _limits(context), context.settings.network_dir).scenario
    except ScenarioErrors as exc:
        order = list(FILE_DA)
        found = sorted(exc.errors, key=lambda e: (
            order.index(e.file) if e.file in order else len(order), e.row or 0))
        rows = [{"file": FILE_DA.get(e.file or "", e.file or ""), "row": e.row,
                 "column": e.column, "text": danish_error(e.detail)} for e in found]
        return render(request, "import.html", who, status_code=422, errors=rows, preview=None,
                      error=f"Der er {len(rows)} fejl. Intet er gemt. Ret filerne og prøv "
                      "igen.")
    except ApiError as exc:
        return render(request, "import.html", who, status_code=400, errors=None, preview=None,
                      error=f"Filerne kunne ikke læses: {exc.detail}")
    token = _keep(who.user_id, uploads, mode)
    return render(request, "import.html", who, errors=None, preview=_preview(db, scenario, mode),
                  token=token, mode=mode)


@router.post("/koordinator/import/gem")
@page
def import_save(request: Request, db: DbSession, who: WebUser, context: Context,
                csrf: Annotated[str, Form(max_length=100)] = "",
                token: Annotated[str, Form(max_length=64)] = "") -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    pending = _take(token, who.user_id)
    if pending is None:
        return redirect("/koordinator/import", fejl="import-udloebet")
    result = scenario_service.import_scenario(
        db, who, pending.uploads, "replace" if pending.mode == "replace" else "merge",
        _limits(context), context.settings.network_dir)
    log.info("scenario %r imported in the web pages by user %s", result.scenario, who.user_id)
    return redirect("/koordinator/borgere", besked="importeret")
