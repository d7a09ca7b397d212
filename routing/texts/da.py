"""Danish texts for end users, in one place: weekdays, dates, kroner, directions, needs and the
reasons a trip is unserved (:mod:`routing.planning.reasons` holds their codes and English text).

Used by the core (notifications, decision letters), the maps (manifests, web maps) and the API
(web pages), so a word changes in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from routing.model import WEEKDAYS

WEEKDAY_NAMES: tuple[str, ...] = (
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
"""Monday … Sunday (``date.weekday()`` order)."""

MONTH_NAMES: tuple[str, ...] = (
    "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
    "oktober", "november", "december")

WEEKDAY_DA: dict[str, str] = dict(zip(WEEKDAYS, WEEKDAY_NAMES, strict=False))
"""The plan's weekday keys in Danish: ``{"mon": "mandag", …}``."""

DIRECTION_DA: dict[str, str] = {"to_centre": "til centret", "from_centre": "hjem fra centret"}
"""A trip's direction inside a sentence (``… kører til centret``)."""

DIRECTION_OFFER_DA: dict[str, str] = {"to_centre": "til tilbuddet",
                                      "from_centre": "hjem fra tilbuddet"}
"""A trip's direction in a reimbursement decision, where the centre is *tilbuddet* (the word of
serviceloven)."""

DIRECTION_TITLE_DA: dict[str, str] = {"to_centre": "Til centret",
                                      "from_centre": "Hjem fra centret"}
"""A trip's direction as a heading or a table cell."""


def date_text(day: date) -> str:
    """``mandag den 7. december 2026``."""
    return f"{WEEKDAY_NAMES[day.weekday()]} den {day.day}. {MONTH_NAMES[day.month - 1]} {day.year}"


def number(value: object) -> str:
    """A number with Danish separators: ``1.234,5`` (floats to one decimal)."""
    if isinstance(value, float):
        return _danish_separators(f"{value:,.1f}")
    return str(value)


def kroner(ore: int | float | None) -> str:
    """Øre as Danish kroner: ``1.234,50 kr.`` (empty for None)."""
    if ore is None:
        return ""
    return f"{_danish_separators(f'{ore / 100:,.2f}')} kr."


def _danish_separators(text: str) -> str:
    """``1,234.50`` → ``1.234,50``."""
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def need_text(need: str) -> str:
    """What a rider needs in a vehicle, from its code (:func:`routing.planning.reasons.need_code`):
    ``kørestolsplads``, ``en siddeplads``, ``3 siddepladser`` …"""
    if need == "wheelchair_escort":
        return "kørestolsplads og plads til ledsageren"
    if need == "wheelchair":
        return "kørestolsplads"
    seats = int(need.removeprefix("seats:"))
    return "en siddeplads" if seats == 1 else f"{seats} siddepladser"


UNSERVED_REASONS_DA: Mapping[str, str] = {
    "far_from_road": "hjemmet ligger {distance_m} m fra nærmeste vej (højst {limit_m} m)",
    "ride_too_long":
        "den direkte tur tager {direct_min} min; længste tilladte køretid er {limit_min} min",
    "no_capable_vehicle": "ingen vogn i flåden har {need}",
    "no_vehicle_free": "ingen vogn med {need} er ledig {start}–{end}",
    "wave_full":
        "ingen plads inden for reglerne: alle vogne, der kan køre borgeren, er fulde eller "
        "optaget omkring kl. {time} (tidsvindue {start}–{end}, {vehicles} ledig(e) vogn(e))",
    "time_budget":
        "planlæggeren nåede ikke at placere turen inden for tidsbudgettet (omkring kl. {time}, "
        "tidsvindue {start}–{end}); en længere planlægningstid kan give plads",
    "no_insertion":
        "borgeren kan ikke sættes ind i den gældende plan (alle ture på det tidspunkt er fulde, "
        "for langt væk eller ville flytte andres tider for meget); planlæg igen eller tilføj en "
        "vogn",
    "text": "{text}",
}
"""Danish text of each unserved reason (``{need}`` is given as :func:`need_text`)."""


GRANT_KIND_DA: Mapping[str, str] = {
    "shared_ride": "Samkørsel", "reimbursement": "Godtgørelse i stedet for samkørsel",
    "none": "Ingen kørsel",
}
"""What a rider was granted (:class:`routing.municipality.grants.Grant`)."""

OUTCOME_DA: Mapping[str, str] = {
    "shared_ride": "Samkørsel (ingen godtgørelse)",
    "reimbursement": "Godtgørelse",
    "walk": "Ingen godtgørelse: kort gåafstand",
    "referral": "Henvist til individuel afgørelse",
}
"""The outcome of a reimbursement decision (:mod:`routing.reimbursement.decision`)."""

COMPLAINT_STATUS_DA: Mapping[str, str] = {
    "received": "Modtaget – afventer genvurdering", "upheld": "Fastholdt – sendes videre",
    "changed": "Afgørelsen er ændret", "forwarded": "Sendt videre",
}
"""Where a complaint (klage) stands (:mod:`routing.municipality.klage`)."""
