"""The no-show rule as the municipality sets it: with ``no_show_alert_centre`` the centre sees
its riders' no-shows of the day (it is their rider: someone may have driven them in); the ride
home is cancelled only with ``no_show_cancels_ride_home`` (off by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session as DbSession

from api.auth import Principal
from api.centres.service import visible_centre
from api.db import repo_absences, repo_riders
from api.grants.rules_store import municipal_rules


@dataclass(frozen=True, slots=True)
class NoShowAlert:
    rider_id: str
    name: str
    centre_id: str
    run_id: str
    direction: str
    ride_home_cancelled: bool


def alerts(db: DbSession, who: Principal, on: date, centre_id: str | None = None
           ) -> list[NoShowAlert]:
    """The day's no-shows of the caller's centres; empty unless the rules alert the centre."""
    who.require("coordinator", "centre")
    rules = municipal_rules(db)
    if not rules.no_show_alert_centre:
        return []
    if centre_id is not None:
        visible_centre(db, who, centre_id)
        scope: list[str] | None = [centre_id]
    else:
        scope = None if who.role == "coordinator" else sorted(who.centre_ids)
    rows = repo_absences.list_no_shows(db, centre_ids=scope, between=(on, on))
    riders = repo_riders.riders_by_id(db, {r.rider_id for r in rows})
    return [NoShowAlert(r.rider_id, riders[r.rider_id].name, riders[r.rider_id].centre_id,
                        r.run_id, r.direction,
                        rules.no_show_cancels_ride_home and r.direction == "to_centre"
                        and not r.keep_ride_home)
            for r in rows if r.rider_id in riders]
