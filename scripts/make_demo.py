"""Generate the Samsø demo scenario in ``data/demo/`` (deterministic: fixed seed).

Run ``.venv/bin/python scripts/make_demo.py`` from the repository root. It reads the bundled
OpenStreetMap extract, picks real addresses (``addr:street`` + ``addr:housenumber`` nodes) within
:data:`MAX_ROAD_DISTANCE_M` of a car road, and invents the people living there: Danish first names
with an initial, no CPR numbers. Centres and depots are real places of the file; the fleet and the
tariffs are typical of a Danish contractor (vognmand). The files are written with
:func:`routing.scenario.reader.write_scenario`, plus a ``README.md`` with the figures of the result.

Only the standard library, shapely and pyproj are used for the OSM part, so the script does not
depend on ``routing.network.roads``.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import math
import random
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import shapely
from pyproj import Transformer

K = TypeVar("K")

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a plain script: make `routing` importable
    sys.path.insert(0, str(REPO))

from routing.model import Centre, Rider, Scenario, Session, Vehicle  # noqa: E402
from routing.params import PlanParams  # noqa: E402
from routing.scenario.reader import write_scenario  # noqa: E402

OSM_PATH = REPO / "data" / "osm" / "samsoe-2020-03-09.osm.bz2"
OUT_DIR = REPO / "data" / "demo"
SEED = 20200309
SCENARIO_NAME = "Samsø demo"
POSTCODE_CITY = "8305 Samsø"

MAX_ROAD_DISTANCE_M = 150.0
"""Riders live at most this far (straight line) from a car road, so that they snap well."""

CAR_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "road",
})
"""Road classes counted as car roads here. ``service`` is left out on purpose: an address next to
a driveway or parking aisle only may still be far from the routable network."""

EXCLUDED_STREET_PARTS = ("Strandpark", "Østerstrand", "Strandskoven", "Camping", "Industrivej")
"""Summer-house areas (day-centre users live in permanent homes) and the industrial estate."""

# Riders per area (addr:place of the address, else the nearest village, else "landet"),
# weighted toward the towns. Sums to N_RIDERS.
AREA_QUOTAS: dict[str, int] = {
    "Tranebjerg": 15,
    "Nordby": 8,
    "Ballen": 4,
    "Brundby": 4,
    "Onsbjerg": 4,
    "Pillemark": 4,
    "Maarup": 4,
    "Kolby": 3,
    "Ørby": 3,
    "Besser": 2,
    "Kolby Kås": 2,
    "Langemark": 2,
    "Stauns": 2,
    "Sælvig": 1,
    "Østerby": 1,
    "Haardmark": 1,
    "Tanderup": 1,
    "Toftebjerg": 1,
    "landet": 2,
}
N_RIDERS = sum(AREA_QUOTAS.values())
VILLAGE_RADIUS_M = 1200.0
"""An address without ``addr:place`` belongs to the nearest village within this distance."""


@dataclass(frozen=True)
class CentreSpec:
    centre_id: str
    name: str
    street: str
    housenumber: str
    weekdays: tuple[str, ...]
    friday_morning: bool


CENTRES: tuple[CentreSpec, ...] = (
    # Next to Medborgerhuset-Samsø in Tranebjerg.
    CentreSpec("TRA", "Aktivitetscenter Tranebjerg", "Smedegade", "37",
               ("mon", "tue", "wed", "thu"), friday_morning=False),
    # Near Nordby Friskole in Nordby, the north of the island.
    CentreSpec("NOR", "Dagtilbud Nordby", "Landevejen", "32",
               ("mon", "tue", "wed", "thu"), friday_morning=True),
)
CROSS_ISLAND_RIDERS = 3
"""Riders from the south attending the Nordby centre (a group Tranebjerg does not offer)."""

FRIDAY_PENALTY = 12
PATTERN_SHARES = {"AM": 0.42, "PM": 0.38, "both": 0.20}
"""Mornings only, afternoons only, or both sessions of a day."""
DAYS_SHARES = {2: 0.62, 3: 0.31, 4: 0.07}
"""Days a week."""

SLOTS = {"AM": ("09:00", "12:00"), "PM": ("12:00", "15:00")}


@dataclass(frozen=True)
class VehicleSpec:
    prefix: str
    count: int
    kind: str
    seats: int
    wheelchair_places: int
    fixed_cost_ore: int
    cost_per_km_ore: int
    cost_per_hour_ore: int
    depot: str
    layouts: tuple[tuple[int, int], ...] = ()
    """Further interior layouts (seats, wheelchair places); a wheelchair place replaces seats."""


FLEET: tuple[VehicleSpec, ...] = (
    VehicleSpec("BUS", 3, "minibus", 8, 2, 140_000, 850, 42_000, "yard", ((6, 3),)),
    VehicleSpec("TAXI", 3, "taxi", 4, 0, 0, 1_400, 48_000, "taxi"),
    VehicleSpec("HTAXI", 1, "wheelchair_taxi", 3, 1, 30_000, 1_600, 54_000, "taxi"),
)
DEPOT_ANCHORS: dict[str, tuple[float, float]] = {
    # Contractor's yard at Industrivej 4, Tranebjerg, and the taxi stand by the F24 station
    # (coordinates of OSM nodes of the file); each is snapped to the nearest road vertex.
    "yard": (55.834099, 10.597375),
    "taxi": (55.8333275, 10.5930844),
}
AVAILABLE = ("07:00", "17:00")

N_WHEELCHAIR = 10
N_ESCORT_WHEELCHAIR = 2
N_ESCORT_OTHER = 3
N_SHORT_RIDE = 4
SHORT_RIDE_MIN = 45
SHORT_RIDE_MAX_DISTANCE_M = 5000.0
N_DETOUR = 2
N_TRAVEL_ALONE = 7
N_HAS_DRIVER = 6
CAPACITY_SHARE = 0.7
"""Each wave's seats and wheelchair places needed stay below this share of the fleet's."""

NOTES = (
    "Ringer på døren",
    "Har rollator",
    "Hent ved bagindgangen",
    "Har rollator",
    "Venter ved postkassen",
    "Ring 10 min før ankomst",
    "Sidder helst foran",
    "Hunden skal blive inde",
)
WHEELCHAIR_NOTES = ("Elkørestol, skal spændes fast", "Hent ved rampen i gården")
ROLLATOR_BOARDING_MIN = 4

FIRST_NAMES = (
    "Karen", "Inge", "Kirsten", "Hanne", "Birthe", "Jytte", "Lone", "Bente", "Grethe", "Ruth",
    "Else", "Anne", "Aase", "Lis", "Ulla", "Gitte", "Susanne", "Mette", "Lene", "Dorthe",
    "Vibeke", "Tove", "Ellen", "Marianne", "Bodil", "Gerda", "Solveig", "Helle",
    "Jens", "Peter", "Niels", "Hans", "Poul", "Jørgen", "Erik", "Henning", "Ole", "Bent",
    "Svend", "Finn", "Kurt", "Leif", "Preben", "Mogens", "Ib", "Kim", "Lars", "Søren",
    "Morten", "Carsten", "Flemming", "Knud", "Arne", "Torben", "Anders", "Frede", "Villy",
)
INITIALS = "ABCDEFGHIJKLMNOPRSTVØ"


# --------------------------------------------------------------------------------------------
# Reading the OSM file


@dataclass(frozen=True)
class Address:
    node_id: int
    street: str
    housenumber: str
    place: str
    """``addr:place`` (village) or empty."""
    lat: float
    lon: float

    @property
    def label(self) -> str:
        return f"{self.street} {self.housenumber}, {POSTCODE_CITY}"


@dataclass
class OsmExtract:
    """What the demo needs from an OSM file."""

    addresses: list[Address] = field(default_factory=list)
    roads: list[list[tuple[float, float]]] = field(default_factory=list)
    """Car roads as lists of (lat, lon)."""


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    if path.suffix == ".gz":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _tags(element: ET.Element) -> dict[str, str]:
    return {tag.get("k", ""): tag.get("v", "") for tag in element.iter("tag")}


def read_osm(path: Path) -> OsmExtract:
    """Stream an OSM XML file: address nodes and car roads (nodes precede ways in OSM XML)."""
    extract = OsmExtract()
    coords: dict[str, tuple[float, float]] = {}
    with _open(path) as handle:
        for _event, element in ET.iterparse(handle, events=("end",)):
            if element.tag == "node":
                node_id = element.get("id", "")
                lat, lon = float(element.get("lat", "nan")), float(element.get("lon", "nan"))
                coords[node_id] = (lat, lon)
                tags = _tags(element)
                if tags.get("addr:street") and tags.get("addr:housenumber"):
                    extract.addresses.append(Address(
                        int(node_id), tags["addr:street"], tags["addr:housenumber"],
                        tags.get("addr:place", ""), lat, lon,
                    ))
                element.clear()
            elif element.tag == "way":
                tags = _tags(element)
                if tags.get("highway") in CAR_HIGHWAYS and tags.get("area") != "yes":
                    line = [coords[nd.get("ref", "")] for nd in element.iter("nd")
                            if nd.get("ref", "") in coords]
                    if len(line) >= 2:
                        extract.roads.append(line)
                element.clear()
            elif element.tag == "relation":
                element.clear()
    return extract


# --------------------------------------------------------------------------------------------
# Geometry


_TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)


def _utm(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    xs, ys = _TO_UTM.transform([p[1] for p in points], [p[0] for p in points])
    return list(zip((float(x) for x in xs), (float(y) for y in ys), strict=True))


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _near_road(addresses: Sequence[Address], roads: Sequence[list[tuple[float, float]]],
               max_distance_m: float) -> list[Address]:
    tree = shapely.STRtree([shapely.LineString(_utm(line)) for line in roads])
    points = shapely.points(_utm([(a.lat, a.lon) for a in addresses]))
    hits, _distances = tree.query_nearest(points, max_distance=max_distance_m,
                                          return_distance=True)
    near = set(int(i) for i in hits[0])
    return [a for i, a in enumerate(addresses) if i in near]


def _snap_to_road_vertex(anchor: tuple[float, float],
                         roads: Sequence[list[tuple[float, float]]]) -> tuple[float, float]:
    vertices = sorted({p for line in roads for p in line})
    return min(vertices, key=lambda p: (_distance_m(anchor, p), p))


# --------------------------------------------------------------------------------------------
# Building the scenario


def _area_of(addresses: Sequence[Address]) -> dict[int, str]:
    """Village of each address: its addr:place, else the nearest village centre, else 'landet'."""
    members: dict[str, list[Address]] = defaultdict(list)
    for a in addresses:
        if a.place:
            members[a.place].append(a)
    centres = {
        place: (sum(a.lat for a in group) / len(group), sum(a.lon for a in group) / len(group))
        for place, group in sorted(members.items())
    }
    area: dict[int, str] = {}
    for a in addresses:
        if a.place:
            area[a.node_id] = a.place
            continue
        best = min(centres.items(), key=lambda kv: (_distance_m((a.lat, a.lon), kv[1]), kv[0]),
                   default=None)
        near = best is not None and _distance_m((a.lat, a.lon), best[1]) <= VILLAGE_RADIUS_M
        area[a.node_id] = best[0] if best is not None and near else "landet"
    return area


def _find_address(addresses: Sequence[Address], street: str, housenumber: str) -> Address:
    for a in addresses:
        if a.street == street and a.housenumber == housenumber:
            return a
    raise LookupError(f"address {street} {housenumber} not found in the OSM file")


def _pick_homes(extract: OsmExtract, rng: random.Random, exclude: set[str]) -> list[Address]:
    """N_RIDERS distinct addresses near a road, spread over the areas by AREA_QUOTAS."""
    unique: dict[str, Address] = {}
    for a in sorted(extract.addresses, key=lambda a: a.node_id):
        if a.label not in exclude and not any(s in a.street for s in EXCLUDED_STREET_PARTS):
            unique.setdefault(a.label, a)
    candidates = _near_road(list(unique.values()), extract.roads, MAX_ROAD_DISTANCE_M)
    area = _area_of(candidates)
    by_area: dict[str, list[Address]] = defaultdict(list)
    for a in candidates:
        by_area[area[a.node_id]].append(a)
    homes: list[Address] = []
    for name, quota in AREA_QUOTAS.items():
        pool = by_area.get(name, [])
        homes += rng.sample(pool, min(quota, len(pool)))
    # Areas with too few addresses (only in small test files): fill up from anywhere.
    chosen = {a.node_id for a in homes}
    rest = [a for a in candidates if a.node_id not in chosen]
    shortfall = N_RIDERS - len(homes)
    if shortfall > len(rest):
        raise ValueError(f"only {len(candidates)} usable addresses, {N_RIDERS} needed")
    homes += rng.sample(rest, shortfall)
    order = list(AREA_QUOTAS)
    return sorted(homes, key=lambda a: (order.index(area[a.node_id])
                                        if area[a.node_id] in order else len(order),
                                        a.street, a.housenumber))


def _names(rng: random.Random, count: int) -> list[str]:
    """Invented names: each first name is used once before any is used again."""
    names: list[str] = []
    firsts: list[str] = []
    while len(names) < count:
        if not firsts:
            firsts = rng.sample(FIRST_NAMES, len(FIRST_NAMES))
        name = f"{firsts.pop()} {rng.choice(INITIALS)}."
        if name not in names:
            names.append(name)
    return names


def _sessions(centre_ids: Sequence[str]) -> list[Session]:
    from routing.model import parse_time

    sessions: list[Session] = []
    for spec in CENTRES:
        if spec.centre_id not in centre_ids:
            continue
        for day in spec.weekdays:
            for slot, (start, end) in SLOTS.items():
                sessions.append(Session(spec.centre_id, f"{spec.centre_id}-{day.upper()}-{slot}",
                                        day, parse_time(start), parse_time(end)))
        if spec.friday_morning:
            start, end = SLOTS["AM"]
            sessions.append(Session(spec.centre_id, f"{spec.centre_id}-FRI-AM", "fri",
                                    parse_time(start), parse_time(end)))
    return sessions


@dataclass
class _Loads:
    """Seats and wheelchair places needed per (weekday, wave), for balancing and checking."""

    seats: Counter[tuple[str, str]] = field(default_factory=Counter)
    wheelchairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def waves(self, day: str, pattern: str) -> list[tuple[str, str]]:
        # to_am: arrive before 09:00; noon_in: afternoon riders arrive before 12:00; noon_out:
        # morning riders home after 12:00 (a vehicle can do noon_in, then noon_out); from_pm:
        # home after 15:00. A rider staying all day travels only at 09 and 15.
        return {"AM": [(day, "to_am"), (day, "noon_out")],
                "PM": [(day, "noon_in"), (day, "from_pm")],
                "both": [(day, "to_am"), (day, "from_pm")]}[pattern]

    def add(self, day: str, pattern: str, seats: int, wheelchairs: int) -> None:
        for key in self.waves(day, pattern):
            self.seats[key] += seats
            self.wheelchairs[key] += wheelchairs

    def score(self, day: str, pattern: str, wheelchair: bool) -> float:
        keys = self.waves(day, pattern)
        if wheelchair:  # the fullest wave of the day decides
            return max(10 * self.wheelchairs[k] + self.seats[k] for k in keys)
        return sum(self.seats[k] for k in keys)


def _allot(rng: random.Random, count: int, shares: dict[K, float]) -> list[K]:
    """``count`` values in the given proportions (largest remainder), in random order."""
    total = sum(shares.values())
    exact = {k: count * v / total for k, v in shares.items()}
    counts = {k: int(x) for k, x in exact.items()}
    by_remainder = sorted(shares, key=lambda k: counts[k] - exact[k])
    for k in by_remainder[: count - sum(counts.values())]:
        counts[k] += 1
    values = [k for k in shares for _ in range(counts[k])]
    rng.shuffle(values)
    return values


def _attendance(rng: random.Random, riders: list[dict[str, object]],
                sessions: Sequence[Session]) -> _Loads:
    """Give each rider a pattern (mornings, afternoons or both) on 2–4 weekdays, balancing
    the load of the waves so the fleet can serve every day."""
    session_ids = {s.session_id for s in sessions}
    loads = _Loads()
    # Exact shares rather than independent draws, so that the demand per wave is predictable.
    # Wheelchair users first: their places are the scarce resource, so they get balanced best;
    # they get their own shares so that they do not crowd into one wave by chance.
    wheelchair_users = [i for i, r in enumerate(riders) if r["wheelchair"]]
    others = [i for i, r in enumerate(riders) if not r["wheelchair"]]
    patterns: dict[int, str] = {}
    for group in (wheelchair_users, others):
        patterns.update(zip(group, _allot(rng, len(group), PATTERN_SHARES), strict=True))
    n_days_list = _allot(rng, len(riders), DAYS_SHARES)
    for i in wheelchair_users + others:
        rider, pattern = riders[i], patterns[i]
        # Wheelchair users come at most three days (their places are few).
        n_days = min(n_days_list[i], 3) if rider["wheelchair"] else n_days_list[i]
        centre = str(rider["centre_id"])
        days = [d for d in ("mon", "tue", "wed", "thu", "fri")
                if f"{centre}-{d.upper()}-{'PM' if pattern == 'PM' else 'AM'}" in session_ids
                and (pattern != "both" or f"{centre}-{d.upper()}-PM" in session_ids)]
        wheelchair = bool(rider["wheelchair"])
        # Least-loaded days first, with some noise so that patterns do not look mechanical.
        # Friday counts as busier than it is: only one centre opens then, and a Friday that
        # drew every morning rider of that centre would look odd.
        days.sort(key=lambda d: loads.score(d, pattern, wheelchair) + rng.uniform(0, 4)
                  + (FRIDAY_PENALTY if d == "fri" else 0))
        chosen = sorted(days[:n_days], key=["mon", "tue", "wed", "thu", "fri"].index)
        ids: list[str] = []
        for day in chosen:
            slots = ["AM", "PM"] if pattern == "both" else [pattern]
            ids += [f"{centre}-{day.upper()}-{slot}" for slot in slots]
            seats = (0 if wheelchair else 1) + (1 if rider["escort"] else 0)
            loads.add(day, pattern, seats, 1 if wheelchair else 0)
        rider["session_ids"] = tuple(ids)
    return loads


def build_demo(extract: OsmExtract, seed: int = SEED) -> tuple[Scenario, _Loads]:
    """The demo scenario from an OSM extract (deterministic for a given extract and seed)."""
    from routing.model import parse_time

    rng = random.Random(seed)
    centres: list[Centre] = []
    for spec in CENTRES:
        a = _find_address(extract.addresses, spec.street, spec.housenumber)
        centres.append(Centre(spec.centre_id, spec.name, a.lat, a.lon, a.label))
    sessions = _sessions([c.centre_id for c in centres])

    homes = _pick_homes(extract, rng, {c.address for c in centres})
    names = _names(rng, len(homes))
    riders: list[dict[str, object]] = []
    for index, (home, name) in enumerate(zip(homes, names, strict=True), start=1):
        nearest = min(centres, key=lambda c: _distance_m((home.lat, home.lon), (c.lat, c.lon)))
        riders.append({
            "rider_id": f"R{index:02d}", "name": name, "lat": home.lat, "lon": home.lon,
            "address": home.label, "centre_id": nearest.centre_id, "wheelchair": False,
            "escort": False, "max_ride_s": None, "detour_factor": None, "boarding_s": None,
            "notes": "", "can_travel_alone": False, "has_driver": False,
        })
    indices = list(range(len(riders)))
    southern = [i for i in indices if riders[i]["centre_id"] == CENTRES[0].centre_id]
    for i in rng.sample(southern, CROSS_ISLAND_RIDERS):
        riders[i]["centre_id"] = CENTRES[1].centre_id

    wheelchair = rng.sample(indices, N_WHEELCHAIR)
    others = [i for i in indices if i not in wheelchair]
    for i in wheelchair:
        riders[i]["wheelchair"] = True
    for i in (rng.sample(wheelchair, N_ESCORT_WHEELCHAIR) + rng.sample(others, N_ESCORT_OTHER)):
        riders[i]["escort"] = True
    for i, note in zip(rng.sample(wheelchair, len(WHEELCHAIR_NOTES)), WHEELCHAIR_NOTES,
                       strict=True):
        riders[i]["notes"] = note
    for i, note in zip(rng.sample(others, len(NOTES)), NOTES, strict=True):
        riders[i]["notes"] = note
        if note == "Har rollator":
            riders[i]["boarding_s"] = ROLLATOR_BOARDING_MIN * 60

    def distance_to_centre(i: int) -> float:
        rider = riders[i]
        centre = next(c for c in centres if c.centre_id == rider["centre_id"])
        return _distance_m((float(str(rider["lat"])), float(str(rider["lon"]))),
                           (centre.lat, centre.lon))

    close = [i for i in indices if distance_to_centre(i) <= SHORT_RIDE_MAX_DISTANCE_M]
    for i in rng.sample(close, min(N_SHORT_RIDE, len(close))):
        riders[i]["max_ride_s"] = SHORT_RIDE_MIN * 60
    for i in rng.sample(others, N_DETOUR):
        riders[i]["detour_factor"] = 1.5
    for i in rng.sample([i for i in others if not riders[i]["escort"]], N_TRAVEL_ALONE):
        riders[i]["can_travel_alone"] = True
    for i in rng.sample(others, N_HAS_DRIVER):
        riders[i]["has_driver"] = True

    loads = _attendance(rng, riders, sessions)
    rider_objects = tuple(Rider(**rider) for rider in riders)  # type: ignore[arg-type]

    vehicles: list[Vehicle] = []
    depots = {name: _snap_to_road_vertex(anchor, extract.roads)
              for name, anchor in DEPOT_ANCHORS.items()}
    for fleet in FLEET:
        for n in range(1, fleet.count + 1):
            lat, lon = depots[fleet.depot]
            vehicles.append(Vehicle(
                f"{fleet.prefix}{n}", lat, lon, fleet.seats, fleet.wheelchair_places,
                fleet.fixed_cost_ore, fleet.cost_per_km_ore, fleet.cost_per_hour_ore,
                parse_time(AVAILABLE[0]), parse_time(AVAILABLE[1]), fleet.kind,
                layouts=fleet.layouts,
            ))
    fleet_seats = sum(v.seats for v in vehicles)
    fleet_wheelchairs = sum(v.wheelchair_places for v in vehicles)
    for key in sorted(set(loads.seats) | set(loads.wheelchairs)):
        if (loads.seats[key] > CAPACITY_SHARE * fleet_seats
                or loads.wheelchairs[key] > CAPACITY_SHARE * fleet_wheelchairs):
            raise ValueError(f"wave {key} needs {loads.seats[key]} seats and "
                             f"{loads.wheelchairs[key]} wheelchair places: too many for the fleet")

    scenario = Scenario(
        name=SCENARIO_NAME,
        centres=tuple(centres),
        sessions=tuple(sessions),
        riders=rider_objects,
        vehicles=tuple(vehicles),
        network_path=str(OSM_PATH),
        plan_params=PlanParams(),
    )
    return scenario, loads


# --------------------------------------------------------------------------------------------
# README


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> Iterator[str]:
    yield "| " + " | ".join(header) + " |"
    yield "|" + "|".join("---" for _ in header) + "|"
    for row in rows:
        yield "| " + " | ".join(str(c) for c in row) + " |"


def readme(scenario: Scenario, loads: _Loads) -> str:
    """The ``README.md`` of the demo: origin, privacy, and the figures of the generated data."""
    riders = scenario.riders
    per_session = Counter(sid for r in riders for sid in r.session_ids)
    days_per_rider = Counter(len({scenario.session(s).weekday for s in r.session_ids})
                             for r in riders)
    lines = [
        "# Samsø demo scenario",
        "",
        "Generated by `scripts/make_demo.py` (fixed seed; do not edit by hand, re-run the script).",
        "Load it with `routing.scenario.reader.load_scenario(\"data/demo\")`; the format is",
        "described in the README (*Scenario format*).",
        "",
        "- **Addresses** are real: `addr:street` + `addr:housenumber` nodes of",
        "  `data/osm/samsoe-2020-03-09.osm.bz2`, © OpenStreetMap contributors (ODbL 1.0),",
        f"  each within {MAX_ROAD_DISTANCE_M:.0f} m of a car road; summer-house areas left out.",
        "- **People** are invented: a Danish first name and an initial, no CPR numbers. Any",
        "  likeness to the residents of these addresses is coincidental.",
        "- **Centres**:",
        *(f"  `{c.centre_id}` {c.name}, {c.address}." for c in scenario.centres),
        "- **Sessions** (moduler): Monday–Thursday 09:00–12:00 (`AM`) and 12:00–15:00 (`PM`) at",
        "  both centres, and Friday 09:00–12:00 in Nordby; ids like `TRA-MON-AM`.",
        f"- **Riders**: {len(riders)}, of whom {sum(r.wheelchair for r in riders)} use a"
        f" wheelchair, {sum(r.escort for r in riders)} travel with an escort,",
        f"  {sum(r.max_ride_s is not None for r in riders)} have a {SHORT_RIDE_MIN}-minute"
        f" ride limit, {sum(r.detour_factor is not None for r in riders)} a detour factor,"
        f" {sum(r.boarding_s is not None for r in riders)} a longer boarding time,",
        f"  {sum(r.can_travel_alone for r in riders)} can travel alone and"
        f" {sum(r.has_driver for r in riders)} can be driven by car (reimbursement cases).",
        "  Days per week: "
        + ", ".join(f"{n} days: {days_per_rider[n]}" for n in sorted(days_per_rider)) + ".",
        f"  {CROSS_ISLAND_RIDERS} riders from the south attend the Nordby centre.",
        "- **Fleet**: depots in Tranebjerg (on a road), available "
        f"{AVAILABLE[0]}–{AVAILABLE[1]}.",
        "",
        *_table(
            ["vehicles", "kind", "seats", "wheelchair places", "other layouts",
             "fixed DKK/day", "DKK/km", "DKK/hour"],
            [[", ".join(v.vehicle_id for v in scenario.vehicles if v.kind == spec.kind),
              spec.kind, spec.seats, spec.wheelchair_places,
              "; ".join(f"{a}+{b}" for a, b in spec.layouts) or "–",
              f"{spec.fixed_cost_ore / 100:.2f}",
              f"{spec.cost_per_km_ore / 100:.2f}", f"{spec.cost_per_hour_ore / 100:.2f}"]
             for spec in FLEET],
        ),
        "",
        "## Riders per centre and session",
        "",
    ]
    for centre in scenario.centres:
        members = [r for r in riders if r.centre_id == centre.centre_id]
        lines.append(f"{centre.centre_id} ({centre.name}): {len(members)} riders, "
                     f"{sum(r.wheelchair for r in members)} wheelchair users.")
        lines.append("")
        sessions = [s for s in scenario.sessions if s.centre_id == centre.centre_id]
        lines += _table(["session", "riders", "wheelchair"],
                        [[s.session_id, per_session[s.session_id],
                          sum(r.wheelchair for r in riders if s.session_id in r.session_ids)]
                         for s in sessions])
        lines.append("")
    fleet_seats = sum(v.seats for v in scenario.vehicles)
    fleet_wheelchairs = sum(v.wheelchair_places for v in scenario.vehicles)
    lines += [
        "## Demand per wave (both centres)",
        "",
        "Seats (riders not in a wheelchair, plus escorts) and wheelchair places needed when every",
        "rider travels: `to_am` = arrivals for 09:00, `noon_in` = afternoon riders arriving for",
        "12:00, `noon_out` = morning riders home after 12:00, `from_pm` = home after 15:00. The",
        "fleet has "
        f"{fleet_seats} seats and {fleet_wheelchairs} wheelchair places.",
        "",
    ]
    days = [d for d in ("mon", "tue", "wed", "thu", "fri")
            if any(k[0] == d for k in loads.seats)]
    waves = ("to_am", "noon_in", "noon_out", "from_pm")
    lines += _table(["wave", *days],
                    [[wave, *(f"{loads.seats[(d, wave)]} + {loads.wheelchairs[(d, wave)]} ♿"
                              for d in days)] for wave in waves])
    lines.append("")
    return "\n".join(lines)


def generate(out_dir: Path = OUT_DIR, osm_path: Path = OSM_PATH, seed: int = SEED) -> Scenario:
    """Read ``osm_path``, build the demo and write it (CSV, TOML, README) to ``out_dir``."""
    scenario, loads = build_demo(read_osm(osm_path), seed)
    write_scenario(scenario, out_dir)
    (out_dir / "README.md").write_text(readme(scenario, loads), encoding="utf-8")
    return scenario


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument("--osm", type=Path, default=OSM_PATH, help="OSM XML file (.osm/.bz2)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    scenario = generate(args.out, args.osm, args.seed)
    print(f"wrote {len(scenario.riders)} riders, {len(scenario.centres)} centres, "
          f"{len(scenario.sessions)} sessions, {len(scenario.vehicles)} vehicles to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
