"""Stops and runs: place ids, grid rounding, centre windows, a rider's stops and insertions."""

from __future__ import annotations

from routing.model import Centre, Rider
from routing.params import PlanParams
from routing.places import centre_place, depot_place, home_place, is_centre, parse_place
from routing.planning.stops import (
    StopSpec,
    ceil_grid,
    centre_window,
    floor_grid,
    insertions,
    rider_stops,
)


def test_place_ids_round_trip() -> None:
    assert home_place("R1") == "home:R1" and centre_place("C1") == "centre:C1"
    assert parse_place(depot_place("V:1")) == ("depot", "V:1")
    assert parse_place("stop:0:1") is None and parse_place("R1") is None
    assert is_centre("centre:C1") and not is_centre("home:centre:")


def test_grid_rounding_of_negative_and_float_times() -> None:
    assert floor_grid(599, 300) == 300 and ceil_grid(601, 300) == 900
    assert floor_grid(-1, 300) == -300 and ceil_grid(-299, 300) == 0
    assert floor_grid(600.0, 300) == 600 and ceil_grid(600.5, 300) == 900


def test_centre_windows_follow_the_params() -> None:
    p = PlanParams(arrive_earliest_before_s=1200, arrive_latest_before_s=300,
                   pickup_earliest_after_s=0, pickup_latest_after_s=900)
    assert centre_window("to_centre", 32400, p) == (31200, 32100)
    assert centre_window("from_centre", 43200, p) == (43200, 44100)


def test_insertions_put_pickup_before_dropoff_and_join_the_centre_stop() -> None:
    rider = Rider("R2", "Ny", 55.0, 10.0, "C1", ("S1",))
    centre = Centre("C1", "Centret", 55.1, 10.1)
    pickup, dropoff = rider_stops(rider, centre, "to_centre")
    assert (pickup.kind, pickup.place, dropoff.kind, dropoff.place) == (
        "pickup", "home:R2", "dropoff", "centre:C1")
    run = [StopSpec("pickup", "home:R1", ("R1",), 55.0, 10.0, 30000),
           StopSpec("dropoff", "centre:C1", ("R1",), 55.1, 10.1)]
    options = insertions(run, pickup, dropoff)
    # The pickup goes before or after R1's, the drop-off joins the one centre stop.
    assert [(i, joined) for _, i, joined in options] == [(0, False), (1, False)]
    for seq, _, _ in options:
        assert seq[-1].rider_ids == ("R1", "R2") and len(seq) == 3
