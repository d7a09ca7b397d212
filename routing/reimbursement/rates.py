"""Rate tables for reimbursement of transport (befordringsgodtgørelse), one table per year.

A table holds what each means of transport costs: own or a relative's car and bicycle/moped per km
(Skatterådet's tax-free rates), public-transport fares (zones or distance bands), taxi and
wheelchair-taxi tariffs (start fee + per km + per minute) and the escort rule. Every table and
every section carries a ``source``; sections whose figures are examples rather than a published
tariff say so with ``example = true``. Amounts are integer øre (1 DKK = 100 øre).

Tables live as TOML files ``<year>.toml`` in ``data/rates/`` (see :func:`load_rates`);
a municipality replaces the example sections with its own contractor's tariffs and its traffic
company's fares.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from routing.errors import SamkorselError
from routing.paths import DATA_DIR

EscortRule = Literal["free", "surcharge", "not_covered"]
ESCORT_RULES: tuple[EscortRule, ...] = ("free", "surcharge", "not_covered")
FareKind = Literal["zones", "distance_bands"]
MEANS: tuple[str, ...] = ("public_transport", "own_car", "bicycle", "taxi", "wheelchair_taxi")
"""Means of transport a reimbursement can be based on, cheapest-first in the usual Danish order."""

DEFAULT_RATES_DIR = DATA_DIR / "rates"
"""Where the shipped tables live in a source checkout (``data/rates``)."""


class RateTableError(SamkorselError, ValueError):
    """A rate table is missing or malformed (names the file and the key at fault)."""


def round_div(numerator: int, denominator: int) -> int:
    """Integer division rounded half up (to the nearest øre), for non-negative amounts."""
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True, slots=True)
class Tariff:
    """A metered tariff (taxi, wheelchair taxi): start fee + per km + per minute."""

    start_ore: int
    per_km_ore: int
    per_min_ore: int
    source: str
    example: bool = False

    def fare_ore(self, distance_m: int, travel_s: int) -> int:
        """Fare for one trip of ``distance_m`` metres taking ``travel_s`` seconds, in øre."""
        # Sum in milli-øre-km and øre-seconds first so the trip is rounded once, not per part.
        return self.start_ore + round_div(
            distance_m * self.per_km_ore * 60 + travel_s * self.per_min_ore * 1000, 60_000
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_ore": self.start_ore,
            "per_km_ore": self.per_km_ore,
            "per_min_ore": self.per_min_ore,
            "source": self.source,
            "example": self.example,
        }


@dataclass(frozen=True, slots=True)
class FareTable:
    """Public-transport fares for one adult single ticket.

    Two kinds:

    ``zones``
        ``fares_ore[k]`` is the fare for ``k + 1`` zones. The number of zones is estimated from
        the road distance as ``max(min_zones, ceil(distance_m / zone_size_m))`` — an
        approximation of a zone map (real zones are counted on the traffic company's map).
    ``distance_bands``
        ``bands`` is a list of ``(up_to_m, fare_ore)`` in increasing order; a trip pays the fare
        of the first band it fits in, and the last band's fare beyond it.
    """

    kind: FareKind
    source: str
    example: bool = False
    zone_size_m: int = 0
    min_zones: int = 1
    fares_ore: tuple[int, ...] = ()
    bands: tuple[tuple[int, int], ...] = ()

    def zones(self, distance_m: int) -> int:
        """Zones estimated for a trip (``zones`` tables only)."""
        return max(self.min_zones, math.ceil(distance_m / self.zone_size_m), 1)

    def fare_ore(self, distance_m: int) -> int:
        """Fare for one trip of ``distance_m`` metres of road, in øre."""
        if self.kind == "zones":
            return self.fares_ore[min(self.zones(distance_m), len(self.fares_ore)) - 1]
        for up_to_m, fare in self.bands:
            if distance_m <= up_to_m:
                return fare
        return self.bands[-1][1]

    def describe(self, distance_m: int) -> str:
        """How the fare was found, for decision texts (Danish)."""
        if self.kind == "zones":
            return f"{self.zones(distance_m)} zoner"
        for up_to_m, _ in self.bands:
            if distance_m <= up_to_m:
                return f"afstandsbånd op til {up_to_m / 1000:.1f} km".replace(".", ",")
        return "højeste afstandsbånd"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "source": self.source, "example": self.example}
        if self.kind == "zones":
            data.update(zone_size_m=self.zone_size_m, min_zones=self.min_zones,
                        fares_ore=list(self.fares_ore))
        else:
            data["bands"] = [list(b) for b in self.bands]
        return data


@dataclass(frozen=True, slots=True)
class EscortPolicy:
    """What the municipality pays for an escort (ledsager) travelling with the rider.

    ``free``: the escort travels free of charge (e.g. a ledsagerkort), nothing is added;
    ``surcharge``: ``surcharge_pct`` of the rider's fare is added for the escort (Køge: +50 %);
    ``not_covered``: the escort's travel is not reimbursed (Gladsaxe). Applies only to means
    priced per passenger (``applies_to``); in a car the escort rides along at no extra cost.
    """

    rule: EscortRule = "free"
    surcharge_pct: int = 50
    applies_to: tuple[str, ...] = ("public_transport",)
    source: str = ""

    def extra_ore(self, means: str, fare_ore: int) -> int:
        """Amount added for an escort to one trip's fare of ``means``."""
        if self.rule != "surcharge" or means not in self.applies_to:
            return 0
        return round_div(fare_ore * self.surcharge_pct, 100)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "surcharge_pct": self.surcharge_pct,
                "applies_to": list(self.applies_to), "source": self.source}


@dataclass(frozen=True, slots=True)
class RateTable:
    """All rates of one year (see the module docstring)."""

    year: int
    source: str
    car_low_per_km_ore: int
    """The state's low tax-free rate (above 20,000 km a year); the usual municipal default."""
    car_high_per_km_ore: int
    """The state's high tax-free rate (up to 20,000 km a year)."""
    car_source: str
    bicycle_per_km_ore: int
    """Bicycle, moped (knallert, 45-knallert)."""
    bicycle_source: str
    public_transport: FareTable
    taxi: Tariff
    wheelchair_taxi: Tariff
    escort: EscortPolicy = field(default_factory=EscortPolicy)
    path: str = ""
    """File the table was read from ("" if built in code)."""

    def car_per_km_ore(self, rate: Literal["low", "high"] = "low") -> int:
        return self.car_low_per_km_ore if rate == "low" else self.car_high_per_km_ore

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (same layout as the TOML file), for audit records."""
        return {
            "year": self.year,
            "source": self.source,
            "car": {"low_per_km_ore": self.car_low_per_km_ore,
                    "high_per_km_ore": self.car_high_per_km_ore, "source": self.car_source},
            "bicycle": {"per_km_ore": self.bicycle_per_km_ore, "source": self.bicycle_source},
            "public_transport": self.public_transport.to_dict(),
            "taxi": self.taxi.to_dict(),
            "wheelchair_taxi": self.wheelchair_taxi.to_dict(),
            "escort": self.escort.to_dict(),
        }


# --------------------------------------------------------------------------------------------
# Parsing


class _Reader:
    """Typed access to a TOML mapping that reports the file and dotted key on error."""

    def __init__(self, data: Mapping[str, Any], where: str, prefix: str = "") -> None:
        self.data = data
        self.where = where
        self.prefix = prefix

    def _fail(self, key: str, message: str) -> RateTableError:
        return RateTableError(f"{self.where}: {self.prefix}{key}: {message}")

    def section(self, key: str) -> _Reader:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            raise self._fail(key, "missing table")
        return _Reader(value, self.where, f"{self.prefix}{key}.")

    def has(self, key: str) -> bool:
        return key in self.data

    def int_(self, key: str, default: int | None = None, *, minimum: int = 0) -> int:
        value = self.data.get(key, default)
        if value is None:
            raise self._fail(key, "missing")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"must be an integer (øre, metres), got {value!r}")
        if value < minimum:
            raise self._fail(key, f"must be at least {minimum}, got {value}")
        return value

    def str_(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            problem = "missing" if value is None else f"must be a string, got {value!r}"
            raise self._fail(key, problem)
        return value

    def bool_(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, f"must be true or false, got {value!r}")
        return value

    def list_(self, key: str) -> Sequence[Any]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            raise self._fail(key, "must be a non-empty list")
        return value

    def source(self) -> str:
        text = self.str_("source")
        if not text.strip():
            raise self._fail("source", "must name where the figures come from")
        return text


def _tariff(r: _Reader) -> Tariff:
    return Tariff(start_ore=r.int_("start_ore"), per_km_ore=r.int_("per_km_ore"),
                  per_min_ore=r.int_("per_min_ore"), source=r.source(),
                  example=r.bool_("example", False))


def _fares(r: _Reader) -> FareTable:
    kind = r.str_("kind")
    source, example = r.source(), r.bool_("example", False)
    if kind == "zones":
        fares = r.list_("fares_ore")
        if not all(isinstance(f, int) and not isinstance(f, bool) and f >= 0 for f in fares):
            raise r._fail("fares_ore", "must be non-negative integers (øre)")
        return FareTable(kind="zones", source=source, example=example,
                         zone_size_m=r.int_("zone_size_m", minimum=1),
                         min_zones=r.int_("min_zones", 1, minimum=1),
                         fares_ore=tuple(int(f) for f in fares))
    if kind == "distance_bands":
        bands: list[tuple[int, int]] = []
        for band in r.list_("bands"):
            if (not isinstance(band, list) or len(band) != 2
                    or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0
                               for x in band)):
                raise r._fail("bands", f"each band must be [up_to_m, fare_ore], got {band!r}")
            bands.append((int(band[0]), int(band[1])))
        if [b[0] for b in bands] != sorted({b[0] for b in bands}):
            raise r._fail("bands", "up_to_m must increase strictly")
        return FareTable(kind="distance_bands", source=source, example=example, bands=tuple(bands))
    raise r._fail("kind", f"must be 'zones' or 'distance_bands', got {kind!r}")


def _escort(r: _Reader) -> EscortPolicy:
    rule = r.str_("rule", "free")
    if rule not in ESCORT_RULES:
        raise r._fail("rule", f"must be one of {', '.join(ESCORT_RULES)}, got {rule!r}")
    applies = r.data.get("applies_to", ["public_transport"])
    if not isinstance(applies, list) or not all(a in MEANS for a in applies):
        raise r._fail("applies_to", f"must list means among {', '.join(MEANS)}, got {applies!r}")
    return EscortPolicy(rule=rule, surcharge_pct=r.int_("surcharge_pct", 50),
                        applies_to=tuple(applies), source=r.str_("source", ""))


def rates_from_mapping(data: Mapping[str, Any], *, where: str = "<rates>") -> RateTable:
    """Build a :class:`RateTable` from a mapping in the TOML file's layout.

    Parameters
    ----------
    data
        The parsed TOML (or the dict of :meth:`RateTable.to_dict`).
    where
        Name of the origin, used in error messages and kept as ``path``.

    Raises
    ------
    RateTableError
        For a missing or malformed key (the message names ``where`` and the dotted key).
    """
    r = _Reader(data, where)
    car, bike = r.section("car"), r.section("bicycle")
    escort = _escort(r.section("escort")) if r.has("escort") else EscortPolicy()
    return RateTable(
        year=r.int_("year", minimum=1900),
        source=r.source(),
        car_low_per_km_ore=car.int_("low_per_km_ore"),
        car_high_per_km_ore=car.int_("high_per_km_ore"),
        car_source=car.source(),
        bicycle_per_km_ore=bike.int_("per_km_ore"),
        bicycle_source=bike.source(),
        public_transport=_fares(r.section("public_transport")),
        taxi=_tariff(r.section("taxi")),
        wheelchair_taxi=_tariff(r.section("wheelchair_taxi")),
        escort=escort,
        path=where,
    )


def available_years(directory: Path | None = None) -> list[int]:
    """Years with a rate table ``<year>.toml`` in ``directory`` (default ``data/rates``)."""
    folder = directory or DEFAULT_RATES_DIR
    return sorted(int(p.stem) for p in folder.glob("*.toml") if p.stem.isdigit())


def load_rates(year: int, directory: Path | None = None) -> RateTable:
    """Load the rate table of ``year`` from ``<directory>/<year>.toml``.

    Parameters
    ----------
    year
        Calendar year of the rates (the year the trips are made).
    directory
        Folder of the tables; default :data:`DEFAULT_RATES_DIR` (``data/rates`` of the checkout).

    Raises
    ------
    RateTableError
        If there is no table for the year (lists the years there are), the file is not valid
        TOML, a key is missing or malformed, or the file's ``year`` differs from its name.
    """
    folder = directory or DEFAULT_RATES_DIR
    path = folder / f"{year}.toml"
    if not path.is_file():
        years = ", ".join(str(y) for y in available_years(folder)) or "none"
        raise RateTableError(f"no rate table for {year} in {folder} (available: {years})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RateTableError(f"{path}: not valid TOML: {exc}") from exc
    table = rates_from_mapping(data, where=str(path))
    if table.year != year:
        raise RateTableError(f"{path}: year is {table.year}, but the file is named for {year}")
    return table
