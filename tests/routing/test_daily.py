"""Daily runs of the demo scenario on concrete dates: holidays, closures, afbud, no-shows, savings.

Most tests use a small hand-made weekly plan of demo riders (Monday and Thursday, both centres,
four vehicles) so that every expected figure can be derived; one test runs the real planner.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from routing.model import Plan, Run, Scenario
from routing.network.matrix import TravelMatrix
from routing.network.roads import RoadNetwork
from routing.operations.absences import COPENHAGEN, AbsenceBook, is_late_afbud
from routing.operations.calendar import CentreCalendar, Closure
from routing.operations.consolidation import build_run
from routing.operations.daily import (
    DailyResult,
    daily_expected_trips,
    daily_runs,
    daily_runs_for_date,
)
from routing.operations.statistics import operations_statistics
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore, runs_cost_ore
from routing.planning.planner import place_matrix
from routing.planning.rules import boarding_time_s, pickup_tolerance_s
from routing.planning.stops import RunContext, run_problems
from routing.verify.checks import expected_trips, verify_plan

MON = date(2026, 3, 2)
THU_ASCENSION = date(2026, 5, 14)  # Kristi himmelfartsdag
CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday
SUMMER_MON = date(2026, 7, 6)
WEEK42_MON = date(2026, 10, 12)

# (vehicle, riders) per run; the same riders ride Monday and Thursday.
RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("BUS1", ("R10", "R12", "R24", "R25")),
    ("TAXI1", ("R35", "R59")),
    ("BUS2", ("R22", "R27")),  # Nordby, two wheelchair users, one with an escort
    ("BUS3", ("R61", "R60")),
)


@pytest.fixture(scope="module")
def plan(demo: Scenario, demo_matrix: TravelMatrix, demo_params: PlanParams) -> Plan:
    runs: list[Run] = []
    for weekday in ("mon", "thu"):
        for vehicle, riders in RUNS:
            to = build_run(f"{weekday}-to-{vehicle}", weekday, "to_centre", vehicle, riders,
                           demo, demo_matrix, demo_params)
            home = build_run(f"{weekday}-from-{vehicle}", weekday, "from_centre", vehicle,
                             riders, demo, demo_matrix, demo_params, other_runs=[to])
            runs += [to, home]
    return Plan(runs=tuple(runs), unserved=(), scenario="hand-made demo week")


def plan_trips(plan: Plan) -> set[tuple[str, str, str]]:
    return {(r, run.weekday, run.direction) for run in plan.runs for r in run.rider_ids}


def errors(plan: Plan, scenario: Scenario, network: RoadNetwork, params: PlanParams,
           trips: set[tuple[str, str, str]]) -> list[str]:
    return [str(v) for v in verify_plan(plan, scenario, network, params, expected_trips=trips)
            if v.severity == "error"]


def verify_daily(result: DailyResult, plan: Plan, scenario: Scenario, network: RoadNetwork,
                 params: PlanParams) -> list[str]:
    return errors(result.as_plan(), scenario, network, params,
                  daily_expected_trips(plan_trips(plan), result))


def cph(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=COPENHAGEN)


def run_of(plan: Plan, run_id: str) -> Run:
    return next(r for r in plan.runs if r.run_id == run_id)


def test_hand_made_plan_is_valid(plan: Plan, demo: Scenario, samso_network: RoadNetwork,
                                 demo_params: PlanParams) -> None:
    assert errors(plan, demo, samso_network, demo_params, plan_trips(plan)) == []


def test_ordinary_day_keeps_the_plan(plan: Plan, demo: Scenario, demo_matrix: TravelMatrix,
                                     demo_params: PlanParams, samso_network: RoadNetwork) -> None:
    result = daily_runs_for_date(plan, demo, demo_matrix, MON, calendar=CentreCalendar(),
                                 book=AbsenceBook(), params=demo_params)
    assert result.weekday == "mon" and result.day == "2026-03-02"
    assert [r.run_id for r in result.runs] == [r.run_id for r in plan.runs if r.weekday == "mon"]
    assert all(r.weekday == "2026-03-02" for r in result.runs)
    for daily, planned in zip(result.runs, result.planned, strict=True):
        assert daily.stops == planned.stops
    assert result.cancelled == () and result.removed == () and result.saved_ore == 0
    assert verify_daily(result, plan, demo, samso_network, demo_params) == []


@pytest.mark.parametrize("holiday", [THU_ASCENSION, CHRISTMAS_EVE])
def test_holiday_has_no_runs(holiday: date, plan: Plan, demo: Scenario,
                             demo_matrix: TravelMatrix, demo_params: PlanParams) -> None:
    result = daily_runs_for_date(plan, demo, demo_matrix, holiday, calendar=CentreCalendar(),
                                 book=AbsenceBook(), params=demo_params)
    assert result.weekday == "thu"
    assert result.runs == ()
    assert len(result.cancelled) == len(RUNS) * 2
    assert {c.reason for c in result.cancelled} == {"closed"}
    assert {r.reason for r in result.removed} == {"closed"}
    vehicles = {v.vehicle_id: v for v in demo.vehicles}
    assert result.planned_cost_ore == runs_cost_ore(result.planned, vehicles) > 0
    assert result.saved_ore == result.planned_cost_ore == result.cancelled_saved_ore


def test_weekend_has_no_runs(plan: Plan, demo: Scenario, demo_matrix: TravelMatrix,
                             demo_params: PlanParams) -> None:
    result = daily_runs(plan, demo, demo_matrix, date(2026, 3, 7), set(), set(), demo_params)
    assert result.weekday is None and result.runs == () and result.planned == ()


def test_summer_closure_week_of_one_centre(plan: Plan, demo: Scenario, demo_matrix: TravelMatrix,
                                           demo_params: PlanParams,
                                           samso_network: RoadNetwork) -> None:
    calendar = CentreCalendar((Closure("TRA", date(2026, 7, 6), date(2026, 7, 24),
                                       "Sommerlukning"),))
    for day in (SUMMER_MON, date(2026, 7, 9), date(2026, 7, 23)):
        result = daily_runs_for_date(plan, demo, demo_matrix, day, calendar=calendar,
                                     book=AbsenceBook(), params=demo_params)
        # Only the Nordby runs drive, unchanged; no run goes to or from the closed centre.
        assert {r.run_id.split("-")[-1] for r in result.runs} == {"BUS2"}
        assert all("TRA" not in r.centre_ids and r.centre_id == "NOR" for r in result.runs)
        assert {r.reason for r in result.removed} == {"closed"}
        assert {c.reason for c in result.cancelled} == {"closed"}
        assert verify_daily(result, plan, demo, samso_network, demo_params) == []
    after = daily_runs_for_date(plan, demo, demo_matrix, date(2026, 7, 27), calendar=calendar,
                                book=AbsenceBook(), params=demo_params)
    assert len(after.runs) == len(RUNS) * 2


def test_week_42_closure(plan: Plan, demo: Scenario, demo_matrix: TravelMatrix,
                         demo_params: PlanParams) -> None:
    calendar = CentreCalendar(tuple(Closure.week(c, 2026, 42, "Efterårsferie")
                                    for c in ("TRA", "NOR")))
    for day in (WEEK42_MON, date(2026, 10, 15)):
        result = daily_runs_for_date(plan, demo, demo_matrix, day, calendar=calendar,
                                     book=AbsenceBook(), params=demo_params)
        assert result.runs == () and len(result.cancelled) == len(RUNS) * 2
    assert daily_runs_for_date(plan, demo, demo_matrix, date(2026, 10, 19), calendar=calendar,
                               book=AbsenceBook(), params=demo_params).runs


def test_absent_rider_removed_others_keep_agreed_times(
    plan: Plan, demo: Scenario, demo_matrix: TravelMatrix, demo_params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    planned = run_of(plan, "mon-to-BUS1")
    first = planned.stops[1].rider_ids[0]
    result = daily_runs(plan, demo, demo_matrix, MON, {(first, "to_centre")}, set(), demo_params)
    daily = result.run("mon-to-BUS1")
    assert daily is not None and first not in daily.rider_ids
    assert result.removed_from("mon-to-BUS1")[0].reason == "absent"
    planned_agreed = {r: s.agreed_s for s in planned.stops if s.kind == "pickup"
                      for r in s.rider_ids}
    for stop in daily.stops:
        if stop.kind == "pickup":
            assert stop.agreed_s == planned_agreed[stop.rider_ids[0]]
            # Boarding within the pickup interval; nobody on board waits.
            boarding = stop.departure_s - sum(boarding_time_s(demo.rider(r), demo_params)
                                              for r in stop.rider_ids)
            assert stop.agreed_s <= boarding <= stop.agreed_s + pickup_tolerance_s(demo_params)
    assert run_problems(daily, RunContext(demo, demo_matrix, demo_params)) == []
    # The vehicle leaves later and the run is shorter and cheaper.
    assert daily.stops[0].departure_s > planned.stops[0].departure_s
    assert daily.duration_s < planned.duration_s
    assert result.saved_ore > 0 and result.cancelled == ()
    # The ride home is untouched (scope to_centre only).
    assert result.run("mon-from-BUS1") is not None
    assert first in result.run("mon-from-BUS1").rider_ids  # type: ignore[union-attr]
    assert verify_daily(result, plan, demo, samso_network, demo_params) == []


def test_late_afbud_is_honoured_and_counted_late(
    plan: Plan, demo: Scenario, demo_matrix: TravelMatrix, demo_params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    run = run_of(plan, "mon-to-BUS1")
    start = run.stops[0].departure_s
    late_rider, too_late_rider = run.stops[2].rider_ids[0], run.stops[3].rider_ids[0]
    book = AbsenceBook()
    # Monday 07:30: after the deadline (Friday 16:00), before the run leaves (after 08:00).
    assert start > 8 * 3600
    late = book.register(late_rider, MON, MON, reason="Syg", role="relative", by="u-rel",
                         at=cph(MON, 7, 30))
    # After the morning run has left: too late for it, in time for the ride home.
    book.register(too_late_rider, MON, MON, reason="Syg", role="centre", by="u-tra",
                  at=cph(MON, 10, 0))
    on_time = book.register("R35", MON, MON, reason="Ferie", role="rider", by="u-r35",
                            at=cph(date(2026, 2, 27), 15, 0))
    assert is_late_afbud(late) and not is_late_afbud(on_time)
    result = daily_runs_for_date(plan, demo, demo_matrix, MON, calendar=CentreCalendar(),
                                 book=book, params=demo_params)
    removed = {(r.rider_id, r.direction) for r in result.removed}
    assert (late_rider, "to_centre") in removed and (late_rider, "from_centre") in removed
    assert (too_late_rider, "to_centre") not in removed
    assert (too_late_rider, "from_centre") in removed
    assert verify_daily(result, plan, demo, samso_network, demo_params) == []

    stats = operations_statistics(book, demo, [result])
    assert stats.total.afbud == 3 and stats.total.afbud_late == 2
    assert stats.total.afbud_on_time == 1
    assert stats.by_rider[late_rider].afbud_late == 1
    assert stats.by_centre["TRA"].afbud == 3
    assert stats.by_month["2026-03"].afbud_late == 2
    assert stats.to_dict()["total"]["afbud_late"] == 2


def test_run_emptied_by_afbud_is_cancelled_and_saving_reported(
    plan: Plan, demo: Scenario, demo_matrix: TravelMatrix, demo_params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    book = AbsenceBook()
    for rider in ("R61", "R60"):  # both riders of BUS3, both ways
        book.register(rider, MON, MON, reason="Udflugt med familien", role="relative",
                      by="u-rel", at=cph(date(2026, 2, 26), 12))
    result = daily_runs_for_date(plan, demo, demo_matrix, MON, calendar=CentreCalendar(),
                                 book=book, params=demo_params)
    vehicles = {v.vehicle_id: v for v in demo.vehicles}
    to, home = run_of(plan, "mon-to-BUS3"), run_of(plan, "mon-from-BUS3")
    assert {c.run_id for c in result.cancelled} == {to.run_id, home.run_id}
    assert {c.reason for c in result.cancelled} == {"empty"}
    expected = (run_variable_cost_ore(to, vehicles["BUS3"])
                + run_variable_cost_ore(home, vehicles["BUS3"])
                + vehicles["BUS3"].fixed_cost_ore)  # BUS3 has no other run that day
    assert result.cancelled_saved_ore == expected == result.saved_ore
    assert all(r.vehicle_id != "BUS3" for r in result.runs)
    assert verify_daily(result, plan, demo, samso_network, demo_params) == []

    stats = operations_statistics(book, demo, [result])
    assert stats.by_centre["TRA"].cancelled_runs == 2
    assert stats.by_centre["TRA"].saved_ore == expected
    assert stats.saved_by_month_ore == {"2026-03": expected}

    # Only the morning ride cancelled: the vehicle still drives, no fixed price saved.
    only_to = daily_runs(plan, demo, demo_matrix, MON, {("R61", "to_centre"),
                                                       ("R60", "to_centre")}, set(), demo_params)
    (cancelled,) = only_to.cancelled
    assert cancelled.saved_ore == run_variable_cost_ore(to, vehicles["BUS3"])


def test_morning_no_show_cancels_ride_home(plan: Plan, demo: Scenario, demo_matrix: TravelMatrix,
                                           demo_params: PlanParams) -> None:
    book = AbsenceBook()
    book.record_no_show("R10", MON, "mon-to-BUS1", by="driver-1", at=cph(MON, 8, 30))
    # By default (no municipality states the rule) the ride home stays.
    default = daily_runs_for_date(plan, demo, demo_matrix, MON, calendar=CentreCalendar(),
                                  book=book, params=demo_params)
    assert default.removed == ()
    result = daily_runs_for_date(plan, demo, demo_matrix, MON, calendar=CentreCalendar(),
                                 book=book, params=demo_params, no_show_cancels_ride_home=True)
    assert [(r.rider_id, r.direction, r.reason) for r in result.removed] == [
        ("R10", "from_centre", "no_show")]
    book.keep_ride_home("R10", MON, by="u-tra", at=cph(MON, 9, 0))
    kept = daily_runs_for_date(plan, demo, demo_matrix, MON, calendar=CentreCalendar(),
                               book=book, params=demo_params, no_show_cancels_ride_home=True)
    assert kept.removed == ()
    stats = operations_statistics(book, demo, [kept])
    assert stats.by_rider["R10"].no_shows == 1


def test_unknown_place_names_the_place(plan: Plan, demo: Scenario, demo_params: PlanParams,
                                       demo_matrix: TravelMatrix) -> None:
    import numpy as np

    keep = [i for i, pid in enumerate(demo_matrix.ids) if pid != "centre:TRA"]
    small = TravelMatrix(tuple(demo_matrix.ids[i] for i in keep),
                         demo_matrix.time_s[np.ix_(keep, keep)],
                         demo_matrix.distance_m[np.ix_(keep, keep)])
    with pytest.raises(KeyError, match="centre:TRA"):
        daily_runs(plan, demo, small, MON, {("R10", "to_centre")}, set(), demo_params)


def test_daily_runs_of_the_real_plan_pass_verify(demo: Scenario, samso_network: RoadNetwork,
                                                  demo_params: PlanParams) -> None:
    """The planner's Monday, minus a closed centre's and absent riders, passes the checker."""
    from routing.planning.planner import build_plan

    monday = {s.session_id for s in demo.sessions if s.weekday == "mon"}
    riders = tuple(replace(r, session_ids=tuple(s for s in r.session_ids if s in monday))
                   for r in demo.riders if set(r.session_ids) & monday)
    sub = replace(demo, riders=riders,
                  sessions=tuple(s for s in demo.sessions if s.session_id in monday))
    fast = demo_params.with_overrides(time_limit_s=2.0)
    demo_matrix = place_matrix(sub, samso_network, fast)
    plan = build_plan(sub, samso_network, fast, matrix=demo_matrix)
    weekly_trips = expected_trips(sub)
    assert [v for v in verify_plan(plan, sub, samso_network, fast) if v.severity == "error"] == []

    # Empty one run entirely, thin out another, and close nothing.
    runs = sorted((r for r in plan.runs if r.rider_ids), key=lambda r: len(r.rider_ids))
    emptied, thinned = runs[0], runs[-1]
    absent = {(r, emptied.direction) for r in emptied.rider_ids}
    absent |= {(r, thinned.direction) for r in thinned.rider_ids[:2]}
    result = daily_runs(plan, sub, demo_matrix, MON, absent, set(), fast)
    assert emptied.run_id in {c.run_id for c in result.cancelled}
    assert result.saved_ore > 0
    trips = daily_expected_trips(weekly_trips, result)
    assert [str(v) for v in verify_plan(result.as_plan(sub.name), sub, samso_network, fast,
                                        expected_trips=trips) if v.severity == "error"] == []

    # With Tranebjerg closed only the Nordby riders ride.
    closed = daily_runs(plan, sub, demo_matrix, MON, set(), {"TRA"}, fast)
    assert all(set(r.centre_ids or (r.centre_id,)) == {"NOR"} for r in closed.runs)
    trips = daily_expected_trips(weekly_trips, closed)
    assert [str(v) for v in verify_plan(closed.as_plan(sub.name), sub, samso_network, fast,
                                        expected_trips=trips) if v.severity == "error"] == []
