"""The reimbursement decision: warranted only on the centre's recorded, concrete assessment.

Sønderborg: "Du bevilliges ikke individuel kørsel med taxa, men vi kan helt undtagelsesvis yde dig
godtgørelse … Tilbudsstedet skal i det tilfælde konkret vurdere, at kørselsordningen ikke er en
mulighed for dig." So:

* without a :class:`~routing.reimbursement.facts.CentreAssessment` (who, when, why) the outcome is
  ``shared_ride`` — whatever the plan shows. Unserved trips and a high marginal cost are
  :class:`Signal`\\ s for the candidates list (:func:`routing.reimbursement.inputs.candidates`),
  never grounds by themselves;
* with one, the amount is that of the cheapest reasonable means that may be reimbursed (bus, car at
  the kilometre rate, bicycle/moped), at least ``rules.min_per_trip_ore`` per trip;
* a trip short enough to walk (``rules.walk_max_m``) for a rider who gets about alone: ``walk``,
  no amount;
* when only a taxi or wheelchair taxi is reasonable: ``referral`` — individual taxi is not granted
  as reimbursement, and the case goes to an individual decision by the authority.

Danish texts address the citizen ("du"); English texts describe ("the rider") for coordinators.
All amounts are integer øre. Pure: :mod:`routing.reimbursement.inputs` gathers the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from routing.planning.reasons import danish
from routing.reimbursement.common import decimal_da, format_km
from routing.reimbursement.facts import DecisionInputs
from routing.reimbursement.letter import LEGAL_BASIS, letter
from routing.reimbursement.means import MeansOption, cheapest, options
from routing.reimbursement.rates import RateTable, round_div
from routing.texts.da import DIRECTION_OFFER_DA, WEEKDAY_DA, date_text, kroner

SCHEMA = "samkorsel.reimbursement/2"
"""Schema tag of :meth:`Decision.to_dict` (2: outcome, signals, structured centre assessment)."""

Outcome = Literal["shared_ride", "reimbursement", "walk", "referral"]
GroundKind = Literal["centre_assessment", "cannot_be_served", "economic"]

DEFAULT_COST_MULTIPLE = 1.5
"""The shared ride costing more than this × the cheapest reasonable means is a signal."""


@dataclass(frozen=True, slots=True)
class Ground:
    """A ground stated in the decision; only grounds that exist are stated."""

    kind: GroundKind
    text_da: str
    text_en: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text_da": self.text_da, "text_en": self.text_en}


Signal = Ground
"""What the plan shows (unserved trips, high marginal cost): a reason to ask the centre for an
assessment, never a grant by itself. Same shape as a ground."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A reasoned decision for one rider (see :func:`decide`).

    Unless the outcome is ``reimbursement``, ``chosen`` is None and the amounts are 0; ``cheapest``
    still shows the cheapest reimbursable means and what it would cost per trip.
    """

    rider_id: str
    outcome: Outcome
    grounds: tuple[Ground, ...]
    """Grounds stated in the letter (the centre's assessment first)."""
    signals: tuple[Signal, ...]
    """What the plan shows; for coordinators, not grounds."""
    reason_da: str
    reason_en: str
    options: tuple[MeansOption, ...]
    cheapest: MeansOption | None
    chosen: MeansOption | None
    trips_per_week: int
    per_trip_ore: int
    per_week_ore: int
    per_month_ore: int
    by_month_ore: tuple[tuple[str, int], ...]
    """``("YYYY-MM", amount)`` when a centre calendar was given, else empty."""
    legal_basis: tuple[str, ...]
    rates_year: int
    rates_source: str
    rates: dict[str, Any]
    """Snapshot of the rate table used (:meth:`routing.reimbursement.rates.RateTable.to_dict`)."""
    text_da: str
    """The decision letter (afgørelse) in Danish, with reasons and appeal guidance."""
    inputs: DecisionInputs

    @property
    def warranted(self) -> bool:
        """Reimbursement is granted (an amount is paid)."""
        return self.outcome == "reimbursement"

    @property
    def excluded(self) -> tuple[MeansOption, ...]:
        """Means that are not reasonable for the rider, each with the reason."""
        return tuple(o for o in self.options if not o.reasonable)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (schema :data:`SCHEMA`) for storage and audit."""
        return {
            "schema": SCHEMA, "rider_id": self.rider_id, "outcome": self.outcome,
            "warranted": self.warranted,
            "grounds": [g.to_dict() for g in self.grounds],
            "signals": [s.to_dict() for s in self.signals],
            "reason_da": self.reason_da, "reason_en": self.reason_en,
            "chosen": self.chosen.to_dict() if self.chosen else None,
            "cheapest": self.cheapest.to_dict() if self.cheapest else None,
            "options": [o.to_dict() for o in self.options],
            "excluded": [o.means for o in self.excluded],
            "trips_per_week": self.trips_per_week, "per_trip_ore": self.per_trip_ore,
            "per_week_ore": self.per_week_ore, "per_month_ore": self.per_month_ore,
            "by_month_ore": [list(m) for m in self.by_month_ore],
            "legal_basis": list(self.legal_basis), "rates_year": self.rates_year,
            "rates_source": self.rates_source, "rates": self.rates, "text_da": self.text_da,
            "inputs": self.inputs.to_dict(),
        }


def signals(inputs: DecisionInputs, opts: tuple[MeansOption, ...],
            cost_multiple: float = DEFAULT_COST_MULTIPLE) -> tuple[Signal, ...]:
    """What the plan shows about the rider: unserved trips; a marginal cost above
    ``cost_multiple`` × the cheapest reasonable means (taxi included: it is what the authority
    would weigh in an individual decision)."""
    out: list[Signal] = []
    if inputs.unserved:
        da = "; ".join(f"{WEEKDAY_DA.get(u.weekday, u.weekday)} "
                       f"{DIRECTION_OFFER_DA.get(u.direction, u.direction)}: {danish(u.reason)}"
                       for u in inputs.unserved)
        en = "; ".join(f"{u.weekday} {u.direction}: {u.reason}" for u in inputs.unserved)
        n, m = len(inputs.unserved), inputs.trips_per_week
        out.append(Signal(
            "cannot_be_served",
            f"Samkørslen kan ikke køre dig inden for reglerne: {n} af dine {m} ture om ugen "
            f"kan ikke planlægges ({da}).",
            f"The shared ride cannot serve the rider within its rules: {n} of {m} weekly trips "
            f"are unserved ({en}).",
        ))
    best = cheapest(opts, reimbursable_only=False)
    if inputs.marginal_per_week_ore is not None and best is not None:
        alt = best.per_trip_ore * inputs.trips_per_week
        if inputs.marginal_per_week_ore > cost_multiple * alt:
            out.append(Signal(
                "economic",
                f"Det koster {kroner(inputs.marginal_per_week_ore)} om ugen ekstra at have dig "
                f"med i samkørslen, mere end {decimal_da(cost_multiple)} gange den billigste "
                f"forsvarlige befordring, {best.name_da} ({kroner(alt)} om ugen).",
                f"The shared ride costs {inputs.marginal_per_week_ore / 100:.2f} DKK a week for "
                f"this rider, more than {cost_multiple:g} × the cheapest reasonable means, "
                f"{best.name_en} ({alt / 100:.2f} DKK a week).",
            ))
    return tuple(out)


def _outcome(inputs: DecisionInputs, chosen: MeansOption | None) -> Outcome:
    if inputs.centre_assessment is None:
        return "shared_ride"
    gets_about_alone = (inputs.can_travel_alone or inputs.can_cycle) and not inputs.wheelchair
    if gets_about_alone and inputs.distance_m <= inputs.rules.walk_max_m:
        return "walk"
    return "reimbursement" if chosen is not None else "referral"


def _reasons(inputs: DecisionInputs, outcome: Outcome) -> tuple[str, str]:
    a = inputs.centre_assessment
    if outcome == "shared_ride":
        return ("Nej: du tilbydes samkørsel. Tilbuddet har ikke registreret en konkret vurdering "
                "af, at samkørsel ikke er en mulighed for dig.",
                "No: the shared ride is offered. The centre has recorded no concrete assessment "
                "that the shared ride is not an option for the rider.")
    assert a is not None
    if outcome == "walk":
        return (f"Nej: afstanden mellem dit hjem og tilbuddet er kun "
                f"{format_km(inputs.distance_m)}, og du kan færdes alene; der ydes ikke "
                "godtgørelse for så kort en tur.",
                f"No: the distance is only {inputs.distance_m} m and the rider gets about "
                "alone; no amount is paid for so short a trip.")
    if outcome == "referral":
        return ("Nej, ikke som godtgørelse: den eneste forsvarlige befordring for dig er "
                "individuel kørsel i taxa, og den bevilges ikke som godtgørelse. Sagen sendes "
                "til en individuel afgørelse i kommunens myndighedsafdeling.",
                "Not as reimbursement: the only reasonable means is an individual taxi, which "
                "is not granted as reimbursement; the case is referred to an individual "
                "decision by the authority.")
    return (f"Ja: tilbuddet ({a.assessed_by}, {_date_da(a.assessed_on)}) har konkret vurderet, at "
            f"samkørsel ikke er en mulighed for dig.",
            f"Yes: the centre ({a.assessed_by}, {a.assessed_on}) has assessed that the shared "
            "ride is not an option for the rider.")


def _date_da(iso: str) -> str:
    """``2026-12-07`` as the letter writes it: ``mandag den 7. december 2026``."""
    return date_text(date.fromisoformat(iso))


def _grounds(inputs: DecisionInputs, sigs: tuple[Signal, ...]) -> tuple[Ground, ...]:
    a = inputs.centre_assessment
    if a is None:
        return ()
    first = Ground(
        "centre_assessment",
        f"Tilbuddet ({a.assessed_by}) har {_date_da(a.assessed_on)} konkret vurderet, at "
        f"samkørsel ikke er en mulighed for dig: «{a.reason.strip()}»",
        f"On {a.assessed_on} the centre ({a.assessed_by}) assessed that the shared ride is not an "
        f"option for the rider: \"{a.reason.strip()}\"",
    )
    # What the plan shows supports the centre's assessment; stated only where it exists.
    return (first, *sigs)


def decide(inputs: DecisionInputs, rates: RateTable, *,
           cost_multiple: float = DEFAULT_COST_MULTIPLE) -> Decision:
    """The decision for ``inputs`` at ``rates`` (pure; :func:`~routing.reimbursement.inputs.assess`
    gathers the inputs).

    Parameters
    ----------
    inputs
        What the decision rests on (the centre's assessment, abilities, distance, attendance, plan
        findings).
    rates
        Rate table of the year the trips are made.
    cost_multiple
        Threshold of the economic signal.
    """
    opts = options(inputs, rates)
    best = cheapest(opts)
    sigs = signals(inputs, opts, cost_multiple)
    outcome = _outcome(inputs, best)
    grounds = _grounds(inputs, sigs) if outcome == "reimbursement" else ()
    reason_da, reason_en = _reasons(inputs, outcome)
    chosen = best if outcome == "reimbursement" else None
    per_trip = max(chosen.per_trip_ore, inputs.rules.min_per_trip_ore) if chosen else 0
    per_week = per_trip * inputs.trips_per_week
    by_month: tuple[tuple[str, int], ...] = ()
    if chosen and inputs.days_by_month:
        by_month = tuple((m, 2 * days * per_trip) for m, days in inputs.days_by_month)
        per_month = round_div(sum(a for _, a in by_month), len(by_month))
    else:
        per_month = round(per_week * inputs.weeks_per_month)
    text = letter(inputs, rates, outcome, grounds, reason_da, opts, chosen,
                  (per_trip, per_week, per_month), by_month)
    return Decision(
        rider_id=inputs.rider_id, outcome=outcome, grounds=grounds, signals=sigs,
        reason_da=reason_da, reason_en=reason_en, options=opts, cheapest=best, chosen=chosen,
        trips_per_week=inputs.trips_per_week, per_trip_ore=per_trip, per_week_ore=per_week,
        per_month_ore=per_month, by_month_ore=by_month, legal_basis=LEGAL_BASIS,
        rates_year=rates.year, rates_source=rates.source, rates=rates.to_dict(), text_da=text,
        inputs=inputs,
    )


def recompute(
    inputs: DecisionInputs | Decision | Mapping[str, Any],
    new_rates: RateTable,
    *,
    decided_on: date | None = None,
) -> Decision:
    """The decision again under ``new_rates`` (e.g. a new year's kilometre rate).

    Everything but the rates is taken from the stored inputs, so the new amount is traceable to
    the old record.

    Parameters
    ----------
    inputs
        The stored :class:`DecisionInputs`, a :class:`Decision`, or the dict of either
        (``Decision.to_dict()`` or ``DecisionInputs.to_dict()``).
    new_rates
        The rate table to apply.
    decided_on
        Date of the new decision (kept from the inputs if None).
    """
    if isinstance(inputs, Decision):
        base = inputs.inputs
    elif isinstance(inputs, DecisionInputs):
        base = inputs
    else:
        base = DecisionInputs.from_dict(inputs.get("inputs", inputs))
    if decided_on is not None:
        base = replace(base, decided_on=decided_on.isoformat())
    return decide(base, new_rates)
