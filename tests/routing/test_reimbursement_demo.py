"""The demo's riders against the rule the seeds state: no reimbursement without the centre.

Sønderborg: "Tilbudsstedet skal i det tilfælde konkret vurdere, at kørselsordningen ikke er en
mulighed for dig." Planned for real (the demo's Monday on the Samsø road network).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from routing.model import Plan, Scenario
from routing.reimbursement.facts import CentreAssessment
from routing.reimbursement.inputs import assess, candidates
from routing.reimbursement.marginal import marginal_costs
from routing.reimbursement.rates import load_rates
from tests.demo_subsets import monday_demo

ASSESSED = CentreAssessment("Tilbudsleder, Aktivitetscenter Tranebjerg", "2026-02-02",
                            "Borgeren kan ikke rumme turen med andre i bussen")


@dataclass(frozen=True)
class Demo:
    scenario: Scenario
    matrix: Any
    plan: Plan


@pytest.fixture(scope="module")
def demo(samso_network: Any) -> Demo:
    from routing.planning.planner import build_plan, place_matrix

    scenario = monday_demo("reimbursement-demo", n_riders=64)
    matrix = place_matrix(scenario, samso_network)
    return Demo(scenario, matrix, build_plan(scenario, samso_network, matrix=matrix))


def test_no_demo_rider_gets_reimbursement_without_the_centre(demo: Demo) -> None:
    rates = load_rates(2026)
    costs = marginal_costs(demo.plan, demo.scenario, demo.matrix)
    decisions = [assess(r, demo.scenario, demo.matrix, rates, plan=demo.plan,
                        marginal=costs[r.rider_id]) for r in demo.scenario.riders]
    assert len(decisions) == len(demo.scenario.riders) >= 30
    assert all(d.outcome == "shared_ride" and d.per_week_ore == 0 for d in decisions)
    assert not any("samlet faglig og økonomisk vurdering" in d.text_da for d in decisions)
    # What the plan shows is a list for the coordinator and the centre, not a grant.
    listed = candidates(demo.plan, demo.scenario, demo.matrix, rates, marginals=costs)
    for c in listed:
        assert c.text_da.startswith("Overvej en vurdering: samkørslen koster")
        assert c.signals


def test_with_the_centres_assessment_the_cheapest_reasonable_means(demo: Demo) -> None:
    rates = load_rates(2026)
    sc = demo.scenario
    by_id = {r.rider_id: r for r in sc.riders}

    def decide(rider_id: str) -> Any:
        return assess(rider_id, sc, demo.matrix, rates, plan=demo.plan,
                      centre_assessment=ASSESSED)

    # A rider who can use public transport alone (and has nobody to drive them): the bus fare.
    bus = next(r for r in sc.riders if r.can_travel_alone and not r.has_driver)
    d = decide(bus.rider_id)
    assert d.outcome == "reimbursement" and d.chosen is not None
    assert d.chosen.means == "public_transport"
    assert d.per_trip_ore == max(rates.public_transport.fare_ore(d.inputs.distance_m), 500)
    # A rider someone can drive (and who cannot take the bus alone): the kilometre rate.
    car = next(r for r in sc.riders if r.has_driver and not r.can_travel_alone)
    d = decide(car.rider_id)
    assert d.chosen is not None and d.chosen.means == "own_car"
    assert d.per_trip_ore == max(round(d.inputs.distance_m * 228 / 1000), 500)
    assert "kilometergodtgørelse" in d.text_da
    # A wheelchair user with no other reasonable means: a referral, not taxi money.
    chair = next(r for r in sc.riders if r.wheelchair and not r.has_driver)
    d = decide(chair.rider_id)
    assert d.outcome == "referral" and d.per_trip_ore == 0 and d.chosen is None
    assert "individuel afgørelse" in d.text_da
    assert by_id[chair.rider_id].wheelchair


def test_all_64_demo_riders_without_assessment_get_the_shared_ride(samso_network: Any) -> None:
    from routing.planning.planner import place_matrix
    from routing.scenario.reader import load_scenario
    from tests.demo_subsets import DEMO

    sc = load_scenario(DEMO)
    matrix = place_matrix(sc, samso_network)
    rates = load_rates(2026)
    outcomes = {r.rider_id: assess(r, sc, matrix, rates).outcome for r in sc.riders}
    assert len(outcomes) == 64 and set(outcomes.values()) == {"shared_ride"}
    # With the centre's assessment nobody is paid taxi money: taxi-only riders are referred.
    assessed = [assess(r, sc, matrix, rates, centre_assessment=ASSESSED) for r in sc.riders]
    assert all(d.chosen is None or d.chosen.means not in ("taxi", "wheelchair_taxi")
               for d in assessed)
    assert all(d.per_trip_ore == 0 or d.per_trip_ore >= 500 for d in assessed)
    escorted_driver = next(r for r in sc.riders if r.escort and r.has_driver)
    d = next(x for x in assessed if x.rider_id == escorted_driver.rider_id)
    assert d.chosen is not None and d.chosen.means == "own_car"
