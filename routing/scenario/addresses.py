"""The scenario format's ``address`` column instead of coordinates (issue 14).

Coordinators have addresses, not coordinates. A row of ``centres.csv``, ``riders.csv`` or
``vehicles.csv`` whose coordinates are empty (or whose file has no coordinate columns) is placed
by its ``address`` (``vehicles.csv``: ``depot_address`` or ``address``) with the offline geocoder
of the scenario's road network (:mod:`routing.network.geocode`). Only an address found exactly
is used; a typo, a missing house number or an unknown street is an error of that row and column
naming the suggestions, so nothing is placed on a guess.

:func:`fill_coordinates` is the reader's one hook: it runs on a file's header and raw records
before the columns are checked.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from pathlib import Path

from routing.paths import BUNDLED_NETWORK

log = logging.getLogger(__name__)

COORDINATES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "centres.csv": ("lat", "lon", ("address",)),
    "riders.csv": ("lat", "lon", ("address",)),
    "vehicles.csv": ("depot_lat", "depot_lon", ("depot_address", "address")),
}
"""File → its latitude and longitude columns and the address columns that may replace them."""

ErrorSink = Callable[..., None]


def _network_path(directory: Path) -> Path:
    """The scenario's road network (``network`` in scenario.toml, else the bundled one); the
    reader validates scenario.toml itself and reports its problems."""
    toml = directory / "scenario.toml"
    try:
        data = tomllib.loads(toml.read_text(encoding="utf-8")) if toml.is_file() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        data = {}
    network = data.get("network")
    if isinstance(network, str) and network.strip():
        return (directory / network.strip()).resolve()
    return BUNDLED_NETWORK


def fill_coordinates(file: str, header: list[str], records: list[list[str]],
                     directory: Path, add_error: ErrorSink) -> list[str]:
    """Geocode the rows of ``file`` that have an address but no coordinates.

    ``header`` (lower-case column names) and ``records`` (``records[0]`` is the header row) are
    changed in place: missing coordinate columns are appended and filled. Returns the header.
    A row whose address is not found exactly gets an error (``add_error(message, file,
    row=…, column=…)``) and placeholder coordinates: the load fails, nothing is stored.
    """
    if file not in COORDINATES:
        return header
    lat_col, lon_col, address_cols = COORDINATES[file]
    address_col = next((c for c in address_cols if c in header), None)
    if address_col is None:
        return header
    for column in (lat_col, lon_col):
        if column not in header:
            header.append(column)
            records[0].append(column)
    i_lat, i_lon, i_addr = header.index(lat_col), header.index(lon_col), header.index(address_col)
    index = None
    for row, cells in enumerate(records[1:], start=2):
        cells += [""] * (len(header) - len(cells))
        if cells[i_lat].strip() or cells[i_lon].strip() or not cells[i_addr].strip():
            continue
        if index is None:
            from routing.network.geocode import address_index

            path = _network_path(directory)
            if not path.is_file():
                add_error(f"cannot place addresses: network file not found: {path}", file,
                          row=row, column=address_col)
                return header
            index = address_index(path)
        result = index.geocode(cells[i_addr])
        if result.status == "exact" and result.point is not None:
            cells[i_lat], cells[i_lon] = repr(result.point.lat), repr(result.point.lon)
            continue
        hint = "; ".join(s.address.label for s in result.suggestions[:3])
        add_error(f"address {cells[i_addr]!r} not placed: {result.message}"
                  + (f" (suggestions: {hint})" if hint and result.status != "corrected"
                     else "") + f"; write it exactly or give {lat_col}/{lon_col}", file,
                  row=row, column=address_col)
        cells[i_lat], cells[i_lon] = "0", "0"  # the load fails on the error above
    return header
