"""Daily operations: the runs of a date, consolidation, manifests and centre rider lists.

The plan in force (latest published) is turned into a date's runs by the core
(:func:`routing.operations.daily.daily_runs_for_date`) with the stored closures, afbud and
no-shows, then the
consolidations a coordinator accepted for that date are applied while they still fit.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from api.absences.service import AbsenceRules
from api.auth import Principal
from api.cache import LruCache
from api.centres.service import calendar_of, visible_centre
from api.context import AppContext, road_lines, travel_matrix_for
from api.db import convert, repo, repo_absences, repo_days, repo_plans, repo_riders
from api.db import models as m
from api.errors import ConflictError, NotAcceptableError, NotFoundError, UnprocessableError
from api.grants.rules_store import municipal_rules
from api.grants.service import scenario_on
from api.plans.service import plan_key, published_plan
from api.scenario.service import scenario_from_db
from maps.manifest.data import build_centre_list, build_manifest, vehicles_on
from maps.manifest.pdf import render_manifest_pdf
from routing.errors import SnapError
from routing.model import Plan, Run, Scenario
from routing.network.matrix import TravelMatrix
from routing.network.snap import snap_points
from routing.operations import absences as core_absences
from routing.operations import consolidation as core_consolidation
from routing.operations.calendar import weekday_key
from routing.operations.daily import DailyResult, daily_runs_for_date
from routing.operations.statistics import operations_statistics
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place, is_centre, place_ref

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UnavailableRun:
    """A run of the plan in force that cannot be derived for the date (its vehicle, a rider or
    its centre is no longer stored, or lies off the road network). It is reported; the other
    runs of the day derive as usual."""

    run_id: str
    vehicle_id: str
    weekday: str
    direction: str
    reason: str
    centre_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, str]:
        return {"run_id": self.run_id, "vehicle_id": self.vehicle_id,
                "direction": self.direction, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Day:
    """Everything known about one date's operation."""

    plan_id: int
    result: DailyResult
    scenario: Scenario
    matrix: TravelMatrix
    params: PlanParams
    accepted: tuple[tuple[m.ConsolidationRecord, bool], ...]
    """Accepted consolidations and whether each was applied."""
    unavailable: tuple[UnavailableRun, ...] = ()


def _off_network(context: AppContext, scenario: Scenario) -> set[str]:
    """Place ids (``home:R``, ``centre:C``, ``depot:V``) farther from every road than the
    scenario's snapping limit."""
    limit = scenario.plan_params.snap_max_m
    points = ([(home_place(r.rider_id), r.lat, r.lon) for r in scenario.riders]
              + [(centre_place(c.centre_id), c.lat, c.lon) for c in scenario.centres]
              + [(depot_place(v.vehicle_id), v.depot_lat, v.depot_lon)
                 for v in scenario.vehicles])
    snapped = snap_points(context.networks.get(), points, max_distance_m=math.inf)
    return {p.point_id for p in snapped if not p.distance_m <= limit}


def derivable_plan(context: AppContext, plan: Plan, scenario: Scenario
               ) -> tuple[Plan, Scenario, TravelMatrix, tuple[UnavailableRun, ...]]:
    """The plan's runs that can be derived from the stored master data, the scenario and
    matrix to derive them with, and the runs that cannot (one broken record must not stop the
    day: issue 15)."""

    off: set[str] = set()
    try:
        matrix = travel_matrix_for(context, scenario)
    except SnapError:
        off = _off_network(context, scenario)
        scenario = replace(
            scenario,
            riders=tuple(r for r in scenario.riders if home_place(r.rider_id) not in off),
            centres=tuple(c for c in scenario.centres if centre_place(c.centre_id) not in off),
            vehicles=tuple(v for v in scenario.vehicles
                           if depot_place(v.vehicle_id) not in off))
        matrix = travel_matrix_for(context, scenario)
    riders = {r.rider_id for r in scenario.riders}
    centres = {c.centre_id for c in scenario.centres}
    vehicles = {v.vehicle_id for v in scenario.vehicles}

    def missing(kind: str, place: str, entity_id: str) -> str:
        if place in off:
            return f"{kind} {entity_id} lies off the road network"
        return f"{kind} {entity_id} is no longer stored"

    keep: list[Run] = []
    broken: list[UnavailableRun] = []
    for run in plan.runs:
        reason = None
        if run.vehicle_id not in vehicles:
            reason = missing("vehicle", depot_place(run.vehicle_id), run.vehicle_id)
        else:
            terminals = [place_ref(s.place) for s in (run.stops[:1] + run.stops[-1:])
                         if is_centre(s.place)]
            for centre_id in dict.fromkeys([*(run.centre_ids or (run.centre_id,)),
                                            *terminals]):
                if centre_id not in centres:
                    reason = missing("centre", centre_place(centre_id), centre_id)
                    break
            else:
                for rider_id in sorted(set(run.rider_ids) - riders):
                    reason = missing("rider", home_place(rider_id), rider_id)
                    break
        if reason is None:
            keep.append(run)
        else:
            broken.append(UnavailableRun(run.run_id, run.vehicle_id, run.weekday,
                                         run.direction, reason,
                                         run.centre_ids or (run.centre_id,)))
    if broken:
        log.warning("plan in force: %d run(s) cannot be derived (e.g. %s: %s)", len(broken),
                    broken[0].run_id, broken[0].reason)
        plan = replace(plan, runs=tuple(keep))
    if any(u.rider_id not in riders for u in plan.unserved):
        plan = replace(plan, unserved=tuple(u for u in plan.unserved if u.rider_id in riders))
    return plan, scenario, matrix, tuple(broken)


def with_deleted_riders(db: DbSession, plan: Plan, scenario: Scenario, on_date: date,
                        zone: ZoneInfo) -> Scenario:
    """The scenario with the deleted riders the plan's runs carry on days before their
    deletion: a deletion takes the rider out of the plan in force from that day on, so days
    before it (the plan then in force) name them — and their manifests must keep showing what
    was driven. From the day of the deletion on they are never driven (a plan taking effect
    later that still names them leaves those runs unavailable, as before)."""
    stored = {r.rider_id for r in scenario.riders}
    missing = {rid for run in plan.runs for rid in run.rider_ids} - stored
    archived = [row for row, deleted_at in repo_riders.archived_riders(db, missing)
                if on_date < deleted_at.astimezone(zone).date()] if missing else []
    if not archived:
        return scenario
    return replace(scenario, riders=scenario.riders + tuple(
        convert.rider_model(r) for r in archived))


def _base_day(db: DbSession, context: AppContext, on_date: date, rules: AbsenceRules,
              vehicle_id: str | None = None
              ) -> tuple[int, DailyResult, Scenario, TravelMatrix, PlanParams,
                         tuple[UnavailableRun, ...]]:
    row, plan = published_plan(db, on_date)
    scenario = with_deleted_riders(db, plan, scenario_on(
        db, scenario_from_db(db, context.networks.path), on_date), on_date,
        ZoneInfo(context.settings.timezone))
    params = plan.params
    plan, scenario, matrix, broken = derivable_plan(context, plan, scenario)
    weekday = weekday_key(on_date)
    broken = tuple(b for b in broken if b.weekday == weekday
                   and (vehicle_id is None or b.vehicle_id == vehicle_id))
    riders: list[str] | None = None
    if vehicle_id is not None:
        # One vehicle's day depends only on its own runs and their riders.
        plan = replace(plan, runs=tuple(r for r in plan.runs if r.vehicle_id == vehicle_id),
                       unserved=())
        riders = sorted({rid for run in plan.runs for rid in run.rider_ids})
    absences = repo_absences.list_absences(db, overlapping=(on_date, on_date),
                                           include_withdrawn=True, rider_ids=riders)
    no_shows = repo_absences.list_no_shows(db, between=(on_date, on_date), rider_ids=riders)
    book = core_absences.AbsenceBook(
        [convert.absence_model(a) for a in absences],
        [convert.no_show_model(n) for n in no_shows], rule=rules.deadline)
    result = daily_runs_for_date(
        plan, scenario, matrix, on_date, calendar=calendar_of(db), book=book, params=params,
        no_show_cancels_ride_home=municipal_rules(db).no_show_cancels_ride_home)
    return row.plan_id, result, scenario, matrix, params, broken


def day(db: DbSession, context: AppContext, on_date: date, rules: AbsenceRules,
        vehicle_id: str | None = None) -> Day:
    """The date's runs with accepted consolidations applied (those that still fit).

    With ``vehicle_id``, only that vehicle's runs (unless consolidations were accepted for the
    date: they join runs of several vehicles, so then the whole day is computed).
    """
    records = repo_days.accepted_on(db, on_date)
    plan_id, result, scenario, matrix, params, broken = _base_day(
        db, context, on_date, rules, None if records else vehicle_id)
    accepted: list[tuple[m.ConsolidationRecord, bool]] = []
    if records:
        report = core_consolidation.suggest_consolidations(
            result, scenario, matrix, params, _cparams(context))
        offered = {(s.absorbed_run_id, s.target_run_id): s for s in report.suggestions}
        for record in records:
            suggestion = offered.get((record.absorbed_run_id, record.target_run_id))
            applied = False
            if suggestion is not None and record.plan_id == plan_id:
                try:
                    result = core_consolidation.apply_to_daily(suggestion, result, scenario)
                    applied = True
                except core_consolidation.ConsolidationError:
                    applied = False
            accepted.append((record, applied))
    return Day(plan_id, result, scenario, matrix, params, tuple(accepted), broken)


def _cparams(context: AppContext) -> core_consolidation.ConsolidationParams:
    return core_consolidation.ConsolidationParams(
        max_shift_s=context.settings.consolidation_max_shift_s)


def day_for(db: DbSession, who: Principal, context: AppContext, on_date: date,
            rules: AbsenceRules) -> Day:
    """:func:`day` for coordinators and drivers (drivers then see their vehicle only)."""
    who.require("coordinator", "driver")
    return day(db, context, on_date, rules)


def suggestions(db: DbSession, who: Principal, context: AppContext, on_date: date,
                rules: AbsenceRules) -> core_consolidation.ConsolidationReport:
    """Merges offered for the date (given the afbud so far), best saving first."""
    who.require("coordinator")
    current = day(db, context, on_date, rules)
    return core_consolidation.suggest_consolidations(
        current.result, current.scenario, current.matrix, current.params, _cparams(context),
        network=context.networks.get())


def accept(db: DbSession, who: Principal, context: AppContext, on_date: date,
           absorbed_run_id: str, target_run_id: str, rules: AbsenceRules, now: datetime
           ) -> tuple[m.ConsolidationRecord, core_consolidation.ConsolidationSuggestion]:
    """Accept an offered merge for the date; 409 when it is not (or no longer) offered."""
    report = suggestions(db, who, context, on_date, rules)
    chosen = next((s for s in report.suggestions if s.absorbed_run_id == absorbed_run_id
                   and s.target_run_id == target_run_id), None)
    if chosen is None:
        refused = next((r for r in report.refused if r.absorbed_run_id == absorbed_run_id
                        and r.target_run_id == target_run_id), None)
        reason = refused.reason if refused else "not among the suggestions for the date"
        raise ConflictError(f"merging run {absorbed_run_id} into {target_run_id} on {on_date} "
                            f"is not offered: {reason}")
    if repo_days.find(db, on_date, absorbed_run_id) is not None:
        raise ConflictError(f"run {absorbed_run_id} on {on_date} is already merged")
    row, _ = published_plan(db, on_date)
    record = m.ConsolidationRecord(
        plan_id=row.plan_id, date=on_date, absorbed_run_id=absorbed_run_id,
        target_run_id=target_run_id, saved_ore=chosen.saved_ore,
        moved=[{"rider_id": mv.rider_id, "old_agreed_s": mv.old_agreed_s,
                "new_agreed_s": mv.new_agreed_s} for mv in chosen.moved],
        accepted_by=who.user_id, accepted_at=now)
    db.add(record)
    db.flush()
    repo.audit(db, who.user_id, "accept", "consolidation", str(record.consolidation_id),
               {"date": on_date.isoformat(), "absorbed_run_id": absorbed_run_id,
                "target_run_id": target_run_id, "saved_ore": chosen.saved_ore,
                "moved_riders": [mv.rider_id for mv in chosen.moved]})
    log.info("consolidation %s accepted for %s: %d rider(s) to notify",
             record.consolidation_id, on_date, len(chosen.moved))
    return record, chosen


def visible_vehicle_runs(who: Principal, current: Day, vehicle_id: str) -> None:
    """404 unless the caller may see the vehicle's runs (drivers: only their own)."""
    if not who.sees_vehicle(vehicle_id):
        raise NotFoundError("vehicle", vehicle_id)
    if not any(v.vehicle_id == vehicle_id for v in current.scenario.vehicles):
        raise NotFoundError("vehicle", vehicle_id)


MAX_STATISTICS_DAYS = 92


def repo_riders_erased(db: DbSession) -> list[m.Rider]:

    return list(db.scalars(select(m.Rider).where(m.Rider.erased_at.is_not(None))))


def statistics(db: DbSession, who: Principal, context: AppContext, first: date, last: date,
               rules: AbsenceRules) -> dict[str, object]:
    """Afbud on time/late, no-shows, cancelled runs and savings per rider, centre and month.

    Coordinators get everything (cancelled runs need a published plan). Centre staff get their
    riders' afbud and no-shows only.
    """
    who.require("coordinator", "centre")
    if last < first:
        raise UnprocessableError("to is before from")
    if (last - first).days >= MAX_STATISTICS_DAYS:
        raise UnprocessableError(f"at most {MAX_STATISTICS_DAYS} days at a time")
    scope = None if who.is_coordinator else sorted(who.centre_ids)
    absences = repo_absences.list_absences(db, centre_ids=scope, overlapping=(first, last),
                                           include_withdrawn=True)
    no_shows = repo_absences.list_no_shows(db, centre_ids=scope, between=(first, last))
    book = core_absences.AbsenceBook([convert.absence_model(a) for a in absences],
                                     [convert.no_show_model(n) for n in no_shows],
                                     rule=rules.deadline)
    scenario = scenario_from_db(db)
    # Erased riders are planned no more, but their (pseudonymised) afbud still count per centre.
    erased = [convert.rider_model(r) for r in repo_riders_erased(db)]
    if erased:
        scenario = replace(scenario, riders=scenario.riders + tuple(erased))
    days: list[DailyResult] = []
    if who.is_coordinator and repo_plans.current_published(db) is not None:
        current = first
        while current <= last:
            if current.weekday() < 5:
                days.append(day(db, context, current, rules).result)
            current += timedelta(days=1)
    stats = operations_statistics(book, scenario, days, rule=rules.deadline, start=first,
                                  end=last)
    out = stats.to_dict()
    out["from"] = first.isoformat()
    out["to"] = last.isoformat()
    return out


# --------------------------------------------------------------------------------------------
# Manifests and centre rider lists

FORMATS = ("json", "html", "pdf")
MEDIA_TYPES = {"json": "application/json", "html": "text/html", "pdf": "application/pdf"}


def negotiate(requested: str | None, accept: str | None, allowed: tuple[str, ...]) -> str:
    """The format to answer in: ``?format=`` wins, then the ``Accept`` header, else JSON."""
    if requested is not None:
        if requested not in allowed:
            raise NotAcceptableError(f"format {requested!r} is not one of "
                                     f"{', '.join(allowed)}")
        return requested
    if not accept:
        return "json"
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        quality = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    quality = float(f[2:])
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidates = [fmt for fmt in allowed if MEDIA_TYPES[fmt] == media]
        if media in ("*/*", "application/*", "application/problem+json"):
            candidates = candidates or ["json"]
        for fmt in candidates:
            key = (-quality, position, fmt)
            if best is None or key < best:
                best = key
    if best is None:
        raise NotAcceptableError(f"none of the accepted types ({accept}) is available; use "
                                 f"{', '.join(MEDIA_TYPES[f] for f in allowed)}")
    return best[2]


_MANIFESTS = LruCache(256)
_SVGS = LruCache(2048)


class ManifestDoc:
    """A built manifest, kept as its JSON bytes.

    Bytes, not the nested dicts: a cache of dicts would hold hundreds of thousands of objects
    the garbage collector keeps walking through (long pauses under load).
    """

    def __init__(self, body: dict[str, Any]) -> None:
        self._json = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._gzip: bytes | None = None
        self._pdf: bytes | None = None

    def json_bytes(self) -> bytes:
        return self._json

    def gzip_bytes(self) -> bytes:
        """The JSON gzip-compressed (made once: a manifest's road lines compress ~6:1)."""
        if self._gzip is None:
            self._gzip = gzip.compress(self._json, compresslevel=6, mtime=0)
        return self._gzip

    def pdf_bytes(self) -> bytes:
        """The printable PDF, made once per built manifest and kept with it (WeasyPrint takes
        0.3–1 s per manifest: a driver's repeated downloads must not pay that again)."""
        if self._pdf is None:  # two threads may both make it, harmlessly: the same bytes
            self._pdf = render_manifest_pdf(self.body)
        return self._pdf

    @property
    def body(self) -> dict[str, Any]:
        """A fresh copy of the manifest as a dict (for the HTML and PDF renderers)."""
        body: dict[str, Any] = json.loads(self._json)
        return body


def manifest(db: DbSession, who: Principal, context: AppContext, on_date: date,
             vehicle_id: str, rules: AbsenceRules) -> ManifestDoc:
    """The driver's manifest of a vehicle and date (drivers: only their own vehicle).

    Manifests are cached under everything they depend on (the plan in force, the vehicle's
    riders' afbud and no-shows, its centres' closures, when its riders, centres and vehicle
    last changed), so a driver's repeated requests cost a few small queries; a day with
    accepted consolidations is always computed afresh. ``generated`` is when the manifest was
    built.
    """
    who.require("coordinator", "driver")
    if not who.sees_vehicle(vehicle_id):
        raise NotFoundError("vehicle", vehicle_id)
    row, plan = published_plan(db, on_date)
    driver = who.name if who.role == "driver" else None
    weekday = weekday_key(on_date)
    runs = [r for r in plan.runs if r.weekday == weekday and r.vehicle_id == vehicle_id]

    def build() -> ManifestDoc:
        return ManifestDoc(_build_manifest(db, context, on_date, vehicle_id, driver, rules))

    rider_ids = sorted({rid for r in runs for rid in r.rider_ids})
    centre_ids = sorted({c for r in runs for c in (r.centre_ids or (r.centre_id,))})
    inputs = repo_days.manifest_inputs(db, on_date, rider_ids, centre_ids, vehicle_id)
    if inputs is None:
        return build()
    # The municipality's rules too: a PUT /rules changes late flags and what a no-show does.
    key = (context.settings.database_url, plan_key(row), on_date, vehicle_id, driver,
           context.networks.path, inputs, rules,
           municipal_rules(db).no_show_cancels_ride_home)
    doc: ManifestDoc = _MANIFESTS.get_or_make(key, build)
    return doc


def _build_manifest(db: DbSession, context: AppContext, on_date: date, vehicle_id: str,
                    driver: str | None, rules: AbsenceRules) -> dict[str, object]:
    current = day(db, context, on_date, rules, vehicle_id)
    if not any(v.vehicle_id == vehicle_id for v in current.scenario.vehicles):
        raise NotFoundError("vehicle", vehicle_id)
    # Road lines and SVG maps from the process-wide caches: the same run is drawn on many
    # dates, and drawing it along the roads is the expensive part.
    body = build_manifest(current.result, current.scenario, vehicle_id, driver_name=driver,
                          generated_at=context.now(),
                          lines=road_lines(context, current.params.snap_max_m), svgs=_SVGS)
    body["unavailable"] = [u.to_dict() for u in current.unavailable
                           if u.vehicle_id == vehicle_id]
    return body


def manifest_vehicles(db: DbSession, who: Principal, context: AppContext, on_date: date,
                      rules: AbsenceRules) -> list[str]:
    """Vehicles with a (driving or cancelled) run on the date that the caller may see."""
    who.require("coordinator", "driver")
    current = day(db, context, on_date, rules)
    return [v for v in vehicles_on(current.result) if who.sees_vehicle(v)]


def centre_list(db: DbSession, who: Principal, context: AppContext, centre_id: str,
                on_date: date, rules: AbsenceRules) -> dict[str, object]:
    """Who comes to the centre on the date, on which run and when, and who is absent."""
    visible_centre(db, who, centre_id)
    current = day(db, context, on_date, rules)
    reason = calendar_of(db, [centre_id]).closing_reason(centre_id, on_date)
    body = build_centre_list(current.result, current.scenario, centre_id,
                             closing_reason=reason)
    body["unavailable"] = [u.to_dict() for u in current.unavailable if centre_id in u.centre_ids]
    return body
