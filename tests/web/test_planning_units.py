"""The planning pages' pure helpers: who moves (pickups and arrivals home), the riders told
about a later arrival home, runs in names (no page, no browser)."""

from __future__ import annotations

import dataclasses
from typing import Any

from apitest_data import tiny_plan, tiny_scenario

from api.web.planning import arrival_notifications, moves, run_rows


def _later_home(plan: Any, minutes: int) -> tuple[Any, str, str]:
    """``plan`` with the first from-centre run's drop-offs ``minutes`` later; (plan, rider,
    weekday) of a rider dropped there."""
    runs = list(plan.runs)
    index = next(i for i, r in enumerate(runs) if r.direction == "from_centre"
                 and any(s.kind == "dropoff" for s in r.stops))
    run = runs[index]
    stops = tuple(dataclasses.replace(s, arrival_s=s.arrival_s + minutes * 60)
                  if s.kind == "dropoff" else s for s in run.stops)
    runs[index] = dataclasses.replace(run, stops=stops)
    rider = next(s.rider_ids[0] for s in run.stops if s.kind == "dropoff")
    return dataclasses.replace(plan, runs=tuple(runs)), rider, run.weekday


def test_a_later_arrival_home_is_told_with_the_name_and_both_times(samso_network: Any) -> None:
    scenario = tiny_scenario()
    old = tiny_plan(scenario, samso_network)
    new, rider, weekday = _later_home(old, 10)
    notes = arrival_notifications(old, new, scenario, already=set())
    mine = [n for n in notes if n.recipient_id == rider and n.weekday == weekday]
    assert len(mine) == 1
    name = next(r.name for r in scenario.riders if r.rider_id == rider)
    assert mine[0].name == name
    assert mine[0].new_time_s is not None and mine[0].old_time_s is not None
    assert mine[0].new_time_s - mine[0].old_time_s == 600
    assert "kommer du hjem ca. kl." in mine[0].message
    # Below the threshold, or already told about a new pickup: no second message.
    small, _, _ = _later_home(old, 2)
    assert not [n for n in arrival_notifications(old, small, scenario, already=set())
                if n.recipient_id == rider]
    assert not arrival_notifications(old, new, scenario, already={(rider, weekday)})

    moved = [mv for mv in moves(old, new, scenario) if mv.name == name]
    assert moved and moved[0].kind == "flyttet" and moved[0].arrival_home[2] == "+10 min"
    assert moves(old, old, scenario) == []


def test_runs_show_names_and_addresses_not_ids(samso_network: Any) -> None:
    scenario = tiny_scenario()
    plan = tiny_plan(scenario, samso_network)
    rows = run_rows(plan, scenario, "mon")
    assert rows
    text = " ".join(" ".join(n for s in r.stops for n in s.names) for r in rows)
    assert "Anna Jensen" in text
    assert not any(rid in text.split() for rid in ("R1", "R2", "R3", "R4"))
