"""Afbud: deadline, idempotency, withdrawal, change log, no-shows and long absences."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from routing.operations.absences import (
    COPENHAGEN,
    Absence,
    AbsenceBook,
    AbsenceError,
    DeadlineRule,
    NoShow,
    is_honoured,
    is_late,
    is_late_afbud,
    long_absences,
)

MON = date(2026, 3, 2)  # an ordinary Monday
TUE = date(2026, 3, 3)


def cph(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=COPENHAGEN)


def register(book: AbsenceBook, rider: str, start: date, end: date | None, at: datetime,
             **kw: object) -> Absence:
    return book.register(rider, start, end, reason="Sygdom", role="relative", by="u-rel",
                         at=at, **kw)  # type: ignore[arg-type]


def test_deadline_is_16_the_working_day_before() -> None:
    rule = DeadlineRule()
    assert rule.deadline(TUE) == cph(MON, 16)
    assert rule.deadline(MON) == cph(date(2026, 2, 27), 16)  # Friday before
    # Day after Ascension (Thu 2026-05-14): the deadline is Wednesday 16:00.
    assert rule.deadline(date(2026, 5, 15)) == cph(date(2026, 5, 13), 16)
    # Other municipal rules: 12:00 the day before; 08:10 the same day.
    assert DeadlineRule(time_s=12 * 3600).deadline(TUE) == cph(MON, 12)
    assert DeadlineRule(time_s=8 * 3600 + 600, working_days_before=0).deadline(TUE) == \
        cph(TUE, 8, 10)


def test_deadline_across_daylight_saving() -> None:
    # Clocks go forward on Sunday 2026-03-29: Monday's deadline is still 16:00 local time.
    deadline = DeadlineRule().deadline(date(2026, 3, 31))
    assert deadline == cph(date(2026, 3, 30), 16)
    assert deadline.utcoffset() == timedelta(hours=2)


def test_on_time_and_late() -> None:
    book = AbsenceBook()
    on_time = register(book, "r1", TUE, TUE, cph(MON, 15, 59))
    late = register(book, "r2", TUE, TUE, cph(MON, 16, 1))
    assert not is_late(on_time, TUE)
    assert is_late(late, TUE)
    assert is_late_afbud(late) and not is_late_afbud(on_time)
    assert book.late_on(TUE) == (late,)


def test_late_afbud_is_honoured_until_the_run_starts() -> None:
    book = AbsenceBook()
    # Registered Tuesday 07:40 for Tuesday: late, but the morning run leaves at 08:05.
    late = register(book, "r1", TUE, TUE, cph(TUE, 7, 40))
    assert is_late(late, TUE)
    assert is_honoured(late, TUE, 8 * 3600 + 300)
    assert not is_honoured(late, TUE, 7 * 3600 + 30 * 60)  # run already left at 07:30
    starts = {("r1", "to_centre"): 7 * 3600 + 30 * 60, ("r1", "from_centre"): 11 * 3600 + 40 * 60}
    # Too late for the morning run, in time for the ride home.
    assert book.absent_on(TUE, run_start_s=starts) == {("r1", "from_centre")}
    assert book.absent_on(TUE) == {("r1", "to_centre"), ("r1", "from_centre")}


def test_registering_twice_is_idempotent() -> None:
    book = AbsenceBook()
    first = register(book, "r1", TUE, TUE, cph(MON, 9))
    again = register(book, "r1", TUE, TUE, cph(MON, 10))
    assert again is first
    assert len(book.absences()) == 1
    assert len(book.log) == 1
    # A different scope is a different afbud.
    other = register(book, "r1", TUE, TUE, cph(MON, 10), scope="from_centre")
    assert other.absence_id != first.absence_id


def test_withdraw_and_register_again() -> None:
    book = AbsenceBook()
    first = register(book, "r1", TUE, TUE, cph(MON, 9))
    withdrawn = book.withdraw(first.absence_id, by="u-centre", at=cph(MON, 11))
    assert withdrawn.withdrawn and withdrawn.withdrawn_by == "u-centre"
    assert book.absent_on(TUE) == set()
    assert book.withdraw(first.absence_id, by="u-x", at=cph(MON, 12)) == withdrawn  # harmless
    again = register(book, "r1", TUE, TUE, cph(MON, 13))
    assert again.absence_id != first.absence_id
    assert book.absent_on(TUE) == {("r1", "to_centre"), ("r1", "from_centre")}
    assert len(book.absences(include_withdrawn=True)) == 2


def test_withdrawal_after_the_run_started_does_not_undo_it() -> None:
    book = AbsenceBook()
    a = register(book, "r1", TUE, TUE, cph(MON, 9))
    book.withdraw(a.absence_id, by="u", at=cph(TUE, 8, 30))
    starts = {("r1", "to_centre"): 8 * 3600, ("r1", "from_centre"): 12 * 3600}
    assert book.absent_on(TUE, run_start_s=starts) == {("r1", "to_centre")}


def test_change_log_records_who_and_when() -> None:
    book = AbsenceBook()
    a = book.register("r1", MON, None, reason="Indlagt", role="centre", by="u-centre",
                      at=cph(date(2026, 2, 27), 10))
    book.end_absence(a.absence_id, date(2026, 3, 13), by="u-coord", at=cph(date(2026, 3, 12), 9))
    book.withdraw(a.absence_id, by="u-coord", at=cph(date(2026, 3, 12), 10))
    assert [(e.action, e.by) for e in book.log] == [
        ("register", "u-centre"), ("end", "u-coord"), ("withdraw", "u-coord")]
    assert all(e.at.tzinfo is not None and e.record_id == a.absence_id for e in book.log)


def test_until_further_notice_and_scope() -> None:
    book = AbsenceBook()
    register(book, "r1", MON, None, cph(date(2026, 2, 27), 10))
    register(book, "r2", MON, MON, cph(date(2026, 2, 27), 10), scope="from_centre")
    assert book.absent_on(date(2026, 9, 1)) == {("r1", "to_centre"), ("r1", "from_centre")}
    assert ("r2", "from_centre") in book.absent_on(MON)
    assert ("r2", "to_centre") not in book.absent_on(MON)
    assert book.absent_on(date(2026, 2, 27)) == set()


def test_validation() -> None:
    book = AbsenceBook()
    with pytest.raises(AbsenceError, match="no time zone"):
        book.register("r1", MON, MON, reason="x", role="rider", by="u", at=datetime(2026, 3, 1))
    with pytest.raises(AbsenceError, match="before start"):
        register(book, "r1", TUE, MON, cph(MON, 9))
    with pytest.raises(AbsenceError, match="role"):
        book.register("r1", MON, MON, reason="x", role="driver",  # type: ignore[arg-type]
                      by="u", at=cph(MON, 9))
    with pytest.raises(AbsenceError, match="unknown"):
        book.withdraw("nope", by="u", at=cph(MON, 9))


def test_morning_no_show_cancels_ride_home_unless_kept() -> None:
    book = AbsenceBook()
    ns = book.record_no_show("r1", TUE, "run-7", by="driver-3", at=cph(TUE, 8, 12))
    assert isinstance(ns, NoShow) and ns.cancels_ride_home
    assert book.record_no_show("r1", TUE, "run-7", by="driver-3", at=cph(TUE, 8, 13)) is ns
    assert book.no_show_cancellations(TUE) == {("r1", "from_centre")}
    assert book.absent_on(TUE) == {("r1", "from_centre")}
    assert book.absent_on(TUE, include_no_shows=False) == set()
    book.keep_ride_home("r1", TUE, by="u-centre", at=cph(TUE, 9))
    assert book.no_show_cancellations(TUE) == set()
    assert [e.action for e in book.log] == ["no_show", "keep_ride_home"]
    # An afternoon no-show cancels nothing further.
    book.record_no_show("r2", TUE, "run-9", by="d", at=cph(TUE, 12, 5), direction="from_centre")
    assert book.no_show_cancellations(TUE) == set()
    assert len(book.no_shows(rider_id="r1")) == 1


def test_rider_absent_22_days_is_flagged_21_not() -> None:
    book = AbsenceBook()
    start = date(2026, 3, 2)
    register(book, "r1", start, None, cph(date(2026, 2, 27), 9))
    assert long_absences(book, start + timedelta(days=20)) == []  # 21 days
    (flag,) = long_absences(book, start + timedelta(days=21))  # 22 days
    assert flag.rider_id == "r1" and flag.days == 22 and flag.start == start
    assert flag.planned_end is None
    # Configurable threshold.
    assert long_absences(book, start + timedelta(days=20), threshold_days=20)


def test_long_absence_merges_weekly_afbud_and_ignores_partial_scope() -> None:
    book = AbsenceBook()
    for week in range(4):  # four weekly Monday–Friday afbud in a row
        monday = date(2026, 3, 2) + timedelta(weeks=week)
        register(book, "r1", monday, monday + timedelta(days=4), cph(date(2026, 2, 27), 9))
    register(book, "r2", date(2026, 3, 2), None, cph(date(2026, 2, 27), 9), scope="from_centre")
    flags = long_absences(book, date(2026, 3, 27))
    assert [f.rider_id for f in flags] == ["r1"]
    assert flags[0].days == 26 and len(flags[0].absence_ids) == 4
    assert long_absences(book, date(2026, 3, 27), bridge_weekends=False) == []
    # An absence that ended before the check day is not on the list.
    assert long_absences(book, date(2026, 4, 1)) == []


def test_one_identity_key_and_one_set_of_rules() -> None:
    from routing.operations.absences import (
        DEFAULT_DEADLINE,
        LONG_ABSENCE_DAYS,
        absence_key,
        absence_rules,
        end_problem,
    )

    assert absence_key("R1", date(2026, 3, 2), None, "both") == "R1|2026-03-02|open|both"
    rules = absence_rules("08:10", 14)
    assert rules.deadline.time_s == 8 * 3600 + 600 and rules.long_absence_days == 14
    assert absence_rules("16:00").deadline == DEFAULT_DEADLINE
    assert absence_rules("16:00").long_absence_days == LONG_ABSENCE_DAYS
    for bad in ("4pm", "25:00"):
        with pytest.raises(ValueError):
            absence_rules(bad)
    start = date(2026, 3, 2)
    assert end_problem(start, False, start) is None
    assert end_problem(start, False, date(2026, 3, 1)) == "before_start"
    assert end_problem(start, True, date(2026, 3, 9)) == "withdrawn"
