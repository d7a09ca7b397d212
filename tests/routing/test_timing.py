"""Timing runs with no waiting while riders are on board (routing.planning.timing), on small
numbers."""

from __future__ import annotations

from routing.planning.timing import StopTiming, onboard_waits_s, time_segments


def test_a_loaded_segment_is_rigid_and_idle_time_goes_to_the_depot() -> None:
    # depot →10→ pickup A (agreed 100) →20→ pickup B (agreed 140) →30→ centre [170, 260].
    stops = [
        StopTiming(service_s=5, travel_in_s=10, load_before=0, start_lo_s=100, start_hi_s=119),
        StopTiming(service_s=5, travel_in_s=20, load_before=1, start_lo_s=140, start_hi_s=159),
        StopTiming(service_s=10, travel_in_s=30, load_before=2, start_lo_s=170, start_hi_s=260),
    ]
    t = time_segments(stops, travel_back_s=15, earliest_depart_s=0, latest_back_s=1000)
    assert t.feasible
    # B binds: A boards 15 s after its agreed time (at the door), nobody waits on board.
    assert t.starts_s == (115, 140, 175)
    assert t.depart_s == t.starts_s[0] - 10
    assert t.back_s == t.starts_s[2] + 10 + 15


def test_targets_and_grid_alignment() -> None:
    stops = [StopTiming(service_s=60, travel_in_s=100, load_before=0),
             StopTiming(service_s=60, travel_in_s=200, load_before=1, start_lo_s=1000,
                        start_hi_s=1600)]
    t = time_segments(stops, travel_back_s=0, earliest_depart_s=0, latest_back_s=10_000,
                      targets_s=[1123, 1383], align_s=300)
    assert t.starts_s[0] == 900  # moved down onto the grid, the centre window still holds
    assert t.starts_s[1] == 900 + 260


def test_infeasible_segment_is_reported_and_nobody_boards_early() -> None:
    # B's interval ends before A's interval plus the drive allows.
    stops = [StopTiming(service_s=0, travel_in_s=0, load_before=0, start_lo_s=100, start_hi_s=110),
             StopTiming(service_s=0, travel_in_s=50, load_before=1, start_lo_s=120, start_hi_s=130)]
    t = time_segments(stops, travel_back_s=0, earliest_depart_s=0, latest_back_s=1000)
    assert not t.feasible
    assert t.starts_s[0] >= 100 and t.starts_s[1] == t.starts_s[0] + 50


def test_empty_vehicle_may_wait_between_segments() -> None:
    # A: pickup, drop; then B: pickup (interval late), drop. The vehicle waits empty before B.
    stops = [StopTiming(5, 10, 0), StopTiming(5, 10, 1),
             StopTiming(5, 10, 0, start_lo_s=500, start_hi_s=509), StopTiming(5, 10, 1)]
    t = time_segments(stops, travel_back_s=10, earliest_depart_s=0, latest_back_s=10_000)
    assert t.feasible and t.starts_s[2] == 500 and t.starts_s[3] == 515
    assert t.starts_s[1] - t.starts_s[0] == 15


def test_onboard_waits() -> None:
    # depot, pickup, pickup (arrives 30 s late for the leg, waits 20 s beyond boarding), drop.
    arrivals = [0, 10, 60, 100]
    departures = [0, 15, 85, 105]
    legs = [10, 15, 15, 0]
    services = [0, 5, 5, 5]
    loads = [0, 1, 2, 0]
    pickups = [False, True, True, False]
    waits = onboard_waits_s(arrivals, departures, legs, services, loads, pickups)
    assert waits == [0, 0, (60 - 15 - 15) + (85 - 60 - 5), 0]


def test_without_a_wait_free_timetable_riders_wait_on_board_as_little_as_possible() -> None:
    """An afbud can leave a gap no pickup interval absorbs: the first rider then boards at the
    end of their interval and the vehicle drives straight on; nobody boards early or late."""
    stops = [
        StopTiming(service_s=120, travel_in_s=300, load_before=0, start_lo_s=8 * 3600,
                   start_hi_s=8 * 3600 + 600),
        StopTiming(service_s=120, travel_in_s=60, load_before=1, start_lo_s=8 * 3600 + 1800,
                   start_hi_s=8 * 3600 + 2400),
        StopTiming(service_s=60, travel_in_s=600, load_before=2),
    ]
    table = time_segments(stops, travel_back_s=300, earliest_depart_s=0, latest_back_s=86_400)
    assert not table.feasible
    a, b, centre = table.starts_s
    assert a == 8 * 3600 + 600                       # as late as A's interval allows
    assert b == 8 * 3600 + 1800                      # B at its agreed time, not later
    assert centre == b + 120 + 600                   # then straight on, no further wait
    waited_on_board = b - (a + 120 + 60)
    assert waited_on_board == 1800 - 600 - 180       # the least any timetable can give here
