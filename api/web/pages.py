"""What every web page shares: the prefix, the templates and their Danish filters, rendering
with security headers, redirects, the error-to-message mapping (:func:`page`) and date parsing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from api.auth import (
    Principal,
)
from api.errors import (
    ApiError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    UnprocessableError,
)
from api.web.session import (
    COOKIE_NAME,
    csrf_token,
)
from routing.planning.reasons import danish
from routing.texts.da import DIRECTION_TITLE_DA, WEEKDAY_DA, date_text, kroner, number

log = logging.getLogger(__name__)

PREFIX = "/web"
MAPS_STATIC = "/static/maps"
WEB_STATIC = "/static/web"

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


WEEKDAY_KEYS = WEEKDAY_DA
DIRECTION_DA = DIRECTION_TITLE_DA
SCOPE_DA = {"both": "Begge veje", "to_centre": "Kun ud", "from_centre": "Kun hjem"}
REPORTED_BY_DA = {"centre": "Centret", "rider": "Borgeren", "relative": "Pårørende",
                  "coordinator": "Koordinator"}
ROLE_DA = {"coordinator": "Koordinator", "centre": "Center", "driver": "Chauffør"}
STATUS_DA = {"queued": "I kø", "running": "Beregnes", "done": "Færdig", "failed": "Fejlet"}
CANCEL_DA = {"empty": "alle har meldt afbud", "closed": "centret er lukket",
             "consolidated": "samkørt med en anden tur"}
REMOVED_DA = {"absent": "Afbud", "closed": "Centret er lukket", "no_show": "Udeblevet",
              "consolidated": "Flyttet til anden tur"}

KPI_LABELS: tuple[tuple[str, str, str], ...] = (
    ("vehicles", "Køretøjer", ""),
    ("vehicle_days", "Vogndage", ""),
    ("runs", "Ture", ""),
    ("km", "Kilometer", "km"),
    ("vehicle_hours", "Køretimer", "timer"),
    ("cost_dkk", "Pris pr. uge", "kr."),
    ("trips_served", "Planlagte ture (borgere)", ""),
    ("trips_unserved", "Ture uden kørsel", ""),
    ("riders_unserved", "Borgere uden kørsel", ""),
    ("mean_ride_min", "Gns. køretid", "min"),
    ("max_ride_min", "Længste køretid", "min"),
    ("consistency_max_spread_min", "Største forskel i afhentningstid", "min"),
    ("consistency_within_limit_pct", "Samme tid hver dag (inden for grænsen)", "%"),
)

MESSAGES = {
    "afbud": "Afbuddet er registreret.",
    "afbud-findes": "Afbuddet var allerede registreret.",
    "tilbagekaldt": "Afbuddet er trukket tilbage.",
    "lukning": "Lukkedagen er gemt.",
    "lukning-slettet": "Lukkedagen er slettet.",
    "udeblevet": "Udeblivelsen er registreret.",
    "logget-ud": "Du er logget ud.",
    "borger-oprettet": "Borgeren er oprettet.",
    "borger-rettet": "Ændringerne er gemt.",
    "borger-rettet-plan": "Ændringerne er gemt. Den gældende plan kører stadig efter de gamle "
                          "oplysninger: se nedenfor, hvem en ny version berører, og lav et "
                          "udkast.",
    "gemt": "Gemt.",
    "importeret": "Regnearket er importeret.",
    "plan-startet": "Planen beregnes nu. Siden opdaterer sig selv.",
    "offentliggjort": "Planen er offentliggjort og gælder nu. Her er, hvem der skal have "
                      "besked.",
    "fortrudt": "Udeblivelsen er fortrudt. Borgeren køres hjem som planlagt.",
    "bruger-oprettet": "Brugeren er oprettet.",
    "kode-nulstillet": "Adgangskoden er ændret. Brugeren er logget ud alle steder.",
    "deaktiveret": "Brugeren er deaktiveret og logget ud.",
    "opfoelgning": "Kontakten om det lange fravær er registreret.",
    "slettet": "Slettet.",
    "placering": "Placeringen er gemt.",
    "placering-plan": "Placeringen er gemt. Den gældende plan henter stadig borgeren det gamle "
                      "sted: se nedenfor, hvem en ny version berører, og lav et udkast.",
    "samkoersel": "Turene er lagt sammen, og dagens kørelister er opdateret. Giv borgerne "
                  "med ny vogn eller ny tid besked.",
}
ERRORS = {
    "csrf": "Formularen var udløbet. Prøv igen.",
    "dato": "Ugyldig dato. Skriv datoen som ÅÅÅÅ-MM-DD.",
    "periode": "Slutdatoen ligger før startdatoen.",
    "borger": "Borgeren findes ikke, eller du har ikke adgang til borgeren.",
    "afbud": "Afbuddet findes ikke, eller du har ikke adgang til det.",
    "tur": "Turen eller borgeren findes ikke på denne dag.",
    "fremtid": "En udeblivelse kan først registreres, når vognen har været der.",
    "felter": "Udfyld de påkrævede felter.",
    "ingen-koersel": "Borgeren har ingen kørsel på de valgte dage. Tjek datoerne.",
    "ukendt": "Handlingen kunne ikke gennemføres.",
    "plan-start": "Planen kunne ikke startes: importér borgere og vogne først, eller vælg en "
                  "kortere beregningstid.",
    "plan-fejl": "Planen bryder regler (se kontrollen). Sæt flueben for at offentliggøre "
                 "alligevel.",
    "import-udloebet": "Importen var udløbet. Vælg filerne igen.",
    "for-sent": "Udeblivelsen kan ikke længere fortrydes. Kontakt koordinatoren.",
    "sidste-koordinator": "Den sidste aktive koordinator kan ikke deaktiveres.",
    "kode": "Adgangskoden skal have mindst 8 tegn.",
    "brugernavn": "Brugernavnet er optaget.",
    "samkoersel": "Sammenlægningen tilbydes ikke (længere) for dagen. Se de aktuelle forslag.",
    "modul-i-brug": "Modulet er bevilget til borgere og kan ikke slettes. Ret deres moduler "
                    "først.",
}


templates.env.filters["kroner"] = kroner
templates.env.filters["tal"] = number
templates.env.filters["dansk"] = danish
templates.env.globals.update(MAPS_STATIC=MAPS_STATIC, WEB_STATIC=WEB_STATIC, PREFIX=PREFIX,
                             ROLE_DA=ROLE_DA, DIRECTION_DA=DIRECTION_DA, SCOPE_DA=SCOPE_DA,
                             WEEKDAY_KEYS=WEEKDAY_KEYS, REPORTED_BY_DA=REPORTED_BY_DA,
                             STATUS_DA=STATUS_DA, CANCEL_DA=CANCEL_DA, REMOVED_DA=REMOVED_DA,
                             date_text=date_text)

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Scripts only from this server (the map data is JSON in a non-executed script element);
    # tiles from OpenStreetMap; markers carry inline styles.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https://tile.openstreetmap.org; connect-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
}


def render(request: Request, name: str, who: Principal | None, status_code: int = 200,
           **values: Any) -> HTMLResponse:
    """A page from ``templates/`` with the user, CSRF token and flash messages."""
    key = request.cookies.get(COOKIE_NAME, "")
    message = MESSAGES.get(request.query_params.get("besked", ""))
    error = ERRORS.get(request.query_params.get("fejl", ""))
    response = templates.TemplateResponse(request, name, {
        "who": who, "csrf": csrf_token(key) if key else "", "message": message,
        "error": values.pop("error", None) or error, **values}, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect(path: str, **query: str) -> RedirectResponse:
    url = PREFIX + path + (f"?{urlencode(query)}" if query else "")
    return RedirectResponse(url, status_code=303)


def _error_text(exc: ApiError) -> tuple[int, str]:
    if isinstance(exc, NotFoundError):
        return 404, "Siden findes ikke, eller du har ikke adgang til den."
    if isinstance(exc, ForbiddenError):
        return 403, "Din rolle har ikke adgang til denne side."
    if isinstance(exc, UnauthorizedError):
        return 401, "Du er ikke logget ind."
    if isinstance(exc, ConflictError) and "no plan has been published" in exc.detail:
        return 409, "Der er endnu ikke offentliggjort nogen kørselsplan."
    if isinstance(exc, ConflictError):
        return 409, f"Det kan ikke lade sig gøre lige nu ({exc.detail})."
    return exc.status, f"Forespørgslen kunne ikke gennemføres ({exc.detail})."


def page(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Show the service's errors as a Danish error page (after rolling back the request)."""

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Response:
        try:
            return handler(*args, **kwargs)
        except ApiError as exc:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.rollback()
            request = next(v for v in kwargs.values() if isinstance(v, Request))
            who = next((v for v in kwargs.values() if isinstance(v, Principal)), None)
            status, text = _error_text(exc)
            log.info("web page %s answered %d", request.url.path, status)
            return render(request, "error.html", who, status_code=status, text=text)

    return run


def parse_date(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UnprocessableError(f"invalid date {text!r}") from None


def form_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def home_of(who: Principal) -> str:
    if who.role == "coordinator":
        return "/koordinator"
    if who.role == "centre":
        return "/center"
    return "/chauffoer"

