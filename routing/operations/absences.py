"""Absences (afbud), no-shows and the follow-up of long absences.

An afbud says a rider will not ride: for one day, a period, or until further notice (``end`` is
None); in both directions or one (``scope``). It is registered by the centre, the rider, a relative
or a coordinator, with a reason, and may be withdrawn. The records are plain frozen dataclasses so
that the API can persist exactly the same fields. The rules are here once and the API calls them:
the identity of an afbud (:func:`absence_key`), lateness (:func:`is_late_afbud`), ending one
(:func:`end_problem`) and the service's rules (:class:`AbsenceRules`, :func:`absence_rules`).
:class:`AbsenceBook` is the in-memory domain over the same rules (idempotent registration,
withdrawal, who is absent on a date, a change log) for the CLI and tests.

Rules:

* **Deadline** (:class:`DeadlineRule`, municipal; default 16:00 the working day before): an afbud
  registered later is *late*. A late afbud is still honoured when the rider's run has not left
  the depot yet, and it is counted as late (:mod:`routing.operations.statistics`).
* **No-show** (forgæves kørsel): the driver records a rider not at the pickup point. A morning
  no-show cancels the ride home that day unless someone says otherwise (Midttrafik's rule).
* **Long absence**: a rider absent more than 21 consecutive calendar days (configurable) goes on
  a follow-up list for the centre and the authority (Randers' three-week rule).

All timestamps are aware datetimes; the deadline is reckoned in Europe/Copenhagen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from routing.errors import SamkorselError
from routing.model import DIRECTIONS, Direction, parse_time
from routing.operations.calendar import OFFICE_RULES, HolidayRules, working_days_before

log = logging.getLogger(__name__)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
"""Time zone of deadlines and run times."""

Role = Literal["centre", "rider", "relative", "coordinator"]
"""Who registered an afbud: the centre, the rider, a relative or a coordinator."""
ROLES: tuple[Role, ...] = get_args(Role)

Scope = Literal["both", "to_centre", "from_centre"]
"""Which rides an afbud cancels: both, only the ride to the centre, or only the ride home."""
SCOPES: tuple[Scope, ...] = get_args(Scope)

Action = Literal["register", "withdraw", "end", "no_show", "keep_ride_home"]

RiderTrip = tuple[str, Direction]
"""``(rider_id, direction)``."""

_Date = date  # NoShow has a field named ``date``


class AbsenceError(SamkorselError, ValueError):
    """An absence or no-show cannot be registered or changed (names the record)."""


def _check_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise AbsenceError(f"{what}: datetime {value.isoformat()} has no time zone")


def at_copenhagen(day: date, seconds: int) -> datetime:
    """The aware datetime of ``seconds`` after midnight of ``day`` in Europe/Copenhagen.

    Wall-clock arithmetic: 16:00 is 16:00 local time also on the days clocks change.
    """
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN) + timedelta(seconds=seconds)


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class Absence:
    """An afbud: ``rider_id`` does not ride from ``start`` to ``end`` (inclusive; None = until
    further notice) in the directions of ``scope``.

    ``registered_by`` is the user id of who registered it, ``registered_by_role`` their role.
    A withdrawn afbud keeps its record (``withdrawn_at``/``withdrawn_by``) for the history.
    """

    absence_id: str
    rider_id: str
    start: date
    end: date | None
    reason: str
    registered_by_role: Role
    registered_by: str
    registered_at: datetime
    scope: Scope = "both"
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    def __post_init__(self) -> None:
        what = f"afbud {self.absence_id}"
        if not self.absence_id or not self.rider_id:
            raise AbsenceError(f"{what}: absence_id and rider_id must not be empty")
        if self.end is not None and self.end < self.start:
            raise AbsenceError(f"{what} of rider {self.rider_id}: end {self.end} is before start "
                               f"{self.start}")
        if self.registered_by_role not in ROLES:
            raise AbsenceError(f"{what}: role {self.registered_by_role!r} is not one of "
                               f"{', '.join(ROLES)}")
        if self.scope not in SCOPES:
            raise AbsenceError(f"{what}: scope {self.scope!r} is not one of {', '.join(SCOPES)}")
        _check_aware(self.registered_at, f"{what} registered_at")
        if self.withdrawn_at is not None:
            _check_aware(self.withdrawn_at, f"{what} withdrawn_at")

    @property
    def natural_key(self) -> str:
        """What makes two registrations the same afbud (:func:`absence_key`)."""
        return absence_key(self.rider_id, self.start, self.end, self.scope)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def covers(self, day: date) -> bool:
        """Whether ``day`` lies in the afbud's period (withdrawal not considered)."""
        return self.start <= day and (self.end is None or day <= self.end)

    def applies_to(self, direction: Direction) -> bool:
        """Whether the afbud cancels rides in ``direction``."""
        return self.scope in ("both", direction)

    def directions(self) -> tuple[Direction, ...]:
        """The directions cancelled."""
        return tuple(d for d in DIRECTIONS if self.applies_to(d))

    def in_force_at(self, moment: datetime) -> bool:
        """Whether the afbud was registered and not (yet) withdrawn at ``moment``."""
        return self.registered_at <= moment and (
            self.withdrawn_at is None or self.withdrawn_at > moment)


@dataclass(frozen=True, slots=True)
class NoShow:
    """A rider not at the pickup point when the vehicle came (recorded by the driver).

    ``keep_ride_home`` overrides the rule that a morning no-show cancels the ride home.
    """

    rider_id: str
    date: _Date
    run_id: str
    recorded_by: str
    recorded_at: datetime
    direction: Direction = "to_centre"
    keep_ride_home: bool = False

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise AbsenceError(f"no-show of rider {self.rider_id}: direction "
                               f"{self.direction!r} is not one of {', '.join(DIRECTIONS)}")
        _check_aware(self.recorded_at, f"no-show of rider {self.rider_id} recorded_at")

    @property
    def natural_key(self) -> tuple[str, _Date, str]:
        return (self.rider_id, self.date, self.run_id)

    @property
    def cancels_ride_home(self) -> bool:
        """A morning no-show cancels the rider's ride home that day, unless overridden."""
        return self.direction == "to_centre" and not self.keep_ride_home


@dataclass(frozen=True, slots=True)
class ChangeLogEntry:
    """Who changed what and when (every change of an absence is attributable)."""

    at: datetime
    by: str
    action: Action
    rider_id: str
    record_id: str
    """The afbud's ``absence_id``, or ``"<rider>/<date>/<run>"`` of a no-show."""
    detail: str = ""


# --------------------------------------------------------------------------------------------
# The deadline


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """When an afbud is on time: by ``time_s`` on the ``working_days_before``-th working day
    before the ride (default 16:00 the working day before).

    ``working_days_before=0`` means the same day (e.g. Ringkøbing-Skjern: 08:10 the same day);
    ``calendar_days=True`` counts calendar days instead of working days.
    """

    time_s: int = 16 * 3600
    working_days_before: int = 1
    calendar_days: bool = False
    holiday_rules: HolidayRules = OFFICE_RULES

    def __post_init__(self) -> None:
        if not 0 <= self.time_s <= 24 * 3600:
            raise ValueError(f"deadline time {self.time_s} s is outside 00:00–24:00")
        if self.working_days_before < 0:
            raise ValueError("working_days_before must not be negative")

    def deadline(self, for_date: date) -> datetime:
        """The last moment (Europe/Copenhagen) an afbud for ``for_date`` is on time."""
        if self.calendar_days:
            day = for_date - timedelta(days=self.working_days_before)
        else:
            day = working_days_before(for_date, self.working_days_before, self.holiday_rules)
        return at_copenhagen(day, self.time_s)


DEFAULT_DEADLINE = DeadlineRule()
"""16:00 on the working day before: the municipal default."""

LONG_ABSENCE_DAYS = 21
"""Riders absent more than this many consecutive calendar days are followed up (Randers)."""


@dataclass(frozen=True, slots=True)
class AbsenceRules:
    """The afbud rules a service runs with: the deadline and the long-absence threshold."""

    deadline: DeadlineRule = DEFAULT_DEADLINE
    long_absence_days: int = LONG_ABSENCE_DAYS


def absence_rules(deadline: str, long_absence_days: int = LONG_ABSENCE_DAYS) -> AbsenceRules:
    """Rules from settings: ``deadline`` as ``HH:MM`` on the working day before.

    Raises
    ------
    ValueError
        If the time is malformed or outside 00:00–24:00, or the threshold is below 1.
    """
    if long_absence_days < 1:
        raise ValueError(f"long absence threshold {long_absence_days} must be at least 1 day")
    return AbsenceRules(DeadlineRule(time_s=parse_time(deadline)), long_absence_days)


def absence_key(rider_id: str, start: date, end: date | None, scope: str) -> str:
    """The identity of an afbud: the same rider, days and scope is the same afbud, so
    registering it again returns the one stored (also the database's unique key)."""
    return f"{rider_id}|{start.isoformat()}|{end.isoformat() if end else 'open'}|{scope}"


EndProblem = Literal["withdrawn", "before_start"]


def end_problem(start: date, withdrawn: bool, last_day: date) -> EndProblem | None:
    """Why an afbud starting ``start`` cannot be given ``last_day`` as its last day, or None:
    a withdrawn afbud cannot be ended, and a last day before the start means withdrawing."""
    if withdrawn:
        return "withdrawn"
    if last_day < start:
        return "before_start"
    return None


def is_late(absence: Absence, for_date: date, rule: DeadlineRule = DEFAULT_DEADLINE) -> bool:
    """Whether the afbud came after the deadline of ``for_date``.

    An afbud for a period is late only for the days whose deadline had passed when it was
    registered; :func:`is_late_afbud` judges the afbud as a whole (by its first day).
    """
    return absence.registered_at > rule.deadline(for_date)


def is_late_afbud(absence: Absence, rule: DeadlineRule = DEFAULT_DEADLINE) -> bool:
    """Whether the afbud as a whole is late: late for its first day."""
    return is_late(absence, absence.start, rule)


def is_honoured(absence: Absence, for_date: date, run_start_s: int | None) -> bool:
    """Whether the afbud takes the rider off the run of ``for_date`` leaving the depot at
    ``run_start_s`` (seconds after midnight; None = no run known, judged at the end of the day).

    An afbud counts when it was registered — and not withdrawn — before the run left the depot;
    a late afbud is therefore still honoured while the run has not started.
    """
    if not absence.covers(for_date):
        return False
    moment = at_copenhagen(for_date, run_start_s if run_start_s is not None else 24 * 3600)
    return absence.in_force_at(moment)


# --------------------------------------------------------------------------------------------
# The book


class AbsenceBook:
    """In-memory afbud and no-show records with a change log.

    Parameters
    ----------
    absences, no_shows
        Existing records (e.g. loaded from the database).
    rule
        The afbud deadline.
    """

    def __init__(
        self,
        absences: Iterable[Absence] = (),
        no_shows: Iterable[NoShow] = (),
        *,
        rule: DeadlineRule = DEFAULT_DEADLINE,
    ) -> None:
        self.rule = rule
        self._absences: dict[str, Absence] = {}
        self._no_shows: dict[tuple[str, date, str], NoShow] = {}
        self._log: list[ChangeLogEntry] = []
        for a in absences:
            if a.absence_id in self._absences:
                raise AbsenceError(f"afbud {a.absence_id}: id used twice")
            self._absences[a.absence_id] = a
        for n in no_shows:
            self._no_shows[n.natural_key] = n
        self._next = len(self._absences) + 1

    # ---- afbud --------------------------------------------------------------------------

    def _new_id(self) -> str:
        while f"A{self._next:06d}" in self._absences:
            self._next += 1
        absence_id = f"A{self._next:06d}"
        self._next += 1
        return absence_id

    def find(self, rider_id: str, start: date, end: date | None,
             scope: Scope = "both") -> Absence | None:
        """The active (not withdrawn) afbud with this natural key, if any."""
        key = absence_key(rider_id, start, end, scope)
        for a in self._absences.values():
            if not a.withdrawn and a.natural_key == key:
                return a
        return None

    def register(
        self,
        rider_id: str,
        start: date,
        end: date | None = None,
        *,
        reason: str,
        role: Role,
        by: str,
        at: datetime,
        scope: Scope = "both",
        absence_id: str | None = None,
        single_day: bool = False,
    ) -> Absence:
        """Register an afbud; registering the same afbud again returns the existing record.

        Parameters
        ----------
        rider_id, start, end
            Who and when (``end`` inclusive; None = until further notice, unless
            ``single_day``).
        reason, role, by, at
            Why, the registrant's role and user id, and when (aware).
        scope
            ``"both"``, ``"to_centre"`` or ``"from_centre"``.
        absence_id
            Id of the new record (default ``A000001``, ``A000002``, …).
        single_day
            Shorthand for ``end = start``.

        Returns
        -------
        Absence
            The new record, or the existing active one with the same rider, dates and scope
            (idempotent: nothing is changed or logged then).
        """
        if single_day:
            end = start
        existing = self.find(rider_id, start, end, scope)
        if existing is not None:
            log.debug("afbud %s registered again; kept", existing.absence_id)
            return existing
        if absence_id is not None and absence_id in self._absences:
            raise AbsenceError(f"afbud {absence_id}: id already used by another afbud")
        absence = Absence(
            absence_id=absence_id or self._new_id(),
            rider_id=rider_id,
            start=start,
            end=end,
            reason=reason,
            registered_by_role=role,
            registered_by=by,
            registered_at=at,
            scope=scope,
        )
        self._absences[absence.absence_id] = absence
        late = " (late)" if is_late_afbud(absence, self.rule) else ""
        self._log.append(ChangeLogEntry(at, by, "register", rider_id, absence.absence_id,
                                        f"{start}–{end or '…'} {scope} by {role}{late}"))
        log.info("afbud %s registered (%s)", absence.absence_id, scope)
        return absence

    def get(self, absence_id: str) -> Absence:
        """The afbud with this id (withdrawn or not).

        Raises
        ------
        AbsenceError
            If there is none.
        """
        try:
            return self._absences[absence_id]
        except KeyError:
            raise AbsenceError(f"afbud {absence_id}: unknown") from None

    def withdraw(self, absence_id: str, *, by: str, at: datetime) -> Absence:
        """Withdraw an afbud (the rider rides after all). Withdrawing twice is harmless."""
        absence = self.get(absence_id)
        if absence.withdrawn:
            return absence
        _check_aware(at, f"withdrawal of afbud {absence_id}")
        updated = replace(absence, withdrawn_at=at, withdrawn_by=by)
        self._absences[absence_id] = updated
        self._log.append(ChangeLogEntry(at, by, "withdraw", absence.rider_id, absence_id))
        return updated

    def end_absence(self, absence_id: str, last_day: date, *, by: str, at: datetime) -> Absence:
        """Set the last day of an afbud (e.g. "until further notice" ends when the rider is back).

        Raises
        ------
        AbsenceError
            If ``last_day`` is before the afbud's start or the afbud is withdrawn.
        """
        absence = self.get(absence_id)
        problem = end_problem(absence.start, absence.withdrawn, last_day)
        if problem == "withdrawn":
            raise AbsenceError(f"afbud {absence_id}: withdrawn, cannot be ended")
        if problem == "before_start":
            raise AbsenceError(f"afbud {absence_id}: last day {last_day} is before its start "
                               f"{absence.start}; withdraw it instead")
        if absence.end == last_day:
            return absence
        _check_aware(at, f"end of afbud {absence_id}")
        updated = replace(absence, end=last_day)
        self._absences[absence_id] = updated
        self._log.append(ChangeLogEntry(at, by, "end", absence.rider_id, absence_id,
                                        f"end {absence.end or '…'} → {last_day}"))
        return updated

    def absences(self, *, rider_id: str | None = None,
                 include_withdrawn: bool = False) -> tuple[Absence, ...]:
        """Afbud records, by start date (optionally of one rider, optionally withdrawn too)."""
        return tuple(sorted(
            (a for a in self._absences.values()
             if (include_withdrawn or not a.withdrawn)
             and (rider_id is None or a.rider_id == rider_id)),
            key=lambda a: (a.start, a.rider_id, a.absence_id),
        ))

    def active_on(self, day: date) -> tuple[Absence, ...]:
        """Afbud (not withdrawn) covering ``day``."""
        return tuple(a for a in self.absences() if a.covers(day))

    def absent_on(
        self,
        day: date,
        *,
        run_start_s: Mapping[RiderTrip, int] | None = None,
        include_no_shows: bool = True,
    ) -> set[RiderTrip]:
        """Rides of ``day`` cancelled by afbud: ``{(rider_id, direction)}``.

        Parameters
        ----------
        day
            The date.
        run_start_s
            Depot departure (seconds after midnight) of the run carrying each
            ``(rider_id, direction)``, see :func:`routing.operations.daily.rider_run_starts`. When
            given, an
            afbud counts for a ride only if it was registered, and not withdrawn, before that
            run left the depot (late afbud are honoured until then). When None, the current
            state counts.
        include_no_shows
            Add the rides home cancelled by a morning no-show (see :meth:`no_show_cancellations`).
        """
        out: set[RiderTrip] = set()
        candidates = self._absences.values() if run_start_s is not None else self.absences()
        for a in candidates:
            if not a.covers(day):
                continue
            for direction in a.directions():
                if run_start_s is None or is_honoured(
                        a, day, run_start_s.get((a.rider_id, direction))):
                    out.add((a.rider_id, direction))
        if include_no_shows:
            out |= self.no_show_cancellations(day)
        return out

    def late_on(self, day: date) -> tuple[Absence, ...]:
        """Active afbud covering ``day`` that were late for it."""
        return tuple(a for a in self.active_on(day) if is_late(a, day, self.rule))

    # ---- no-shows -----------------------------------------------------------------------

    def record_no_show(
        self,
        rider_id: str,
        day: date,
        run_id: str,
        *,
        by: str,
        at: datetime,
        direction: Direction = "to_centre",
        keep_ride_home: bool = False,
    ) -> NoShow:
        """Record a no-show; recording the same (rider, date, run) again returns the record."""
        key = (rider_id, day, run_id)
        existing = self._no_shows.get(key)
        if existing is not None:
            return existing
        record = NoShow(rider_id, day, run_id, by, at, direction, keep_ride_home)
        self._no_shows[key] = record
        self._log.append(ChangeLogEntry(at, by, "no_show", rider_id,
                                        f"{rider_id}/{day.isoformat()}/{run_id}", direction))
        return record

    def keep_ride_home(self, rider_id: str, day: date, *, by: str, at: datetime) -> NoShow:
        """Someone says otherwise: the rider's morning no-show does not cancel the ride home.

        Raises
        ------
        AbsenceError
            If no morning no-show of the rider is recorded on ``day``.
        """
        for key, record in self._no_shows.items():
            if record.rider_id == rider_id and record.date == day \
                    and record.direction == "to_centre":
                if record.keep_ride_home:
                    return record
                updated = replace(record, keep_ride_home=True)
                self._no_shows[key] = updated
                self._log.append(ChangeLogEntry(at, by, "keep_ride_home", rider_id,
                                                f"{rider_id}/{day.isoformat()}/{record.run_id}"))
                return updated
        raise AbsenceError(f"rider {rider_id}: no morning no-show recorded on {day}")

    def no_shows(self, *, rider_id: str | None = None) -> tuple[NoShow, ...]:
        """No-show records, by date (optionally of one rider)."""
        return tuple(sorted(
            (n for n in self._no_shows.values() if rider_id is None or n.rider_id == rider_id),
            key=lambda n: (n.date, n.rider_id, n.run_id),
        ))

    def no_show_cancellations(self, day: date) -> set[RiderTrip]:
        """Rides home cancelled on ``day`` by a morning no-show (unless kept)."""
        return {(n.rider_id, "from_centre") for n in self._no_shows.values()
                if n.date == day and n.cancels_ride_home}

    # ---- history ------------------------------------------------------------------------

    @property
    def log(self) -> tuple[ChangeLogEntry, ...]:
        """Every change in the order made."""
        return tuple(self._log)


# --------------------------------------------------------------------------------------------
# Long absences


@dataclass(frozen=True, slots=True)
class LongAbsence:
    """A rider absent for ``days`` consecutive calendar days from ``start`` up to ``as_of``.

    ``planned_end`` is the last registered day of the span (None = until further notice).
    """

    rider_id: str
    start: date
    planned_end: date | None
    days: int
    absence_ids: tuple[str, ...]


def weekend_gap(after: date, before: date) -> bool:
    """Whether every day strictly between ``after`` and ``before`` is a Saturday or Sunday."""
    day = after + timedelta(days=1)
    while day < before:
        if day.weekday() < 5:
            return False
        day += timedelta(days=1)
    return True


def absence_spans(absences: Iterable[Absence], *, bridge_weekends: bool = True
                  ) -> list[tuple[date, date | None, list[str]]]:
    """One rider's afbud as spans ``(start, end or None, absence ids)``: afbud that touch or
    overlap merge, and with ``bridge_weekends`` also afbud apart only by a Saturday/Sunday."""
    spans: list[tuple[date, date | None, list[str]]] = []
    for a in sorted(absences, key=lambda a: a.start):
        if spans:
            s_start, s_end, ids = spans[-1]
            joins = s_end is None or a.start <= s_end + timedelta(days=1) or (
                bridge_weekends and weekend_gap(s_end, a.start))
            if joins:
                new_end = None if s_end is None or a.end is None else max(s_end, a.end)
                spans[-1] = (s_start, new_end, [*ids, a.absence_id])
                continue
        spans.append((a.start, a.end, [a.absence_id]))
    return spans


def long_absences(
    book: AbsenceBook | Iterable[Absence],
    as_of: date,
    threshold_days: int = LONG_ABSENCE_DAYS,
    *,
    bridge_weekends: bool = True,
) -> list[LongAbsence]:
    """Riders absent more than ``threshold_days`` consecutive calendar days as of ``as_of``.

    Only afbud of scope ``"both"`` count (a rider who only skips a ride still attends). Afbud of
    one rider that touch or overlap merge into one span; with ``bridge_weekends`` a gap of only
    Saturday/Sunday also merges (weekly afbud Monday–Friday). A span counts when it covers
    ``as_of``; its length is from its start through ``as_of``, inclusive.

    Parameters
    ----------
    book
        The afbud (withdrawn ones are ignored).
    as_of
        The day of the check.
    threshold_days
        More than this many days (default 21: Randers' three-week rule) put a rider on the list.
    bridge_weekends
        Merge afbud separated only by a weekend.

    Returns
    -------
    list of LongAbsence
        By rider id.
    """
    items = book.absences() if isinstance(book, AbsenceBook) else tuple(book)
    by_rider: dict[str, list[Absence]] = {}
    for a in items:
        if a.withdrawn or a.scope != "both" or a.start > as_of:
            continue
        by_rider.setdefault(a.rider_id, []).append(a)
    out: list[LongAbsence] = []
    for rider_id in sorted(by_rider):
        for s_start, s_end, ids in absence_spans(by_rider[rider_id],
                                                 bridge_weekends=bridge_weekends):
            if s_end is not None and s_end < as_of:
                continue
            days = (as_of - s_start).days + 1
            if days > threshold_days:
                out.append(LongAbsence(rider_id, s_start, s_end, days, tuple(ids)))
    return out
