"""The demo scenario and small scenarios cut from it, for tests that need a real but quick plan
(the shared fixtures in ``tests/conftest.py`` are built from these)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from routing.model import Scenario
from routing.params import PlanParams
from routing.scenario.reader import load_scenario

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"

FAST = PlanParams(time_limit_s=30.0, solution_limit=20)
"""A small work budget: a plan of a dozen riders in seconds."""


def monday_demo(name: str, n_riders: int = 10, params: PlanParams | None = None) -> Scenario:
    """The demo's Monday sessions and the first ``n_riders`` riders attending one of them,
    planned with a small work budget unless ``params`` say otherwise."""
    sc = load_scenario(DEMO)
    sessions = tuple(s for s in sc.sessions if s.weekday == "mon")
    keep = {s.session_id for s in sessions}
    riders = tuple(
        dataclasses.replace(r, session_ids=tuple(s for s in r.session_ids if s in keep))
        for r in sc.riders if any(s in keep for s in r.session_ids)
    )[:n_riders]
    return dataclasses.replace(sc, name=name, sessions=sessions, riders=riders,
                               plan_params=params or PlanParams(solution_limit=20,
                                                                time_limit_s=20))


def first_riders(sc: Scenario, n_riders: int, days: tuple[str, ...] = ("mon", "tue"),
                 params: PlanParams = FAST) -> Scenario:
    """The first ``n_riders`` riders of ``sc`` attending the given weekdays (only those
    sessions), planned with ``params``."""
    sessions = tuple(s for s in sc.sessions if s.weekday in days)
    keep = {s.session_id for s in sessions}
    riders = []
    for r in sc.riders:
        mine = tuple(s for s in r.session_ids if s in keep)
        if mine:
            riders.append(dataclasses.replace(r, session_ids=mine))
        if len(riders) == n_riders:
            break
    return dataclasses.replace(sc, sessions=sessions, riders=tuple(riders), plan_params=params)
