"""A region planned as clusters of centres (issue 17, item 3): real plans on the Samsø network.

Asserted: the centres and the fleet are divided sensibly (by geography, by the busiest hour,
nearest depots first), the merged plan verifies, no run crosses a cluster's border, no trip is
lost (each is served or listed with a reason), and the job engine's JSON parts give the same
plan as worker processes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from routing.model import Centre, Plan, Scenario, Vehicle
from routing.network.roads import RoadNetwork
from routing.params import PlanParams
from routing.planning import day_parts, region
from routing.planning.plan_io import plan_to_dict
from routing.planning.planner import build_plan
from routing.planning.trips import rider_trips
from routing.verify.checks import verify_plan

PARAMS = PlanParams(time_limit_s=60.0, solution_limit=15, clusters=2)


def _centre(cid: str, lat: float, lon: float) -> Centre:
    return Centre(centre_id=cid, name=cid, lat=lat, lon=lon)


def _vehicle(vid: str, lat: float, lon: float, layouts: tuple[tuple[int, int], ...]
             ) -> Vehicle:
    seats, chairs = layouts[0]
    return Vehicle(vehicle_id=vid, depot_lat=lat, depot_lon=lon, seats=seats,
                   wheelchair_places=chairs, fixed_cost_ore=0, cost_per_km_ore=100,
                   cost_per_hour_ore=100, available_from_s=0, available_to_s=86_000,
                   layouts=layouts)


def test_centres_cluster_by_geography() -> None:
    north = [_centre(f"N{i}", 55.95 + i * 0.002, 10.55) for i in range(3)]
    south = [_centre(f"S{i}", 55.82 + i * 0.002, 10.59) for i in range(2)]
    sc = Scenario(name="x", centres=tuple(north + south), sessions=(), riders=(), vehicles=(),
                  network_path="")
    assert region.centre_clusters(sc, 2, seed=0) == [["N0", "N1", "N2"], ["S0", "S1"]]
    assert region.centre_clusters(sc, 1, seed=0) == [["N0", "N1", "N2", "S0", "S1"]]
    assert len(region.centre_clusters(sc, 9, seed=0)) == 5  # one centre each at most


def test_the_fleet_is_shared_by_demand_nearest_depots_first() -> None:
    buses = [_vehicle(f"B{i}", 55.95, 10.55, ((8, 2),)) for i in range(2)] + \
        [_vehicle(f"B{i}", 55.82, 10.59, ((8, 2),)) for i in range(2, 6)]
    taxis = [_vehicle("T1", 55.82, 10.59, ((4, 0),))]
    fleets = region.divide_fleet(buses + taxis, [(55.95, 10.55), (55.82, 10.59)], [1, 2])
    ids = [[v.vehicle_id for v in f] for f in fleets]
    # Six buses by 1 : 2 (each cluster at least one), the north's from the northern depot;
    # a single taxi goes where the demand is larger.
    assert ids == [["B0", "B1"], ["B2", "B3", "B4", "B5", "T1"]]
    assert region.divide_fleet(taxis, [(0.0, 0.0), (1.0, 1.0)], [0, 3]) == [[], taxis]


@pytest.fixture(scope="module")
def two_centres(demo: Scenario) -> Scenario:
    """Riders of both demo centres on Monday and Tuesday."""
    days = ("mon", "tue")
    sessions = tuple(s for s in demo.sessions if s.weekday in days)
    keep = {s.session_id for s in sessions}
    picked: dict[str, int] = {}
    riders = []
    for r in demo.riders:
        mine = tuple(s for s in r.session_ids if s in keep)
        if mine and picked.get(r.centre_id, 0) < 6:
            riders.append(dataclasses.replace(r, session_ids=mine))
            picked[r.centre_id] = picked.get(r.centre_id, 0) + 1
    assert len(picked) == 2
    return dataclasses.replace(demo, sessions=sessions, riders=tuple(riders),
                               plan_params=PARAMS)


@pytest.fixture(scope="module")
def region_plan(two_centres: Scenario, samso_network: RoadNetwork) -> Plan:
    return build_plan(two_centres, samso_network, PARAMS.with_overrides(workers=2))


def test_a_region_plan_verifies_and_loses_no_trip(two_centres: Scenario, region_plan: Plan,
                                                  samso_network: RoadNetwork) -> None:
    errors = [v for v in verify_plan(region_plan, two_centres, samso_network)
              if v.severity == "error"]
    assert errors == []
    clusters = region_plan.stats["clusters"]
    assert len(clusters) == 2
    assert sum(c["riders"] for c in clusters) == len(two_centres.riders)
    assert sum(c["vehicles"] for c in clusters) <= len(two_centres.vehicles)
    trips = rider_trips(two_centres, PARAMS)
    assert region_plan.kpis["trips_served"] + len(region_plan.unserved) == len(trips)
    # No vehicle crosses a cluster's border: each serves the centres of one cluster only.
    cluster_of = {c: i for i, entry in enumerate(clusters) for c in entry["centres"].split("+")}
    centre_of = {r.rider_id: r.centre_id for r in two_centres.riders}
    for vid in {run.vehicle_id for run in region_plan.runs}:
        served = {cluster_of[centre_of[rid]] for run in region_plan.runs
                  if run.vehicle_id == vid for rid in run.rider_ids}
        assert len(served) == 1, vid
    assert region_plan.kpis["cost_dkk"] == pytest.approx(sum(c["cost_dkk"] for c in clusters))


def test_job_engine_parts_give_the_same_plan(two_centres: Scenario, region_plan: Plan,
                                             samso_network: RoadNetwork) -> None:
    from api.jobs.parts import solve_inline

    calls: list[int] = []

    def elsewhere(solver: str, specs: Sequence[Mapping[str, Any]]) -> list[Any]:
        # As on another machine: JSON specs, nothing shared with the planner's process.
        calls.append(len(specs))
        day_parts._CONTEXTS.clear()
        return solve_inline(solver, json.loads(json.dumps(list(specs))))

    by_parts = build_plan(two_centres, samso_network, PARAMS, run_parts=elsewhere)
    assert calls == [2]
    assert region_plan.stats["deterministic"] and by_parts.stats["deterministic"]

    def runs(plan: Plan) -> str:
        return json.dumps(plan_to_dict(plan)["runs"], sort_keys=True)

    assert runs(by_parts) == runs(region_plan)


def test_clusters_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="clusters"):
        PlanParams(clusters=0)
