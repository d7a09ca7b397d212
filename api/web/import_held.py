"""The import page's riders whose change would break published runs (issue 14), in Danish:
listed per rider in the preview (what changes, which runs), and after saving, the riders held
back with a link each to make the change through the living plan.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from api.auth import Principal
from api.db import models as m
from api.scenario.guarded_import import RiderBreak
from api.web.master_tables import run_rows

FIELD_DA = {"lat": "adresse", "lon": "adresse", "centre_id": "center",
            "session_ids": "moduler", "wheelchair": "kørestol", "escort": "ledsager",
            "max_ride_s": "maks. køretid", "detour_factor": "omvejsfaktor",
            "boarding_s": "påstigningstid"}
MAX_LISTED = 40
"""Held-back riders named after saving (the query string stays short); the rest counted."""
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def preview_rows(db: Session, breaks: list[RiderBreak]) -> list[dict[str, Any]]:
    """Per rider: name, id, what changes (Danish) and the runs it would break."""
    rows = []
    for b in breaks:
        what = "slettes (findes ikke i filerne)" if b.removed else ", ".join(
            dict.fromkeys(FIELD_DA.get(f, f) for f in b.fields))
        runs = run_rows(db, list(b.runs))
        rows.append({"rider_id": b.rider_id, "name": b.name, "removed": b.removed,
                     "what": what, "runs": [f"{r['when']} {r['direction']} ({r['vehicle']})"
                                            for r in runs]})
    return rows


def held_query(held: tuple[RiderBreak, ...]) -> dict[str, str]:
    """The held-back riders for the redirect after saving (ids; removed ones marked)."""
    if not held:
        return {}
    listed = held[:MAX_LISTED]
    return {"holdt": ",".join(b.rider_id for b in listed if not b.removed),
            "beholdt": ",".join(b.rider_id for b in listed if b.removed),
            "flere": str(len(held) - len(listed))}


def held_from_query(db: Session, who: Principal, changed: str, kept: str
                    ) -> list[dict[str, Any]]:
    """The riders named in the query (unknown or invalid ids are left out)."""
    wanted = [(i, False) for i in changed.split(",") if _ID.match(i)] + [
        (i, True) for i in kept.split(",") if _ID.match(i)]
    if not wanted or not who.is_coordinator:
        return []
    ids = [i for i, _ in wanted][:2 * MAX_LISTED]
    names = {r.rider_id: r.name for r in db.query(m.Rider).filter(m.Rider.rider_id.in_(ids))}
    return [{"rider_id": i, "name": names[i], "removed": removed}
            for i, removed in wanted if i in names]
