"""The Danish texts of manifests and centre rider lists: labels, why a rider or run is off,
dates and needs."""

from __future__ import annotations

from routing.model import Rider
from routing.texts.da import DIRECTION_TITLE_DA
from routing.texts.da import date_text as date_text

LABELS: dict[str, str] = {
    "manifest": "Køreliste",
    "centre_list": "Deltagerliste",
    "vehicle": "Vogn",
    "driver": "Chauffør",
    "date": "Dato",
    "run": "Tur",
    "time": "Tidspunkt",
    "agreed": "aftalt",
    "kind": "Type",
    "address": "Adresse",
    "name": "Navn",
    "needs": "Behov",
    "notes": "Bemærkninger",
    "pickup": "Afhentning",
    "dropoff": "Aflevering",
    "depot_out": "Afgang fra garage",
    "depot_in": "Retur til garage",
    "centre_out": "Start ved",
    "centre_in": "Venter ved",
    "wheelchair": "Kørestol",
    "escort": "Ledsager",
    "cancelled_rider": "Afbud",
    "cancelled_run": "Aflyst",
    **DIRECTION_TITLE_DA,
    "arrivals": "Ankomst til centret",
    "departures": "Hjemtransport",
    "absent": "Fraværende",
    "unserved": "Ingen planlagt kørsel",
    "centre_closed": "Centret er lukket",
    "no_runs": "Ingen ture denne dag.",
    "map": "Rutekort",
    "vehicle_run": "Vogn / tur",
    "direction": "Retning",
    "reason": "Årsag",
    "both_ways": "Begge veje",
    "generated": "Udskrevet",
}
"""Danish texts of manifests and rider lists."""

REMOVAL_TEXT: dict[str, str] = {
    "absent": "Afbud",
    "closed": "Centret er lukket",
    "no_show": "Udeblevet om morgenen – ingen hjemtur",
    "consolidated": "Flyttet til anden tur",
}

CANCEL_TEXT: dict[str, str] = {
    "empty": "Aflyst – alle har meldt afbud",
    "closed": "Aflyst – centret er lukket",
    "consolidated": "Aflyst – samkørt med en anden tur",
}


def needs_of(rider: Rider) -> list[str]:
    """The rider's needs as the driver reads them (``Kørestol``, ``Ledsager``)."""
    out = []
    if rider.wheelchair:
        out.append(LABELS["wheelchair"])
    if rider.escort:
        out.append(LABELS["escort"])
    return out
