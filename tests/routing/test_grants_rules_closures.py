"""Grants in riders.csv, [rules] in scenario.toml, closures.csv: read, validated, applied.

Concrete cases from the seeds: W42 closes a centre in week 42 of 2026 and 2027 with no flag; the
Sønderborg preset keeps a centre open on Grundlovsdag; a rider granted reimbursement is not
planned.
"""

from __future__ import annotations

import shutil
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from routing.errors import ScenarioErrors
from routing.model import Rider
from routing.municipality.grants import (
    Grant,
    GrantError,
    awaiting_start,
    in_force,
    plannable_scenario,
    rider_fields,
)
from routing.municipality.rules import (
    PRESETS,
    MunicipalityRules,
    RulesError,
    preset,
    rules_from_mapping,
    rules_to_toml,
)
from routing.operations.absences import Absence
from routing.operations.calendar import (
    CentreCalendar,
    Closure,
    RecurringClosure,
    holiday_rules,
    parse_closures_csv,
)
from routing.operations.followup import follow_ups
from routing.scenario.reader import load_scenario, write_scenario

GOOD = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "good"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    target = tmp_path / "good"
    shutil.copytree(GOOD, target)
    return target


def _set_riders(directory: Path, extra_header: str, cells: dict[str, str]) -> None:
    """Add columns to riders.csv; ``cells`` maps rider id → the extra cells."""
    path = directory / "riders.csv"
    lines = path.read_text("utf-8").splitlines()
    out = [lines[0] + "," + extra_header]
    width = extra_header.count(",") + 1
    for line in lines[1:]:
        rid = line.split(",", 1)[0]
        out.append(line + "," + cells.get(rid, "," * (width - 1)))
    path.write_text("\n".join(out) + "\n", "utf-8")


def test_grant_columns_default_to_the_shared_ride(good: Path) -> None:
    sc = load_scenario(good)
    assert all(r.grant == "shared_ride" and r.grant_from is None for r in sc.riders)
    _set_riders(good, "grant,grant_from,grant_to,can_cycle",
                {"R1": "reimbursement,2026-03-01,,1", "R2": "shared_ride,2026-01-05,2026-06-30,0"})
    sc = load_scenario(good)
    r1, r2 = sc.rider("R1"), sc.rider("R2")
    assert (r1.grant, r1.grant_from, r1.can_cycle) == ("reimbursement", date(2026, 3, 1), True)
    assert not r1.rides_on(date(2026, 3, 2))
    assert r2.rides_on(date(2026, 1, 5)) and not r2.rides_on(date(2026, 1, 4))
    assert not r2.rides_on(date(2026, 7, 1))
    # Round trip with the new columns.
    out = good.parent / "out"
    write_scenario(sc, out)
    assert load_scenario(out).riders == sc.riders


def test_bad_grant_cells_name_row_and_column(good: Path) -> None:
    _set_riders(good, "grant,grant_from,grant_to",
                {"R1": "taxa,,", "R2": "shared_ride,1/3/2026,2026-01-01"})
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(good)
    where = {(e.file, e.row, e.column) for e in info.value.errors}
    assert ("riders.csv", 2, "grant") in where and ("riders.csv", 3, "grant_from") in where


def test_w42_closes_the_centre_every_year_without_a_flag(good: Path) -> None:
    (good / "closures.csv").write_text(
        "centre_id,start,end,reason\n"
        "TRA,W42,W42,Efterårsferie\n"
        "*,W28,W30,Sommerferie\n"
        "NOR,12-23,01-02,Jul og nytår\n"
        "NOR,2026-04-10,,Personaledag\n", "utf-8")
    sc = load_scenario(good)
    cal = CentreCalendar(sc.closures)
    for year in (2026, 2027):
        monday = date.fromisocalendar(year, 42, 1)
        for i in range(5):
            day = date.fromisocalendar(year, 42, i + 1)
            assert cal.closing_reason("TRA", day) == "Efterårsferie", day
        assert cal.is_open("NOR", monday)  # only TRA closes in week 42
        assert cal.closing_reason("NOR", date.fromisocalendar(year, 29, 3)) == "Sommerferie"
    assert cal.is_open("TRA", date.fromisocalendar(2026, 43, 1))
    # A period every year across New Year; a single date once.
    assert cal.closing_reason("NOR", date(2027, 1, 1)) is not None
    assert cal.closing_reason("NOR", date(2027, 12, 23)) == "Jul og nytår"
    assert cal.closing_reason("NOR", date(2026, 4, 10)) == "Personaledag"
    assert cal.is_open("NOR", date(2027, 4, 12))
    out = good.parent / "out"
    write_scenario(sc, out)
    assert load_scenario(out).closures == sc.closures


def test_bad_closures_are_reported_with_row() -> None:
    with pytest.raises(ScenarioErrors) as info:
        parse_closures_csv("centre_id,start,end,reason\nTRA,W42,10-20,x\nXX,W60,,y\n"
                           "TRA,13-01,,z\n", centre_ids={"TRA"})
    rows = {(e.row, e.column) for e in info.value.errors}
    assert (2, "end") in rows and (3, "centre_id") in rows and (3, "start") in rows
    assert (4, "start") in rows


def test_recurring_closure_in_a_year() -> None:
    w = RecurringClosure("TRA", "W42", "W42", "Efterårsferie")
    assert w.in_year(2026) == (Closure("TRA", date(2026, 10, 12), date(2026, 10, 18),
                                       "Efterårsferie"),)


def test_soenderborg_keeps_a_centre_open_on_grundlovsdag(good: Path) -> None:
    grundlovsdag = date(2026, 6, 5)  # a Friday
    assert not CentreCalendar().is_open("TRA", grundlovsdag)
    rules = preset("soenderborg")
    cal = CentreCalendar(rules=holiday_rules(rules.closing_days))
    assert cal.is_open("TRA", grundlovsdag)
    assert not cal.is_open("TRA", date(2026, 12, 28))  # Christmas stays closed
    # Per centre: one centre open on Grundlovsdag, the others closed (default rules).
    (good / "scenario.toml").write_text(
        'name = "x"\n[rules]\ncentre_closing_days = { NOR = ["christmas_eve"] }\n', "utf-8")
    sc = load_scenario(good)
    assert isinstance(sc.rules, MunicipalityRules)
    assert sc.rules.closing_days_of("NOR") == ("christmas_eve",)
    assert "grundlovsdag" in sc.rules.closing_days_of("TRA")


def test_every_preset_has_a_source_and_writes_a_rules_block() -> None:
    assert set(PRESETS) == {"soenderborg", "randers", "haderslev", "broenderslev", "norddjurs"}
    for name, rules in PRESETS.items():
        assert rules.sources and rules.municipality
        block = rules_to_toml(rules)
        again = rules_from_mapping(tomllib.loads(block)["rules"])
        assert again == rules, name
    assert preset("randers").long_absence_notify == "Socialområdet"
    assert preset("broenderslev").start_promise_days == 14
    assert "Handicap, Socialpsykiatri og Myndighed" in preset("haderslev").appeal_text_da()
    assert "inden for 4 uger" in preset("broenderslev").appeal_text_da()
    assert not MunicipalityRules().no_show_cancels_ride_home


def test_rules_errors_name_the_key(good: Path) -> None:
    with pytest.raises(RulesError, match="preset: unknown 'aarhus'"):
        rules_from_mapping({"preset": "aarhus"})
    with pytest.raises(RulesError, match="afbud_deadline"):
        rules_from_mapping({"afbud_deadline": "4pm"})
    (good / "scenario.toml").write_text(
        'name = "x"\n[rules]\npreset = "randers"\nlong_absence_days = "tre uger"\n'
        'colour = "red"\n', "utf-8")
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(good)
    cols = {(e.row, e.column) for e in info.value.errors}
    assert cols == {(4, "rules.long_absence_days")}


def test_rider_grant_must_be_known() -> None:
    with pytest.raises(ValueError, match="grant 'taxa'"):
        Rider("X", "X", 55.8, 10.6, "C", ("s",), grant="taxa")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Grants


def _grant(kind: str, start: date, end: date | None = None) -> Grant:
    return Grant("R", kind, start, end, "Mette L.", start)  # type: ignore[arg-type]


def test_a_later_grant_cuts_the_shared_ride_short() -> None:
    fields = rider_fields([_grant("shared_ride", date(2026, 1, 5)),
                           _grant("reimbursement", date(2026, 3, 1))])
    assert fields == {"grant": "shared_ride", "grant_from": date(2026, 1, 5),
                      "grant_to": date(2026, 2, 28)}
    # Only a reimbursement recorded: the rider rode before it, not from it.
    fields = rider_fields([_grant("reimbursement", date(2026, 3, 1))])
    rider = Rider("R", "R", 55.8, 10.6, "C", ("s",), **fields)
    assert rider.rides_on(date(2026, 2, 27)) and not rider.rides_on(date(2026, 3, 1))
    # A shared ride granted again after a reimbursement.
    fields = rider_fields([_grant("reimbursement", date(2026, 3, 1)),
                           _grant("shared_ride", date(2026, 9, 1))])
    assert fields["grant_from"] == date(2026, 9, 1) and fields["grant_to"] is None
    assert in_force([_grant("shared_ride", date(2026, 1, 5)),
                     _grant("none", date(2026, 3, 1))], "R", date(2026, 3, 2)).kind == "none"
    with pytest.raises(GrantError, match="decided_by"):
        Grant("R", "none", date(2026, 1, 1), None, " ", date(2026, 1, 1))


def test_only_riders_granted_the_shared_ride_are_planned_and_awaited(good: Path) -> None:
    _set_riders(good, "grant,grant_from,grant_to",
                {"R1": "reimbursement,2026-03-01,", "R2": "shared_ride,2026-03-02,"})
    sc = load_scenario(good)
    on = date(2026, 3, 4)
    planned = plannable_scenario(sc, on)
    assert "R1" not in {r.rider_id for r in planned.riders}
    assert "R2" in {r.rider_id for r in planned.riders}
    waiting = awaiting_start(sc, None, on, promise_days=14)
    by_id = {a.rider_id: a for a in waiting}
    assert "R1" not in by_id and by_id["R2"].days_left == 12
    assert by_id["R2"].due == date(2026, 3, 16)


# --------------------------------------------------------------------------------------------
# Long absences to follow up


def _afbud(aid: str, start: date, end: date | None, scope: str = "both") -> Absence:
    return Absence(aid, "R", start, end, "Sygdom", "centre", "u1",
                   datetime(2026, 1, 1, tzinfo=UTC), scope=scope)  # type: ignore[arg-type]


def test_a_25_day_absence_that_ended_yesterday_is_followed_up_until_acknowledged() -> None:
    today = date(2026, 2, 27)
    afbud = [_afbud("1", date(2026, 2, 2), date(2026, 2, 13)),
             _afbud("2", date(2026, 2, 16), date(2026, 2, 26))]  # a weekend apart: one absence
    (f,) = follow_ups(afbud, today, 21)
    assert (f.start, f.end, f.days, f.ended, f.absence_ids) == (
        date(2026, 2, 2), date(2026, 2, 26), 25, True, ("1", "2"))
    assert follow_ups(afbud, today, 21, acknowledged={("R", date(2026, 2, 2))}) == []
    assert follow_ups(afbud, today, 25) == []  # not *more* than 25 days
    # Only one direction cancelled: the rider still attends.
    assert follow_ups([_afbud("3", date(2026, 1, 1), None, "to_centre")], today, 21) == []
    ongoing = follow_ups([_afbud("4", date(2026, 2, 1), None)], today, 21)
    assert ongoing[0].days == 27 and not ongoing[0].ended


def test_the_days_runs_leave_out_a_rider_without_a_shared_ride_grant(samso_network: object
                                                                      ) -> None:
    import dataclasses

    from routing.operations.absences import AbsenceBook
    from routing.operations.daily import daily_expected_trips, daily_runs_for_date
    from routing.planning.planner import build_plan, place_matrix
    from routing.verify.checks import expected_trips, verify_plan
    from tests.demo_subsets import monday_demo

    sc = monday_demo("grant-day", n_riders=8)
    matrix = place_matrix(sc, samso_network)  # type: ignore[arg-type]
    plan = build_plan(sc, samso_network, matrix=matrix)  # type: ignore[arg-type]
    gone = next(r.rider_id for run in plan.runs for r in sc.riders if r.rider_id in run.rider_ids)
    # Reimbursement from 9 March: the shared-ride grant ends on 8 March (rider_fields).
    granted = dataclasses.replace(sc, riders=tuple(
        dataclasses.replace(r, **rider_fields([_grant("shared_ride", date(2026, 1, 5)),
                                               _grant("reimbursement", date(2026, 3, 9))]))
        if r.rider_id == gone else r for r in sc.riders))
    before = daily_runs_for_date(plan, granted, matrix, date(2026, 3, 2),
                                 calendar=CentreCalendar(), book=AbsenceBook())
    after = daily_runs_for_date(plan, granted, matrix, date(2026, 3, 9),
                                calendar=CentreCalendar(), book=AbsenceBook())
    riders_before = {r for run in before.runs for r in run.rider_ids}
    riders_after = {r for run in after.runs for r in run.rider_ids}
    assert gone in riders_before and gone not in riders_after
    assert after.not_granted == {gone} and after.removed == ()  # not struck out: just not there
    # Everybody else keeps the agreed pickup time.

    def agreed(result: object) -> dict[tuple[str, str], int | None]:
        return {(r, run.direction): s.agreed_s for run in result.runs  # type: ignore[attr-defined]
                for s in run.stops if s.kind == "pickup" for r in s.rider_ids}

    kept = {k: v for k, v in agreed(before).items() if k[0] != gone}
    assert {k: v for k, v in agreed(after).items()} == kept
    daily = after.as_plan(sc.name, plan.params)
    expected = daily_expected_trips(expected_trips(granted), after)
    errors = [v for v in verify_plan(daily, granted, samso_network,  # type: ignore[arg-type]
                                     expected_trips=expected) if v.severity == "error"]
    assert errors == []
