"""Start-up warm-up: the one-time work of the busy requests, done before the first request.

A fresh worker process pays once for what its first requests would otherwise pay while other
requests queue behind them: importing the holiday tables (~150 ms), loading the road network,
parsing the plan in force, building the travel matrix and SQLAlchemy's compiled statements, and
drawing the runs' roads. At 100 requests/s such a stall becomes the 99th-percentile latency.
Everything here only reads; the afbud path's statements are compiled in a transaction that is
rolled back.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from api.absences import service as absences
from api.absences.schemas import AbsenceIn
from api.auth import Principal
from api.context import AppContext
from api.db import repo_riders
from api.errors import ApiError, ConflictError
from api.grants.rules_store import absence_rules_in_force
from api.manifests import service as manifests
from api.plans.service import published_plan
from routing.operations.calendar import CENTRE_RULES, OFFICE_RULES, holiday_name, weekday_key

log = logging.getLogger(__name__)

WARM_DAYS = 2
"""Manifests of today and the next working day are built (the ones drivers ask for first)."""

_WARM_UP_USER = Principal(user_id=0, role="coordinator", name="warm-up")


class _Rollback(Exception):
    """Ends the afbud warm-up's transaction without a trace."""


def warm_up(context: AppContext) -> None:
    """Do the hot paths' one-time work now. Never fails the start-up: a problem is logged."""
    started = time.perf_counter()
    try:
        _warm_calendars(context.today())
        context.networks.get()
        built = _warm_days(context)
        _warm_afbud(context)
    except Exception:  # a cold cache is slower, not wrong: start anyway
        log.exception("warm-up failed; the first requests will be slower")
        return
    log.info("warm-up done in %.1f s (%d manifests)", time.perf_counter() - started, built)


def _warm_calendars(today: date) -> None:
    for year in (today.year, today.year + 1):
        for rules in (CENTRE_RULES, OFFICE_RULES):
            holiday_name(date(year, 1, 1), rules)


def coming_working_days(today: date, count: int = WARM_DAYS) -> list[date]:
    """Monday–Friday dates from ``today`` on (holidays included: centres may still drive)."""
    days: list[date] = []
    day = today
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _warm_days(context: AppContext) -> int:
    """Build the coming days' manifests and the centres' afbud lists; the number built."""
    built = 0
    with context.database.unit_of_work(write=False) as db:
        rules = absence_rules_in_force(db, context)
        for day in coming_working_days(context.today()):
            try:
                _, plan = published_plan(db, day)  # a new plan may take effect in between
            except ConflictError:  # nothing published yet
                return 0
            absences.list_absences(db, _WARM_UP_USER, rider_id=None, centre_id=None,
                                   first=day, last=day, include_withdrawn=False, limit=200,
                                   offset=0)
            vehicles = sorted({r.vehicle_id for r in plan.runs
                               if r.weekday == weekday_key(day)})
            for vehicle_id in vehicles:
                try:
                    manifests.manifest(db, _WARM_UP_USER, context, day, vehicle_id, rules)
                    built += 1
                except ApiError as exc:  # e.g. the plan names riders no longer stored
                    log.info("warm-up: no manifest of %s on %s: %s", vehicle_id, day, exc)
                    return built
    return built


def _warm_afbud(context: AppContext) -> None:
    """Register an afbud for the first rider and roll it back (compiles its statements)."""
    try:
        with context.database.unit_of_work(write=True) as db:
            riders = repo_riders.list_riders(db)
            if riders:
                data = AbsenceIn(rider_id=riders[0].rider_id, start=context.today(),
                                 reason="warm-up")
                absences.register(db, _WARM_UP_USER, data,
                                  absence_rules_in_force(db, context), context.now())
            raise _Rollback
    except _Rollback:
        pass
