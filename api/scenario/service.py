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
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.cache import LruCache
from api.db import convert, repo, repo_centres, repo_riders
from api.db import models as m
from api.db.types import utcnow
from api.errors import BadRequestError
from api.grants.closures import recurring_closures, store_closures
from api.grants.rules_store import CONFIG_KEY, municipal_rules, store_rules
from api.grants.service import stored_grants
from api.scenario.schemas import Counts, ImportResult
from api.schemas import ID_PATTERN
from api.uploads import unpack_zip
from routing.errors import ScenarioError, ScenarioErrors
from routing.model import Rider, Scenario
from routing.municipality.grants import with_grants
from routing.municipality.rules import MunicipalityRules
from routing.operations.calendar import Closure
from routing.params import PlanParams, plan_params_from_stored, plan_params_to_stored
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
    return plan_params_from_stored((value or {}).get("plan_params"))


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

    return with_grants(riders, stored_grants(db))


def _load_scenario(db: DbSession, network_path: Path | str) -> Scenario:
    config = repo.get_config(db, SCENARIO_CONFIG_KEY) or {}
    return Scenario(
        name=str(config.get("name") or "samkorsel"),
        centres=tuple(convert.centre_model(c) for c in repo_centres.list_centres(db)),
        sessions=tuple(convert.session_model(s) for s in repo_centres.list_sessions(db)),
        # Erased riders keep a pseudonymised row for statistics but are planned no more.
        riders=_granted(db, [convert.rider_model(r) for r in repo_riders.list_riders(db)
                             if r.erased_at is None]),
        vehicles=tuple(convert.vehicle_model(v) for v in repo_riders.list_vehicles(db)),
        network_path=str(network_path),
        plan_params=plan_params_from_config(config),
    )


# --------------------------------------------------------------------------------------------
# Upload → directory


def _unpack(uploads: list[tuple[str, bytes]], directory: Path,
            limits: UnpackLimits | None = None) -> None:
    """Write the uploaded files (CSV/TOML files, or one zip) into ``directory``."""
    limits = limits or UnpackLimits()
    for filename, content in uploads:
        name = PurePosixPath(filename.replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            members = unpack_zip(name, content, set(FILES), max_members=_MAX_ZIP_MEMBERS,
                                 max_total_bytes=limits.total_bytes, max_ratio=limits.ratio)
            for base, data in members.items():
                (directory / base).write_bytes(data)
        elif name in FILES:
            (directory / name).write_bytes(content)
        else:
            raise BadRequestError(f"unexpected file {name!r}; send {', '.join(FILES)} or a zip "
                                  "of them")


@dataclass(frozen=True, slots=True)
class UnpackLimits:
    """Limits on an uploaded zip (see :func:`api.uploads.unpack_zip`)."""

    total_bytes: int = 20_000_000
    ratio: int = 200


@dataclass(frozen=True, slots=True)
class Upload:
    """A validated upload, and what its ``scenario.toml`` set (a merge keeps the rest)."""

    scenario: Scenario
    settings: dict[str, Any] | None
    """The parsed ``scenario.toml``; None when the upload has none."""


_NETWORK_NAME = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,199}$")


def _settings_of(directory: Path, network_dir: Path | None) -> dict[str, Any] | None:
    """The upload's ``scenario.toml`` (None: none or unreadable, which the loader reports).

    Its ``network`` may only be the name of a file in the server's network folder: a path
    would let a client probe which files exist on the server. The named file is linked into
    the upload folder so the loader finds it there.
    """

    path = directory / scenario_io.SCENARIO_TOML
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    network = data.get("network")
    if isinstance(network, str):
        name = network.strip()
        where = "the server's road network folder"
        if not _NETWORK_NAME.match(name):
            raise ScenarioErrors([ScenarioError(
                f"network must be the name of a road network file in {where} (letters, "
                "digits, - _ . and no path)", file=scenario_io.SCENARIO_TOML,
                column="network")])
        folder = network_dir or scenario_io.default_network_path().parent
        target = folder / name
        if not target.is_file():
            raise ScenarioErrors([ScenarioError(f"there is no road network {name!r} in {where}",
                                                file=scenario_io.SCENARIO_TOML,
                                                column="network")])
        (directory / name).symlink_to(target.resolve())
    return data


def load_upload(uploads: list[tuple[str, bytes]], limits: UnpackLimits | None = None,
                network_dir: Path | None = None) -> Upload:
    """Validate the uploaded scenario with the core's loader (raises :class:`ScenarioErrors`)."""
    if not uploads:
        raise BadRequestError("no files uploaded")
    with tempfile.TemporaryDirectory(prefix="samkorsel-import-") as tmp:
        directory = Path(tmp) / "upload"
        directory.mkdir()
        _unpack(uploads, directory, limits)
        settings = _settings_of(directory, network_dir)
        scenario = scenario_io.load_scenario(directory)
    _check_ids(scenario)
    return Upload(scenario, settings)


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
                    f"id {value!r} must be 1–64 letters A–Z, digits, - _ or .",
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
    db: DbSession, who: Principal, uploads: list[tuple[str, bytes]], mode: Mode,
    limits: UnpackLimits | None = None, network_dir: Path | None = None,
    adjust: Callable[[Scenario], Scenario] | None = None,
) -> ImportResult:
    """Validate and store an uploaded scenario (see the module docstring); ``adjust`` sees
    the validated scenario before it is stored and returns what to store (the web import
    holds back changes that would break published runs: api.scenario.guarded_import)."""
    who.require("coordinator")
    upload = load_upload(uploads, limits, network_dir)
    scenario = upload.scenario
    if mode == "merge":
        scenario = _merged_settings(db, scenario, upload.settings)
    if adjust is not None:
        scenario = adjust(scenario)
    return store_scenario(db, scenario, mode, who.user_id)


def _merged_settings(db: DbSession, scenario: Scenario, given: dict[str, Any] | None
                     ) -> Scenario:
    """A merge changes only the settings the upload gives: the stored name and planning rules
    stay unless ``scenario.toml`` sets them (key by key in ``[plan]``)."""
    stored = repo.get_config(db, SCENARIO_CONFIG_KEY)
    if stored is None:
        return scenario
    given = given or {}
    name = scenario.name if "name" in given else str(stored.get("name") or scenario.name)
    base = plan_params_from_config(stored)
    plan = given.get("plan") if isinstance(given.get("plan"), dict) else {}
    new = scenario.plan_params
    names = {f.name for f in fields(PlanParams)}
    changed: dict[str, Any] = {}
    for key in plan or {}:
        field = key[: -len("_min")] + "_s" if key.endswith("_min") else key
        if field in names:
            changed[field] = getattr(new, field)
    return replace(scenario, name=name, plan_params=replace(base, **changed))


def _store_rules_and_closures(db: DbSession, scenario: Scenario, user_id: int | None) -> None:
    """``[rules]`` and ``closures.csv`` of the scenario, when it has them."""

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
    repo.set_config(db, SCENARIO_CONFIG_KEY, {
        "name": scenario.name, "plan_params": plan_params_to_stored(scenario.plan_params)})
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
