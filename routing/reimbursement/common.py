"""Shared pieces of the reimbursement modules: the error, matrix lookups, Danish number formats.

Place ids live in :mod:`routing.places`, kroner, weekday and direction names in
:mod:`routing.texts.da`."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from routing.errors import SamkorselError
from routing.planning.stops import MatrixLike


class ReimbursementError(SamkorselError, ValueError):
    """Inputs to a reimbursement decision are inconsistent (names the rider, run or place)."""


TravelMatrixLike = MatrixLike
"""What these modules need of :class:`routing.network.matrix.TravelMatrix`."""


class OpenDays(Protocol):
    """What these modules need of :class:`routing.operations.calendar.CentreCalendar`."""

    def is_open(self, centre_id: str, day: date) -> bool: ...


def matrix_index(matrix: TravelMatrixLike, place: str, what: str) -> int:
    try:
        return matrix.index(place)
    except (KeyError, ValueError, IndexError) as exc:
        raise ReimbursementError(f"{what}: place {place!r} is not in the travel matrix") from exc


# --------------------------------------------------------------------------------------------
# Formatting (Danish)


def format_km(distance_m: int) -> str:
    """Danish distance format with one decimal: ``12,3 km``."""
    return f"{distance_m / 1000:.1f}".replace(".", ",") + " km"


def rate_text(per_unit_ore: int) -> str:
    return f"{per_unit_ore / 100:.2f}".replace(".", ",")


def minutes_text(seconds: int) -> str:
    return f"{seconds / 60:.1f}".replace(".", ",")


def decimal_da(value: float) -> str:
    return f"{value:g}".replace(".", ",")


# --------------------------------------------------------------------------------------------
