"""The scenario format (CSV files + ``scenario.toml``) into and out of the database.

Import is all or nothing: the upload is validated by the core's loader (every row error of every
file reported at once), then checked against the stored data, then written in the request's
transaction. ``merge`` creates and updates; ``replace`` also deletes what the upload lacks.
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
import zipfile
from dataclasses import asdict, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.context import LruCache
from api.db import convert, repo, repo_centres, repo_riders
from api.db import models as m
from api.db.types import utcnow
from api.errors import BadRequestError, PayloadTooLargeError
from api.scenario.schemas import Counts, ImportResult
from api.schemas import ID_PATTERN
from routing.errors import ScenarioError, ScenarioErrors
from routing.model import Rider, Scenario
from routing.params import PlanParams
from routing.scenario import reader as scenario_io

log = logging.getLogger(__name__)

SCENARIO_CONFIG_KEY = "scenario"
FILES = (scenario_io.CENTRES_FILE, scenario_io.SESSIONS_FILE, scenario_io.RIDERS_FILE,
         scenario_io.VEHICLES_FILE, scenario_io.SCENARIO_TOML, scenario_io.CLOSURES_FILE)
_ID_RE = re.compile(ID_PATTERN)
_MAX_ZIP_MEMBERS = 50

Mode = Literal["merge", "replace"]


# --------------------------------------------------------------------------------------------
# Database → core


def plan_params_from_config(value: dict[str, Any] | None) -> PlanParams:
    """The stored planning parameters (from the last import), or the defaults."""
    params = PlanParams()
    stored = (value or {}).get("plan_params") or {}
    known = {f.name for f in fields(PlanParams)}
    return replace(params, **{k: v for k, v in stored.items() if k in known})


_SCENARIOS = LruCache(8)


def scenario_from_db(db: DbSession, network_path: Path | str = "") -> Scenario:
    """The stored centres, sessions, riders and vehicles as the core's :class:`Scenario`.

    Cached per database under a fingerprint of the master data (row counts and latest change
    of each table, one query), so requests do not rebuild it while nothing changed.
    """
    bind = db.get_bind()
    key = (bind.engine.url.render_as_string(hide_password=True), str(network_path),
           repo.master_data_fingerprint(db))
    scenario: Scenario = _SCENARIOS.get_or_make(key, lambda: _load_scenario(db, network_path))
    return scenario


def _granted(db: DbSession, riders: list[Rider]) -> tuple[Rider, ...]:
    """The riders with their shared-ride interval from the recorded grants."""
    from api.grants.service import stored_grants
    from routing.grants import rider_fields

    by_rider = stored_grants(db)
    return tuple(replace(r, **rider_fields(by_rider[r.rider_id])) if r.rider_id in by_rider
                 else r for r in riders)


def _load_scenario(db: DbSession, network_path: Path | str) -> Scenario:
    config = repo.get_config(db, SCENARIO_CONFIG_KEY) or {}
    return Scenario(
        name=str(config.get("name") or "samkorsel"),
        centres=tuple(convert.centre_model(c) for c in repo_centres.list_centres(db)),
        sessions=tuple(convert.session_model(s) for s in repo_centres.list_sessions(db)),
        riders=_granted(db, [convert.rider_model(r) for r in repo_riders.list_riders(db)]),
        vehicles=tuple(convert.vehicle_model(v) for v in repo_riders.list_vehicles(db)),
        network_path=str(network_path),
        plan_params=plan_params_from_config(config),
    )


# --------------------------------------------------------------------------------------------
# Upload → directory


def _unpack(uploads: list[tuple[str, bytes]], directory: Path) -> None:
    """Write the uploaded files (CSV/TOML files, or one zip) into ``directory``."""
    for filename, content in uploads:
        name = PurePosixPath(filename.replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            _unzip(name, content, directory)
        elif name in FILES:
            (directory / name).write_bytes(content)
        else:
            raise BadRequestError(f"unexpected file {name!r}; send {', '.join(FILES)} or a zip "
                                  "of them")


def _unzip(name: str, content: bytes, directory: Path) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise BadRequestError(f"{name} is not a zip file") from exc
    members = [i for i in archive.infolist() if not i.is_dir()]
    if len(members) > _MAX_ZIP_MEMBERS:
        raise BadRequestError(f"{name} holds {len(members)} files; expected the scenario files")
    for info in members:
        # Only the base name is used (never a path from the archive), and only known files.
        base = PurePosixPath(info.filename).name
        if base not in FILES:
            continue
        if info.file_size > 50_000_000:
            raise PayloadTooLargeError(f"{name}: {base} is too large when unpacked")
        (directory / base).write_bytes(archive.read(info))


def load_upload(uploads: list[tuple[str, bytes]]) -> Scenario:
    """Validate the uploaded scenario with the core's loader (raises :class:`ScenarioErrors`)."""
    if not uploads:
        raise BadRequestError("no files uploaded")
    with tempfile.TemporaryDirectory(prefix="samkorsel-import-") as tmp:
        directory = Path(tmp) / "upload"
        directory.mkdir()
        _unpack(uploads, directory)
        scenario = scenario_io.load_scenario(directory)
    _check_ids(scenario)
    return scenario


def _check_ids(scenario: Scenario) -> None:
    """Ids must also be usable in URLs (the loader accepts any text)."""
    errors: list[ScenarioError] = []
    tables: list[tuple[str, str, list[str]]] = [
        (scenario_io.CENTRES_FILE, "centre_id", [c.centre_id for c in scenario.centres]),
        (scenario_io.SESSIONS_FILE, "session_id", [s.session_id for s in scenario.sessions]),
        (scenario_io.RIDERS_FILE, "rider_id", [r.rider_id for r in scenario.riders]),
        (scenario_io.VEHICLES_FILE, "vehicle_id", [v.vehicle_id for v in scenario.vehicles]),
    ]
    for file, column, ids in tables:
        for index, value in enumerate(ids):
            if len(value) > 64 or not _ID_RE.match(value):
                # Rows in file order; row 1 is the header.
                errors.append(ScenarioError(
                    f"id {value!r} must be 1–64 characters without / \\ ? # %",
                    file=file, row=index + 2, column=column))
    if errors:
        raise ScenarioErrors(errors)


# --------------------------------------------------------------------------------------------
# Directory → database


def _check_against_db(db: DbSession, scenario: Scenario, mode: Mode) -> None:
    if mode == "replace":
        return
    errors: list[ScenarioError] = []
    stored = {s.session_id: s for s in repo_centres.list_sessions(db)}
    for index, s in enumerate(scenario.sessions):
        old = stored.get(s.session_id)
        if old is not None and old.centre_id != s.centre_id:
            errors.append(ScenarioError(
                f"session {s.session_id!r} is stored for centre {old.centre_id!r}; a session "
                "cannot move to another centre (use mode=replace or a new id)",
                file=scenario_io.SESSIONS_FILE, row=index + 2, column="centre_id"))
    if errors:
        raise ScenarioErrors(errors)


def _upsert(db: DbSession, model: type[Any], key: str, key_value: str,
            values: dict[str, Any]) -> str:
    row = db.get(model, key_value)
    if row is None:
        extra = {}
        if hasattr(model, "created_at"):
            extra["created_at"] = utcnow()
        if hasattr(model, "updated_at"):
            extra["updated_at"] = utcnow()
        db.add(model(**{key: key_value}, **values, **extra))
        return "created"
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed and hasattr(row, "updated_at"):
        row.updated_at = utcnow()
    return "updated" if changed else "unchanged"


def import_scenario(
    db: DbSession, who: Principal, uploads: list[tuple[str, bytes]], mode: Mode
) -> ImportResult:
    """Validate and store an uploaded scenario (see the module docstring)."""
    who.require("coordinator")
    scenario = load_upload(uploads)
    return store_scenario(db, scenario, mode, who.user_id)


def _store_rules_and_closures(db: DbSession, scenario: Scenario, user_id: int | None) -> None:
    """``[rules]`` and ``closures.csv`` of the scenario, when it has them."""
    from api.grants.closures import store_closures
    from api.grants.rules_store import store_rules
    from routing.rules import MunicipalityRules

    if isinstance(scenario.rules, MunicipalityRules):
        store_rules(db, scenario.rules)
    if scenario.closures:
        store_closures(db, user_id, scenario.closures,
                       [c.centre_id for c in repo_centres.list_centres(db)])


def store_scenario(db: DbSession, scenario: Scenario, mode: Mode, user_id: int | None
                   ) -> ImportResult:
    """Write a validated scenario into the database (the caller's transaction)."""
    _check_against_db(db, scenario, mode)
    counts: dict[str, dict[str, int]] = {
        k: {"centres": 0, "sessions": 0, "riders": 0, "vehicles": 0}
        for k in ("created", "updated", "unchanged", "deleted")
    }
    if mode == "replace":
        _delete_missing(db, scenario, counts["deleted"])
    for c in scenario.centres:
        counts[_upsert(db, m.Centre, "centre_id", c.centre_id, convert.centre_values(c))][
            "centres"] += 1
    db.flush()
    for s in scenario.sessions:
        counts[_upsert(db, m.Session, "session_id", s.session_id, convert.session_values(s))][
            "sessions"] += 1
    for r in scenario.riders:
        counts[_upsert(db, m.Rider, "rider_id", r.rider_id, convert.rider_values(r))][
            "riders"] += 1
    for v in scenario.vehicles:
        counts[_upsert(db, m.Vehicle, "vehicle_id", v.vehicle_id, convert.vehicle_values(v))][
            "vehicles"] += 1
    params = scenario.plan_params if isinstance(scenario.plan_params, PlanParams) \
        else PlanParams()
    repo.set_config(db, SCENARIO_CONFIG_KEY, {"name": scenario.name,
                                              "plan_params": asdict(params)})
    _store_rules_and_closures(db, scenario, user_id)
    db.flush()
    result = ImportResult(scenario=scenario.name, mode=mode,
                          **{k: Counts(**v) for k, v in counts.items()})
    repo.audit(db, user_id, "import", "scenario", scenario.name, result.model_dump())
    log.info("scenario imported (%s): %s", mode, {k: v for k, v in counts.items()})
    return result


def _delete_missing(db: DbSession, scenario: Scenario, deleted: dict[str, int]) -> None:
    keep_riders = {r.rider_id for r in scenario.riders}
    keep_sessions = {s.session_id for s in scenario.sessions}
    keep_centres = {c.centre_id for c in scenario.centres}
    keep_vehicles = {v.vehicle_id for v in scenario.vehicles}
    for rider in repo_riders.list_riders(db):
        if rider.rider_id not in keep_riders:
            db.delete(rider)
            deleted["riders"] += 1
        else:
            # Grants are replaced below; drop references to sessions about to go.
            rider.session_ids = [s for s in rider.session_ids if s in keep_sessions]
    db.flush()
    for session in repo_centres.list_sessions(db):
        if session.session_id not in keep_sessions:
            db.delete(session)
            deleted["sessions"] += 1
    for vehicle in repo_riders.list_vehicles(db):
        if vehicle.vehicle_id not in keep_vehicles:
            db.delete(vehicle)
            deleted["vehicles"] += 1
    db.flush()
    for centre in repo_centres.list_centres(db):
        if centre.centre_id not in keep_centres:
            db.delete(centre)
            deleted["centres"] += 1
    db.flush()


def _with_rules_and_closures(db: DbSession, scenario: Scenario) -> Scenario:
    """The stored rules (if set) and closures, so that the export reads back the same."""
    from api.grants.closures import recurring_closures
    from api.grants.rules_store import CONFIG_KEY, municipal_rules
    from routing.operations.calendar import Closure

    once = [Closure(c.centre_id, c.start_date, c.end_date, c.reason)
            for c in repo_centres.list_closures(db, None)]
    rules = municipal_rules(db) if repo.get_config(db, CONFIG_KEY) else None
    return replace(scenario, rules=rules, closures=(*once, *recurring_closures(db)))


def export_scenario(db: DbSession, who: Principal) -> bytes:
    """The stored scenario as a zip of the CSV files and ``scenario.toml``."""
    who.require("coordinator")
    scenario = _with_rules_and_closures(db, scenario_from_db(db,
                                                             scenario_io.default_network_path()))
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="samkorsel-export-") as tmp:
        scenario_io.write_scenario(scenario, tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in FILES:
                path = Path(tmp) / name
                if path.exists():
                    archive.write(path, name)
    return buffer.getvalue()
