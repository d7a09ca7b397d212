"""Consolidation suggestions on the demo: a 12-minute move is refused, a 10-minute one offered."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from routing.model import Plan, Run, Scenario
from routing.network.matrix import TravelMatrix
from routing.network.roads import RoadNetwork
from routing.operations.consolidation import (
    ConsolidationError,
    ConsolidationParams,
    apply,
    apply_to_daily,
    build_run,
    is_nearly_empty,
    notification_lines,
    suggest_consolidations,
)
from routing.operations.daily import daily_runs
from routing.params import PlanParams
from routing.planning.stops import RunContext, StopSpec, assemble_run
from routing.verify.checks import verify_plan

MON = date(2026, 3, 2)
NOON = 12 * 3600
ONLY_SINGLES = ConsolidationParams(max_riders=1, max_seat_share=0.0)


@pytest.fixture(scope="module")
def params(demo: Scenario) -> PlanParams:
    assert isinstance(demo.plan_params, PlanParams)
    # Pickup times to the minute, so that a 12-minute difference can be published.
    return demo.plan_params.with_overrides(rounding_s=60)


def home_run(run_id: str, vehicle: str, riders: tuple[str, ...], pickup_s: int,
             scenario: Scenario, matrix: TravelMatrix, params: PlanParams) -> Run:
    """A Monday ride home from Tranebjerg picking up at ``pickup_s``."""
    base = build_run(run_id, "mon", "from_centre", vehicle, riders, scenario, matrix, params)
    specs = [StopSpec(s.kind, s.place, s.rider_ids, s.lat, s.lon,
                      pickup_s if s.kind == "pickup" else None) for s in base.stops[1:-1]]
    return assemble_run(base, specs, RunContext(scenario, matrix, params), day="mon")


def errors(runs: tuple[Run, ...], scenario: Scenario, network: RoadNetwork,
           params: PlanParams) -> list[str]:
    trips = {(r, run.weekday, run.direction) for run in runs for r in run.rider_ids}
    return [str(v) for v in verify_plan(Plan(runs=runs, unserved=()), scenario, network, params,
                                        expected_trips=trips) if v.severity == "error"]


@pytest.fixture(scope="module")
def target(demo: Scenario, demo_matrix: TravelMatrix, params: PlanParams) -> Run:
    return home_run("mon-from-BUS1", "BUS1", ("R10", "R12", "R24"), NOON, demo, demo_matrix,
                    params)


def test_runs_are_valid(target: Run, demo: Scenario, demo_matrix: TravelMatrix,
                        params: PlanParams, samso_network: RoadNetwork) -> None:
    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 12 * 60, demo, demo_matrix,
                     params)
    assert errors((target, small), demo, samso_network, params) == []
    ctx = RunContext(demo, demo_matrix, params)
    assert is_nearly_empty(small, ctx, ConsolidationParams())
    assert not is_nearly_empty(target, ctx, ONLY_SINGLES)


def test_merge_moving_a_rider_12_minutes_is_refused(
    target: Run, demo: Scenario, demo_matrix: TravelMatrix, params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 12 * 60, demo, demo_matrix,
                     params)
    report = suggest_consolidations([target, small], demo, demo_matrix, params, ONLY_SINGLES,
                                    network=samso_network)
    assert report.suggestions == ()
    (refused,) = report.refused
    assert (refused.absorbed_run_id, refused.target_run_id) == (small.run_id, target.run_id)
    assert refused.max_shift_s == 12 * 60
    assert "12 min" in refused.reason and "limit 10 min" in refused.reason
    # A coordinator who allows 15 minutes gets the offer.
    wider = replace(ONLY_SINGLES, max_shift_s=15 * 60)
    assert len(suggest_consolidations([target, small], demo, demo_matrix, params, wider,
                                      network=samso_network).suggestions) == 1


def test_merge_within_10_minutes_is_offered_and_applied(
    target: Run, demo: Scenario, demo_matrix: TravelMatrix, params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 10 * 60, demo, demo_matrix,
                     params)
    other = build_run("mon-to-BUS1", "mon", "to_centre", "BUS1", ("R10", "R12", "R24"),
                      demo, demo_matrix, params)
    runs = (other, target, small)
    assert errors(runs, demo, samso_network, params) == []
    report = suggest_consolidations(runs, demo, demo_matrix, params, ONLY_SINGLES,
                                    network=samso_network)
    (suggestion,) = report.suggestions
    assert suggestion.absorbed_run_id == small.run_id
    assert suggestion.target_run_id == target.run_id
    # R25 joins the pickup at the centre at 12:00: ten minutes earlier, to be notified.
    assert [(m.rider_id, m.old_agreed_s, m.new_agreed_s) for m in suggestion.moved] == [
        ("R25", NOON + 600, NOON)]
    assert suggestion.max_shift_s == 600
    assert notification_lines(suggestion) == ["R25: 12:10 → 12:00"]
    assert suggestion.riders_changing_vehicle == ("R25",)
    assert set(suggestion.merged.rider_ids) == {"R10", "R12", "R24", "R25"}
    # The target's riders keep their time.
    assert all(s.agreed_s == NOON for s in suggestion.merged.stops if s.kind == "pickup")
    assert suggestion.saved_ore > 0
    assert "merge run mon-from-TAXI1 into mon-from-BUS1" in suggestion.describe()

    # Nothing changes until accepted; then the runs are valid and cheaper.
    after = apply(suggestion, runs)
    assert [r.run_id for r in after] == ["mon-to-BUS1", "mon-from-BUS1"]
    assert errors(after, demo, samso_network, params) == []
    vehicles = {v.vehicle_id: v for v in demo.vehicles}
    from routing.planning.costing import runs_cost_ore

    assert runs_cost_ore(runs, vehicles) - runs_cost_ore(after, vehicles) == suggestion.saved_ore
    # A stale suggestion is not applied.
    with pytest.raises(ConsolidationError, match="changed"):
        apply(suggestion, after)


def test_capacity_is_respected(demo: Scenario, demo_matrix: TravelMatrix,
                               params: PlanParams, samso_network: RoadNetwork) -> None:
    # TAXI1 has 4 seats: three riders plus an escorted rider (2 seats) do not fit.
    taxi = home_run("mon-from-TAXI1", "TAXI1", ("R10", "R12", "R24"), NOON, demo, demo_matrix,
                    params)
    escorted = home_run("mon-from-TAXI2", "TAXI2", ("R60",), NOON + 300, demo, demo_matrix,
                        params)
    report = suggest_consolidations([taxi, escorted], demo, demo_matrix, params, ONLY_SINGLES,
                                    network=samso_network)
    assert report.suggestions == ()
    assert any("capacity" in r.reason for r in report.refused)


def test_daily_result_consolidation_after_afbud(
    demo: Scenario, demo_matrix: TravelMatrix, params: PlanParams, samso_network: RoadNetwork,
) -> None:
    """Afbud leave a morning run with one rider; the suggestion merges it and passes the check."""
    big = build_run("mon-to-BUS1", "mon", "to_centre", "BUS1", ("R10", "R12", "R24"),
                    demo, demo_matrix, params)
    small = build_run("mon-to-BUS3", "mon", "to_centre", "BUS3", ("R25", "R35", "R59"),
                      demo, demo_matrix, params)
    plan = Plan(runs=(big, small), unserved=())
    absent = {("R35", "to_centre"), ("R59", "to_centre")}
    day = daily_runs(plan, demo, demo_matrix, MON, absent, set(), params)
    report = suggest_consolidations(day, demo, demo_matrix, params, network=samso_network)
    for suggestion in report.suggestions:
        assert suggestion.max_shift_s <= 600
        assert errors(apply(suggestion, day.runs), demo, samso_network, params) == []
    for refused in report.refused:
        assert refused.reason
    offered = {(s.absorbed_run_id, s.target_run_id) for s in report.suggestions}
    assert offered == {("mon-to-BUS3", "mon-to-BUS1")}
    (suggestion,) = report.suggestions
    # Everyone whose pickup time changes is listed, also riders of the target run.
    assert "R25" in {m.rider_id for m in suggestion.moved}
    assert all(abs(m.shift_s) <= 600 for m in suggestion.moved)
    merged = apply_to_daily(suggestion, day, demo)
    assert [r.run_id for r in merged.runs] == ["mon-to-BUS1"]
    assert merged.cancelled[-1].reason == "consolidated"
    assert merged.saved_ore == day.saved_ore + suggestion.saved_ore


def test_full_check_can_refuse_an_offer(target: Run, demo: Scenario, demo_matrix: TravelMatrix,
                                        params: PlanParams) -> None:
    from routing.verify.checks import Violation

    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 5 * 60, demo, demo_matrix,
                     params)
    seen: list[set[tuple[str, str, str]]] = []

    def strict(plan: Plan, trips: set[tuple[str, str, str]]) -> list[Violation]:
        seen.append(trips)
        return [Violation("ride_time", "made-up violation", run_id=plan.runs[0].run_id)]

    report = suggest_consolidations([target, small], demo, demo_matrix, params, ONLY_SINGLES,
                                    check=strict)
    assert report.suggestions == ()
    assert "check failed" in report.refused[-1].reason
    # The check sees the merged vehicle-day and the trips it owes.
    assert seen == [{(r, "mon", "from_centre") for r in ("R10", "R12", "R24", "R25")}]
