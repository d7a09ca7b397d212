"""The island case of issue 17 (``benchmarks/island.py``): reproducible, the agreed mix, homes at
real address points of the bundled Samsø extract."""

from __future__ import annotations

from collections import Counter

from benchmarks.island import N_RIDERS, island_case
from routing.network.roads import RoadNetwork
from routing.planning.trips import rider_trips


def test_island_case_is_reproducible_and_has_the_agreed_mix(
        samso_network: RoadNetwork) -> None:
    sc = island_case(samso_network)
    assert sc == island_case(samso_network)
    assert island_case(samso_network, seed=1).riders != sc.riders
    assert len(sc.riders) == N_RIDERS == 91 and len(sc.vehicles) == 14
    assert {c.centre_id for c in sc.centres} == {"DAG", "MOD"}
    assert Counter(v.kind for v in sc.vehicles) == {"minibus": 5, "taxi": 6,
                                                    "wheelchair_taxi": 3}
    assert 5 <= sum(r.wheelchair for r in sc.riders) <= 25
    assert 1 <= sum(r.escort for r in sc.riders) <= 15
    # Real addresses, each rider at a distinct one.
    assert all(r.address and "8305" in r.address for r in sc.riders)
    assert len({r.address for r in sc.riders}) == N_RIDERS
    # Module riders ride home at 12:00 or in at 12:00 on some days: waves a vehicle may chain.
    times = {(t.direction, t.centre_time_s // 3600) for t in rider_trips(sc)}
    assert {("to_centre", 12), ("from_centre", 12), ("to_centre", 9),
            ("from_centre", 15)} <= times
