"""Danish holidays and the customary closing days of day centres, and working days.

The official public holidays come from the ``holidays`` package (Danish names); the customary
closing days (Grundlovsdag, 24–31 December, optionally 1 May) are chosen by
:class:`HolidayRules`. The afbud deadline counts *working days* (:func:`previous_working_day`),
which skip weekends and holidays. Per-centre closures and their recurring forms are in
:mod:`routing.operations.calendar`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache

import holidays

WEEKEND_REASON = "Weekend"
"""Closing reason reported for Saturdays and Sundays."""

GRUNDLOVSDAG = "Grundlovsdag"
CHRISTMAS_EVE = "Juleaftensdag"
NEW_YEARS_EVE = "Nytårsaften"
CHRISTMAS_WEEK = "Mellem jul og nytår"
MAY_DAY = "Arbejdernes kampdag"



@dataclass(frozen=True, slots=True)
class HolidayRules:
    """Which days besides the official public holidays count as closed.

    The official holidays (helligdage: Nytårsdag, Skærtorsdag, Langfredag, Påskedag, 2. påskedag,
    Store bededag up to 2023, Kristi himmelfartsdag, Pinsedag, 2. pinsedag, Juledag, 2. juledag)
    always count. The defaults add the customary closing days of Danish day centres.
    """

    grundlovsdag: bool = True
    """5 June (Constitution Day; a half or whole day off by custom)."""
    christmas_eve: bool = True
    """24 December."""
    christmas_week: bool = True
    """27–30 December (together with 24/25/26/31 December: closed 24–31 December)."""
    new_years_eve: bool = True
    """31 December."""
    may_day: bool = False
    """1 May (Arbejdernes kampdag); not a general closing day."""


CENTRE_RULES = HolidayRules()
"""Default closing days of a centre: public holidays, Grundlovsdag and 24–31 December."""

OFFICE_RULES = HolidayRules(christmas_week=False)
"""Non-working days of the municipal office (for the afbud deadline): 27–30 December are worked."""


@lru_cache(maxsize=64)
def _holidays_of_year(year: int, rules: HolidayRules) -> Mapping[date, str]:
    """Closing days of one year with their Danish names (memoised: the rules are immutable)."""
    public = holidays.country_holidays("DK", years=year, language="da")
    optional = holidays.country_holidays(
        "DK", years=year, categories=("optional",), language="da"
    )
    out: dict[date, str] = {d: str(name) for d, name in public.items()}
    # Compare by date, not by name: names depend on the package's translations.
    extra: list[tuple[bool, date, str]] = [
        (rules.grundlovsdag, date(year, 6, 5), GRUNDLOVSDAG),
        (rules.christmas_eve, date(year, 12, 24), CHRISTMAS_EVE),
        (rules.new_years_eve, date(year, 12, 31), NEW_YEARS_EVE),
        (rules.may_day, date(year, 5, 1), MAY_DAY),
    ]
    for wanted, day, fallback in extra:
        if wanted and day not in out:
            out[day] = str(optional.get(day) or fallback)
    if rules.christmas_week:
        for dom in range(27, 31):
            out.setdefault(date(year, 12, dom), CHRISTMAS_WEEK)
    return dict(sorted(out.items()))


def danish_holidays(year: int, rules: HolidayRules = CENTRE_RULES) -> dict[date, str]:
    """Holidays and customary closing days of a year, with Danish names.

    Parameters
    ----------
    year
        Calendar year.
    rules
        Which customary days count (default: Grundlovsdag and 24–31 December).

    Returns
    -------
    dict
        ``date → name`` in date order, e.g. ``2026-05-14 → "Kristi himmelfartsdag"``.
    """
    return dict(_holidays_of_year(year, rules))


def holiday_name(day: date, rules: HolidayRules = CENTRE_RULES) -> str | None:
    """The Danish name of the holiday or customary closing day on ``day``, or None."""
    return _holidays_of_year(day.year, rules).get(day)


def is_working_day(day: date, rules: HolidayRules = OFFICE_RULES) -> bool:
    """Whether ``day`` is a working day: Monday–Friday and not a holiday under ``rules``."""
    return day.weekday() < 5 and holiday_name(day, rules) is None


def previous_working_day(day: date, rules: HolidayRules = OFFICE_RULES) -> date:
    """The last working day strictly before ``day`` (skips weekends and holidays).

    Examples
    --------
    The working day before Monday 2026-05-25 (2. pinsedag) is Friday 2026-05-22.
    """
    current = day - timedelta(days=1)
    while not is_working_day(current, rules):
        current -= timedelta(days=1)
    return current


def next_working_day(day: date, rules: HolidayRules = OFFICE_RULES) -> date:
    """The first working day strictly after ``day`` (on a Friday: Monday, unless a holiday)."""
    current = day + timedelta(days=1)
    while not is_working_day(current, rules):
        current += timedelta(days=1)
    return current


def working_days_before(day: date, count: int, rules: HolidayRules = OFFICE_RULES) -> date:
    """The ``count``-th working day before ``day`` (``count=0`` returns ``day`` itself)."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    current = day
    for _ in range(count):
        current = previous_working_day(current, rules)
    return current


def week_dates(year: int, week: int) -> tuple[date, ...]:
    """The seven dates (Monday–Sunday) of ISO week ``week`` of ``year``.

    Danish weeks are ISO weeks (week 1 holds the first Thursday of the year).

    Raises
    ------
    ValueError
        If the year has no such week (e.g. week 53 of 2027).
    """
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{year} has no ISO week {week}") from exc
    return tuple(monday + timedelta(days=i) for i in range(7))


def holiday_rules(names: Iterable[str]) -> HolidayRules:
    """:class:`HolidayRules` with exactly the customary closing days ``names`` (see
    :data:`routing.municipality.rules.CUSTOMARY_DAYS`); the official holidays always count."""
    wanted = set(names)
    unknown = wanted - {f.name for f in fields(HolidayRules)}
    if unknown:
        raise ValueError(f"unknown closing day(s): {', '.join(sorted(unknown))}")
    return HolidayRules(**{f.name: f.name in wanted for f in fields(HolidayRules)})
