"""The city-case generator of ``samkorsel bench --sets scale`` (``benchmarks.scale``), checked on
the bundled Samsø network (the Lyngby extract lives outside the repository)."""

from __future__ import annotations

from collections import Counter

from benchmarks.scale import city_case, lyngby_path
from routing.model import WEEKDAYS
from routing.network.roads import RoadNetwork
from routing.planning.planner import rider_trips


def test_city_case_follows_the_mix_and_is_reproducible(samso_network: RoadNetwork) -> None:
    sc = city_case(samso_network, 400, seed=3)
    assert sc == city_case(samso_network, 400, seed=3)
    assert sc != city_case(samso_network, 400, seed=4)
    assert len(sc.riders) == 400 and len(sc.centres) == 4
    kinds = Counter(v.kind for v in sc.vehicles)
    assert kinds == {"minibus": 44, "taxi": 20, "wheelchair_taxi": 10}
    assert all(v.layouts == ((8, 2), (6, 3)) for v in sc.vehicles if v.kind == "minibus")
    assert len({(v.depot_lat, v.depot_lon) for v in sc.vehicles}) == 3
    share = lambda pred: sum(1 for r in sc.riders if pred(r)) / len(sc.riders)  # noqa: E731
    assert 0.10 < share(lambda r: r.wheelchair) < 0.20
    assert 0.04 < share(lambda r: r.escort) < 0.12
    assert 0.18 < share(lambda r: r.max_ride_s == 45 * 60) < 0.32
    sessions = {s.session_id: s for s in sc.sessions}
    for r in sc.riders:
        days = {sessions[s].weekday for s in r.session_ids}
        assert 2 <= len(days) <= 5
        assert all(sessions[s].centre_id == r.centre_id for s in r.session_ids)
    # Half the centres are day centres Mon–Fri, half run modules Mon–Thu 09–12 and 12–15.
    by_centre = Counter((s.centre_id, s.weekday) for s in sc.sessions)
    fridays = {c for c, d in by_centre if d == "fri"}
    assert len(fridays) == 2
    modules = [s for s in sc.sessions if s.centre_id not in fridays]
    assert {(s.start_s, s.end_s) for s in modules} == {(9 * 3600, 12 * 3600),
                                                       (12 * 3600, 15 * 3600)}
    assert {s.weekday for s in modules} == set(WEEKDAYS[:4])
    assert len(rider_trips(sc)) > 2 * 2 * 400 - 1


def test_lyngby_path_is_none_when_the_extract_is_absent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert lyngby_path(tmp_path) is None


def test_scale_bench_skips_cleanly_without_the_extract(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import benchmarks.scale as scale

    monkeypatch.setattr(scale, "lyngby_path", lambda root=None: None)
    assert scale.run_scale((250,)) == []
