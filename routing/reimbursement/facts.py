"""What a reimbursement decision rests on: the centre's assessment, the rules and the inputs.

Stored with every decision, so that :func:`routing.reimbursement.decision.recompute` gives the same
decision under new rates without the plan or the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from routing.model import Unserved
from routing.reimbursement.common import ReimbursementError
from routing.reimbursement.marginal import unserved_from_dict, unserved_to_dict

WEEKS_PER_MONTH = 52 / 12
"""Default weeks per month for the monthly amount (closing days are not deducted)."""


@dataclass(frozen=True, slots=True)
class CentreAssessment:
    """The centre's recorded, concrete assessment that the shared ride is not an option.

    Sønderborg: "Tilbudsstedet skal i det tilfælde konkret vurdere, at kørselsordningen ikke er en
    mulighed for dig." Without it (who, when, why) no reimbursement is granted.
    """

    assessed_by: str
    """Who at the centre made the assessment (name or title)."""
    assessed_on: str
    """ISO date of the assessment."""
    reason: str
    """The concrete reason the shared ride is not an option for this rider."""

    def __post_init__(self) -> None:
        missing = [name for name, value in (("assessed_by", self.assessed_by),
                                            ("assessed_on", self.assessed_on),
                                            ("reason", self.reason)) if not value.strip()]
        if missing:
            raise ReimbursementError(
                f"the centre's assessment must say who, when and why; missing: "
                f"{', '.join(missing)}")
        try:
            date.fromisoformat(self.assessed_on)
        except ValueError:
            raise ReimbursementError(f"the centre's assessment date {self.assessed_on!r} is not "
                                     "YYYY-MM-DD") from None

    def to_dict(self) -> dict[str, str]:
        return {"assessed_by": self.assessed_by, "assessed_on": self.assessed_on,
                "reason": self.reason}

    @classmethod
    def from_value(cls, value: Any) -> CentreAssessment | None:
        """From a stored dict; a legacy free-text assessment (no who/when) counts as none."""
        if isinstance(value, Mapping):
            return cls(str(value.get("assessed_by", "")), str(value.get("assessed_on", "")),
                       str(value.get("reason", "")))
        return None


@dataclass(frozen=True, slots=True)
class ReimbursementRules:
    """Municipal rules for which means are reasonable and how the amount is fixed."""

    bicycle_max_m: int = 10_000
    """Bicycle/moped counts only up to this road distance home↔centre."""
    car_rate: Literal["low", "high"] = "low"
    """Which of the state's kilometre rates is paid (most municipalities: the low one)."""
    public_transport_wheelchair: bool = False
    """Whether public transport on the rider's route is assessed as wheelchair accessible."""
    walk_max_m: int = 500
    """A rider who can get about alone (bus or bicycle) and does not use a wheelchair walks this
    far: no amount is paid for a trip this short."""
    min_per_trip_ore: int = 500
    """Smallest amount paid per trip, so that a reimbursement is not a token (e.g. 0,02 kr.)."""

    def __post_init__(self) -> None:
        for name in ("bicycle_max_m", "walk_max_m", "min_per_trip_ore"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.car_rate not in ("low", "high"):
            raise ValueError(f"car_rate must be 'low' or 'high', got {self.car_rate!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"bicycle_max_m": self.bicycle_max_m, "car_rate": self.car_rate,
                "public_transport_wheelchair": self.public_transport_wheelchair,
                "walk_max_m": self.walk_max_m, "min_per_trip_ore": self.min_per_trip_ore}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReimbursementRules:
        return cls(bicycle_max_m=int(data.get("bicycle_max_m", 10_000)),
                   car_rate=data.get("car_rate", "low"),
                   public_transport_wheelchair=bool(data.get("public_transport_wheelchair",
                                                             False)),
                   walk_max_m=int(data.get("walk_max_m", 500)),
                   min_per_trip_ore=int(data.get("min_per_trip_ore", 500)))


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """Everything a decision is derived from, except the rates."""

    rider_id: str
    centre_id: str
    centre_name: str
    wheelchair: bool
    escort: bool
    can_travel_alone: bool
    """Can use public transport alone."""
    has_driver: bool
    """The rider or someone else can drive them by car."""
    distance_m: int
    """Road distance home↔centre: the shorter of the two directions in the matrix."""
    travel_s: int
    """Driving time of that trip."""
    weekdays: tuple[str, ...]
    """Days the rider attends; trips per week = 2 × days."""
    can_cycle: bool = False
    """Can cycle or ride a moped to the centre."""
    centre_assessment: CentreAssessment | None = None
    plan_checked: bool = False
    """A plan was given: unserved trips and the marginal cost below come from it."""
    unserved: tuple[Unserved, ...] = ()
    marginal_per_week_ore: int | None = None
    served_trips: int = 0
    rules: ReimbursementRules = field(default_factory=ReimbursementRules)
    weeks_per_month: float = WEEKS_PER_MONTH
    days_by_month: tuple[tuple[str, int], ...] = ()
    """``("YYYY-MM", open days the rider attends)`` from a centre calendar; empty = use weeks."""
    decided_on: str | None = None
    """ISO date of the decision, if given."""
    appeal_da: str = ""
    """The municipality's appeal guidance (klagevejledning); empty = the general one."""

    @property
    def trips_per_week(self) -> int:
        return 2 * len(self.weekdays)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rider_id": self.rider_id, "centre_id": self.centre_id,
            "centre_name": self.centre_name, "wheelchair": self.wheelchair,
            "escort": self.escort, "can_travel_alone": self.can_travel_alone,
            "can_cycle": self.can_cycle, "has_driver": self.has_driver,
            "distance_m": self.distance_m, "travel_s": self.travel_s,
            "weekdays": list(self.weekdays),
            "centre_assessment": (self.centre_assessment.to_dict()
                                  if self.centre_assessment else None),
            "plan_checked": self.plan_checked,
            "unserved": [unserved_to_dict(u) for u in self.unserved],
            "marginal_per_week_ore": self.marginal_per_week_ore,
            "served_trips": self.served_trips,
            "rules": self.rules.to_dict(), "weeks_per_month": self.weeks_per_month,
            "days_by_month": [list(m) for m in self.days_by_month],
            "decided_on": self.decided_on, "appeal_da": self.appeal_da,
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
                can_cycle=bool(data.get("can_cycle", False)),
                has_driver=bool(data["has_driver"]), distance_m=int(data["distance_m"]),
                travel_s=int(data["travel_s"]), weekdays=tuple(data["weekdays"]),
                centre_assessment=CentreAssessment.from_value(data.get("centre_assessment")),
                plan_checked=bool(data.get("plan_checked", False)),
                unserved=tuple(unserved_from_dict(u) for u in data.get("unserved", ())),
                marginal_per_week_ore=(None if data.get("marginal_per_week_ore") is None
                                       else int(data["marginal_per_week_ore"])),
                served_trips=int(data.get("served_trips", 0)),
                rules=ReimbursementRules.from_dict(data.get("rules", {})),
                weeks_per_month=float(data.get("weeks_per_month", WEEKS_PER_MONTH)),
                days_by_month=tuple((str(m), int(n)) for m, n in data.get("days_by_month", ())),
                decided_on=data.get("decided_on"),
                appeal_da=str(data.get("appeal_da") or ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReimbursementError(f"decision inputs: malformed: {exc!r}") from exc
