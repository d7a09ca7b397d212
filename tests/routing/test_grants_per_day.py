"""A rider's grant as it stands on a day (the day's runs): the grant in force decides, so a
rider back on the shared ride after reimbursement rides before, not during, and after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from routing.model import Rider
from routing.municipality.grants import Grant, rider_fields, rider_fields_on

RIDER = Rider("R1", "Anna", 55.83, 10.59, "C1", ("C1-wed",))


def _g(kind: str, start: str, end: str | None = None) -> Grant:
    return Grant("R1", kind, date.fromisoformat(start),  # type: ignore[arg-type]
                 date.fromisoformat(end) if end else None, "Visitator", date(2026, 1, 1))


def _rides(grants: list[Grant], day: str) -> bool:
    return replace(RIDER, **rider_fields_on(grants, date.fromisoformat(day))).rides_on(
        date.fromisoformat(day))


def test_back_on_the_shared_ride_after_reimbursement() -> None:
    grants = [_g("reimbursement", "2026-03-01", "2026-03-31"), _g("shared_ride", "2026-04-01")]
    assert [_rides(grants, d) for d in ("2026-02-25", "2026-03-25", "2026-04-01")] == [
        True, False, True]
    # The one interval of the scenario (the latest shared ride) misses the days before.
    fields = rider_fields(grants)
    assert not replace(RIDER, **fields).rides_on(date(2026, 2, 25))


def test_a_first_shared_ride_starts_the_ride_and_gaps_have_none() -> None:
    assert [_rides([_g("shared_ride", "2026-03-01", "2026-03-31")], d)
            for d in ("2026-02-25", "2026-03-04", "2026-04-01")] == [False, True, False]
    assert _rides([], "2026-02-25") is True  # no grants recorded: as before grants


def test_overlaps() -> None:
    g = _g("reimbursement", "2026-03-01", "2026-03-31")
    assert g.overlaps(date(2026, 3, 31), None) and g.overlaps(date(2026, 1, 1), date(2026, 3, 1))
    assert not g.overlaps(date(2026, 4, 1), None)
    assert not g.overlaps(date(2026, 1, 1), date(2026, 2, 28))
    assert _g("none", "2026-03-01").overlaps(date(2030, 1, 1), None)
