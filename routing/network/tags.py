"""Which OSM ways a car may use, and how fast: the access and speed rules of the road network.

Danish defaults (``routing.params.DANISH_SPEEDS_*``) apply where a way has no usable
``maxspeed``. Part of the network's fingerprint: changing a rule here invalidates cached networks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from routing.params import NetworkParams

CAR_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
        "residential", "living_street", "road", "service",
    }
)
"""``highway`` values a car may use. Tracks (``markveje``), paths and footways are left out."""

EXCLUDED_SERVICE: frozenset[str] = frozenset(
    {"parking_aisle", "parking", "driveway", "emergency_access", "drive-through", "private"}
)
"""``service`` values dropped: parking and private access roads. Driveways are dropped too: they
double the graph (dead ends to single properties), and a home snaps to the road in front of it."""

DENIED_ACCESS: frozenset[str] = frozenset(
    {"no", "private", "agricultural", "forestry", "delivery", "emergency", "military", "bus",
     "psv", "permit"}
)
"""Access values that forbid an ordinary car (the shared-transport vehicle)."""

ACCESS_KEYS: tuple[str, ...] = ("motorcar", "motor_vehicle", "vehicle", "access")
"""Access tags from most to least specific: the most specific one present decides."""

ZONE_SPEEDS_KPH: dict[str, float] = {
    "dk:urban": 50.0,
    "dk:rural": 80.0,
    "dk:motorway": 130.0,
    "dk:living_street": 15.0,
    "walk": 5.0,
}
"""Implicit ``maxspeed`` values (``maxspeed=DK:urban`` etc.), km/h."""

_MPH_KPH = 1.609344


def _tag(value: Any) -> str | None:
    """A tag value as a lower-case string ('a;b' for lists), or None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, list | tuple | set):
        return ";".join(str(v) for v in value).strip().lower()
    return str(value).strip().lower()


def car_allowed(tags: Mapping[str, Any]) -> bool:
    """Whether a car may drive on a way with these OSM tags.

    Keeps :data:`CAR_HIGHWAYS`; drops ``area=yes``, :data:`EXCLUDED_SERVICE`, and ways whose most
    specific access tag (:data:`ACCESS_KEYS`) has only :data:`DENIED_ACCESS` values, so
    ``access=no`` + ``motor_vehicle=yes`` is allowed.
    """
    highway = _tag(tags.get("highway"))
    if highway is None or not set(highway.split(";")) <= CAR_HIGHWAYS:
        return False
    if _tag(tags.get("area")) == "yes":
        return False
    service = _tag(tags.get("service"))
    if service is not None and set(service.split(";")) & EXCLUDED_SERVICE:
        return False
    for key in ACCESS_KEYS:
        value = _tag(tags.get(key))
        if value is not None:
            return not set(p.strip() for p in value.split(";")) <= DENIED_ACCESS
    return True


_SPEED_RE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(mph|km/h|kmh|kph)?$")
_ZONE_RE = re.compile(r"^[a-z]{2}:zone:?(\d+)$")


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h, or None when it gives no usable number.

    Handles plain numbers (``"50"``), units (``"30 mph"``, ``"50 km/h"``), implicit limits
    (``"DK:urban"`` → 50, ``"DK:rural"`` → 80, ``"DK:motorway"`` → 130, ``"walk"``), zones
    (``"DK:zone30"``) and several values (``"50;80"`` or a list): the lowest counts, so travel
    times err on the safe side. ``"none"``, ``"signals"`` and the like give None.
    """
    text = _tag(value)
    if not text:
        return None
    speeds: list[float] = []
    for raw in re.split(r"[;|]", text):
        part = raw.strip()
        if part in ZONE_SPEEDS_KPH:
            speeds.append(ZONE_SPEEDS_KPH[part])
            continue
        if m := _SPEED_RE.match(part):
            kph = float(m.group(1).replace(",", "."))
            speeds.append(kph * _MPH_KPH if m.group(2) == "mph" else kph)
        elif m := _ZONE_RE.match(part):
            speeds.append(float(m.group(1)))
    speeds = [s for s in speeds if s > 0]
    return min(speeds) if speeds else None


def default_speed_kph(highway: Any, urban: bool, params: NetworkParams) -> float:
    """Danish default speed of a road class (lowest of several classes), urban or rural."""
    table = params.speeds_urban_kph if urban else params.speeds_rural_kph
    classes = (_tag(highway) or "").split(";")
    speeds = [float(table[c]) for c in classes if c in table]
    return min(speeds) if speeds else float(params.fallback_kph)
