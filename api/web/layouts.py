"""A vehicle's layouts in the vehicle form (issue 14): list, add, change and remove the
interior layouts (seats + wheelchair places, e.g. a minibus 8+2 or 6+3).

The form posts one row per layout (``pladser`` and ``koerestole`` repeated, in order), a
``fjern`` box per row to remove it, and one empty row to add a layout. The first remaining
row is the standard layout (the vehicle's ``seats`` and ``wheelchair_places``). Errors are
Danish and belong to a row, so the page shows them at the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.db import models as m

MAX_LAYOUTS = 11
"""The standard layout and up to 10 more (``VehicleFields.layouts``)."""
MAX_ROWS = 30
"""Rows a form may post (kept, removed and the empty one)."""
MAX_SEATS, MAX_CHAIRS = 100, 20


@dataclass
class LayoutRow:
    """One row of the form as shown again: the texts typed, the removal box, an error."""

    pladser: str = ""
    koerestole: str = ""
    fjern: bool = False
    error: str = ""


@dataclass
class ParsedLayouts:
    layouts: list[tuple[int, int]]
    """The layouts kept, in order (the first is the standard one); empty on errors."""
    rows: list[LayoutRow]
    """The rows to show again (with one empty row to add a layout)."""
    error: str = ""
    """An error of the whole list (none left, too many), shown above the rows."""

    @property
    def ok(self) -> bool:
        return not self.error and not any(r.error for r in self.rows)


def rows_of(vehicle: m.Vehicle | None) -> list[LayoutRow]:
    """The vehicle's layouts (standard first, no duplicates) and an empty row to add one."""
    if vehicle is None:
        return [LayoutRow("", "0"), LayoutRow()]
    pairs = dict.fromkeys([(vehicle.seats, vehicle.wheelchair_places), *(
        (int(x["seats"]), int(x["wheelchair_places"])) for x in vehicle.layouts or ())])
    return [LayoutRow(str(a), str(b)) for a, b in pairs] + [LayoutRow()]


def _count(text: str, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if value <= high else None


def parse(pladser: list[str], koerestole: list[str], fjern: list[str]) -> ParsedLayouts:
    """The layouts of the posted rows; a row with both fields empty is no layout (the row
    to add one left blank)."""
    removed = {int(x) for x in fjern if x.isdigit()}
    count = max(len(pladser), len(koerestole))
    rows: list[LayoutRow] = []
    kept: list[tuple[int, int]] = []
    for index in range(count):
        seats_text = pladser[index] if index < len(pladser) else ""
        chairs_text = koerestole[index] if index < len(koerestole) else ""
        row = LayoutRow(seats_text, chairs_text, index in removed)
        rows.append(row)
        if row.fjern or not (seats_text.strip() or chairs_text.strip()):
            continue
        seats = _count(seats_text or "0", MAX_SEATS)
        chairs = _count(chairs_text or "0", MAX_CHAIRS)
        if seats is None or chairs is None:
            row.error = (f"Skriv siddepladser som helt tal fra 0 til {MAX_SEATS} og "
                         f"kørestolspladser fra 0 til {MAX_CHAIRS}.")
        elif seats + chairs == 0:
            row.error = "En indretning skal have mindst én plads."
        elif (seats, chairs) in kept:
            row.error = f"Indretningen {seats}+{chairs} står der allerede."
        else:
            kept.append((seats, chairs))
    parsed = ParsedLayouts(kept, rows)
    if not kept and not any(r.error for r in rows):
        parsed.error = ("Vognen skal have mindst én indretning: skriv antal siddepladser og "
                        "kørestolspladser.")
    elif len(kept) > MAX_LAYOUTS:
        parsed.error = f"En vogn kan højst have {MAX_LAYOUTS} indretninger."
    if not rows or rows[-1].pladser.strip() or rows[-1].koerestole.strip():
        rows.append(LayoutRow())  # the row to add one more
    if not parsed.ok:
        parsed.layouts = []
    return parsed
