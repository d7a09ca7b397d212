"""Errors of the routing core.

Every error subclasses :class:`SamkorselError` and a matching built-in, so callers may catch either
(the r5py convention). Messages name the offending id, file, row or rule.
"""

from __future__ import annotations


class SamkorselError(Exception):
    """Base class of all errors raised by Samkørsel."""


class ScenarioError(SamkorselError, ValueError):
    """A scenario file is malformed or inconsistent.

    Carries the location so that a CLI or an API can point at the cell to fix.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.detail = message
        where = ", ".join(
            part
            for part in (
                file,
                f"row {row}" if row is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class ScenarioErrors(SamkorselError, ValueError):
    """Several scenario errors found in one pass (nothing is loaded)."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors)
        super().__init__(f"{len(errors)} error(s) in scenario:\n{lines}")


class NetworkError(SamkorselError, RuntimeError):
    """The road network could not be loaded or prepared."""


class SnapError(SamkorselError, ValueError):
    """A point lies too far from any road of the network (e.g. in the sea)."""

    def __init__(
        self, message: str, *, point_id: str | None = None, distance_m: float | None = None
    ) -> None:
        self.point_id = point_id
        self.distance_m = distance_m
        super().__init__(message)


class PlanFormatError(SamkorselError, ValueError):
    """A plan file does not follow the ``samkorsel.plan/1`` schema."""


class BenchmarkFormatError(SamkorselError, ValueError):
    """A benchmark instance file could not be parsed."""
