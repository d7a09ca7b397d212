"""An offline geocoder built from the address points of the road network's OSM file.

Coordinators have addresses ("Langgade 12, 8305 Samsø"), not coordinates. The OSM extract the
routes are computed on usually carries the Danish address points (``addr:street``,
``addr:housenumber``, ``addr:postcode``, ``addr:city``; on Samsø 4,596 of them, imported from the
official address register). :class:`AddressIndex` reads them once and answers a typed address
with a :class:`GeocodeResult`: the point, or ranked suggestions and the reason there is no
single answer (a typo in the street, a missing or unknown house number, an unknown street, a
network file without addresses).

Street names are matched fuzzily with :mod:`rapidfuzz` (edit-distance based ``WRatio``), so
"Langade 12" and "Lang gade 12" find Langgade 12 — as a *suggestion* the coordinator confirms,
never silently. House numbers and postcodes are matched exactly.

The module is pure (no I/O beyond reading the OSM file, no service imports); an online register
can later implement the same :meth:`AddressIndex.geocode` signature.

:func:`door_distances` reports how far each home is from the point where the vehicle stops
(the home snapped to the nearest road): a home whose own street is cut off from the network
may be snapped to a road hundreds of metres away, which a wheelchair user cannot walk.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import logging
import math
import os
import re
import threading
import unicodedata
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from rapidfuzz import fuzz, process

from routing.network.snap import snap_points

if TYPE_CHECKING:
    from routing.model import Rider
    from routing.network.roads import RoadNetwork

log = logging.getLogger(__name__)

Status = Literal["exact", "corrected", "ambiguous", "missing_housenumber",
                 "unknown_housenumber", "unknown_street", "no_addresses", "empty"]

STREET_CUTOFF = 82.0
"""Lowest fuzzy score (0–100) at which a street counts as meant (one or two typos in a name of
six letters or more); below it the answer is "unknown street" with the nearest names."""
SUGGEST_CUTOFF = 60.0
"""Lowest score of a street offered as a suggestion."""


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """One address of the OSM file."""

    street: str
    housenumber: str
    postcode: str
    city: str
    lat: float
    lon: float
    place: str = ""
    """``addr:place`` (village), shown only when it tells two equal addresses apart."""

    @property
    def label(self) -> str:
        """``Langgade 12, Tranebjerg, 8305 Samsø``: as written on a letter (the village, when
        known, between street and postcode as in the Danish address register)."""
        town = " ".join(p for p in (self.postcode, self.city) if p)
        place = f", {self.place}" if self.place and self.place != self.city else ""
        return f"{self.street} {self.housenumber}{place}" + (f", {town}" if town else "")


@dataclass(frozen=True, slots=True)
class Suggestion:
    address: AddressPoint
    score: float
    """How well the street matched (100 = exactly)."""


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """The answer to a typed address.

    ``point`` is set only when the address is unambiguous and its street matched exactly
    (``exact``) or after correcting a typo (``corrected``: show it to the user to confirm).
    Otherwise ``suggestions`` are ranked best first and ``message`` says why.
    """

    query: str
    status: Status
    message: str
    point: AddressPoint | None = None
    suggestions: tuple[Suggestion, ...] = field(default=())

    @property
    def found(self) -> bool:
        return self.point is not None


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    street: str
    housenumber: str
    postcode: str
    city: str


_NUMBER = r"\d{1,4}\s?[A-Za-zÆØÅæøå]?"
_STREET_NUMBER = re.compile(rf"^(?P<street>.*?[^\W\d_].*?)[\s,]+(?P<number>{_NUMBER})$")
_POSTCODE_CITY = re.compile(r"(?:^|[\s,])(?P<postcode>\d{4})(?P<city>[^\d]*)$")


def normalise(text: str) -> str:
    """Lower case, single spaces, no punctuation; Danish letters kept (``æ``, ``ø``, ``å``),
    the old spelling ``aa`` read as ``å``."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    text = text.replace("aa", "å")
    return " ".join(text.split())


def normalise_number(text: str) -> str:
    """``12 a`` → ``12A``."""
    return re.sub(r"\s+", "", text).upper()


def parse_address(text: str) -> ParsedAddress:
    """Split ``Street 12[, floor/door][, 8305 City]`` into its parts (missing parts empty)."""
    text = " ".join(text.replace("\n", ", ").split()).strip(" ,")
    postcode = city = ""
    head = text
    found = _POSTCODE_CITY.search(text)
    # A 4-digit number is the postcode only after a comma or another number (else it may be
    # the house number: "Vej 1001").
    if found is not None and ("," in text[:found.start() + 1]
                              or re.search(r"\d", text[:found.start()])):
        postcode, city = found.group("postcode"), found.group("city").strip(" ,.")
        head = text[:found.start()].strip(" ,")
    parts = [p.strip() for p in head.split(",") if p.strip()]
    first = parts[0] if parts else ""
    if not postcode and len(parts) > 1 and not any(ch.isdigit() for ch in parts[-1]):
        city = parts[-1]
    match = _STREET_NUMBER.match(first)
    if match is not None:
        street, number = match.group("street"), match.group("number")
    else:
        street, number = first, ""
    return ParsedAddress(street.strip(" ."), normalise_number(number), postcode, city)


def _number_key(number: str) -> tuple[int, str]:
    digits = re.match(r"\d+", number)
    return (int(digits.group()) if digits else 10**6, number)


class AddressIndex:
    """The address points of one OSM file, indexed by normalised street name."""

    def __init__(self, points: Iterable[AddressPoint], source: str = "") -> None:
        self.source = source
        self.points: tuple[AddressPoint, ...] = tuple(points)
        self._streets: dict[str, dict[str, list[AddressPoint]]] = defaultdict(
            lambda: defaultdict(list))
        self._names: dict[str, str] = {}
        for p in self.points:
            key = normalise(p.street)
            self._streets[key][normalise_number(p.housenumber)].append(p)
            self._names.setdefault(key, p.street)
        self._keys = list(self._streets)

    def __len__(self) -> int:
        return len(self.points)

    @classmethod
    def from_osm(cls, path: Path) -> AddressIndex:
        """Read the address points (nodes, and ways at their nodes' mean) of an OSM XML file
        (``.osm``, ``.osm.bz2`` or ``.osm.gz``)."""
        return cls(read_address_points(path), source=str(path))

    # ----------------------------------------------------------------------------------------

    def _street_matches(self, street: str, cutoff: float,
                        limit: int) -> list[tuple[str, float]]:
        key = normalise(street)
        if not key:
            return []
        if key in self._streets:
            return [(key, 100.0)]
        found = process.extract(key, self._keys, scorer=fuzz.WRatio, limit=limit,
                                score_cutoff=cutoff)
        # Ties (WRatio scores partial matches alike) go to the closer plain edit distance.
        found.sort(key=lambda m: (-m[1], -fuzz.ratio(key, m[0])))
        return [(name, float(score)) for name, score, _ in found]

    def _filter_town(self, points: Sequence[AddressPoint], postcode: str,
                     city: str) -> list[AddressPoint]:
        chosen = list(points)
        if postcode:
            chosen = [p for p in chosen if p.postcode == postcode] or chosen
        if city:
            wanted = normalise(city)
            by_city = [p for p in chosen if wanted in (normalise(p.city), normalise(p.place))]
            chosen = by_city or chosen
        return chosen

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Ranked addresses for a partly typed address (the form's suggestion list)."""
        return list(self.geocode(text, limit=limit).suggestions) or (
            [Suggestion(r.point, 100.0)] if (r := self.geocode(text)).point else [])

    def geocode(self, text: str, limit: int = 5) -> GeocodeResult:
        """The point of a typed address, or ranked suggestions and the reason.

        Parameters
        ----------
        text
            ``Street 12, 8305 City``; postcode and city are optional (they choose between
            equal street names), floor and door are ignored.
        limit
            Most suggestions returned.
        """
        if not self.points:
            return GeocodeResult(text, "no_addresses",
                                 "the road network file has no address points: place the "
                                 "address with a pin on the map (or give coordinates)")
        parsed = parse_address(text)
        if not normalise(parsed.street):
            return GeocodeResult(text, "empty", "no street name given")
        streets = self._street_matches(parsed.street, SUGGEST_CUTOFF, limit)
        if not streets or streets[0][1] < STREET_CUTOFF:
            suggestions = tuple(self._street_suggestions(streets, parsed, limit))
            return GeocodeResult(text, "unknown_street",
                                 f"no street called {parsed.street!r} in the address points",
                                 suggestions=suggestions)
        best_key, best_score = streets[0]
        corrected = best_score < 100.0
        houses = self._streets[best_key]
        name = self._names[best_key]
        if not parsed.housenumber:
            numbers = sorted(houses, key=_number_key)
            points = [self._filter_town(houses[n], parsed.postcode, parsed.city)[0]
                      for n in numbers]
            return GeocodeResult(text, "missing_housenumber",
                                 f"{name}: the house number is missing",
                                 suggestions=tuple(Suggestion(p, best_score)
                                                   for p in points[:limit]))
        candidates = houses.get(parsed.housenumber, [])
        if not candidates:
            near = sorted(houses, key=lambda n: (abs(_number_key(n)[0]
                                                    - _number_key(parsed.housenumber)[0]), n))
            return GeocodeResult(
                text, "unknown_housenumber",
                f"{name} has no number {parsed.housenumber} in the address points",
                suggestions=tuple(Suggestion(houses[n][0], best_score) for n in near[:limit]))
        chosen = self._filter_town(candidates, parsed.postcode, parsed.city)
        suggestions = tuple(Suggestion(p, best_score) for p in chosen[:limit])
        if len(chosen) > 1:
            return GeocodeResult(text, "ambiguous",
                                 f"{name} {parsed.housenumber} exists {len(chosen)} times; "
                                 "give the postcode and town", suggestions=suggestions)
        point = chosen[0]
        if corrected:
            return GeocodeResult(text, "corrected", f"did you mean {point.label}?", point,
                                 suggestions)
        return GeocodeResult(text, "exact", point.label, point, suggestions)

    def _street_suggestions(self, streets: Sequence[tuple[str, float]],
                            parsed: ParsedAddress, limit: int) -> list[Suggestion]:
        out: list[Suggestion] = []
        for key, score in streets[:limit]:
            houses = self._streets[key]
            number = parsed.housenumber if parsed.housenumber in houses else \
                min(houses, key=_number_key)
            out.append(Suggestion(houses[number][0], score))
        return out


# --------------------------------------------------------------------------------------------
# Reading the OSM file


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_address_points(path: Path) -> list[AddressPoint]:
    """The address points of an OSM XML file: nodes with ``addr:street`` and
    ``addr:housenumber``, and ways (buildings) with them at the mean of their nodes."""
    points: list[AddressPoint] = []
    coords: dict[str, tuple[float, float]] = {}

    def add(tags: dict[str, str], lat: float, lon: float) -> None:
        street, number = tags.get("addr:street", ""), tags.get("addr:housenumber", "")
        if street and number:
            points.append(AddressPoint(street.strip(), number.strip(),
                                       tags.get("addr:postcode", "").strip(),
                                       tags.get("addr:city", "").strip(), lat, lon,
                                       tags.get("addr:place", "").strip()))

    with _open(path) as handle:
        for _event, element in ET.iterparse(handle, events=("end",)):
            if element.tag == "node":
                lat, lon = float(element.get("lat", "nan")), float(element.get("lon", "nan"))
                node_id = element.get("id", "")
                coords[node_id] = (lat, lon)
                tags = {t.get("k", ""): t.get("v", "") for t in element.iter("tag")}
                if tags:
                    add(tags, lat, lon)
                element.clear()
            elif element.tag == "way":
                tags = {t.get("k", ""): t.get("v", "") for t in element.iter("tag")}
                if "addr:housenumber" in tags:
                    refs = [coords[n.get("ref", "")] for n in element.iter("nd")
                            if n.get("ref", "") in coords]
                    if refs:
                        add(tags, sum(r[0] for r in refs) / len(refs),
                            sum(r[1] for r in refs) / len(refs))
                element.clear()
            elif element.tag == "relation":
                element.clear()
    log.info("read %d address points from %s", len(points), path)
    return points


_INDEXES: dict[tuple[str, int, float], AddressIndex] = {}
_INDEX_LOCK = threading.Lock()
CACHE_VERSION = 1


def address_index(path: Path, cache_dir: Path | None = None) -> AddressIndex:
    """The index of an OSM file, read once per process (again when the file changes).

    Decompressing the file takes seconds, so the points are also kept in ``cache_dir`` (a
    small gzipped JSON file named after the file's path, size and time; default: the road
    network cache) and read from there by later processes. Threads asking at once wait for one
    reading.
    """
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime)
    with _INDEX_LOCK:
        index = _INDEXES.get(key)
        if index is not None:
            return index
        folder = cache_dir if cache_dir is not None else _default_cache_dir()
        digest = hashlib.sha256(repr((key, CACHE_VERSION)).encode()).hexdigest()[:20]
        cached = folder / f"addresses-{digest}.json.gz" if folder is not None else None
        points = _read_cache(cached) if cached is not None else None
        if points is None:
            points = read_address_points(Path(path))
            if cached is not None:
                _write_cache(cached, points)
        index = AddressIndex(points, source=str(path))
        _INDEXES.clear()
        _INDEXES[key] = index
        return index


def _default_cache_dir() -> Path | None:
    from routing.network.roads import default_cache_dir

    try:
        return Path(default_cache_dir())
    except Exception:  # pragma: no cover - no cache folder: read the file every time
        return None


def _read_cache(file: Path) -> list[AddressPoint] | None:
    try:
        with gzip.open(file, "rt", encoding="utf-8") as handle:
            rows = json.load(handle)
        return [AddressPoint(*row) for row in rows]
    except (OSError, ValueError, TypeError):
        return None


def _write_cache(file: Path, points: Sequence[AddressPoint]) -> None:
    rows = [[p.street, p.housenumber, p.postcode, p.city, p.lat, p.lon, p.place]
            for p in points]
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_suffix(f".{os.getpid()}.tmp")
        with gzip.open(partial, "wt", encoding="utf-8") as handle:
            json.dump(rows, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(partial, file)  # atomic: readers never see half a file
    except OSError as exc:  # a read-only checkout: fine, just slower next time
        log.info("address cache not written (%s)", exc)


# --------------------------------------------------------------------------------------------
# Door to stop


@dataclass(frozen=True, slots=True)
class DoorDistance:
    """How far a rider's door is from where the vehicle stops (the home snapped to a road)."""

    rider_id: str
    distance_m: float
    limit_m: float
    wheelchair: bool

    @property
    def too_far(self) -> bool:
        return self.distance_m > self.limit_m


def door_limit_m(wheelchair: bool, limit_m: float = 100.0,
                 wheelchair_limit_m: float = 30.0) -> float:
    """The distance above which a door-to-stop walk is flagged."""
    return wheelchair_limit_m if wheelchair else limit_m


def door_distances(network: RoadNetwork, riders: Sequence[Rider],
                   limit_m: float = 100.0,
                   wheelchair_limit_m: float = 30.0) -> list[DoorDistance]:
    """Each rider's door-to-stop distance: from the home to the point on the nearest road
    where the vehicle stops (as the planner snaps it), with the limit that applies."""
    if not riders:
        return []
    snapped = snap_points(network, [(r.rider_id, r.lat, r.lon) for r in riders],
                          max_distance_m=math.inf)
    by_id = {s.point_id: s for s in snapped}
    return [DoorDistance(r.rider_id, round(by_id[r.rider_id].distance_m, 1),
                         door_limit_m(r.wheelchair, limit_m, wheelchair_limit_m), r.wheelchair)
            for r in riders if r.rider_id in by_id]
