"""Gathering a decision's inputs from scenario, plan, matrix and calendar; the candidates list.

:func:`assess` decides one rider; :func:`candidates` lists the riders for whom what the plan shows
(unserved trips, a high marginal cost) is a reason to ask the centre for its assessment — never a
grant.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from routing.model import WEEKDAYS, Plan, Rider, Scenario, Unserved
from routing.places import centre_place, home_place
from routing.reimbursement.common import (
    OpenDays,
    ReimbursementError,
    TravelMatrixLike,
    decimal_da,
    matrix_index,
)
from routing.reimbursement.decision import DEFAULT_COST_MULTIPLE, Decision, Signal, decide, signals
from routing.reimbursement.facts import (
    WEEKS_PER_MONTH,
    CentreAssessment,
    DecisionInputs,
    ReimbursementRules,
)
from routing.reimbursement.marginal import MarginalCost, marginal_cost, marginal_costs
from routing.reimbursement.means import MeansOption, cheapest, options
from routing.reimbursement.rates import RateTable
from routing.texts.da import kroner

log = logging.getLogger(__name__)


def _weekdays(rider: Rider, scenario: Scenario) -> tuple[str, ...]:
    days = set()
    for sid in rider.session_ids:
        try:
            days.add(scenario.session(sid).weekday)
        except KeyError:
            raise ReimbursementError(f"rider {rider.rider_id}: unknown session {sid!r}") from None
    return tuple(d for d in WEEKDAYS if d in days)


def _days_by_month(
    calendar: OpenDays, centre_id: str, weekdays: Collection[str], year: int
) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for month in range(1, 13):
        n = 0
        day = date(year, month, 1)
        while day.month == month:
            if day.weekday() < 5 and WEEKDAYS[day.weekday()] in weekdays and \
                    calendar.is_open(centre_id, day):
                n += 1
            day += timedelta(days=1)
        counts[f"{year}-{month:02d}"] = n
    return tuple(counts.items())


def home_centre_trip(
    rider: Rider, matrix: TravelMatrixLike
) -> tuple[int, int]:
    """``(distance_m, travel_s)`` by road between the rider's home and centre.

    The shorter of the two directions (one-way streets can make them differ), as Danish practice
    reimburses by the shortest road distance.
    """
    what = f"rider {rider.rider_id}"
    h = matrix_index(matrix, home_place(rider.rider_id), what)
    c = matrix_index(matrix, centre_place(rider.centre_id), what)
    there = (int(matrix.distance_m[h, c]), int(matrix.time_s[h, c]))
    back = (int(matrix.distance_m[c, h]), int(matrix.time_s[c, h]))
    return min(there, back)


def transport_options(
    rider: Rider | str,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rates: RateTable,
    rules: ReimbursementRules | None = None,
) -> tuple[MeansOption, ...]:
    """Every means of transport for the rider: reasonable or not (with reasons) and price per trip.

    In the order of :data:`routing.reimbursement.rates.MEANS`. See :func:`assess` for the
    parameters.
    """
    r = scenario.rider(rider) if isinstance(rider, str) else rider
    return options(_inputs(r, scenario, matrix, rules or ReimbursementRules()), rates)


def _inputs(r: Rider, scenario: Scenario, matrix: TravelMatrixLike,
            rules: ReimbursementRules, **more: Any) -> DecisionInputs:
    distance_m, travel_s = home_centre_trip(r, matrix)
    return DecisionInputs(
        rider_id=r.rider_id, centre_id=r.centre_id, centre_name=more.pop("centre_name", ""),
        wheelchair=r.wheelchair, escort=r.escort, can_travel_alone=r.can_travel_alone,
        can_cycle=r.can_cycle, has_driver=r.has_driver, distance_m=distance_m,
        travel_s=travel_s, weekdays=_weekdays(r, scenario), rules=rules, **more,
    )


def _plan_facts(plan: Plan, scenario: Scenario, matrix: TravelMatrixLike, rider_id: str,
                marginal: MarginalCost | None) -> tuple[tuple[Unserved, ...], int, int]:
    if marginal is None or marginal.rider_id != rider_id:
        marginal = marginal_cost(plan, scenario, matrix, rider_id)
    if not marginal.served_trips and not marginal.unserved:
        raise ReimbursementError(f"rider {rider_id} is neither in a run nor among the "
                                 "unserved trips of the plan: plan and scenario do not match")
    return marginal.unserved, marginal.per_week_ore, marginal.served_trips


def assess(
    rider: Rider | str,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rates: RateTable,
    *,
    plan: Plan | None = None,
    centre_assessment: CentreAssessment | None = None,
    cost_multiple: float = DEFAULT_COST_MULTIPLE,
    weeks_per_month: float = WEEKS_PER_MONTH,
    calendar: OpenDays | None = None,
    rules: ReimbursementRules | None = None,
    marginal: MarginalCost | None = None,
    decided_on: date | None = None,
    appeal_da: str = "",
) -> Decision:
    """Decide whether a rider gets reimbursement instead of the shared ride, and how much.

    Reimbursement is granted only on the centre's recorded, concrete assessment
    (``centre_assessment``: who, when, why). What the plan shows — unserved trips, a marginal cost
    above ``cost_multiple`` × the cheapest reasonable means — is reported as signals (and stated
    in the letter as supporting facts when the centre has assessed), never a ground by itself. The
    amount is that of the cheapest reasonable means that may be reimbursed, per trip (one way),
    per week (2 trips × days attended) and per month (``weeks_per_month`` weeks, or — given a
    ``calendar`` — the average over the months of ``rates.year`` of the centre's open days the
    rider attends).

    Parameters
    ----------
    rider
        The rider or their id.
    scenario
        Scenario holding the rider, their centre and sessions (and the plan's vehicles).
    matrix
        Travel matrix containing ``home:<rider_id>`` and ``centre:<centre_id>`` — and, with a
        plan, all its places (:func:`routing.planning.planner.place_matrix`).
    rates
        Rate table of the year (:func:`routing.reimbursement.rates.load_rates`).
    plan
        The weekly plan (for the signals); optional.
    centre_assessment
        The centre's recorded assessment that the shared ride is not an option.
    cost_multiple
        Threshold of the economic signal.
    weeks_per_month
        Weeks per month for the monthly amount when no calendar is given.
    calendar
        Centre calendar (e.g. :class:`routing.operations.calendar.CentreCalendar`).
    rules
        Which means count as reasonable (bicycle distance, car rate, accessible buses, walking
        distance, minimum amount).
    marginal
        A precomputed marginal cost of the rider in ``plan`` (saves recomputing).
    decided_on
        Date of the decision, printed in the letter.
    appeal_da
        The municipality's klagevejledning (default: the general one).

    Raises
    ------
    ReimbursementError
        If the rider is unknown, ``cost_multiple`` is not positive, or the plan neither serves nor
        lists the rider (plan and scenario do not match).
    """
    try:
        r = scenario.rider(rider) if isinstance(rider, str) else rider
        centre = scenario.centre(r.centre_id)
    except KeyError as exc:
        raise ReimbursementError(f"reimbursement: {exc.args[0]}") from None
    if not cost_multiple > 0:
        raise ReimbursementError(f"cost_multiple must be positive, got {cost_multiple}")
    unserved: tuple[Unserved, ...] = ()
    marginal_week: int | None = None
    served = 0
    if plan is not None:
        unserved, marginal_week, served = _plan_facts(plan, scenario, matrix, r.rider_id,
                                                      marginal)
    weekdays = _weekdays(r, scenario)
    inputs = _inputs(
        r, scenario, matrix, rules or ReimbursementRules(), centre_name=centre.name,
        centre_assessment=centre_assessment, plan_checked=plan is not None, unserved=unserved,
        marginal_per_week_ore=marginal_week, served_trips=served,
        weeks_per_month=weeks_per_month,
        days_by_month=(_days_by_month(calendar, r.centre_id, weekdays, rates.year)
                       if calendar is not None else ()),
        decided_on=decided_on.isoformat() if decided_on else None, appeal_da=appeal_da,
    )
    decision = decide(inputs, rates, cost_multiple=cost_multiple)
    log.info("reimbursement for rider %s: outcome=%s means=%s per_trip_ore=%d", r.rider_id,
             decision.outcome, decision.chosen.means if decision.chosen else None,
             decision.per_trip_ore)
    return decision


@dataclass(frozen=True, slots=True)
class Candidate:
    """A rider the coordinator and the centre should consider for an assessment."""

    rider_id: str
    centre_id: str
    signals: tuple[Signal, ...]
    marginal_per_week_ore: int
    cheapest: MeansOption | None
    """The cheapest reasonable means, taxi included (what an individual decision would weigh)."""
    text_da: str
    text_en: str

    def to_dict(self) -> dict[str, Any]:
        return {"rider_id": self.rider_id, "centre_id": self.centre_id,
                "signals": [s.to_dict() for s in self.signals],
                "marginal_per_week_ore": self.marginal_per_week_ore,
                "cheapest": self.cheapest.to_dict() if self.cheapest else None,
                "text_da": self.text_da, "text_en": self.text_en}


def _staff_signals_da(sigs: tuple[Signal, ...], mc: MarginalCost, cost_multiple: float) -> str:
    """The signals as staff read them: about the rider, not addressed to them (the signals'
    own texts speak to the rider, for the letter)."""
    codes = {s.kind for s in sigs}
    out = ""
    if "cannot_be_served" in codes:
        out += f" {len(mc.unserved)} af borgerens ture om ugen kan ikke planlægges."
    if "economic" in codes:
        out += (f" Det er mere end {decimal_da(cost_multiple)} gange den billigste forsvarlige "
                "befordring.")
    return out


def candidates(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rates: RateTable,
    *,
    cost_multiple: float = DEFAULT_COST_MULTIPLE,
    rules: ReimbursementRules | None = None,
    marginals: Mapping[str, MarginalCost] | None = None,
) -> list[Candidate]:
    """Riders whose unserved trips or marginal cost suggest asking the centre for an assessment.

    Sorted by marginal cost, highest first. Nothing here grants anything.
    """
    rules = rules or ReimbursementRules()
    marginals = marginals or marginal_costs(plan, scenario, matrix)
    out: list[Candidate] = []
    for r in scenario.riders:
        mc = marginals.get(r.rider_id)
        if mc is None or (not mc.served_trips and not mc.unserved):
            continue
        inputs = _inputs(r, scenario, matrix, rules, unserved=mc.unserved, plan_checked=True,
                         marginal_per_week_ore=mc.per_week_ore, served_trips=mc.served_trips)
        opts = options(inputs, rates)
        sigs = signals(inputs, opts, cost_multiple)
        if not sigs:
            continue
        best = cheapest(opts, reimbursable_only=False)
        alt = f", {best.name_da} {kroner(best.per_trip_ore)} pr. tur" if best else ""
        out.append(Candidate(
            rider_id=r.rider_id, centre_id=r.centre_id, signals=sigs,
            marginal_per_week_ore=mc.per_week_ore, cheapest=best,
            text_da=(f"Overvej en vurdering: samkørslen koster {kroner(mc.per_week_ore)} om "
                     f"ugen for denne borger{alt}." + _staff_signals_da(sigs, mc, cost_multiple)),
            text_en=(f"Consider an assessment: the shared ride costs "
                     f"{mc.per_week_ore / 100:.2f} DKK a week for this rider. "
                     + " ".join(s.text_en for s in sigs)),
        ))
    out.sort(key=lambda c: (-c.marginal_per_week_ore, c.rider_id))
    return out
