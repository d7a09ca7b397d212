"""The coordinator's import page: upload the spreadsheet (CSV files or a zip in the scenario
format), see every error in Danish with file, row and column, preview what changes (riders by
name: new, changed, removed), then store exactly the previewed upload.

The previewed files are kept in the database (table ``import_previews``) under a random token,
for an hour, for the user who uploaded them — so another API process can save them and nothing
is left on a server's disk; the confirm button posts only the token. The preview
records the stored data's fingerprint: when anything changed in between (another import, a
rider added), the confirmation is refused and nothing is stored — the preview would no longer
say what the import does.

No ordinary edit can stop a driver's morning: a rider whose home, centre, sessions or needs
the upload changes (or whom a replacing upload leaves out) while published runs carry them is
listed with those runs, and saving holds their change back (the page links each to the
rider's page) unless the coordinator ticks "Gennemfør via den levende plan"; then the plan in
force follows through the living plan (:mod:`api.scenario.guarded_import`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import re
import secrets
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from api.auth import Principal
from api.context import AppContext
from api.db import convert, repo, repo_centres, repo_riders
from api.db import models as m
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.errors import ApiError
from api.riders.isolation import broken_runs_out, plans_driving
from api.scenario import service as scenario_service
from api.scenario.guarded_import import import_guarded, rider_breaks
from api.uploads import read_upload
from api.web import import_held
from api.web.master_tables import run_rows
from api.web.pages import PREFIX, page, redirect, render
from api.web.session import WebUser, check_csrf
from routing.errors import ScenarioError, ScenarioErrors
from routing.living.edits import scenario_change_breaks
from routing.model import Scenario

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)

_TTL_S = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MODE_DA = {"merge": "Tilføj og opdatér (intet slettes)",
           "replace": "Erstat alt (det, der mangler i filerne, slettes)"}
FIELD_DA = {"name": "navn", "lat": "position", "lon": "position", "centre_id": "center",
            "session_ids": "moduler", "wheelchair": "kørestol", "escort": "ledsager",
            "max_ride_s": "maks. køretid", "detour_factor": "omvejsfaktor",
            "boarding_s": "påstigningstid", "notes": "bemærkninger", "address": "adresse",
            "can_travel_alone": "kan køre alene", "has_driver": "egen chauffør"}


# --------------------------------------------------------------------------------------------
# What an upload changes


@dataclass
class RiderChange:
    name: str
    centre: str
    what: list[str] = field(default_factory=list)


@dataclass
class Preview:
    scenario: str
    mode: str
    new: list[RiderChange]
    changed: list[RiderChange]
    removed: list[RiderChange]
    unchanged: int
    others: list[tuple[str, int, int, int]]
    """(table in Danish, new, changed, removed) of centres, modules and vehicles."""

    @property
    def nothing(self) -> bool:
        return not (self.new or self.changed or self.removed
                    or any(n or c or r for _, n, c, r in self.others))


def _differs(values: dict[str, Any], row: Any) -> list[str]:
    names: list[str] = []
    for key, value in values.items():
        old = getattr(row, key)
        if isinstance(value, float) and isinstance(old, float):
            same = abs(value - old) < 1e-7
        else:
            same = old == value
        if not same and FIELD_DA.get(key, key) not in names:
            names.append(FIELD_DA.get(key, key))
    return names


def _table_change(label: str, rows: Sequence[Any], items: Sequence[Any], key: str,
                  values: Callable[[Any], dict[str, Any]], mode: str
                  ) -> tuple[str, int, int, int]:
    old = {getattr(x, key): x for x in rows}
    ids = {getattr(x, key) for x in items}
    new = sum(1 for x in items if getattr(x, key) not in old)
    changed = sum(1 for x in items
                  if getattr(x, key) in old and _differs(values(x), old[getattr(x, key)]))
    gone = len(set(old) - ids) if mode == "replace" else 0
    return label, new, changed, gone


def preview(db: Session, scenario: Scenario, mode: str) -> Preview:
    """What storing ``scenario`` in ``mode`` would change (the same rules as the import)."""
    centre_names = {c.centre_id: c.name for c in repo_centres.list_centres(db)}
    centre_names.update({c.centre_id: c.name for c in scenario.centres})
    stored = {r.rider_id: r for r in repo_riders.list_riders(db)}
    new, changed = [], []
    unchanged = 0
    for r in scenario.riders:
        centre = centre_names.get(r.centre_id, r.centre_id)
        row = stored.get(r.rider_id)
        if row is None:
            new.append(RiderChange(r.name, centre))
            continue
        what = _differs(convert.rider_values(r), row)
        if what:
            changed.append(RiderChange(r.name, centre, what))
        else:
            unchanged += 1
    uploaded = {r.rider_id for r in scenario.riders}
    removed = [RiderChange(row.name, centre_names.get(row.centre_id, row.centre_id))
               for rid, row in stored.items() if rid not in uploaded] if mode == "replace" else []
    others = [
        _table_change("Centre", repo_centres.list_centres(db), scenario.centres, "centre_id",
                      convert.centre_values, mode),
        _table_change("Moduler", repo_centres.list_sessions(db), scenario.sessions,
                      "session_id", convert.session_values, mode),
        _table_change("Køretøjer", repo_riders.list_vehicles(db), scenario.vehicles,
                      "vehicle_id", convert.vehicle_values, mode)]

    def key_name(change: RiderChange) -> str:
        return change.name.casefold()

    return Preview(scenario.name, mode, sorted(new, key=key_name),
                   sorted(changed, key=key_name), sorted(removed, key=key_name), unchanged,
                   others)


# The loader's messages (English, shared with the CLI and the REST API) in Danish: the common
# ones by pattern; the rest are shown as they are, still with file, row and column.
_DANISH: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), d) for p, d in (
    (r"^(.+) is not a number: use a decimal point, not a comma$",
     r"\1 er ikke et tal: brug punktum som decimaltegn, ikke komma"),
    (r"^(.+) is not a number$", r"\1 er ikke et tal"),
    (r"^(.+) is not a finite number$", r"\1 er ikke et endeligt tal"),
    (r"^(.+) is not a whole number$", r"\1 er ikke et helt tal"),
    (r"^(.+) is not an amount$", r"\1 er ikke et beløb"),
    (r"^(.+) must be 0 or 1$", r"\1 skal være 0 eller 1"),
    (r"^(.+) is negative$", r"\1 er negativ"),
    (r"^(.+) is outside the range (.+) to (.+)$", r"\1 ligger uden for \2 til \3"),
    (r"^value is empty$", "feltet er tomt"),
    (r"^file is missing \(expected columns: (.+)\)$",
     r"filen mangler (forventede kolonner: \1)"),
    (r"^required column is missing from the header$",
     "den påkrævede kolonne mangler i overskriftsrækken"),
    (r"^column appears twice in the header$", "kolonnen står to gange i overskriftsrækken"),
    (r"^file has a header but no rows$", "filen har en overskriftsrække, men ingen rækker"),
    (r"^unknown centre (.+) \(not in (.+)\)$", r"ukendt center \1 (findes ikke i \2)"),
    (r"^unknown session (.+) \(not in (.+)\)$", r"ukendt modul \1 (findes ikke i \2)"),
    (r"^duplicate (\w+) (.+) \(first in row (\d+)\)$",
     r"\1 \2 står to gange (første gang i række \3)"),
    (r"^no session listed$", "intet modul angivet"),
    (r"^not valid UTF-8 .*$", "filen er ikke gemt som UTF-8; gem den som «CSV UTF-8»"),
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


def danish_detail(detail: str) -> str:
    address = _ADDRESS.match(detail)
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
        if pattern.match(detail):
            return pattern.sub(text, detail)
    return detail


def error_rows(exc: ScenarioErrors) -> list[dict[str, Any]]:
    """Each loader error with its place, for the Danish error table (row 1 is the header)."""
    return [{"file": e.file or "–", "row": e.row, "column": e.column or "",
             "detail": danish_detail(e.detail)} for e in exc.errors]


# --------------------------------------------------------------------------------------------
# The kept upload


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _zip(uploads: list[tuple[str, bytes]]) -> bytes:
    # Numbered entries keep the order and any two files of the same name apart.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (_, content) in enumerate(uploads):
            archive.writestr(f"{index}.bin", content)
    return buffer.getvalue()


def _unzip(names: list[str], content: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(name, archive.read(f"{index}.bin")) for index, name in enumerate(names)]


def _keep(db: Session, who: Principal, uploads: list[tuple[str, bytes]], mode: str,
          fingerprint: str, now: datetime) -> str:
    """Store the previewed upload for an hour (any API process can save it); expired
    previews of everyone are deleted on the way."""
    db.execute(delete(m.ImportPreview).where(m.ImportPreview.expires_at < now))
    token = secrets.token_urlsafe(24)
    db.add(m.ImportPreview(token_hash=_token_hash(token), user_id=who.user_id, mode=mode,
                           fingerprint=fingerprint, names=[n for n, _ in uploads],
                           content=_zip(uploads), created_at=now,
                           expires_at=now + timedelta(seconds=_TTL_S)))
    db.flush()
    return token


def _kept(db: Session, who: Principal, token: str, now: datetime
          ) -> tuple[str, str, list[tuple[str, bytes]]] | None:
    """``(mode, fingerprint, uploads)`` of the user's kept upload; None: unknown, another
    user's or expired."""
    if not _TOKEN.match(token):
        return None
    row = db.get(m.ImportPreview, _token_hash(token))
    if row is None or row.user_id != who.user_id or row.expires_at < now:
        return None
    try:
        uploads = _unzip(list(row.names), row.content)
    except (zipfile.BadZipFile, KeyError):
        return None
    return row.mode, row.fingerprint, uploads


def _forget(db: Session, token: str) -> None:
    if _TOKEN.match(token):
        db.execute(delete(m.ImportPreview).where(
            m.ImportPreview.token_hash == _token_hash(token)))


def _fingerprint(db: Session) -> str:
    return repr(repo.master_data_fingerprint(db))


# --------------------------------------------------------------------------------------------
# Pages


@router.get("/koordinator/import", response_class=HTMLResponse)
@page
def import_form(request: Request, db: DbSession, who: WebUser) -> Response:
    who.require("coordinator")
    saved = None
    if request.query_params.get("gemt") == "ja":
        counts = [request.query_params.get(k, "0") for k in ("nye", "aendrede", "slettede")]
        if all(c.isdigit() and len(c) < 7 for c in counts):
            saved = (f"Importen er gemt: {counts[0]} nye, {counts[1]} ændrede og {counts[2]} "
                     "slettede borgere.")
    query = request.query_params
    held = import_held.held_from_query(db, who, query.get("holdt", "")[:3000],
                                       query.get("beholdt", "")[:3000]) if saved else []
    if held and saved:
        saved = saved[:-1] + (f"; {len(held)} borger{'e' if len(held) > 1 else ''} med "
                              "ændringer, der ikke er gemt (se nedenfor).")
    more = query.get("flere", "0")
    plan = query.get("plan", "")
    return render(request, "import.html", who, modes=MODE_DA, mode="merge", saved=saved,
                  held=held, more=int(more) if more.isdigit() and len(more) < 7 else 0,
                  new_plan=plan if plan.isdigit() and len(plan) < 12 else "")


@router.post("/koordinator/import", response_class=HTMLResponse)
@page
def import_preview(
    request: Request, db: DbSession, who: WebUser, context: Context,
    filer: Annotated[list[UploadFile] | None, File()] = None,
    csrf: Annotated[str, Form(max_length=100)] = "",
    tilstand: Annotated[str, Form(max_length=10)] = "merge",
) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    mode = tilstand if tilstand in MODE_DA else "merge"
    settings = context.settings
    limit = settings.max_upload_bytes
    uploads = [(u.filename or "", read_upload(u, limit)) for u in filer or [] if u.filename]

    def again(status: int, **values: Any) -> Response:
        return render(request, "import.html", who, status_code=status, modes=MODE_DA,
                      mode=mode, **values)

    if not uploads:
        return again(400, error="Vælg en eller flere filer (CSV-filerne eller en zip-fil).")
    if sum(len(c) for _, c in uploads) > limit:
        return again(413, error=f"Filerne fylder mere end {limit // 1_000_000} MB.")
    limits = scenario_service.UnpackLimits(settings.max_unpacked_bytes,
                                           settings.max_unpack_ratio)
    try:
        upload = scenario_service.load_upload(uploads, limits, settings.network_dir)
    except ScenarioErrors as exc:
        return again(422, errors=error_rows(exc), files=[n for n, _ in uploads])
    except ScenarioError as exc:
        return again(422, errors=error_rows(ScenarioErrors([exc])),
                     files=[n for n, _ in uploads])
    except ApiError as exc:
        return again(exc.status, error=f"Filerne kan ikke læses: {exc.detail}")
    shown = preview(db, upload.scenario, mode)
    outdated = import_breaks(db, context, upload.scenario, mode)
    held = import_held.preview_rows(db, rider_breaks(
        db, context, upload.scenario, mode))  # type: ignore[arg-type]
    token = _keep(db, who, uploads, mode, _fingerprint(db), context.now())
    return render(request, "import_preview.html", who, preview=shown, token=token,
                  mode_text=MODE_DA[mode], files=[n for n, _ in uploads], outdated=outdated,
                  held=held)


def import_breaks(db: Session, context: AppContext, uploaded: Scenario,
                  mode: str) -> list[dict[str, str]]:
    """The runs of published plans (from today on) the import's centres, sessions and
    vehicles would outdate, in Danish: an import is how a new year starts, so they are not
    refused — the preview says which runs need a new plan, published right after. (Riders'
    changes are held back or go through the living plan: :func:`import_held.preview_rows`.)"""
    stored = scenario_service.scenario_from_db(db, context.networks.path)
    # The stored riders on both sides: only what is not a rider's change is listed here.
    others = dataclasses.replace(uploaded, riders=stored.riders)
    rows: list[dict[str, Any]] = []
    for plan_id, plan in plans_driving(db, context.today()):
        found = scenario_change_breaks(plan, stored, others, mode == "replace")
        rows += [{**r, "plan_id": plan_id} for r in broken_runs_out(found)]
    return run_rows(db, rows)


@router.post("/koordinator/import/gem", response_class=HTMLResponse)
@page
def import_confirm(
    request: Request, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    token: Annotated[str, Form(max_length=100)] = "",
    levende: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    check_csrf(request, csrf)
    who.require("coordinator")
    kept = _kept(db, who, token, context.now())
    if kept is None:
        return render(request, "import.html", who, status_code=409, modes=MODE_DA,
                      mode="merge", error="Forhåndsvisningen er udløbet eller findes ikke. "
                      "Upload filerne igen. Intet er gemt.")
    mode, fingerprint, uploads = kept
    if fingerprint != _fingerprint(db):
        _forget(db, token)
        return render(request, "import.html", who, status_code=409, modes=MODE_DA, mode=mode,
                      error="Data er ændret, siden forhåndsvisningen blev lavet (en anden "
                      "import eller en ændret borger). Intet er gemt. Upload filerne igen "
                      "for at se, hvad der ændres nu.")
    settings = context.settings
    limits = scenario_service.UnpackLimits(settings.max_unpacked_bytes,
                                           settings.max_unpack_ratio)
    through = levende == "ja"
    try:
        done = import_guarded(db, who, context, uploads, mode,  # type: ignore[arg-type]
                              limits, settings.network_dir, through_living_plan=through)
    except ScenarioErrors as exc:
        db.rollback()
        return render(request, "import.html", who, status_code=422, modes=MODE_DA, mode=mode,
                      errors=error_rows(exc), files=[n for n, _ in uploads])
    except ApiError as exc:
        # Nothing is stored (also no new plan version): the whole request is rolled back.
        db.rollback()
        return render(request, "import.html", who, status_code=exc.status, modes=MODE_DA,
                      mode=mode, error=_refusal_text(exc, through))
    _forget(db, token)
    result = done.result
    log.info("web import by user %s: %s; held back %s; plan %s", who.user_id, result.created,
             [b.rider_id for b in done.held], done.plan_id)
    return redirect("/koordinator/import", gemt="ja",
                    nye=str(result.created.riders), aendrede=str(result.updated.riders),
                    slettede=str(result.deleted.riders), **import_held.held_query(done.held),
                    **({"plan": str(done.plan_id)} if done.plan_id is not None else {}))


def _refusal_text(exc: ApiError, through: bool) -> str:
    stranded = exc.extensions.get("rider_ids")
    if isinstance(stranded, list) and stranded:
        return ("Importen er ikke gemt: nogle borgeres ændringer kan ikke holdes tilbage, "
                "fordi filerne sletter deres center eller moduler (" + ", ".join(
                    str(i) for i in stranded) + "). Ret filerne, eller vælg «Gennemfør via "
                "den levende plan». Intet er gemt.")
    name = exc.extensions.get("rider_name")
    if through and name:
        return (f"Importen er ikke gemt: den levende plan kan ikke følge med for {name} "
                "(ingen plads i turene inden for de tilladte tidsforskydninger, eller planen "
                "ville bryde en regel). Gem uden «Gennemfør via den levende plan», og ret "
                f"{name} bagefter fra borgerens side. Intet er gemt.")
    return f"Importen er ikke gemt: {exc.detail}. Intet er gemt."
