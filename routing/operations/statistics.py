"""Statistics of daily operations: afbud on time and late, no-shows, cancelled runs, savings.

Counted per rider, per centre and per month (``YYYY-MM``). An afbud counts once, in the month of
its first day, and is late when it came after the deadline of its first day
(:func:`routing.operations.absences.is_late_afbud`); withdrawn afbud are not counted. Cancelled
runs and
their savings come from the :class:`~routing.operations.daily.DailyResult` of each day; a run
counts for the
centre it serves (``Run.centre_id``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from routing.model import Scenario
from routing.operations.absences import DEFAULT_DEADLINE, AbsenceBook, DeadlineRule, is_late_afbud
from routing.operations.daily import DailyResult


@dataclass(frozen=True, slots=True)
class Counts:
    """Figures of one rider, centre, month or the total."""

    afbud: int = 0
    afbud_on_time: int = 0
    afbud_late: int = 0
    no_shows: int = 0
    cancelled_runs: int = 0
    saved_ore: int = 0
    """Savings of the cancelled runs (variable cost + freed vehicle-days)."""

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))


def _values(c: Counts) -> tuple[int, ...]:
    return (c.afbud, c.afbud_on_time, c.afbud_late, c.no_shows, c.cancelled_runs, c.saved_ore)


@dataclass(frozen=True, slots=True)
class Statistics:
    """Counts per rider, centre and month, and the total.

    ``saved_by_month_ore`` is the planned minus the actual cost of the days (cancelled *and*
    shortened runs), which cannot be split by centre.
    """

    by_rider: dict[str, Counts]
    by_centre: dict[str, Counts]
    by_month: dict[str, Counts]
    total: Counts
    saved_by_month_ore: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "by_rider": {k: asdict(v) for k, v in self.by_rider.items()},
            "by_centre": {k: asdict(v) for k, v in self.by_centre.items()},
            "by_month": {k: asdict(v) for k, v in self.by_month.items()},
            "total": asdict(self.total),
            "saved_by_month_ore": dict(self.saved_by_month_ore),
        }


def month_key(day: date) -> str:
    """``YYYY-MM`` of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def operations_statistics(
    book: AbsenceBook,
    scenario: Scenario,
    days: Iterable[DailyResult] = (),
    *,
    rule: DeadlineRule | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Statistics:
    """Count afbud (on time / late), no-shows, cancelled runs and savings.

    Parameters
    ----------
    book
        Afbud and no-shows.
    scenario
        For each rider's centre (riders not in the scenario count under centre ``"?"``).
    days
        Daily results of the period (for cancelled runs and savings).
    rule
        The afbud deadline; default the book's.
    start, end
        Only afbud, no-shows and days from ``start`` through ``end`` (inclusive) when given.

    Returns
    -------
    Statistics
        Keys sorted; riders, centres and months without any event are left out.
    """
    rule = rule or book.rule or DEFAULT_DEADLINE
    centre_of = {r.rider_id: r.centre_id for r in scenario.riders}

    def inside(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    by_rider: dict[str, Counts] = defaultdict(Counts)
    by_centre: dict[str, Counts] = defaultdict(Counts)
    by_month: dict[str, Counts] = defaultdict(Counts)
    saved_by_month: dict[str, int] = defaultdict(int)

    def add(rider_id: str | None, centre_id: str, day: date, counts: Counts) -> None:
        if rider_id is not None:
            by_rider[rider_id] += counts
        by_centre[centre_id] += counts
        by_month[month_key(day)] += counts

    for a in book.absences():
        if not inside(a.start):
            continue
        late = is_late_afbud(a, rule)
        add(a.rider_id, centre_of.get(a.rider_id, "?"), a.start,
            Counts(afbud=1, afbud_on_time=0 if late else 1, afbud_late=1 if late else 0))
    for n in book.no_shows():
        if inside(n.date):
            add(n.rider_id, centre_of.get(n.rider_id, "?"), n.date, Counts(no_shows=1))
    for d in days:
        if not inside(d.on_date):
            continue
        saved_by_month[month_key(d.on_date)] += d.saved_ore
        planned = {r.run_id: r for r in d.planned}
        for c in d.cancelled:
            run = planned.get(c.run_id)
            centre_id = run.centre_id if run is not None else "?"
            add(None, centre_id, d.on_date, Counts(cancelled_runs=1, saved_ore=c.saved_ore))

    total = sum(by_month.values(), Counts())
    return Statistics(
        by_rider=dict(sorted(by_rider.items())),
        by_centre=dict(sorted(by_centre.items())),
        by_month=dict(sorted(by_month.items())),
        total=total,
        saved_by_month_ore=dict(sorted(saved_by_month.items())),
    )
