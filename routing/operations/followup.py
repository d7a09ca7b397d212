"""Long absences to follow up (Randers: absence or illness "over tre uger" obliges the centre to
contact Socialområdet), until the centre records that it has done so.

Unlike :func:`routing.operations.absences.long_absences` (absent *now*), an absence that has
already ended after more than the threshold stays on the list too: the duty arose while it
lasted. Each entry is keyed by rider and first day of the continuous absence; an acknowledgement
("kontaktet Socialområdet", who and when) of that key takes it off the list.

Pure: the API stores the acknowledgements.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from routing.operations.absences import Absence, absence_spans


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A continuous absence of more than the threshold, ongoing or ended."""

    rider_id: str
    start: date
    end: date | None
    """Last registered day; None = until further notice."""
    days: int
    """Calendar days absent: through the end, or through the check date while ongoing."""
    ended: bool
    """The absence ended before the check date."""
    absence_ids: tuple[str, ...]


def follow_ups(
    absences: Iterable[Absence],
    as_of: date,
    threshold_days: int = 21,
    *,
    acknowledged: Collection[tuple[str, date]] = (),
    lookback_days: int = 365,
) -> list[FollowUp]:
    """Absences of more than ``threshold_days`` days not yet acknowledged, as of ``as_of``.

    Parameters
    ----------
    absences
        The afbud; withdrawn ones and those covering one direction only are ignored (the rider
        still attends).
    as_of
        The day of the check.
    threshold_days
        More than this many calendar days (Randers: three weeks = 21).
    acknowledged
        ``(rider_id, first day)`` of absences the centre has followed up.
    lookback_days
        Ended absences older than this (by their last day) are not listed any more.

    Returns
    -------
    list of FollowUp
        Longest first.
    """
    by_rider: dict[str, list[Absence]] = {}
    for a in absences:
        if a.withdrawn_at is not None or a.scope != "both" or a.start > as_of:
            continue
        by_rider.setdefault(a.rider_id, []).append(a)
    done = set(acknowledged)
    out: list[FollowUp] = []
    for rider_id, items in by_rider.items():
        for start, end, ids in absence_spans(items):
            if (rider_id, start) in done:
                continue
            ended = end is not None and end < as_of
            last = end if ended and end is not None else as_of
            if ended and (as_of - last).days > lookback_days:
                continue
            days = (last - start).days + 1
            if days > threshold_days:
                out.append(FollowUp(rider_id, start, end, days, ended, tuple(ids)))
    out.sort(key=lambda f: (-f.days, f.rider_id, f.start))
    return out
