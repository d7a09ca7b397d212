"""Centre calendars: Danish holidays, customary closing days, closures, CSV and iCalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from routing.errors import ScenarioError, ScenarioErrors
from routing.operations.calendar import (
    CENTRE_RULES,
    OFFICE_RULES,
    CentreCalendar,
    Closure,
    HolidayRules,
    calendar_to_ics,
    closures_to_csv,
    danish_holidays,
    holiday_name,
    is_working_day,
    parse_closures_csv,
    parse_closures_ics,
    previous_working_day,
    read_closures_csv,
    week_dates,
    weekday_key,
)
from routing.operations.holidays import next_working_day

SUMMER_2026 = Closure("c1", date(2026, 7, 6), date(2026, 7, 24), "Sommerlukning")
WEEK_42 = Closure.week("c1", 2026, 42, "Efterårsferie")


@pytest.fixture
def calendar() -> CentreCalendar:
    return CentreCalendar((SUMMER_2026, WEEK_42, Closure.day("c2", date(2026, 3, 4),
                                                             "Personaledag")))


def test_public_holidays_2026_are_closed(calendar: CentreCalendar) -> None:
    assert calendar.closing_reason("c1", date(2026, 5, 14)) == "Kristi himmelfartsdag"
    assert calendar.closing_reason("c1", date(2026, 4, 2)) == "Skærtorsdag"
    assert calendar.closing_reason("c1", date(2026, 5, 25)) == "Anden pinsedag"
    assert not calendar.is_open("c2", date(2026, 1, 1))
    # The Friday after Ascension is a per-centre closure, not a holiday.
    assert calendar.is_open("c1", date(2026, 5, 15))


def test_customary_closing_days_are_default(calendar: CentreCalendar) -> None:
    assert calendar.closing_reason("c1", date(2026, 6, 5)) == "Grundlovsdag"
    for dom in range(24, 32):
        day = date(2026, 12, dom)
        if day.weekday() < 5:
            assert not calendar.is_open("c1", day), day
    assert calendar.closing_reason("c1", date(2026, 12, 24)) == "Juleaftensdag"
    assert calendar.closing_reason("c1", date(2026, 12, 28)) == "Mellem jul og nytår"
    assert calendar.is_open("c1", date(2026, 12, 23))
    # 1 May is not a general closing day …
    assert calendar.is_open("c1", date(2026, 5, 1))
    # … but can be made one.
    assert not CentreCalendar(rules=HolidayRules(may_day=True)).is_open("c1", date(2026, 5, 1))


def test_store_bededag_only_up_to_2023() -> None:
    assert holiday_name(date(2023, 5, 5)) == "Store bededag"
    assert holiday_name(date(2024, 4, 26)) is None
    assert date(2026, 5, 1) not in danish_holidays(2026)


def test_weekend_is_closed(calendar: CentreCalendar) -> None:
    assert calendar.closing_reason("c1", date(2026, 3, 7)) == "Weekend"
    assert weekday_key(date(2026, 3, 7)) is None
    assert weekday_key(date(2026, 3, 2)) == "mon"


def test_summer_closure_and_week_42(calendar: CentreCalendar) -> None:
    for day in (date(2026, 7, 6), date(2026, 7, 15), date(2026, 7, 24)):
        assert calendar.closing_reason("c1", day) == "Sommerlukning"
    assert calendar.is_open("c1", date(2026, 7, 27))
    assert calendar.is_open("c2", date(2026, 7, 15))  # closures are per centre
    assert WEEK_42.start == date(2026, 10, 12) and WEEK_42.end == date(2026, 10, 18)
    for dom in range(12, 17):
        assert calendar.closing_reason("c1", date(2026, 10, dom)) == "Efterårsferie"
    assert calendar.closed_centres(["c1", "c2"], date(2026, 10, 14)) == {"c1"}
    assert calendar.closed_centres(["c1", "c2"], date(2026, 3, 4)) == {"c2"}


def test_holiday_reason_wins_over_closure() -> None:
    cal = CentreCalendar((Closure("c1", date(2026, 12, 21), date(2027, 1, 1), "Juleferie"),))
    assert cal.closing_reason("c1", date(2026, 12, 22)) == "Juleferie"
    assert cal.closing_reason("c1", date(2026, 12, 25)) == "Juledag"


def test_week_dates() -> None:
    days = week_dates(2026, 42)
    assert days[0] == date(2026, 10, 12) and days[-1] == date(2026, 10, 18) and len(days) == 7
    assert week_dates(2026, 53)[0] == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    with pytest.raises(ValueError, match="no ISO week 53"):
        week_dates(2027, 53)


def test_working_days_skip_weekends_and_holidays() -> None:
    assert previous_working_day(date(2026, 3, 3)) == date(2026, 3, 2)
    assert previous_working_day(date(2026, 3, 2)) == date(2026, 2, 27)  # Monday → Friday
    assert previous_working_day(date(2026, 5, 26)) == date(2026, 5, 22)  # after Whit Monday
    assert previous_working_day(date(2026, 5, 15)) == date(2026, 5, 13)  # after Ascension
    assert previous_working_day(date(2026, 4, 7)) == date(2026, 4, 1)  # Easter
    assert next_working_day(date(2026, 12, 4)) == date(2026, 12, 7)  # Friday → Monday
    assert next_working_day(date(2026, 5, 22)) == date(2026, 5, 26)  # over Whit Monday
    # The office works 27–30 December, but not on Christmas Eve.
    assert is_working_day(date(2026, 12, 28), OFFICE_RULES)
    assert not is_working_day(date(2026, 12, 28), CENTRE_RULES)
    assert previous_working_day(date(2026, 12, 28)) == date(2026, 12, 23)


def test_closure_validation() -> None:
    with pytest.raises(ValueError, match="before start"):
        Closure("c1", date(2026, 7, 10), date(2026, 7, 1), "x")


def test_csv_import(tmp_path: Path) -> None:
    text = (
        "centre_id,start,end,reason\n"
        "c1,2026-07-06,2026-07-24,Sommerlukning\n"
        "c1,2026-W42,,Efterårsferie\n"
        "c2,04-03-2026,,Personaledag\n"
        "\n"
    )
    path = tmp_path / "closures.csv"
    path.write_text(text, encoding="utf-8")
    closures = read_closures_csv(path, centre_ids={"c1", "c2"})
    assert closures == (SUMMER_2026, WEEK_42, Closure.day("c2", date(2026, 3, 4),
                                                           "Personaledag"))
    assert parse_closures_csv(closures_to_csv(closures)) == closures


def test_csv_semicolon_delimiter() -> None:
    text = "centre_id;start;end;reason\nc1;2026-02-16;2026-02-20;Vinterferie\n"
    (closure,) = parse_closures_csv(text)
    assert closure.days == 5 and closure.reason == "Vinterferie"


def test_csv_errors_name_row_and_column() -> None:
    text = (
        "centre_id,start,end,reason\n"
        "c1,2026-07-06,2026-07-24,ok\n"
        "cX,2026-07-06,,unknown centre\n"
        "c1,2026-13-01,,bad start\n"
        "c1,2026-07-10,2026-07-01,end before start\n"
        ",2026-07-10,,no centre\n"
    )
    with pytest.raises(ScenarioErrors) as info:
        parse_closures_csv(text, file="lukkedage.csv", centre_ids={"c1"})
    errors = info.value.errors
    located = {(e.row, e.column) for e in errors}
    assert located == {(3, "centre_id"), (4, "start"), (5, "end"), (6, "centre_id")}
    assert all(isinstance(e, ScenarioError) and e.file == "lukkedage.csv" for e in errors)
    assert "lukkedage.csv, row 3, column 'centre_id'" in str(errors[0])


def test_csv_missing_column() -> None:
    with pytest.raises(ScenarioErrors, match="missing column"):
        parse_closures_csv("centre,from\nc1,2026-01-01\n")


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//DA
BEGIN:VEVENT
UID:summer@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260706
DTEND;VALUE=DATE:20260725
SUMMARY:Sommerlukning
END:VEVENT
BEGIN:VEVENT
UID:staff@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260304
SUMMARY:Personaledag
END:VEVENT
END:VCALENDAR
"""


def test_ics_import_all_day_events() -> None:
    closures = parse_closures_ics(ICS, "c1")
    assert closures == (
        Closure.day("c1", date(2026, 3, 4), "Personaledag"),
        SUMMER_2026,  # DTEND is exclusive
    )


def test_ics_rejects_timed_and_recurring_events() -> None:
    bad = ICS.replace("DTSTART;VALUE=DATE:20260304", "DTSTART:20260304T130000Z").replace(
        "UID:summer@test", "UID:summer@test\nRRULE:FREQ=YEARLY")
    with pytest.raises(ScenarioErrors) as info:
        parse_closures_ics(bad, "c1", file="c1.ics")
    messages = [str(e) for e in info.value.errors]
    assert any("recurring" in m and "Sommerlukning" in m for m in messages)
    assert any("not an all-day event" in m and "Personaledag" in m for m in messages)


def test_ics_garbage_is_an_error() -> None:
    with pytest.raises(ScenarioErrors, match="not a valid iCalendar"):
        parse_closures_ics("this is not a calendar", "c1")


def test_ics_export_roundtrip(calendar: CentreCalendar) -> None:
    data = calendar_to_ics(calendar, "c1", 2026, centre_name="Æblehaven",
                           stamp=datetime(2026, 1, 1, tzinfo=UTC))
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Kristi himmelfartsdag" in text
    assert "SUMMARY:Grundlovsdag" in text
    assert "DTSTART;VALUE=DATE:20261012" in text and "DTEND;VALUE=DATE:20261019" in text
    assert "X-WR-CALNAME:Lukkedage Æblehaven 2026" in text
    # Holidays on weekends are left out; holidays are skipped on re-import.
    assert "DTSTART;VALUE=DATE:20261226" not in text  # Saturday
    assert parse_closures_ics(data, "c1") == (SUMMER_2026, WEEK_42)
