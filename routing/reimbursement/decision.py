"""Reimbursement at the cheapest reasonable (forsvarlig) means of transport, not the shared ride.

Three parts:

* :func:`marginal_costs` / :func:`marginal_cost` — what the weekly plan costs with and without each
  rider (the removal cost in the current plan).
* :func:`transport_options` — each means of transport (public transport, own or a relative's car,
  bicycle/moped, taxi, wheelchair taxi), whether it is reasonable for the rider and what one trip
  costs at a year's rates (:mod:`routing.reimbursement.rates`).
* :func:`assess` — the decision: reimbursement is warranted only when the shared ride is not an
  option — the centre has recorded a concrete assessment, the plan cannot serve the rider, or
  serving them costs more than ``cost_multiple`` times the cheapest reasonable alternative
  (Serviceloven § 1, stk. 3). The :class:`Decision` carries the grounds, the chosen and the
  excluded means with reasons (Danish and English), amounts per trip/week/month, the legal basis,
  the rates year and source, a Danish decision text with appeal guidance, and its
  :class:`DecisionInputs`, from which :func:`recompute` re-derives it under new rates.

Danish texts address the citizen ("du"); English texts describe ("the rider") for coordinators.
All amounts are integer øre.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from routing.errors import SamkorselError
from routing.model import (
    WEEKDAYS,
    Direction,
    Plan,
    Rider,
    Run,
    Scenario,
    Unserved,
    Vehicle,
)
from routing.operations.daily import MatrixLike, RunContext, StopSpec, assemble_run
from routing.params import PlanParams
from routing.planning.costing import run_variable_cost_ore, runs_cost_ore
from routing.planning.reasons import danish
from routing.reimbursement.rates import MEANS, RateTable, round_div

log = logging.getLogger(__name__)

SCHEMA = "samkorsel.reimbursement/1"
"""Schema tag of :meth:`Decision.to_dict`."""

WEEKS_PER_MONTH = 52 / 12
"""Default weeks per month for the monthly amount (closing days are not deducted)."""

LEGAL_BASIS: tuple[str, ...] = (
    "Serviceloven § 104 (aktivitets- og samværstilbud)",
    "BEK nr. 483 af 19. maj 2011 (bekendtgørelse om aflønning og befordringsudgifter m.v.), § 5 "
    "— udstedt med hjemmel i serviceloven § 105, stk. 2",
    "Serviceloven § 105, stk. 2",
    "Serviceloven § 1, stk. 3 (faglige og økonomiske hensyn)",
    "Vejledning nr. 9286 af 26. april 2018 (ministeriets vejledning)",
)
"""Legal basis cited in every decision."""

MEANS_NAMES: dict[str, tuple[str, str]] = {
    "public_transport": ("offentlig transport (bus)", "public transport (bus)"),
    "own_car": ("egen eller pårørendes bil (kilometergodtgørelse)",
                "own or a relative's car (kilometre allowance)"),
    "bicycle": ("cykel eller knallert", "bicycle or moped"),
    "taxi": ("taxa", "taxi"),
    "wheelchair_taxi": ("kørestolstaxa (liftbil)", "wheelchair taxi (lift vehicle)"),
}
"""Danish and English names of the means in :data:`routing.reimbursement.rates.MEANS`."""

WEEKDAY_NAMES_DA: dict[str, str] = {
    "mon": "mandag", "tue": "tirsdag", "wed": "onsdag", "thu": "torsdag", "fri": "fredag",
}
DIRECTION_NAMES_DA: dict[str, str] = {"to_centre": "til tilbuddet",
                                      "from_centre": "hjem fra tilbuddet"}

GroundKind = Literal["centre_assessment", "cannot_be_served", "economic"]
IntMatrix = npt.NDArray[np.int64]


class ReimbursementError(SamkorselError, ValueError):
    """Inputs to a reimbursement decision are inconsistent (names the rider, run or place)."""


TravelMatrixLike = MatrixLike
"""What this module needs of :class:`routing.network.matrix.TravelMatrix`."""


class OpenDays(Protocol):
    """What this module needs of :class:`routing.operations.calendar.CentreCalendar`."""

    def is_open(self, centre_id: str, day: date) -> bool: ...


def home_place(rider_id: str) -> str:
    """Place id of a rider's home in the planner's matrix."""
    return f"home:{rider_id}"


def centre_place(centre_id: str) -> str:
    """Place id of a centre in the planner's matrix."""
    return f"centre:{centre_id}"


def _index(matrix: TravelMatrixLike, place: str, what: str) -> int:
    try:
        return matrix.index(place)
    except (KeyError, ValueError, IndexError) as exc:
        raise ReimbursementError(f"{what}: place {place!r} is not in the travel matrix") from exc


# --------------------------------------------------------------------------------------------
# Formatting (Danish)


def format_kr(amount_ore: int) -> str:
    """Danish money format: ``1.234,50 kr.``."""
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner:,}".replace(",", ".") + f",{ore:02d} kr."


def format_km(distance_m: int) -> str:
    """Danish distance format with one decimal: ``12,3 km``."""
    return f"{distance_m / 1000:.1f}".replace(".", ",") + " km"


def _rate(per_unit_ore: int) -> str:
    return f"{per_unit_ore / 100:.2f}".replace(".", ",")


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:.1f}".replace(".", ",")


def _decimal_da(value: float) -> str:
    return f"{value:g}".replace(".", ",")


# --------------------------------------------------------------------------------------------
# Marginal cost of the shared ride


@dataclass(frozen=True, slots=True)
class TripSaving:
    """What leaving one rider out of one run saves (variable cost; see :class:`MarginalCost`)."""

    run_id: str
    weekday: str
    direction: Direction
    vehicle_id: str
    distance_saved_m: int
    duration_saved_s: int
    variable_saved_ore: int
    run_dropped: bool
    """No rider is left: the run does not happen."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "weekday": self.weekday, "direction": self.direction,
            "vehicle_id": self.vehicle_id, "distance_saved_m": self.distance_saved_m,
            "duration_saved_s": self.duration_saved_s,
            "variable_saved_ore": self.variable_saved_ore, "run_dropped": self.run_dropped,
        }


@dataclass(frozen=True, slots=True)
class MarginalCost:
    """The weekly plan's cost with and without one rider (removal cost in the current plan).

    ``per_week_ore = plan_cost_ore - without_rider_ore`` is the sum of the trips' variable savings
    and the fixed price of every vehicle-day that has no run left once the rider is gone.
    """

    rider_id: str
    plan_cost_ore: int
    without_rider_ore: int
    trips: tuple[TripSaving, ...]
    fixed_saved_ore: int
    vehicle_days_saved: tuple[tuple[str, str], ...]
    """``(weekday, vehicle_id)`` of vehicle-days no longer needed."""
    unserved: tuple[Unserved, ...] = ()
    """The rider's trips the plan does not serve."""

    @property
    def per_week_ore(self) -> int:
        return self.plan_cost_ore - self.without_rider_ore

    @property
    def served_trips(self) -> int:
        return len(self.trips)

    @property
    def per_trip_ore(self) -> int:
        """Weekly saving per served trip (0 if the plan serves none of the rider's trips)."""
        return round_div(self.per_week_ore, len(self.trips)) if self.trips else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rider_id": self.rider_id,
            "plan_cost_ore": self.plan_cost_ore,
            "without_rider_ore": self.without_rider_ore,
            "per_week_ore": self.per_week_ore,
            "per_trip_ore": self.per_trip_ore,
            "served_trips": self.served_trips,
            "fixed_saved_ore": self.fixed_saved_ore,
            "vehicle_days_saved": [list(v) for v in self.vehicle_days_saved],
            "trips": [t.to_dict() for t in self.trips],
            "unserved": [_unserved_to_dict(u) for u in self.unserved],
        }


def _unserved_to_dict(u: Unserved) -> dict[str, str]:
    return {"rider_id": u.rider_id, "weekday": u.weekday, "session_id": u.session_id,
            "direction": u.direction, "reason": u.reason}


def _unserved_from_dict(d: Mapping[str, Any]) -> Unserved:
    return Unserved(d["rider_id"], d["weekday"], d["session_id"], d["direction"], d["reason"])


def without_riders(
    run: Run,
    rider_ids: Collection[str],
    scenario: Scenario,
    matrix: TravelMatrixLike,
    params: PlanParams | None = None,
) -> Run | None:
    """The run with the riders' stops removed and its timing recomputed, or None if it is empty.

    Stops left with no rider disappear; the rest is timed as a daily run is after afbud
    (:func:`routing.operations.daily.assemble_run`): legs from ``matrix``, other riders keep their
    agreed
    pickup times, nobody waits on board, and the depot departure moves as late as that allows.

    Parameters
    ----------
    run
        A run of the plan (depot → stops → depot), stops with place ids.
    rider_ids
        Riders to take out.
    scenario
        For the riders' boarding times and sessions.
    matrix
        Travel matrix over the plan's place ids (``home:…``, ``centre:…``, ``depot:…``).
    params
        Planning rules; default the scenario's ``plan_params`` or :class:`PlanParams`.

    Raises
    ------
    ReimbursementError
        If a new leg's place has no id or is not in the matrix.
    """
    params = params or scenario.plan_params or PlanParams()
    removed = set(rider_ids)
    if not removed.intersection(r for s in run.stops for r in s.rider_ids):
        return run
    specs = [StopSpec(s.kind, s.place, left, s.lat, s.lon, s.agreed_s)
             for s in run.stops[1:-1]
             if (left := tuple(r for r in s.rider_ids if r not in removed))]
    if not specs:
        return None
    try:
        # The daily runs' timing: agreed times kept, nobody waits on board, depot departure
        # as late as that allows.
        return assemble_run(run, specs, RunContext(scenario, matrix, params),
                            day=run.weekday, run_id=run.run_id)
    except KeyError as exc:
        raise ReimbursementError(f"run {run.run_id}: {exc.args[0]}; cannot recompute the "
                                 "legs") from None


def _vehicles(scenario: Scenario) -> dict[str, Vehicle]:
    return {v.vehicle_id: v for v in scenario.vehicles}


def _vehicle(vehicles: Mapping[str, Vehicle], run: Run) -> Vehicle:
    try:
        return vehicles[run.vehicle_id]
    except KeyError:
        raise ReimbursementError(f"run {run.run_id}: vehicle {run.vehicle_id!r} is not in the "
                                 "scenario") from None


def _marginal_cost(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rider_id: str,
    params: PlanParams,
    vehicles: Mapping[str, Vehicle],
    plan_cost_ore: int,
    by_vehicle_day: Mapping[tuple[str, str], Sequence[Run]],
) -> MarginalCost:
    trips: list[TripSaving] = []
    saved = fixed_saved = 0
    days_saved: list[tuple[str, str]] = []
    touched = [key for key, runs in by_vehicle_day.items()
               if any(rider_id in s.rider_ids for r in runs for s in r.stops)]
    for key in touched:
        runs = by_vehicle_day[key]
        after: list[Run] = []
        for run in runs:
            if not any(rider_id in s.rider_ids for s in run.stops):
                after.append(run)
                continue
            new = without_riders(run, (rider_id,), scenario, matrix, params)
            vehicle = _vehicle(vehicles, run)
            before_ore = run_variable_cost_ore(run, vehicle)
            after_ore = run_variable_cost_ore(new, vehicle) if new is not None else 0
            trips.append(TripSaving(
                run_id=run.run_id, weekday=run.weekday, direction=run.direction,
                vehicle_id=run.vehicle_id,
                distance_saved_m=run.distance_m - (new.distance_m if new else 0),
                duration_saved_s=run.duration_s - (new.duration_s if new else 0),
                variable_saved_ore=before_ore - after_ore, run_dropped=new is None,
            ))
            if new is not None:
                after.append(new)
        # The vehicle-day's cost through costing.py, so the fixed price is counted its one way.
        day_saved = runs_cost_ore(runs, vehicles) - runs_cost_ore(after, vehicles)
        saved += day_saved
        if not after:
            days_saved.append(key)
            fixed_saved += vehicles[key[1]].fixed_cost_ore
    return MarginalCost(
        rider_id=rider_id, plan_cost_ore=plan_cost_ore, without_rider_ore=plan_cost_ore - saved,
        trips=tuple(trips), fixed_saved_ore=fixed_saved,
        vehicle_days_saved=tuple(sorted(days_saved, key=_day_key)),
        unserved=tuple(u for u in plan.unserved if u.rider_id == rider_id),
    )


def _day_key(key: tuple[str, str]) -> tuple[int, str, str]:
    day, vehicle = key
    return (WEEKDAYS.index(day) if day in WEEKDAYS else len(WEEKDAYS), day, vehicle)


def _group_runs(plan: Plan, vehicles: Mapping[str, Vehicle]) -> dict[tuple[str, str], list[Run]]:
    groups: dict[tuple[str, str], list[Run]] = defaultdict(list)
    for run in plan.runs:
        _vehicle(vehicles, run)
        groups[(run.weekday, run.vehicle_id)].append(run)
    return groups


def marginal_costs(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    params: PlanParams | None = None,
) -> dict[str, MarginalCost]:
    """For every rider of the scenario: what the weekly plan costs with and without them.

    This is the *removal cost in the current plan*: each run of the rider is kept as planned except
    that the rider's stops go (see :func:`without_riders`: remaining legs from ``matrix``, other
    riders' agreed times kept, the depot departure may move later); a vehicle-day with no run left
    also saves its fixed price. The plan is not re-optimised, so the figure is what the shared ride
    costs *for this rider in this plan*, not a re-planned optimum. Costs come from
    :mod:`routing.planning.costing` (fixed price per vehicle-day + per km + per hour).

    Parameters
    ----------
    plan
        The weekly plan (runs keyed by weekday).
    scenario
        The scenario the plan was built from (riders, vehicles and their tariffs).
    matrix
        Travel matrix over the plan's place ids, e.g. :func:`routing.planning.planner.place_matrix`.
    params
        Planning rules (boarding, windows); default the scenario's ``plan_params``.

    Returns
    -------
    dict
        ``rider_id`` → :class:`MarginalCost` (riders the plan does not carry get zero savings and
        their unserved trips).

    Raises
    ------
    ReimbursementError
        If a run names a vehicle the scenario lacks or a place the matrix lacks.
    """
    params = params or scenario.plan_params or PlanParams()
    vehicles = _vehicles(scenario)
    groups = _group_runs(plan, vehicles)
    plan_cost = runs_cost_ore(plan.runs, vehicles)
    result = {r.rider_id: _marginal_cost(plan, scenario, matrix, r.rider_id, params, vehicles,
                                         plan_cost, groups) for r in scenario.riders}
    log.debug("marginal costs of %d riders over %d runs", len(result), len(plan.runs))
    return result


def marginal_cost(
    plan: Plan,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rider_id: str,
    params: PlanParams | None = None,
) -> MarginalCost:
    """:func:`marginal_costs` for one rider."""
    params = params or scenario.plan_params or PlanParams()
    vehicles = _vehicles(scenario)
    return _marginal_cost(plan, scenario, matrix, rider_id, params, vehicles,
                          runs_cost_ore(plan.runs, vehicles), _group_runs(plan, vehicles))


# --------------------------------------------------------------------------------------------
# Options


@dataclass(frozen=True, slots=True)
class ReimbursementRules:
    """Municipal rules for which means are reasonable and which car rate applies."""

    bicycle_max_m: int = 10_000
    """Bicycle/moped counts only up to this road distance home↔centre."""
    car_rate: Literal["low", "high"] = "low"
    """Which of the state's kilometre rates is paid (most municipalities: the low one)."""
    public_transport_wheelchair: bool = False
    """Whether public transport on the rider's route is assessed as wheelchair accessible."""

    def __post_init__(self) -> None:
        if self.bicycle_max_m < 0:
            raise ValueError("bicycle_max_m must not be negative")
        if self.car_rate not in ("low", "high"):
            raise ValueError(f"car_rate must be 'low' or 'high', got {self.car_rate!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"bicycle_max_m": self.bicycle_max_m, "car_rate": self.car_rate,
                "public_transport_wheelchair": self.public_transport_wheelchair}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReimbursementRules:
        return cls(bicycle_max_m=int(data.get("bicycle_max_m", 10_000)),
                   car_rate=data.get("car_rate", "low"),
                   public_transport_wheelchair=bool(data.get("public_transport_wheelchair",
                                                             False)))


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "means": self.means, "name_da": self.name_da, "name_en": self.name_en,
            "reasonable": self.reasonable, "reason_da": self.reason_da,
            "reason_en": self.reason_en, "per_trip_ore": self.per_trip_ore,
            "escort_extra_ore": self.escort_extra_ore, "calculation_da": self.calculation_da,
            "rate_source": self.rate_source, "example_rate": self.example_rate,
        }


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """Everything a decision is derived from, except the rates: stored with the decision so that
    :func:`recompute` gives the same decision under new rates without the plan or the network."""

    rider_id: str
    centre_id: str
    centre_name: str
    wheelchair: bool
    escort: bool
    can_travel_alone: bool
    has_driver: bool
    distance_m: int
    """Road distance home↔centre: the shorter of the two directions in the matrix."""
    travel_s: int
    """Driving time of that trip."""
    weekdays: tuple[str, ...]
    """Days the rider attends; trips per week = 2 × days."""
    centre_assessment: str | None = None
    plan_checked: bool = False
    """A plan was given: unserved trips and the marginal cost below come from it."""
    unserved: tuple[Unserved, ...] = ()
    marginal_per_week_ore: int | None = None
    served_trips: int = 0
    cost_multiple: float = 1.5
    rules: ReimbursementRules = field(default_factory=ReimbursementRules)
    weeks_per_month: float = WEEKS_PER_MONTH
    days_by_month: tuple[tuple[str, int], ...] = ()
    """``("YYYY-MM", open days the rider attends)`` from a centre calendar; empty = use weeks."""
    decided_on: str | None = None
    """ISO date of the decision, if given."""

    @property
    def trips_per_week(self) -> int:
        return 2 * len(self.weekdays)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rider_id": self.rider_id, "centre_id": self.centre_id,
            "centre_name": self.centre_name, "wheelchair": self.wheelchair,
            "escort": self.escort, "can_travel_alone": self.can_travel_alone,
            "has_driver": self.has_driver, "distance_m": self.distance_m,
            "travel_s": self.travel_s, "weekdays": list(self.weekdays),
            "centre_assessment": self.centre_assessment, "plan_checked": self.plan_checked,
            "unserved": [_unserved_to_dict(u) for u in self.unserved],
            "marginal_per_week_ore": self.marginal_per_week_ore,
            "served_trips": self.served_trips, "cost_multiple": self.cost_multiple,
            "rules": self.rules.to_dict(), "weeks_per_month": self.weeks_per_month,
            "days_by_month": [list(m) for m in self.days_by_month],
            "decided_on": self.decided_on,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DecisionInputs:
        """Inverse of :meth:`to_dict`.

        Raises
        ------
        ReimbursementError
            If a key is missing or malformed.
        """
        try:
            return cls(
                rider_id=str(data["rider_id"]), centre_id=str(data["centre_id"]),
                centre_name=str(data.get("centre_name", "")),
                wheelchair=bool(data["wheelchair"]), escort=bool(data["escort"]),
                can_travel_alone=bool(data["can_travel_alone"]),
                has_driver=bool(data["has_driver"]), distance_m=int(data["distance_m"]),
                travel_s=int(data["travel_s"]), weekdays=tuple(data["weekdays"]),
                centre_assessment=data.get("centre_assessment"),
                plan_checked=bool(data.get("plan_checked", False)),
                unserved=tuple(_unserved_from_dict(u) for u in data.get("unserved", ())),
                marginal_per_week_ore=(None if data.get("marginal_per_week_ore") is None
                                       else int(data["marginal_per_week_ore"])),
                served_trips=int(data.get("served_trips", 0)),
                cost_multiple=float(data.get("cost_multiple", 1.5)),
                rules=ReimbursementRules.from_dict(data.get("rules", {})),
                weeks_per_month=float(data.get("weeks_per_month", WEEKS_PER_MONTH)),
                days_by_month=tuple((str(m), int(n)) for m, n in data.get("days_by_month", ())),
                decided_on=data.get("decided_on"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReimbursementError(f"decision inputs: malformed: {exc!r}") from exc


def _escort(inputs: DecisionInputs, rates: RateTable, means: str, base_ore: int) -> tuple[int, str]:
    """Escort surcharge on one trip of ``means`` and a Danish note on how the escort is treated."""
    if not inputs.escort or means not in rates.escort.applies_to:
        return 0, ""
    if rates.escort.rule == "free":
        return 0, " Din ledsager rejser gratis."
    if rates.escort.rule == "not_covered":
        return 0, " Din ledsagers udgifter dækkes ikke."
    extra = rates.escort.extra_ore(means, base_ore)
    return extra, (f" Tillæg for ledsager {rates.escort.surcharge_pct} %: {format_kr(extra)}, "
                   f"i alt {format_kr(base_ore + extra)}.")


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


def _options(inputs: DecisionInputs, rates: RateTable) -> tuple[MeansOption, ...]:
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
        f"billet for {fares.describe(d)} ({km} ad vej): {format_kr(fare)}",
        fares.source, fares.example, excluded,
        ("Du kan rejse alene med bus.", "The rider can travel alone by bus."),
    ))

    # Own or a relative's car at the kilometre rate, by road distance.
    per_km = rates.car_per_km_ore(rules.car_rate)
    rate_name = "statens lave sats" if rules.car_rate == "low" else "statens høje sats"
    car = round_div(d * per_km, 1000)
    out.append(_option(
        inputs, rates, "own_car", car,
        f"{km} (korteste vej mellem hjem og tilbud) × {_rate(per_km)} kr./km "
        f"({rate_name} {rates.year}) = {format_kr(car)}",
        rates.car_source, False,
        None if inputs.has_driver else (
            "Hverken du selv eller en pårørende kan køre dig i bil.",
            "Neither the rider nor a relative can drive them by car."),
        ("Du eller en pårørende kan køre dig i bil.", "The rider or a relative can drive them."),
    ))

    # Bicycle or moped: a rider who can get about alone, not in a wheelchair, over a short way.
    bike = round_div(d * rates.bicycle_per_km_ore, 1000)
    if inputs.wheelchair:
        excluded = ("Du bruger kørestol.", "The rider uses a wheelchair.")
    elif not inputs.can_travel_alone:
        excluded = ("Du kan ikke færdes alene i trafikken.",
                    "The rider cannot get about alone in traffic.")
    elif d > rules.bicycle_max_m:
        excluded = (f"Afstanden på {km} er længere end grænsen på "
                    f"{format_km(rules.bicycle_max_m)} for cykel og knallert.",
                    f"The distance of {d / 1000:.1f} km exceeds the limit of "
                    f"{rules.bicycle_max_m / 1000:.1f} km for bicycle and moped.")
    else:
        excluded = None
    out.append(_option(
        inputs, rates, "bicycle", bike,
        f"{km} × {_rate(rates.bicycle_per_km_ore)} kr./km ({rates.year}) = {format_kr(bike)}",
        rates.bicycle_source, False, excluded,
        (f"Du kan færdes alene, og afstanden på {km} er kort nok til cykel eller knallert.",
         "The rider gets about alone and the distance is short enough to cycle."),
    ))

    # Taxi and wheelchair taxi: start fee + per km + per minute for the direct trip.
    for means, tariff in (("taxi", rates.taxi), ("wheelchair_taxi", rates.wheelchair_taxi)):
        price = tariff.fare_ore(d, t)
        calc = (f"startgebyr {format_kr(tariff.start_ore)} + {km} × {_rate(tariff.per_km_ore)} "
                f"kr./km + {_minutes(t)} min × {_rate(tariff.per_min_ore)} kr./min "
                f"= {format_kr(price)}")
        if means == "taxi":
            excluded = (
                "Du bruger kørestol og kan ikke køres i almindelig taxa; det kræver "
                "kørestolstaxa (liftbil).",
                "The rider uses a wheelchair and cannot ride in an ordinary taxi; a wheelchair "
                "taxi is required.") if inputs.wheelchair else None
            ok = ("Almindelig taxa er forsvarlig, men bruges kun, når billigere befordring "
                  "ikke er det.",
                  "An ordinary taxi is suitable, but counts only when no cheaper means is.")
        else:
            excluded = None if inputs.wheelchair else (
                "Du bruger ikke kørestol, så almindelig taxa er tilstrækkelig og billigere.",
                "Not needed: the rider does not use a wheelchair; an ordinary taxi suffices.")
            ok = ("Du bruger kørestol og skal køres i kørestolstaxa (liftbil).",
                  "The rider uses a wheelchair and needs a wheelchair taxi.")
        out.append(_option(inputs, rates, means, price, calc, tariff.source, tariff.example,
                           excluded, ok))
    return tuple(out)


def _cheapest(options: Iterable[MeansOption]) -> MeansOption | None:
    reasonable = [o for o in options if o.reasonable]
    # Ties go to the earlier means in the usual Danish order (bus before car before taxi).
    return min(reasonable, key=lambda o: (o.per_trip_ore, MEANS.index(o.means)), default=None)


# --------------------------------------------------------------------------------------------
# The decision


@dataclass(frozen=True, slots=True)
class Ground:
    """A ground for reimbursement instead of the shared ride."""

    kind: GroundKind
    text_da: str
    text_en: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text_da": self.text_da, "text_en": self.text_en}


@dataclass(frozen=True, slots=True)
class Decision:
    """A reasoned decision on reimbursement for one rider (see :func:`assess`).

    When not warranted, ``chosen`` is None and the amounts are 0; ``cheapest`` still shows the
    cheapest reasonable alternative and what it would cost per trip.
    """

    rider_id: str
    warranted: bool
    grounds: tuple[Ground, ...]
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
    def excluded(self) -> tuple[MeansOption, ...]:
        """Means that are not reasonable for the rider, each with the reason."""
        return tuple(o for o in self.options if not o.reasonable)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (schema ``samkorsel.reimbursement/1``) for storage and audit."""
        return {
            "schema": SCHEMA,
            "rider_id": self.rider_id,
            "warranted": self.warranted,
            "grounds": [g.to_dict() for g in self.grounds],
            "reason_da": self.reason_da,
            "reason_en": self.reason_en,
            "chosen": self.chosen.to_dict() if self.chosen else None,
            "cheapest": self.cheapest.to_dict() if self.cheapest else None,
            "options": [o.to_dict() for o in self.options],
            "excluded": [o.means for o in self.excluded],
            "trips_per_week": self.trips_per_week,
            "per_trip_ore": self.per_trip_ore,
            "per_week_ore": self.per_week_ore,
            "per_month_ore": self.per_month_ore,
            "by_month_ore": [list(m) for m in self.by_month_ore],
            "legal_basis": list(self.legal_basis),
            "rates_year": self.rates_year,
            "rates_source": self.rates_source,
            "rates": self.rates,
            "text_da": self.text_da,
            "inputs": self.inputs.to_dict(),
        }


def _grounds(inputs: DecisionInputs, cheapest: MeansOption | None) -> list[Ground]:
    grounds: list[Ground] = []
    if inputs.centre_assessment is not None:
        a = inputs.centre_assessment.strip()
        grounds.append(Ground(
            "centre_assessment",
            f"Tilbuddet har konkret vurderet, at samkørsel ikke er en mulighed for dig: «{a}»",
            f"The centre has assessed that the shared ride is not an option for the rider: "
            f"\"{a}\"",
        ))
    if inputs.unserved:
        da = "; ".join(f"{WEEKDAY_NAMES_DA.get(u.weekday, u.weekday)} "
                       f"{DIRECTION_NAMES_DA.get(u.direction, u.direction)}: {danish(u.reason)}"
                       for u in inputs.unserved)
        en = "; ".join(f"{u.weekday} {u.direction}: {u.reason}" for u in inputs.unserved)
        n, m = len(inputs.unserved), inputs.trips_per_week
        grounds.append(Ground(
            "cannot_be_served",
            f"Samkørslen kan ikke køre dig inden for reglerne: {n} af dine {m} ture om ugen "
            f"kan ikke planlægges ({da}).",
            f"The shared ride cannot serve the rider within its rules: {n} of {m} weekly trips "
            f"are unserved ({en}).",
        ))
    elif inputs.marginal_per_week_ore is not None and cheapest is not None:
        alt = cheapest.per_trip_ore * inputs.trips_per_week
        if inputs.marginal_per_week_ore > inputs.cost_multiple * alt:
            grounds.append(Ground(
                "economic",
                f"Det koster {format_kr(inputs.marginal_per_week_ore)} om ugen ekstra at have dig "
                f"med i samkørslen. Det er mere end {_decimal_da(inputs.cost_multiple)} gange "
                f"den billigste forsvarlige befordring, {cheapest.name_da} "
                f"({format_kr(alt)} om ugen). Efter en samlet faglig og økonomisk vurdering "
                f"(serviceloven § 1, stk. 3) får du godtgørelse i stedet.",
                f"Serving the rider in the shared ride costs "
                f"{inputs.marginal_per_week_ore / 100:.2f} DKK a week, more than "
                f"{inputs.cost_multiple:g} × the cheapest reasonable alternative, "
                f"{cheapest.name_en} ({alt / 100:.2f} DKK a week) (Serviceloven § 1, stk. 3).",
            ))
    return grounds


def _not_warranted_reason(inputs: DecisionInputs, cheapest: MeansOption | None) -> tuple[str, str]:
    da = ["Nej: du tilbydes samkørsel.",
          "Tilbuddet har ikke registreret en konkret vurdering af, at samkørsel ikke er en "
          "mulighed for dig."]
    en = ["No: the shared ride (samkørsel) is offered.",
          "The centre has recorded no assessment that the shared ride is not an option."]
    if not inputs.plan_checked:
        da.append("Der er ikke lavet en kørselsplan at vurdere mod, så kun tilbuddets vurdering "
                  "er undersøgt.")
        en.append("No plan was given, so only the centre's assessment was checked.")
        return " ".join(da), " ".join(en)
    da.append(f"Kørselsplanen kører alle dine {inputs.trips_per_week} ture om ugen.")
    en.append(f"The plan serves all {inputs.trips_per_week} weekly trips.")
    if inputs.marginal_per_week_ore is not None and cheapest is not None:
        alt = cheapest.per_trip_ore * inputs.trips_per_week
        da.append(f"Det koster {format_kr(inputs.marginal_per_week_ore)} om ugen ekstra at have "
                  f"dig med, hvilket ikke overstiger {_decimal_da(inputs.cost_multiple)} gange den "
                  f"billigste forsvarlige befordring, {cheapest.name_da} "
                  f"({format_kr(alt)} om ugen).")
        en.append(f"Serving the rider costs {inputs.marginal_per_week_ore / 100:.2f} DKK a week, "
                  f"not more than {inputs.cost_multiple:g} × the cheapest reasonable "
                  f"alternative, {cheapest.name_en} ({alt / 100:.2f} DKK a week).")
    return " ".join(da), " ".join(en)


KLAGEVEJLEDNING = (
    "Klagevejledning\n"
    "Du kan klage over afgørelsen. Din klage skal være modtaget senest 4 uger efter, at du har "
    "fået afgørelsen. Du sender klagen til kommunen. Kommunen vurderer afgørelsen igen, og "
    "fastholder kommunen afgørelsen, sender den din klage videre til Ankestyrelsen. Kontakt "
    "kommunen, hvis du vil have hjælp til at klage."
)
"""Appeal guidance closing every decision text."""


def _letter(
    inputs: DecisionInputs, rates: RateTable, warranted: bool, grounds: Sequence[Ground],
    reason_da: str, options: Sequence[MeansOption], chosen: MeansOption | None,
    amounts: tuple[int, int, int], by_month: Sequence[tuple[str, int]],
) -> str:
    per_trip, per_week, per_month = amounts
    centre = inputs.centre_name or inputs.centre_id
    parts = ["Afgørelse om befordring til aktivitets- og samværstilbud"]
    head = [f"Tilbud: {centre}"]
    if inputs.decided_on:
        head.append(f"Dato: {inputs.decided_on}")
    parts.append("\n".join(head))
    if warranted and chosen is not None:
        parts.append(
            "Afgørelse\n"
            f"Du får befordringsgodtgørelse i stedet for kørsel i samkørslen. Godtgørelsen svarer "
            f"til den billigste forsvarlige befordring, {chosen.name_da}: {format_kr(per_trip)} "
            f"pr. tur, {inputs.trips_per_week} ture om ugen, i alt {format_kr(per_week)} om ugen "
            f"og cirka {format_kr(per_month)} om måneden."
        )
        why = "\n".join(f"- {g.text_da}" for g in grounds)
        parts.append(f"Begrundelse\nDu får godtgørelse, fordi:\n{why}")
    else:
        parts.append(
            "Afgørelse\n"
            f"Du får ikke befordringsgodtgørelse. Du tilbydes kørsel i den faste samkørsel "
            f"(kørselsordningen) mellem dit hjem og {centre}."
        )
        parts.append(f"Begrundelse\n{reason_da}")
    lines = []
    for o in options:
        if o.reasonable:
            verdict = "forsvarlig"
        elif o.means == "wheelchair_taxi" and not inputs.wheelchair:
            verdict = "ikke nødvendig"
        else:
            verdict = "ikke forsvarlig"
        lines.append(f"- {o.name_da.capitalize()}: {verdict}. {o.reason_da} "
                     f"Pris pr. tur: {o.calculation_da}")
    parts.append(
        "Vurdering af befordringsformer\n"
        "Kommunen dækker højst udgiften til den billigste forsvarlige befordring. Vi har "
        "vurderet:\n" + "\n".join(lines) + "\n"
        "Vi har lagt vægt på både faglige og økonomiske hensyn (serviceloven § 1, stk. 3)."
    )
    if warranted and chosen is not None:
        pay = ("Udbetaling\nGodtgørelsen udbetales månedsvis bagud mod dokumentation for de "
               "kørte ture.")
        if by_month:
            months = ", ".join(f"{m}: {format_kr(a)}" for m, a in by_month)
            pay += f" Beløbet om måneden er beregnet ud fra tilbuddets åbningsdage ({months})."
        else:
            weeks = _decimal_da(round(inputs.weeks_per_month, 2))
            pay += (f" Beløbet om måneden er et skøn ({weeks} uger pr. måned); lukkedage og "
                    "fravær trækkes fra.")
        parts.append(pay)
        rate_text = (f"Satser\nBeløbet er beregnet med satserne for {rates.year}. Ændres "
                     "satserne, beregnes beløbet igen.")
        if chosen.example_rate:
            rate_text += (" Bemærk: satsen for denne befordringsform er et eksempel, ikke en "
                          "offentliggjort takst.")
        parts.append(rate_text)
    parts.append("Lovgrundlag\n" + "\n".join(f"- {b}" for b in LEGAL_BASIS))
    parts.append(KLAGEVEJLEDNING)
    return "\n\n".join(parts) + "\n"


def decide(inputs: DecisionInputs, rates: RateTable) -> Decision:
    """The decision for ``inputs`` at ``rates`` (pure; :func:`assess` gathers the inputs).

    Parameters
    ----------
    inputs
        What the decision rests on (rider's abilities, distance, attendance, plan findings).
    rates
        Rate table of the year the trips are made.
    """
    options = _options(inputs, rates)
    cheapest = _cheapest(options)
    grounds = _grounds(inputs, cheapest)
    warranted = bool(grounds) and cheapest is not None
    if warranted:
        reason_da = "Ja: " + " ".join(g.text_da for g in grounds)
        reason_en = "Yes: " + " ".join(g.text_en for g in grounds)
    else:
        reason_da, reason_en = _not_warranted_reason(inputs, cheapest)
        if grounds and cheapest is None:
            reason_da = "Der findes ingen forsvarlig befordringsform at give godtgørelse til."
            reason_en = "No reasonable means of transport exists to reimburse."
    chosen = cheapest if warranted else None
    per_trip = chosen.per_trip_ore if chosen else 0
    per_week = per_trip * inputs.trips_per_week
    by_month: tuple[tuple[str, int], ...] = ()
    if chosen and inputs.days_by_month:
        by_month = tuple((m, 2 * days * per_trip) for m, days in inputs.days_by_month)
        per_month = round_div(sum(a for _, a in by_month), len(by_month))
    else:
        per_month = round(per_week * inputs.weeks_per_month)
    text = _letter(inputs, rates, warranted, grounds, reason_da, options, chosen,
                   (per_trip, per_week, per_month), by_month)
    return Decision(
        rider_id=inputs.rider_id, warranted=warranted, grounds=tuple(grounds),
        reason_da=reason_da, reason_en=reason_en, options=options, cheapest=cheapest,
        chosen=chosen, trips_per_week=inputs.trips_per_week, per_trip_ore=per_trip,
        per_week_ore=per_week, per_month_ore=per_month, by_month_ore=by_month,
        legal_basis=LEGAL_BASIS, rates_year=rates.year, rates_source=rates.source,
        rates=rates.to_dict(), text_da=text, inputs=inputs,
    )


def recompute(
    inputs: DecisionInputs | Decision | Mapping[str, Any],
    new_rates: RateTable,
    *,
    decided_on: date | None = None,
) -> Decision:
    """The decision again under ``new_rates`` (e.g. a new year's kilometre rate).

    Everything but the rates is taken from the stored inputs, so the new amount is traceable to
    the old record. Note that the economic ground compares against the cheapest alternative at
    the new rates, so a rate change can in principle change whether it applies.

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
    h = _index(matrix, home_place(rider.rider_id), what)
    c = _index(matrix, centre_place(rider.centre_id), what)
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
    distance_m, travel_s = home_centre_trip(r, matrix)
    inputs = DecisionInputs(
        rider_id=r.rider_id, centre_id=r.centre_id, centre_name="", wheelchair=r.wheelchair,
        escort=r.escort, can_travel_alone=r.can_travel_alone, has_driver=r.has_driver,
        distance_m=distance_m, travel_s=travel_s, weekdays=_weekdays(r, scenario),
        rules=rules or ReimbursementRules(),
    )
    return _options(inputs, rates)


def assess(
    rider: Rider | str,
    scenario: Scenario,
    matrix: TravelMatrixLike,
    rates: RateTable,
    *,
    plan: Plan | None = None,
    centre_assessment: str | None = None,
    cost_multiple: float = 1.5,
    weeks_per_month: float = WEEKS_PER_MONTH,
    calendar: OpenDays | None = None,
    rules: ReimbursementRules | None = None,
    marginal: MarginalCost | None = None,
    decided_on: date | None = None,
) -> Decision:
    """Decide whether a rider gets reimbursement instead of the shared ride, and how much.

    Reimbursement is warranted only when the shared ride is not an option:

    (a) the centre has recorded a concrete assessment, with a reason (``centre_assessment``);
    (b) the plan cannot serve the rider: any unserved trip (its reason is cited); or
    (c) the rider's marginal cost in the plan (:func:`marginal_cost`, per week) exceeds
        ``cost_multiple`` × the cheapest reasonable alternative per week (Serviceloven § 1,
        stk. 3).

    Otherwise the answer is "no: the shared ride is offered", with the reason. The amount is that
    of the cheapest reasonable means: per trip (one way), per week (2 trips × days attended) and
    per month (``weeks_per_month`` weeks, or — given a ``calendar`` — the average over the
    months of ``rates.year`` of the centre's actual open days the rider attends).

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
        The weekly plan; without it only ground (a) is checked.
    centre_assessment
        The centre's recorded assessment that the shared ride is not an option (its reason).
    cost_multiple
        Threshold of ground (c).
    weeks_per_month
        Weeks per month for the monthly amount when no calendar is given.
    calendar
        Centre calendar (e.g. :class:`routing.operations.calendar.CentreCalendar`) for actual open
        days.
    rules
        Which means count as reasonable (bicycle distance, car rate, accessible buses).
    marginal
        A precomputed :func:`marginal_cost` of the rider in ``plan`` (saves recomputing).
    decided_on
        Date of the decision, printed in the letter.

    Raises
    ------
    ReimbursementError
        If the rider is unknown, the assessment is blank, ``cost_multiple`` is not positive, or
        the plan neither serves nor lists the rider (plan and scenario do not match).
    """
    try:
        r = scenario.rider(rider) if isinstance(rider, str) else rider
        centre = scenario.centre(r.centre_id)
    except KeyError as exc:
        raise ReimbursementError(f"reimbursement: {exc.args[0]}") from None
    if centre_assessment is not None and not centre_assessment.strip():
        raise ReimbursementError(f"rider {r.rider_id}: the centre's assessment is empty; it must "
                                 "state the concrete reason the shared ride is not an option")
    if not cost_multiple > 0:
        raise ReimbursementError(f"cost_multiple must be positive, got {cost_multiple}")
    weekdays = _weekdays(r, scenario)
    distance_m, travel_s = home_centre_trip(r, matrix)
    unserved: tuple[Unserved, ...] = ()
    marginal_week: int | None = None
    served = 0
    if plan is not None:
        if marginal is None or marginal.rider_id != r.rider_id:
            marginal = marginal_cost(plan, scenario, matrix, r.rider_id)
        unserved = marginal.unserved
        served = marginal.served_trips
        if not served and not unserved:
            raise ReimbursementError(f"rider {r.rider_id} is neither in a run nor among the "
                                     "unserved trips of the plan: plan and scenario do not match")
        marginal_week = marginal.per_week_ore
    inputs = DecisionInputs(
        rider_id=r.rider_id, centre_id=r.centre_id, centre_name=centre.name,
        wheelchair=r.wheelchair, escort=r.escort, can_travel_alone=r.can_travel_alone,
        has_driver=r.has_driver, distance_m=distance_m, travel_s=travel_s, weekdays=weekdays,
        centre_assessment=centre_assessment.strip() if centre_assessment else None,
        plan_checked=plan is not None, unserved=unserved, marginal_per_week_ore=marginal_week,
        served_trips=served, cost_multiple=cost_multiple, rules=rules or ReimbursementRules(),
        weeks_per_month=weeks_per_month,
        days_by_month=(_days_by_month(calendar, r.centre_id, weekdays, rates.year)
                       if calendar is not None else ()),
        decided_on=decided_on.isoformat() if decided_on else None,
    )
    decision = decide(inputs, rates)
    log.info("reimbursement for rider %s: warranted=%s grounds=%s means=%s per_trip_ore=%d",
             r.rider_id, decision.warranted, [g.kind for g in decision.grounds],
             decision.chosen.means if decision.chosen else None, decision.per_trip_ore)
    return decision


__all__ = [
    "KLAGEVEJLEDNING",
    "LEGAL_BASIS",
    "MEANS_NAMES",
    "SCHEMA",
    "WEEKS_PER_MONTH",
    "Decision",
    "DecisionInputs",
    "Ground",
    "MarginalCost",
    "MeansOption",
    "OpenDays",
    "ReimbursementError",
    "ReimbursementRules",
    "TravelMatrixLike",
    "TripSaving",
    "assess",
    "centre_place",
    "decide",
    "format_km",
    "format_kr",
    "home_centre_trip",
    "home_place",
    "marginal_cost",
    "marginal_costs",
    "recompute",
    "transport_options",
    "without_riders",
]
