"""Centre calendars: per-centre closures (single days, periods, yearly forms) on top of the
holidays and customary closing days of :mod:`routing.operations.holidays`.

A centre is closed on Saturdays and Sundays, on Danish public holidays (the ``holidays`` package,
Danish names), on the customary closing days (Grundlovsdag 5 June and 24–31 December by default,
see :class:`HolidayRules`) and on its own closures: single days or periods such as three summer
weeks, week 42 (efterårsferie) or Christmas to New Year. On a closing day no run to the centre
exists (:mod:`routing.operations.daily` removes them).

Closures are imported from CSV (``centre_id,start,end,reason``) and from iCalendar (``.ics``,
all-day events); a centre's calendar is exported as ``.ics``. The afbud deadline counts *working
days* (:func:`previous_working_day`), which skip weekends and holidays.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar

from routing.errors import ScenarioError, ScenarioErrors
from routing.model import weekday_key as weekday_key  # its home is the model
from routing.municipality.rules import MunicipalityRules
from routing.operations.holidays import CENTRE_RULES as CENTRE_RULES
from routing.operations.holidays import CHRISTMAS_EVE as CHRISTMAS_EVE
from routing.operations.holidays import CHRISTMAS_WEEK as CHRISTMAS_WEEK
from routing.operations.holidays import GRUNDLOVSDAG as GRUNDLOVSDAG
from routing.operations.holidays import MAY_DAY as MAY_DAY
from routing.operations.holidays import NEW_YEARS_EVE as NEW_YEARS_EVE
from routing.operations.holidays import OFFICE_RULES as OFFICE_RULES
from routing.operations.holidays import WEEKEND_REASON as WEEKEND_REASON
from routing.operations.holidays import HolidayRules as HolidayRules
from routing.operations.holidays import danish_holidays as danish_holidays
from routing.operations.holidays import holiday_name as holiday_name
from routing.operations.holidays import holiday_rules as holiday_rules
from routing.operations.holidays import is_working_day as is_working_day
from routing.operations.holidays import previous_working_day as previous_working_day
from routing.operations.holidays import week_dates as week_dates
from routing.operations.holidays import working_days_before as working_days_before

# Holidays and working days have their own module (routing.operations.holidays); the names
# imported from it above are re-exported here for older callers.

log = logging.getLogger(__name__)

CSV_COLUMNS: tuple[str, ...] = ("centre_id", "start", "end", "reason")
"""Columns of a closures CSV file (``end`` may be empty: a single day)."""

ICS_PRODID = "-//Samkørsel//Centre calendar//DA"
ICS_KIND_PROPERTY = "X-SAMKORSEL-KIND"
"""Marks exported events as ``holiday`` or ``closure`` so a re-import skips the holidays."""


# --------------------------------------------------------------------------------------------
# Closures and the calendar


@dataclass(frozen=True, slots=True)
class Closure:
    """A centre closed from ``start`` to ``end`` (both inclusive), with a reason.

    A single closing day has ``start == end``.
    """

    centre_id: str
    start: date
    end: date
    reason: str

    def __post_init__(self) -> None:
        if not self.centre_id:
            raise ValueError("closure: centre_id must not be empty")
        if self.end < self.start:
            raise ValueError(f"closure of centre {self.centre_id}: end {self.end} is before "
                             f"start {self.start}")

    def covers(self, day: date) -> bool:
        """Whether ``day`` lies within the closure."""
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of calendar days closed."""
        return (self.end - self.start).days + 1

    @classmethod
    def day(cls, centre_id: str, day: date, reason: str) -> Closure:
        """A single closing day."""
        return cls(centre_id, day, day, reason)

    @classmethod
    def week(cls, centre_id: str, year: int, week: int, reason: str) -> Closure:
        """A whole ISO week, Monday to Sunday (e.g. week 42, efterårsferie)."""
        days = week_dates(year, week)
        return cls(centre_id, days[0], days[-1], reason)


ALL_CENTRES = "*"
"""``centre_id`` of a closure that applies to every centre."""

_MMDD_RE = re.compile(r"^(\d{2})-(\d{2})$")
_WEEK_RE = re.compile(r"^W(\d{1,2})$", re.IGNORECASE)


def _yearly_key(text: str) -> tuple[str, int, int] | None:
    """``MM-DD`` → ("md", month, day); ``Www`` → ("week", week, 0); else None."""
    text = text.strip()
    if m := _MMDD_RE.match(text):
        month, dom = int(m.group(1)), int(m.group(2))
        date(2024, month, dom)  # a leap year: 02-29 is a valid yearly day; raises otherwise
        return ("md", month, dom)
    if m := _WEEK_RE.match(text):
        week = int(m.group(1))
        if not 1 <= week <= 53:
            raise ValueError(f"week {week} is not 1–53")
        return ("week", week, 0)
    return None


@dataclass(frozen=True, slots=True)
class RecurringClosure:
    """A centre closed every year: ``start``/``end`` are both ``MM-DD`` or both ISO weeks ``Www``
    (inclusive; a range may wrap New Year, e.g. ``12-27`` to ``01-02``)."""

    centre_id: str
    start: str
    end: str
    reason: str

    def __post_init__(self) -> None:
        if not self.centre_id:
            raise ValueError("closure: centre_id must not be empty")
        a, b = _yearly_key(self.start), _yearly_key(self.end)
        if a is None or b is None:
            raise ValueError(f"recurring closure {self.start!r}–{self.end!r}: use MM-DD or Www")
        if a[0] != b[0]:
            raise ValueError(f"recurring closure {self.start!r}–{self.end!r}: start and end "
                             "must both be MM-DD or both weeks")

    def covers(self, day: date) -> bool:
        """Whether ``day`` lies within the closure in its year."""
        a, b = _yearly_key(self.start), _yearly_key(self.end)
        assert a is not None and b is not None
        key = (day.isocalendar().week, 0) if a[0] == "week" else (day.month, day.day)
        lo, hi = a[1:], b[1:]
        return lo <= key <= hi if lo <= hi else (key >= lo or key <= hi)

    def in_year(self, year: int) -> tuple[Closure, ...]:
        """The closure's concrete periods that overlap ``year``."""
        day, last, out = date(year, 1, 1), date(year, 12, 31), []
        start: date | None = None
        while day <= last:
            if self.covers(day):
                start = start or day
            elif start is not None:
                out.append(Closure(self.centre_id, start, day - timedelta(days=1), self.reason))
                start = None
            day += timedelta(days=1)
        if start is not None:
            out.append(Closure(self.centre_id, start, last, self.reason))
        return tuple(out)


AnyClosure = Closure | RecurringClosure


def calendar_from_rules(rules: MunicipalityRules, centre_ids: Iterable[str],
                        closures: Iterable[AnyClosure] = ()) -> CentreCalendar:
    """The calendar of a municipality's rules: customary closing days per centre, the rules'
    recurring closures, and ``closures`` (e.g. from closures.csv)."""
    yearly = [RecurringClosure(c.centre_id, c.start, c.end, c.reason) for c in rules.closures]
    per_centre = {c: holiday_rules(rules.closing_days_of(c)) for c in centre_ids
                  if rules.closing_days_of(c) != rules.closing_days}
    return CentreCalendar((*yearly, *closures), holiday_rules(rules.closing_days), per_centre)


@dataclass(frozen=True)
class CentreCalendar:
    """Opening days of centres: weekends, holidays under ``rules`` and per-centre closures.

    Immutable; :meth:`with_closures` returns a new calendar.
    """

    closures: tuple[AnyClosure, ...] = ()
    rules: HolidayRules = CENTRE_RULES
    centre_rules: Mapping[str, HolidayRules] = field(default_factory=dict)
    """Per centre: its customary closing days instead of ``rules`` (e.g. kept open on
    Grundlovsdag)."""
    _by_centre: dict[str, tuple[Closure, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _recurring: dict[str, tuple[RecurringClosure, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[str, list[Closure]] = {}
        recurring: dict[str, list[RecurringClosure]] = {}
        for closure in self.closures:
            if isinstance(closure, RecurringClosure):
                recurring.setdefault(closure.centre_id, []).append(closure)
            else:
                grouped.setdefault(closure.centre_id, []).append(closure)
        self._by_centre.update(
            {c: tuple(sorted(v, key=lambda x: (x.start, x.end))) for c, v in grouped.items()}
        )
        self._recurring.update({c: tuple(v) for c, v in recurring.items()})

    def with_closures(self, closures: Iterable[AnyClosure]) -> CentreCalendar:
        """A calendar with ``closures`` added (exact duplicates are dropped)."""
        merged = dict.fromkeys(self.closures)
        merged.update(dict.fromkeys(closures))
        return CentreCalendar(tuple(merged), self.rules, dict(self.centre_rules))

    def rules_of(self, centre_id: str) -> HolidayRules:
        """The customary closing days that hold for ``centre_id``."""
        return self.centre_rules.get(centre_id, self.rules)

    def closures_of(self, centre_id: str) -> tuple[Closure, ...]:
        """The closures on given dates of the centre (and of all centres, ``*``), by start."""
        own = self._by_centre.get(centre_id, ())
        every = self._by_centre.get(ALL_CENTRES, ()) if centre_id != ALL_CENTRES else ()
        return tuple(sorted((*own, *every), key=lambda x: (x.start, x.end)))

    def recurring_of(self, centre_id: str) -> tuple[RecurringClosure, ...]:
        """The closures every year of the centre (and of all centres, ``*``)."""
        every = self._recurring.get(ALL_CENTRES, ()) if centre_id != ALL_CENTRES else ()
        return (*self._recurring.get(centre_id, ()), *every)

    def closing_reason(self, centre_id: str, day: date) -> str | None:
        """Why the centre is closed on ``day``, or None when it is open.

        A holiday wins over a closure that covers the same day (its name is the more telling
        reason); a weekend reports :data:`WEEKEND_REASON`.
        """
        name = holiday_name(day, self.rules_of(centre_id))
        if name is not None:
            return name
        if day.weekday() >= 5:
            return WEEKEND_REASON
        for closure in self.closures_of(centre_id):
            if closure.covers(day):
                return closure.reason or "Lukket"
        for every_year in self.recurring_of(centre_id):
            if every_year.covers(day):
                return every_year.reason or "Lukket"
        return None

    def is_open(self, centre_id: str, day: date) -> bool:
        """Whether the centre is open on ``day`` (a weekday that is no holiday nor closure)."""
        return self.closing_reason(centre_id, day) is None

    def closed_centres(self, centre_ids: Iterable[str], day: date) -> set[str]:
        """The centres of ``centre_ids`` that are closed on ``day``."""
        return {c for c in centre_ids if not self.is_open(c, day)}

    def closing_days(self, centre_id: str, year: int) -> dict[date, str]:
        """Closed weekdays (Monday–Friday) of the centre in ``year``, with the reason."""
        out: dict[date, str] = {}
        day = date(year, 1, 1)
        while day.year == year:
            if day.weekday() < 5:
                reason = self.closing_reason(centre_id, day)
                if reason is not None:
                    out[day] = reason
            day += timedelta(days=1)
        return out


# --------------------------------------------------------------------------------------------
# CSV import


def _parse_date(text: str) -> date:
    """``YYYY-MM-DD`` (ISO) or ``DD-MM-YYYY`` / ``DD.MM.YYYY`` (Danish habit)."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for sep in ("-", ".", "/"):
        parts = text.split(sep)
        if len(parts) == 3 and len(parts[2]) == 4 and all(p.isdigit() for p in parts):
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD-MM-YYYY)")


def _parse_week(text: str) -> tuple[date, date] | None:
    """``2026-W42`` → Monday and Sunday of that ISO week; None if the text is not a week."""
    text = text.strip().upper()
    if len(text) >= 7 and text[4:6] == "-W" and text[:4].isdigit() and text[6:].isdigit():
        days = week_dates(int(text[:4]), int(text[6:]))
        return days[0], days[-1]
    return None


def parse_closures_csv(
    text: str,
    *,
    file: str = "closures.csv",
    centre_ids: Collection[str] | None = None,
) -> tuple[AnyClosure, ...]:
    """Parse closures from CSV text with the header ``centre_id,start,end,reason``.

    ``start`` and ``end`` are inclusive and either dates (``YYYY-MM-DD``; ``DD-MM-YYYY`` is
    accepted): once; or ``MM-DD`` or an ISO week ``Www`` (e.g. ``W42,W42`` or ``W28,W30``): every
    year (:class:`RecurringClosure`). An empty ``end`` means the same day or week; ``start`` may
    also be one ISO week of one year (``2026-W42``). ``centre_id`` ``*`` means every centre. A
    semicolon delimiter (Danish Excel) is detected.

    Parameters
    ----------
    text
        The file's text.
    file
        Name used in error messages.
    centre_ids
        Known centres; when given, an unknown ``centre_id`` is an error.

    Returns
    -------
    tuple of Closure
        In file order.

    Raises
    ------
    ScenarioErrors
        Listing every bad cell (file, row = line number with the header on row 1, column).
    """
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("centre_id", "start") if c not in header]
    if missing:
        raise ScenarioErrors([ScenarioError(
            f"missing column(s) {', '.join(missing)}; expected {','.join(CSV_COLUMNS)}",
            file=file, row=1, column=missing[0])])
    reader.fieldnames = header
    errors: list[ScenarioError] = []
    out: list[AnyClosure] = []
    for row_no, row in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(values.values()):
            continue  # blank line
        centre_id = values.get("centre_id", "")
        if not centre_id:
            errors.append(ScenarioError("centre_id is empty", file=file, row=row_no,
                                        column="centre_id"))
        elif centre_ids is not None and centre_id not in centre_ids and \
                centre_id != ALL_CENTRES:
            errors.append(ScenarioError(f"unknown centre {centre_id!r}", file=file, row=row_no,
                                        column="centre_id"))
        start_text, end_text = values.get("start", ""), values.get("end", "")
        try:
            yearly = _yearly_key(start_text)
        except ValueError as exc:
            errors.append(ScenarioError(f"{start_text!r}: {exc}", file=file, row=row_no,
                                        column="start"))
            continue
        if yearly is not None:
            # Every year: MM-DD or Www; end empty = the same day or week.
            try:
                every = RecurringClosure(centre_id or "?", start_text.upper(),
                                         (end_text or start_text).upper(),
                                         values.get("reason", ""))
            except ValueError as exc:
                errors.append(ScenarioError(str(exc), file=file, row=row_no, column="end"))
                continue
            if centre_id:
                out.append(every)
            continue
        start: date | None = None
        end: date | None = None
        try:
            week = _parse_week(start_text)
        except ValueError as exc:
            errors.append(ScenarioError(str(exc), file=file, row=row_no, column="start"))
            continue
        if week is not None and not end_text:
            start, end = week
        else:
            try:
                start = _parse_date(start_text)
            except ValueError as exc:
                errors.append(ScenarioError(str(exc), file=file, row=row_no, column="start"))
            try:
                end = _parse_date(end_text) if end_text else start
            except ValueError as exc:
                errors.append(ScenarioError(str(exc), file=file, row=row_no, column="end"))
        if start is None or end is None or not centre_id:
            continue
        if end < start:
            errors.append(ScenarioError(f"end {end} is before start {start}", file=file,
                                        row=row_no, column="end"))
            continue
        out.append(Closure(centre_id, start, end, values.get("reason", "")))
    if errors:
        raise ScenarioErrors(errors)
    log.info("read %d closure(s) from %s", len(out), file)
    return tuple(out)


def read_closures_csv(
    path: Path | str, *, centre_ids: Collection[str] | None = None
) -> tuple[AnyClosure, ...]:
    """Read closures from a CSV file; see :func:`parse_closures_csv`."""
    path = Path(path)
    return parse_closures_csv(path.read_text(encoding="utf-8-sig"), file=str(path),
                              centre_ids=centre_ids)


def closures_to_csv(closures: Iterable[AnyClosure]) -> str:
    """Closures as CSV text (``centre_id,start,end,reason``), the inverse of the import."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in closures:
        if isinstance(c, RecurringClosure):
            writer.writerow([c.centre_id, c.start, c.end, c.reason])
        else:
            writer.writerow([c.centre_id, c.start.isoformat(), c.end.isoformat(), c.reason])
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# iCalendar import and export


def _event_label(event: Any, index: int) -> str:
    summary = str(event.get("SUMMARY", "")).strip()
    uid = str(event.get("UID", "")).strip()
    return f"event {index}" + (f" ({summary!r})" if summary else "") + (
        f" uid {uid}" if uid else "")


def _ics_events(data: bytes | str, file: str) -> Iterator[tuple[int, Any]]:
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except ValueError as exc:
        raise ScenarioErrors([ScenarioError(f"not a valid iCalendar file: {exc}", file=file)]) \
            from exc
    index = 0
    for cal in calendars:
        for event in cal.walk("VEVENT"):
            index += 1
            yield index, event


def parse_closures_ics(
    data: bytes | str,
    centre_id: str,
    *,
    file: str = "closures.ics",
    default_reason: str = "Lukket",
) -> tuple[Closure, ...]:
    """Closures of one centre from an iCalendar file: one closure per all-day ``VEVENT``.

    ``DTEND`` of an all-day event is exclusive (RFC 5545): an event from 2026-07-06 to
    2026-07-25 closes 6–24 July. Without ``DTEND`` (or ``DURATION``) the event is one day. The
    ``SUMMARY`` is the reason. Holidays written by :func:`calendar_to_ics` are skipped, so an
    exported calendar re-imports as its closures. Cancelled events are skipped.

    Raises
    ------
    ScenarioErrors
        For a file that is no iCalendar, a timed (not all-day) or recurring event, or an event
        ending before it starts — naming each event by number, summary and UID.
    """
    errors: list[ScenarioError] = []
    out: list[Closure] = []
    for index, event in _ics_events(data, file):
        label = _event_label(event, index)
        if str(event.get(ICS_KIND_PROPERTY, "")).lower() == "holiday":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if "RRULE" in event:
            errors.append(ScenarioError(f"{label}: recurring events are not supported; list "
                                        f"each closure", file=file, column="RRULE"))
            continue
        if "DTSTART" not in event:
            errors.append(ScenarioError(f"{label}: no DTSTART", file=file, column="DTSTART"))
            continue
        start = event.decoded("DTSTART")
        if isinstance(start, datetime) or not isinstance(start, date):
            errors.append(ScenarioError(f"{label}: not an all-day event (DTSTART {start}); a "
                                        f"centre closes for whole days", file=file,
                                        column="DTSTART"))
            continue
        if "DTEND" in event:
            end_excl = event.decoded("DTEND")
            if isinstance(end_excl, datetime) or not isinstance(end_excl, date):
                errors.append(ScenarioError(f"{label}: DTEND {end_excl} is not a date",
                                            file=file, column="DTEND"))
                continue
        elif "DURATION" in event:
            end_excl = start + event.decoded("DURATION")
        else:
            end_excl = start + timedelta(days=1)
        end = max(start, end_excl - timedelta(days=1))  # DTEND == DTSTART: one day
        if end_excl < start:
            errors.append(ScenarioError(f"{label}: ends {end_excl} before it starts {start}",
                                        file=file, column="DTEND"))
            continue
        reason = str(event.get("SUMMARY", "")).strip() or default_reason
        out.append(Closure(centre_id, start, end, reason))
    if errors:
        raise ScenarioErrors(errors)
    log.info("read %d closure(s) of centre %s from %s", len(out), centre_id, file)
    return tuple(sorted(out, key=lambda c: (c.start, c.end)))


def read_closures_ics(path: Path | str, centre_id: str) -> tuple[Closure, ...]:
    """Read one centre's closures from an ``.ics`` file; see :func:`parse_closures_ics`."""
    path = Path(path)
    return parse_closures_ics(path.read_bytes(), centre_id, file=str(path))


def _all_day_event(uid: str, start: date, end: date, summary: str, kind: str,
                   stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", start)
    event.add("DTEND", end + timedelta(days=1))  # exclusive (RFC 5545)
    event.add("SUMMARY", summary)
    event.add("TRANSP", "TRANSPARENT")
    event.add("CATEGORIES", ["Helligdag" if kind == "holiday" else "Lukkedag"])
    event.add(ICS_KIND_PROPERTY, kind)
    return event


def calendar_to_ics(
    calendar: CentreCalendar,
    centre_id: str,
    year: int,
    *,
    centre_name: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """A centre's closing days of ``year`` as an iCalendar file.

    Holidays and customary closing days on weekdays, and the centre's closures that overlap the
    year (whole, also when they run into the next or previous year), as all-day events.

    Parameters
    ----------
    calendar
        The calendar.
    centre_id
        The centre.
    year
        The calendar year.
    centre_name
        Shown as the calendar's name (``X-WR-CALNAME``); defaults to the id.
    stamp
        ``DTSTAMP`` of the events (aware); defaults to now (UTC).

    Returns
    -------
    bytes
        UTF-8 iCalendar text with CRLF line ends.
    """
    stamp = stamp or datetime.now(UTC)
    if stamp.tzinfo is None:
        raise ValueError("stamp must be an aware datetime")
    stamp = stamp.astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("PRODID", ICS_PRODID)
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("X-WR-CALNAME", f"Lukkedage {centre_name or centre_id} {year}")
    for day, name in danish_holidays(year, calendar.rules_of(centre_id)).items():
        if day.weekday() >= 5:
            continue
        uid = f"holiday-{day.isoformat()}-{centre_id}@samkorsel"
        cal.add_component(_all_day_event(uid, day, day, name, "holiday", stamp))
    first, last = date(year, 1, 1), date(year, 12, 31)
    yearly = [c for r in calendar.recurring_of(centre_id) for c in r.in_year(year)]
    for c in (*calendar.closures_of(centre_id), *yearly):
        if c.end < first or c.start > last:
            continue
        uid = f"closure-{c.centre_id}-{c.start.isoformat()}-{c.end.isoformat()}@samkorsel"
        cal.add_component(_all_day_event(uid, c.start, c.end, c.reason or "Lukket", "closure",
                                         stamp))
    return bytes(cal.to_ical())
