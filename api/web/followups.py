"""The long-absence follow-up block of the centre page and the day page (Danish), and its form:
"kontaktet Socialområdet" with who and when (Randers' duty, recorded)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import Context, DbSession, UnitOfWorkRoute
from api.grants.followups import acknowledge, followup_rows
from api.grants.noshow_alerts import alerts
from api.grants.rules_store import municipal_rules
from api.grants.schemas import FollowUpIn
from api.web.pages import PREFIX, page, redirect
from api.web.session import WebUser, check_csrf

router = APIRouter(prefix=PREFIX, route_class=UnitOfWorkRoute, include_in_schema=False)


def followup_block(db: Session, who: Principal, on: date,
                   centre_id: str | None = None) -> dict[str, Any]:
    """What ``_opfoelgning.html`` shows: open follow-ups and whom to contact."""

    rules = municipal_rules(db)
    return {"rows": followup_rows(db, who, on, centre_id), "notify": rules.long_absence_notify,
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
