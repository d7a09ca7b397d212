"""Which runs a master-data edit breaks (routing.living.edits): hand-made runs, no network."""

from __future__ import annotations

from dataclasses import replace

from routing.living.edits import (
    centre_edit_breaks,
    deletion_breaks,
    rider_edit_breaks,
    scenario_change_breaks,
    session_edit_breaks,
    vehicle_edit_breaks,
)
from routing.model import Centre, Plan, Rider, Run, Scenario, Session, Stop, Vehicle

H = 3600


def _run(run_id: str, vehicle: str, riders: tuple[str, ...], seats: int, chairs: int,
         start_s: int, session: str = "C1-mon") -> Run:
    def stop(kind: str, ids: tuple[str, ...], t: int, s: int, w: int) -> Stop:
        return Stop(kind, ids, 55.83, 10.59, t, t, s, w, 0, 0)  # type: ignore[arg-type]

    return Run(run_id, "mon", "C1", session, "to_centre", vehicle, (
        stop("depot", (), start_s, 0, 0), stop("pickup", riders, start_s + 600, seats, chairs),
        stop("dropoff", riders, start_s + 1800, 0, 0), stop("depot", (), start_s + 2400, 0, 0)))


PLAN = Plan(runs=(_run("a", "V1", ("R1", "R3"), 3, 0, 8 * H),
                  _run("b", "V2", ("R2",), 0, 1, 8 * H, "C1-wed")), unserved=())
V1 = Vehicle("V1", 55.8275, 10.588, 8, 1, 0, 0, 0, 6 * H, 18 * H)


def test_seats_below_the_load_break_the_run_unless_another_layout_fits() -> None:
    broken = vehicle_edit_breaks(PLAN, V1, replace(V1, seats=2, layouts=()))
    assert [(b.run_id, b.reason, b.load_seats) for b in broken] == [("a", "over_capacity", 3)]
    assert vehicle_edit_breaks(PLAN, V1, replace(V1, seats=3, layouts=())) == []
    assert vehicle_edit_breaks(PLAN, V1, replace(V1, seats=2, layouts=((4, 0),))) == []


def test_hours_and_depot() -> None:
    late = vehicle_edit_breaks(PLAN, V1, replace(V1, available_from_s=9 * H, layouts=()))
    assert [b.reason for b in late] == ["outside_hours"]
    moved = vehicle_edit_breaks(PLAN, V1, replace(V1, depot_lat=55.9, layouts=()))
    assert [b.reason for b in moved] == ["depot_moved"]
    assert vehicle_edit_breaks(PLAN, V1, replace(V1, cost_per_km_ore=99, layouts=())) == []


def test_sessions_centres_riders_and_deletions() -> None:
    mon = Session("C1", "C1-mon", "mon", 9 * H, 12 * H)
    assert session_edit_breaks(PLAN, mon, mon) == []
    assert [b.run_id for b in session_edit_breaks(PLAN, mon, replace(mon, start_s=10 * H))] \
        == ["a"]
    assert {b.run_id for b in centre_edit_breaks(PLAN, "C1", (1, 1), (1, 2))} == {"a", "b"}
    assert centre_edit_breaks(PLAN, "C1", (1, 1), (1, 1)) == []
    assert [b.run_id for b in rider_edit_breaks(PLAN, "R3")] == ["a"]
    assert [b.reason for b in deletion_breaks(PLAN, "vehicle", "V2")] == ["vehicle_deleted"]


def test_an_import_names_each_outdated_run_once() -> None:
    centre = Centre("C1", "Centret", 55.83, 10.59)
    sessions = (Session("C1", "C1-mon", "mon", 9 * H, 12 * H),
                Session("C1", "C1-wed", "wed", 9 * H, 12 * H))
    riders = tuple(Rider(r, r, 55.83, 10.59, "C1", ("C1-mon",)) for r in ("R1", "R2", "R3"))
    old = Scenario("s", (centre,), sessions, riders, (V1,), network_path="")
    new = replace(old, vehicles=(replace(V1, seats=2, layouts=()),),
                  riders=(replace(riders[0], lat=55.84), riders[1], riders[2]))
    broken = scenario_change_breaks(PLAN, old, new, replace=False)
    assert [(b.run_id, b.reason) for b in broken] == [("a", "over_capacity")]
    # Replacing with an upload without R2 outdates R2's run too.
    gone = scenario_change_breaks(PLAN, old, replace(old, riders=riders[:1] + riders[2:]),
                                  replace=True)
    assert [(b.run_id, b.reason) for b in gone] == [("b", "rider_changed")]
