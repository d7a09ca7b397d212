"""A living plan on the demo scenario: insert, remove, change and re-optimise riders in a plan in
force. Every resulting plan passes the independent verifier; untouched riders keep their agreed
times exactly; moved riders are listed exactly (checked against the plans' difference)."""

from __future__ import annotations

import dataclasses

import pytest
from demo_subsets import FAST

from api.plans.diff import pickup_changes
from routing.living.changes import (
    InsertionReport,
    LivingPlanError,
    agreed_times,
    change_rider,
    insert_rider,
    missing_trips,
    remove_rider,
)
from routing.living.notifications import CSV_COLUMNS, notifications_csv, plan_notifications
from routing.living.reoptimise import reoptimise
from routing.model import Plan, Rider, Scenario
from routing.network.matrix import TravelMatrix
from routing.network.roads import RoadNetwork
from routing.planning.costing import runs_cost_ore
from routing.planning.planner import build_plan, place_matrix
from routing.verify.checks import expected_trips, verify_plan

NEW = "R04"  # the demo rider taken out of the scenario and inserted again


def _errors(plan: Plan, sc: Scenario, net: RoadNetwork,
            expected: set[tuple[str, str, str]] | None = None) -> list[str]:
    return [str(v) for v in verify_plan(plan, sc, net, expected_trips=expected)
            if v.severity == "error"]


def _others_changed(old: Plan, new: Plan, rider_id: str) -> set[str]:
    return {c.rider_id for c in pickup_changes(old, new) if c.rider_id != rider_id}


@pytest.fixture(scope="module")
def without(two_days: Scenario) -> Scenario:
    return dataclasses.replace(two_days,
                               riders=tuple(r for r in two_days.riders if r.rider_id != NEW))


@pytest.fixture(scope="module")
def matrix(two_days: Scenario, samso_network: RoadNetwork) -> TravelMatrix:
    return place_matrix(two_days, samso_network, FAST)


@pytest.fixture(scope="module")
def base_plan(without: Scenario, samso_network: RoadNetwork) -> Plan:
    plan = build_plan(without, samso_network, FAST)
    assert _errors(plan, without, samso_network) == []
    return plan


@pytest.fixture(scope="module")
def inserted(base_plan: Plan, two_days: Scenario, matrix: TravelMatrix):  # type: ignore[no-untyped-def]
    return insert_rider(base_plan, two_days, matrix, NEW)


# --------------------------------------------------------------------------------------------
# Insertion keeping every agreed time


def test_insertion_keeps_every_other_agreed_time(inserted, base_plan: Plan,  # type: ignore[no-untyped-def]
                                                 two_days: Scenario,
                                                 samso_network: RoadNetwork) -> None:
    assert inserted.keeps_all_times_possible
    best = inserted.best
    assert best.keeps_all_times and best.moved == () and best.unplaced == ()
    # Every other rider's agreed time (and run) is exactly as before.
    before, after = agreed_times(base_plan), agreed_times(best.plan)
    for key, value in before.items():
        assert after[key][0] == value[0], key
    assert _others_changed(base_plan, best.plan, NEW) == set()
    # The rider's four trips are served and the plan passes the independent check.
    assert {(p.weekday, p.direction) for p in best.placements} == {
        (d, k) for d in ("mon", "tue") for k in ("to_centre", "from_centre")}
    assert missing_trips(best.plan, two_days, NEW) == []
    assert _errors(best.plan, two_days, samso_network) == []


def test_every_offered_option_is_valid_and_ranked(inserted, base_plan: Plan,  # type: ignore[no-untyped-def]
                                                  two_days: Scenario,
                                                  samso_network: RoadNetwork) -> None:
    assert len(inserted.options) >= 2
    keys = [o.rank_key() for o in inserted.options]
    assert keys == sorted(keys)
    vehicles = {v.vehicle_id: v for v in two_days.vehicles}
    for option in inserted.options:
        assert _errors(option.plan, two_days, samso_network) == []
        assert option.added_cost_ore == runs_cost_ore(option.plan.runs, vehicles) \
            - runs_cost_ore(base_plan.runs, vehicles)
        assert option.keeps_all_times and _others_changed(base_plan, option.plan, NEW) == set()


def test_new_rider_times_are_consistent_across_weekdays(inserted) -> None:  # type: ignore[no-untyped-def]
    best = inserted.best
    for direction in ("to_centre", "from_centre"):
        times = [p.agreed_s for p in best.placements if p.direction == direction]
        assert max(times) - min(times) <= 600
        assert all(t % 300 == 0 for t in times)


def test_insertion_is_deterministic(base_plan: Plan, two_days: Scenario, matrix: TravelMatrix,
                                    inserted: InsertionReport) -> None:
    again = insert_rider(base_plan, two_days, matrix, NEW)
    assert [o.placements for o in again.options] == [o.placements for o in inserted.options]


def test_inserting_a_served_or_unknown_rider_is_refused(base_plan: Plan, two_days: Scenario,
                                                       matrix: TravelMatrix) -> None:
    with pytest.raises(LivingPlanError, match="already"):
        insert_rider(base_plan, two_days, matrix, "R01")
    with pytest.raises(LivingPlanError, match="not in the scenario"):
        insert_rider(base_plan, two_days, matrix, "NOBODY")


# --------------------------------------------------------------------------------------------
# Removal and change


def test_removal_moves_nobody(inserted, two_days: Scenario, without: Scenario,  # type: ignore[no-untyped-def]
                              matrix: TravelMatrix, samso_network: RoadNetwork) -> None:
    plan = inserted.best.plan
    for rider_id in ("R01", "R07", NEW):
        result = remove_rider(plan, two_days, matrix, rider_id)
        assert result.problems == ()
        assert all(rider_id not in r.rider_ids for r in result.plan.runs)
        assert _others_changed(plan, result.plan, rider_id) == set()
        before, after = agreed_times(plan), agreed_times(result.plan)
        assert {k: v[0] for k, v in after.items()} == {
            k: v[0] for k, v in before.items() if k[0] != rider_id}
        assert all(r.rider_ids for r in result.plan.runs)  # empty runs are gone
        assert result.saved_ore >= 0
        expected = expected_trips(two_days) - {(rider_id, d, k) for d, k, _ in result.removed_trips}
        assert _errors(result.plan, two_days, samso_network, expected) == []
    gone = remove_rider(plan, two_days, matrix, NEW)
    assert _errors(gone.plan, without, samso_network) == []


def test_removing_a_rider_not_in_the_plan_is_refused(base_plan: Plan, two_days: Scenario,
                                                    matrix: TravelMatrix) -> None:
    with pytest.raises(LivingPlanError, match="no trip"):
        remove_rider(base_plan, two_days, matrix, NEW)


def test_changing_days_is_remove_plus_insert(inserted, two_days: Scenario,  # type: ignore[no-untyped-def]
                                             matrix: TravelMatrix,
                                             samso_network: RoadNetwork) -> None:
    plan = inserted.best.plan
    rider = two_days.rider("R07")
    monday_only = tuple(s for s in rider.session_ids if "MON" in s)
    assert monday_only and len(monday_only) < len(rider.session_ids)
    changed = dataclasses.replace(two_days, riders=tuple(
        dataclasses.replace(r, session_ids=monday_only) if r.rider_id == "R07" else r
        for r in two_days.riders))
    result = change_rider(plan, changed, matrix, "R07")
    assert {d for d, _, _ in result.removal.removed_trips} == {"tue"}
    assert result.insertion is None
    assert _others_changed(plan, result.plan, "R07") == set()
    # Monday's trips (and times) of the rider are untouched.
    before, after = agreed_times(plan), agreed_times(result.plan)
    assert {k: v for k, v in after.items() if k[0] == "R07"} == {
        k: v for k, v in before.items() if k[0] == "R07" and k[1] == "mon"}
    assert _errors(result.plan, changed, samso_network) == []


def test_a_moved_home_is_remove_plus_insert(inserted, two_days: Scenario,  # type: ignore[no-untyped-def]
                                           samso_network: RoadNetwork) -> None:
    plan = inserted.best.plan
    rider = two_days.rider("R07")
    moved = dataclasses.replace(two_days, riders=tuple(
        dataclasses.replace(r, lat=r.lat + 0.002, lon=r.lon + 0.002) if r.rider_id == "R07"
        else r for r in two_days.riders))
    matrix = place_matrix(moved, samso_network, FAST)
    result = change_rider(plan, moved, matrix, "R07")
    removed = {(d, k) for d, k, _ in result.removal.removed_trips}
    assert removed == {(d, k) for (r, d, k) in agreed_times(plan) if r == rider.rider_id}
    assert result.insertion is not None and result.insertion.keeps_all_times_possible
    assert _others_changed(plan, result.plan, "R07") == set()
    assert _errors(result.plan, moved, samso_network) == []


# --------------------------------------------------------------------------------------------
# No insertion keeps every time: the exact list of moved riders


@pytest.fixture(scope="module")
def tight(demo: Scenario) -> Scenario:
    """One minibus, four riders of Monday morning, and a new rider living by the centre whose
    ride limit (6 min) forces the pickup last: the others must be picked up earlier."""
    sessions = tuple(s for s in demo.sessions if s.session_id == "TRA-MON-AM")
    riders = [dataclasses.replace(r, session_ids=("TRA-MON-AM",)) for r in demo.riders
              if "TRA-MON-AM" in r.session_ids and not r.wheelchair][:4]
    tra = demo.centre("TRA")
    new = Rider("NEW1", "Ny Borger", tra.lat + 0.0015, tra.lon + 0.001, "TRA", ("TRA-MON-AM",),
                max_ride_s=6 * 60)
    vehicles = tuple(v for v in demo.vehicles if v.vehicle_id == "BUS1")
    return dataclasses.replace(demo, sessions=sessions, riders=(*riders, new), vehicles=vehicles,
                               plan_params=FAST)


def test_without_a_time_keeping_insertion_the_moved_riders_are_exact(
        tight: Scenario, samso_network: RoadNetwork) -> None:
    before_sc = dataclasses.replace(tight, riders=tight.riders[:-1])
    plan = build_plan(before_sc, samso_network, FAST)
    assert _errors(plan, before_sc, samso_network) == []
    matrix = place_matrix(tight, samso_network, FAST)
    report = insert_rider(plan, tight, matrix, "NEW1", max_shift_s=15 * 60)
    assert not report.keeps_all_times_possible
    assert "no insertion keeps every other agreed time" in report.message
    best = report.best
    assert best.unplaced == () and best.moved
    changes = [c for c in pickup_changes(plan, best.plan) if c.rider_id != "NEW1"]
    assert {(m.rider_id, m.weekday, m.direction, m.old_agreed_s, m.new_agreed_s)
            for m in best.moved} == {(c.rider_id, c.weekday, c.direction, c.old_s, c.new_s)
                                     for c in changes}
    assert all(abs(m.shift_s) <= 15 * 60 for m in best.moved)
    for m in best.moved:
        assert m.rider_id in report.message
    assert _errors(best.plan, tight, samso_network) == []
    # Notifications: exactly the moved riders and the new rider, in Danish.
    notes = plan_notifications(plan, best.plan, tight)
    riders = {n.recipient_id for n in notes if n.recipient_type == "rider"}
    assert riders == {m.rider_id for m in best.moved} | {"NEW1"}
    moved_note = next(n for n in notes if n.recipient_id == best.moved[0].rider_id)
    assert moved_note.change == "time" and "ændres fra kl." in moved_note.message
    assert any(n.recipient_type == "driver" and n.recipient_id == "BUS1" for n in notes)
    assert any(n.recipient_type == "centre" and n.recipient_id == "TRA" for n in notes)


# --------------------------------------------------------------------------------------------
# Notifications CSV


def test_notifications_csv(inserted, base_plan: Plan, two_days: Scenario) -> None:  # type: ignore[no-untyped-def]
    notes = plan_notifications(base_plan, inserted.best.plan, two_days)
    assert {n.recipient_id for n in notes if n.recipient_type == "rider"} == {NEW}
    text = notifications_csv(notes)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].split(";") == list(CSV_COLUMNS)
    assert len(lines) == len(notes) + 1
    assert "Fra nu af bliver du hentet" in text


# --------------------------------------------------------------------------------------------
# Re-optimisation within a stability budget


@pytest.mark.parametrize(("max_moved", "max_shift_s"), [(0, 0), (2, 600)])
def test_reoptimise_respects_its_budget(inserted, two_days: Scenario, matrix: TravelMatrix,  # type: ignore[no-untyped-def]
                                        samso_network: RoadNetwork, max_moved: int,
                                        max_shift_s: int) -> None:
    plan = inserted.best.plan
    result = reoptimise(plan, two_days, matrix, max_moved=max_moved, max_shift_s=max_shift_s)
    changes = [c for c in pickup_changes(plan, result.plan)]
    assert all(c.old_s is not None and c.new_s is not None for c in changes)
    assert len({c.rider_id for c in changes}) <= max_moved
    assert all(abs(c.delta_s or 0) <= max_shift_s for c in changes)
    assert {c.rider_id for c in changes} == set(result.moved_riders)
    assert result.saved_ore >= 0
    assert result.new_cost_ore == round(result.plan.kpis["cost_dkk"] * 100)
    assert _errors(result.plan, two_days, samso_network) == []
    again = reoptimise(plan, two_days, matrix, max_moved=max_moved, max_shift_s=max_shift_s)
    assert again.plan.runs == result.plan.runs  # deterministic


def test_reoptimise_rejects_a_negative_budget(base_plan: Plan, without: Scenario,
                                             matrix: TravelMatrix) -> None:
    with pytest.raises(ValueError, match="budget"):
        reoptimise(base_plan, without, matrix, max_moved=-1, max_shift_s=0)
