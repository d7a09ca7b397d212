"""Which riders' agreed pickup times differ between two weekly plans (for notification).

Pure functions over :class:`routing.model.Plan`; riders must be told before their agreed time
changes, so the coordinator compares the plan to publish with the published one.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.model import WEEKDAYS, Plan

TripKey = tuple[str, str, str]
"""``(rider_id, weekday, direction)``."""


@dataclass(frozen=True, slots=True)
class PickupChange:
    rider_id: str
    weekday: str
    direction: str
    old_s: int | None
    """Agreed pickup time in the old plan; None when the trip was not served."""
    new_s: int | None
    """… in the new plan; None when it is no longer served."""
    old_vehicle_id: str | None
    new_vehicle_id: str | None

    @property
    def delta_s(self) -> int | None:
        if self.old_s is None or self.new_s is None:
            return None
        return self.new_s - self.old_s


def pickup_times(plan: Plan) -> dict[TripKey, tuple[int, str]]:
    """Agreed pickup time and vehicle of each served trip.

    The agreed time is the published, rounded time at a home pickup; for rides home the pickup at
    the centre has no agreed time and its arrival is used.
    """
    out: dict[TripKey, tuple[int, str]] = {}
    for run in plan.runs:
        for stop in run.stops:
            if stop.kind != "pickup":
                continue
            time_s = stop.agreed_s if stop.agreed_s is not None else stop.arrival_s
            for rider_id in stop.rider_ids:
                out[(rider_id, run.weekday, run.direction)] = (time_s, run.vehicle_id)
    return out


def pickup_changes(old: Plan, new: Plan) -> list[PickupChange]:
    """Trips whose pickup time changed, became served or became unserved."""
    before, after = pickup_times(old), pickup_times(new)
    changes: list[PickupChange] = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and a[0] == b[0]:
            continue
        rider_id, weekday, direction = key
        changes.append(PickupChange(
            rider_id=rider_id, weekday=weekday, direction=direction,
            old_s=a[0] if a else None, new_s=b[0] if b else None,
            old_vehicle_id=a[1] if a else None, new_vehicle_id=b[1] if b else None,
        ))
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    changes.sort(key=lambda c: (c.rider_id, order.get(c.weekday, 9), c.direction))
    return changes
