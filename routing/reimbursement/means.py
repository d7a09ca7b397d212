"""The means of transport for one rider: which are reasonable (forsvarlige), and what a trip costs.

Capabilities mean what they say: public transport needs a rider who can use it alone; a car needs
someone who can drive the rider; a bicycle or moped needs a rider who can cycle. Taxi and
wheelchair taxi are priced and assessed, but are not reimbursed under this rule (Sønderborg: "Du
bevilliges ikke individuel kørsel med taxa"): a rider whose only reasonable means is a taxi is
referred to an individual decision by the authority.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from routing.reimbursement.common import format_km, minutes_text, rate_text
from routing.reimbursement.facts import DecisionInputs
from routing.reimbursement.rates import MEANS, RateTable, round_div
from routing.texts.da import kroner

MEANS_NAMES: dict[str, tuple[str, str]] = {
    "public_transport": ("offentlig transport (bus)", "public transport (bus)"),
    "own_car": ("egen eller pårørendes bil (kilometergodtgørelse)",
                "own or a relative's car (kilometre allowance)"),
    "bicycle": ("cykel eller knallert", "bicycle or moped"),
    "taxi": ("taxa", "taxi"),
    "wheelchair_taxi": ("kørestolstaxa (liftbil)", "wheelchair taxi (lift vehicle)"),
}
"""Danish and English names of the means in :data:`routing.reimbursement.rates.MEANS`."""

NOT_REIMBURSED: frozenset[str] = frozenset({"taxi", "wheelchair_taxi"})
"""Means that are never the amount of a reimbursement (individual taxi is not granted)."""


@dataclass(frozen=True, slots=True)
class MeansOption:
    """One means of transport for one rider: reasonable or not (and why), and its cost per trip."""

    means: str
    """One of :data:`routing.reimbursement.rates.MEANS`."""
    reasonable: bool
    reason_da: str
    reason_en: str
    per_trip_ore: int
    """One trip (one way), escort surcharge included."""
    escort_extra_ore: int
    calculation_da: str
    rate_source: str
    example_rate: bool
    """The rate is an example, not a published tariff."""

    @property
    def name_da(self) -> str:
        return MEANS_NAMES[self.means][0]

    @property
    def name_en(self) -> str:
        return MEANS_NAMES[self.means][1]

    @property
    def reimbursable(self) -> bool:
        """May be the amount of a reimbursement (not an individual taxi)."""
        return self.means not in NOT_REIMBURSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "means": self.means, "name_da": self.name_da, "name_en": self.name_en,
            "reasonable": self.reasonable, "reimbursable": self.reimbursable,
            "reason_da": self.reason_da, "reason_en": self.reason_en,
            "per_trip_ore": self.per_trip_ore, "escort_extra_ore": self.escort_extra_ore,
            "calculation_da": self.calculation_da, "rate_source": self.rate_source,
            "example_rate": self.example_rate,
        }


def _escort(inputs: DecisionInputs, rates: RateTable, means: str, base_ore: int) -> tuple[int, str]:
    """Escort surcharge on one trip of ``means`` and a Danish note on how the escort is treated."""
    if not inputs.escort or means not in rates.escort.applies_to:
        return 0, ""
    if rates.escort.rule == "free":
        return 0, " Din ledsager rejser gratis."
    if rates.escort.rule == "not_covered":
        return 0, " Din ledsagers udgifter dækkes ikke."
    extra = rates.escort.extra_ore(means, base_ore)
    return extra, (f" Tillæg for ledsager {rates.escort.surcharge_pct} %: {kroner(extra)}, "
                   f"i alt {kroner(base_ore + extra)}.")


def _option(
    inputs: DecisionInputs, rates: RateTable, means: str, base_ore: int, calculation: str,
    source: str, example: bool, excluded: tuple[str, str] | None, ok: tuple[str, str],
) -> MeansOption:
    extra, note = _escort(inputs, rates, means, base_ore)
    reason_da, reason_en = excluded if excluded is not None else ok
    return MeansOption(
        means=means, reasonable=excluded is None, reason_da=reason_da, reason_en=reason_en,
        per_trip_ore=base_ore + extra, escort_extra_ore=extra,
        calculation_da=calculation + ("" if calculation.endswith(".") else ".") + note,
        rate_source=source, example_rate=example,
    )


def options(inputs: DecisionInputs, rates: RateTable) -> tuple[MeansOption, ...]:
    d, t, rules = inputs.distance_m, inputs.travel_s, inputs.rules
    km = format_km(d)
    out: list[MeansOption] = []

    # Public transport: only for a rider who can travel alone by bus (and reach it in a chair).
    fares = rates.public_transport
    excluded: tuple[str, str] | None = None
    if not inputs.can_travel_alone:
        excluded = ("Du kan ikke rejse alene med offentlig transport.",
                    "The rider cannot travel alone by public transport.")
    elif inputs.wheelchair and not rules.public_transport_wheelchair:
        excluded = ("Du bruger kørestol, og den offentlige transport på strækningen er ikke "
                    "vurderet tilgængelig for kørestol.",
                    "The rider uses a wheelchair and public transport on the route is not "
                    "assessed as wheelchair accessible.")
    fare = fares.fare_ore(d)
    out.append(_option(
        inputs, rates, "public_transport", fare,
        f"billet for {fares.describe(d)} ({km} ad vej): {kroner(fare)}",
        fares.source, fares.example, excluded,
        ("Du kan rejse alene med bus.", "The rider can travel alone by bus."),
    ))

    # Own or a relative's car at the kilometre rate, by road distance.
    per_km = rates.car_per_km_ore(rules.car_rate)
    rate_name = "statens lave sats" if rules.car_rate == "low" else "statens høje sats"
    car = round_div(d * per_km, 1000)
    out.append(_option(
        inputs, rates, "own_car", car,
        f"{km} (korteste vej mellem hjem og tilbud) × {rate_text(per_km)} kr./km "
        f"({rate_name} {rates.year}) = {kroner(car)}",
        rates.car_source, False,
        None if inputs.has_driver else (
            "Hverken du selv eller en pårørende kan køre dig i bil.",
            "Neither the rider nor a relative can drive them by car."),
        ("Du eller en pårørende kan køre dig i bil.", "The rider or a relative can drive them."),
    ))

    # Bicycle or moped: a rider who can cycle (not inferred from travelling alone by bus), not in
    # a wheelchair, over a short way.
    bike = round_div(d * rates.bicycle_per_km_ore, 1000)
    if inputs.wheelchair:
        excluded = ("Du bruger kørestol.", "The rider uses a wheelchair.")
    elif not inputs.can_cycle:
        excluded = ("Du kan ikke cykle eller køre knallert til tilbuddet.",
                    "The rider cannot cycle or ride a moped to the centre.")
    elif d > rules.bicycle_max_m:
        excluded = (f"Afstanden på {km} er længere end grænsen på "
                    f"{format_km(rules.bicycle_max_m)} for cykel og knallert.",
                    f"The distance of {d / 1000:.1f} km exceeds the limit of "
                    f"{rules.bicycle_max_m / 1000:.1f} km for bicycle and moped.")
    else:
        excluded = None
    out.append(_option(
        inputs, rates, "bicycle", bike,
        f"{km} × {rate_text(rates.bicycle_per_km_ore)} kr./km ({rates.year}) = {kroner(bike)}",
        rates.bicycle_source, False, excluded,
        (f"Du kan cykle, og afstanden på {km} er kort nok til cykel eller knallert.",
         "The rider can cycle and the distance is short enough."),
    ))

    # Taxi and wheelchair taxi: start fee + per km + per minute for the direct trip.
    for means, tariff in (("taxi", rates.taxi), ("wheelchair_taxi", rates.wheelchair_taxi)):
        price = tariff.fare_ore(d, t)
        calc = (f"startgebyr {kroner(tariff.start_ore)} + {km} × {rate_text(tariff.per_km_ore)} "
                f"kr./km + {minutes_text(t)} min × {rate_text(tariff.per_min_ore)} kr./min "
                f"= {kroner(price)}")
        if means == "taxi":
            excluded = (
                "Du bruger kørestol og kan ikke køres i almindelig taxa; det kræver "
                "kørestolstaxa (liftbil).",
                "The rider uses a wheelchair and cannot ride in an ordinary taxi; a wheelchair "
                "taxi is required.") if inputs.wheelchair else None
            ok = ("Almindelig taxa er forsvarlig, men individuel kørsel i taxa bevilges ikke som "
                  "godtgørelse.",
                  "An ordinary taxi is suitable, but individual taxi is not granted as "
                  "reimbursement.")
        else:
            excluded = None if inputs.wheelchair else (
                "Du bruger ikke kørestol, så almindelig taxa er tilstrækkelig og billigere.",
                "Not needed: the rider does not use a wheelchair; an ordinary taxi suffices.")
            ok = ("Du bruger kørestol og skal køres i kørestolstaxa (liftbil); individuel "
                  "kørsel i taxa bevilges ikke som godtgørelse.",
                  "The rider uses a wheelchair and needs a wheelchair taxi; individual taxi is "
                  "not granted as reimbursement.")
        out.append(_option(inputs, rates, means, price, calc, tariff.source, tariff.example,
                           excluded, ok))
    return tuple(out)


def cheapest(options: Iterable[MeansOption], *, reimbursable_only: bool = True
             ) -> MeansOption | None:
    """The cheapest reasonable means (by default only those that may be reimbursed)."""
    pool = [o for o in options if o.reasonable and (o.reimbursable or not reimbursable_only)]
    # Ties go to the earlier means in the usual Danish order (bus before car before taxi).
    return min(pool, key=lambda o: (o.per_trip_ore, MEANS.index(o.means)), default=None)
