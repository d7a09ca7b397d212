"""Consolidation suggestions on the demo: a 12-minute move is refused, a 10-minute one offered."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

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
from routing.operations.daily import RunContext, StopSpec, assemble_run, daily_runs
from routing.params import PlanParams
from routing.planning.planner import place_matrix
from routing.scenario.reader import load_scenario
from routing.verify.checks import verify_plan

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
MON = date(2026, 3, 2)
NOON = 12 * 3600
ONLY_SINGLES = ConsolidationParams(max_riders=1, max_seat_share=0.0)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(DEMO)


@pytest.fixture(scope="module")
def params(scenario: Scenario) -> PlanParams:
    assert isinstance(scenario.plan_params, PlanParams)
    # Pickup times to the minute, so that a 12-minute difference can be published.
    return scenario.plan_params.with_overrides(rounding_s=60)


@pytest.fixture(scope="module")
def matrix(scenario: Scenario, samso_network: RoadNetwork, params: PlanParams) -> TravelMatrix:
    return place_matrix(scenario, samso_network, params)


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
def target(scenario: Scenario, matrix: TravelMatrix, params: PlanParams) -> Run:
    return home_run("mon-from-BUS1", "BUS1", ("R10", "R12", "R24"), NOON, scenario, matrix,
                    params)


def test_runs_are_valid(target: Run, scenario: Scenario, matrix: TravelMatrix,
                        params: PlanParams, samso_network: RoadNetwork) -> None:
    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 12 * 60, scenario, matrix,
                     params)
    assert errors((target, small), scenario, samso_network, params) == []
    ctx = RunContext(scenario, matrix, params)
    assert is_nearly_empty(small, ctx, ConsolidationParams())
    assert not is_nearly_empty(target, ctx, ONLY_SINGLES)


def test_merge_moving_a_rider_12_minutes_is_refused(
    target: Run, scenario: Scenario, matrix: TravelMatrix, params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 12 * 60, scenario, matrix,
                     params)
    report = suggest_consolidations([target, small], scenario, matrix, params, ONLY_SINGLES,
                                    network=samso_network)
    assert report.suggestions == ()
    (refused,) = report.refused
    assert (refused.absorbed_run_id, refused.target_run_id) == (small.run_id, target.run_id)
    assert refused.max_shift_s == 12 * 60
    assert "12 min" in refused.reason and "limit 10 min" in refused.reason
    # A coordinator who allows 15 minutes gets the offer.
    wider = replace(ONLY_SINGLES, max_shift_s=15 * 60)
    assert len(suggest_consolidations([target, small], scenario, matrix, params, wider,
                                      network=samso_network).suggestions) == 1


def test_merge_within_10_minutes_is_offered_and_applied(
    target: Run, scenario: Scenario, matrix: TravelMatrix, params: PlanParams,
    samso_network: RoadNetwork,
) -> None:
    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 10 * 60, scenario, matrix,
                     params)
    other = build_run("mon-to-BUS1", "mon", "to_centre", "BUS1", ("R10", "R12", "R24"),
                      scenario, matrix, params)
    runs = (other, target, small)
    assert errors(runs, scenario, samso_network, params) == []
    report = suggest_consolidations(runs, scenario, matrix, params, ONLY_SINGLES,
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
    assert errors(after, scenario, samso_network, params) == []
    vehicles = {v.vehicle_id: v for v in scenario.vehicles}
    from routing.planning.costing import runs_cost_ore

    assert runs_cost_ore(runs, vehicles) - runs_cost_ore(after, vehicles) == suggestion.saved_ore
    # A stale suggestion is not applied.
    with pytest.raises(ConsolidationError, match="changed"):
        apply(suggestion, after)


def test_capacity_is_respected(scenario: Scenario, matrix: TravelMatrix,
                               params: PlanParams, samso_network: RoadNetwork) -> None:
    # TAXI1 has 4 seats: three riders plus an escorted rider (2 seats) do not fit.
    taxi = home_run("mon-from-TAXI1", "TAXI1", ("R10", "R12", "R24"), NOON, scenario, matrix,
                    params)
    escorted = home_run("mon-from-TAXI2", "TAXI2", ("R60",), NOON + 300, scenario, matrix,
                        params)
    report = suggest_consolidations([taxi, escorted], scenario, matrix, params, ONLY_SINGLES,
                                    network=samso_network)
    assert report.suggestions == ()
    assert any("capacity" in r.reason for r in report.refused)


def test_daily_result_consolidation_after_afbud(
    scenario: Scenario, matrix: TravelMatrix, params: PlanParams, samso_network: RoadNetwork,
) -> None:
    """Afbud leave a morning run with one rider; the suggestion merges it and passes the check."""
    big = build_run("mon-to-BUS1", "mon", "to_centre", "BUS1", ("R10", "R12", "R24"),
                    scenario, matrix, params)
    small = build_run("mon-to-BUS3", "mon", "to_centre", "BUS3", ("R25", "R35", "R59"),
                      scenario, matrix, params)
    plan = Plan(runs=(big, small), unserved=())
    absent = {("R35", "to_centre"), ("R59", "to_centre")}
    day = daily_runs(plan, scenario, matrix, MON, absent, set(), params)
    report = suggest_consolidations(day, scenario, matrix, params, network=samso_network)
    for suggestion in report.suggestions:
        assert suggestion.max_shift_s <= 600
        assert errors(apply(suggestion, day.runs), scenario, samso_network, params) == []
    for refused in report.refused:
        assert refused.reason
    offered = {(s.absorbed_run_id, s.target_run_id) for s in report.suggestions}
    assert offered == {("mon-to-BUS3", "mon-to-BUS1")}
    (suggestion,) = report.suggestions
    # Everyone whose pickup time changes is listed, also riders of the target run.
    assert "R25" in {m.rider_id for m in suggestion.moved}
    assert all(abs(m.shift_s) <= 600 for m in suggestion.moved)
    merged = apply_to_daily(suggestion, day, scenario)
    assert [r.run_id for r in merged.runs] == ["mon-to-BUS1"]
    assert merged.cancelled[-1].reason == "consolidated"
    assert merged.saved_ore == day.saved_ore + suggestion.saved_ore


def test_full_check_can_refuse_an_offer(target: Run, scenario: Scenario, matrix: TravelMatrix,
                                        params: PlanParams) -> None:
    from routing.verify.checks import Violation

    small = home_run("mon-from-TAXI1", "TAXI1", ("R25",), NOON + 5 * 60, scenario, matrix,
                     params)
    seen: list[set[tuple[str, str, str]]] = []

    def strict(plan: Plan, trips: set[tuple[str, str, str]]) -> list[Violation]:
        seen.append(trips)
        return [Violation("ride_time", "made-up violation", run_id=plan.runs[0].run_id)]

    report = suggest_consolidations([target, small], scenario, matrix, params, ONLY_SINGLES,
                                    check=strict)
    assert report.suggestions == ()
    assert "check failed" in report.refused[-1].reason
    # The check sees the merged vehicle-day and the trips it owes.
    assert seen == [{(r, "mon", "from_centre") for r in ("R10", "R12", "R24", "R25")}]
