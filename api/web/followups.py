"""The long-absence follow-up block of the centre page and the day page (Danish), and its form:
"kontaktet Socialområdet" with who and when (Randers' duty, recorded)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.context import AppContext
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.grants.followups import acknowledge, followup_rows
from api.grants.noshow_alerts import alerts
from api.grants.rules_store import rules_in_force
from api.grants.schemas import FollowUpIn
from api.web.pages import PREFIX, page, redirect
from api.web.session import WebUser, check_csrf

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)


RECENT_CONTACTS = timedelta(days=14)
"""Recorded contacts stay visible this long (who contacted whom, when), then only in the API."""


def followup_block(db: Session, who: Principal, context: AppContext, on: date,
                   centre_id: str | None = None) -> dict[str, Any]:
    """What ``_opfoelgning.html`` shows: open follow-ups, whom to contact (the rules'
    ``long_absence_notify``, e.g. Randers: Socialområdet) and the contacts recorded lately."""

    rules = rules_in_force(db, context)
    every = followup_rows(db, who, on, centre_id, include_acknowledged=True,
                          default=context.default_rules)
    open_rows = [r for r in every if r.acknowledged is None]
    done = [r for r in every if r.acknowledged is not None
            and on - r.acknowledged.contacted_on <= RECENT_CONTACTS]
    return {"rows": open_rows, "done": done, "notify": rules.long_absence_notify,
            "threshold": rules.long_absence_days, "centre_id": centre_id, "today": on,
            "no_shows": alerts(db, who, on, centre_id)}


@router.post("/opfoelgning")
@page
def acknowledge_followup(
    request: Request, db: DbSession, who: WebUser, context: Context,
    csrf: Annotated[str, Form(max_length=100)] = "",
    borger: Annotated[str, Form(max_length=64)] = "",
    fravaer_fra: Annotated[str, Form(max_length=20)] = "",
    kontaktet_af: Annotated[str, Form(max_length=200)] = "",
    kontaktet_den: Annotated[str, Form(max_length=20)] = "",
    tilbage: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    back = tilbage if tilbage.startswith("/") and not tilbage.startswith("//") else "/center"
    check_csrf(request, csrf)
    try:
        data = FollowUpIn(rider_id=borger, absence_start=date.fromisoformat(fravaer_fra),
                          contacted_by=kontaktet_af.strip(),
                          contacted_on=date.fromisoformat(kontaktet_den)
                          if kontaktet_den.strip() else context.today())
    except (ValueError, ValidationError):
        return redirect(quote(back), fejl="felter")
    acknowledge(db, who, data)
    return redirect(quote(back), besked="opfoelgning")
