"""Place ids: how a stop names its place in plans and travel matrices.

``depot:<vehicle_id>``, ``centre:<centre_id>`` and ``home:<rider_id>``. They are part of the plan
file format (``Stop.place``), so the independent checker (:mod:`routing.verify`) reads them too;
this module holds only the format, no planning rule.
"""

from __future__ import annotations

from typing import Literal

PlaceKind = Literal["depot", "centre", "home"]

HOME = "home:"
CENTRE = "centre:"
DEPOT = "depot:"


def home_place(rider_id: str) -> str:
    return f"{HOME}{rider_id}"


def centre_place(centre_id: str) -> str:
    return f"{CENTRE}{centre_id}"


def depot_place(vehicle_id: str) -> str:
    return f"{DEPOT}{vehicle_id}"


def is_home(place: str) -> bool:
    return place.startswith(HOME)


def is_centre(place: str) -> bool:
    return place.startswith(CENTRE)


def is_depot(place: str) -> bool:
    return place.startswith(DEPOT)


def place_ref(place: str) -> str:
    """The id after the kind: the rider, centre or vehicle id of a place id."""
    return place.partition(":")[2]


def parse_place(place: str) -> tuple[PlaceKind, str] | None:
    """``("home", rider_id)``, ``("centre", centre_id)`` or ``("depot", vehicle_id)``; None for
    a string that is no place id."""
    kind, sep, ref = place.partition(":")
    if not sep or kind not in ("depot", "centre", "home"):
        return None
    return kind, ref  # type: ignore[return-value]
