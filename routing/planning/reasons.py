"""Why a trip is unserved: a code and its figures, rendered in English or Danish.

A :class:`Reason` is stored in plans as its code and figures (``reason_code``,
``reason_figures``) next to the English text (``reason``, what plans and the API have always
carried; a ``Reason`` *is* that text, so every reader of ``Unserved.reason`` keeps working).
Plans stored before codes existed carry only the English text: :func:`reason_from_stored`
recognises it once, where the plan is read (:mod:`routing.planning.plan_io`); a text it does not
recognise is kept as it is (code ``"text"``). The Danish texts are in :mod:`routing.texts.da`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from routing.texts import da

_ENGLISH: dict[str, str] = {
    "far_from_road": "home is {distance_m} m from the nearest road (limit {limit_m} m)",
    "ride_too_long": "direct trip {direct_min} min > max {limit_min} min",
    "no_capable_vehicle": "no vehicle in the fleet has {need}",
    "no_vehicle_free": "no vehicle with {need} available {start}–{end}",
    "wave_full":
        "no room within the constraints: every vehicle able to carry the rider is full or busy "
        "in the wave around {time} (window {start}–{end}, {vehicles} vehicle(s) free)",
    "time_budget":
        "the solver stopped before it could place this trip (time budget) in the wave around "
        "{time} (window {start}–{end}); a larger --time-limit may serve it",
    "no_insertion":
        "no feasible insertion into the plan in force (every run of the wave is full, too far "
        "or would move riders too much); re-optimise or add a vehicle",
    "text": "{text}",
}
"""English text of each reason; ``{need}`` is given as :func:`need_english`."""

TEXT = "text"
"""The code of a free text (a stored reason no template made)."""


def need_code(seats: int, wheelchair: bool, escort: bool) -> str:
    """What a rider needs in a vehicle, as the ``need`` figure of a reason."""
    if wheelchair and escort:
        return "wheelchair_escort"
    return "wheelchair" if wheelchair else f"seats:{seats}"


def need_english(need: str) -> str:
    if need == "wheelchair_escort":
        return "a wheelchair place and a seat for the escort"
    if need == "wheelchair":
        return "a wheelchair place"
    return f"{int(need.removeprefix('seats:'))} seat(s)"


class Reason(str):
    """An unserved reason: its English text, with the ``code`` and ``figures`` it was made from.

    A ``str`` so that plans, the API and every reader of ``Unserved.reason`` see the English
    text as before; :meth:`danish` renders the same code and figures in Danish.
    """

    code: str
    figures: Mapping[str, str]

    def __new__(cls, code: str, figures: Mapping[str, object]) -> Reason:
        values = {k: str(v) for k, v in figures.items()}
        self = super().__new__(cls, _render(_ENGLISH[code], values, need_english))
        self.code = code
        self.figures = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reason, (self.code, dict(self.figures)))

    def danish(self) -> str:
        return _render(da.UNSERVED_REASONS_DA[self.code], self.figures, da.need_text)


def _render(template: str, figures: Mapping[str, str], need: Any) -> str:
    values = dict(figures)
    if "need" in values:
        values["need"] = need(values["need"])
    return template.format(**values)


def unserved_reason(code: str, **figures: object) -> Reason:
    """The reason ``code`` with its figures, e.g.
    ``unserved_reason("ride_too_long", direct_min=52, limit_min=45)``."""
    if code not in _ENGLISH:
        raise KeyError(f"unknown unserved reason {code!r}")
    return Reason(code, figures)


def reason_from_stored(text: str, code: str | None = None,
                       figures: Mapping[str, object] | None = None) -> Reason:
    """The reason of a stored plan: from its code and figures, or (plans stored before codes
    existed) recognised from the English text; an unknown text stays as it is."""
    if code is not None and code in _ENGLISH:
        return Reason(code, figures or {})
    for known, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found is not None:
            values = found.groupdict()
            if "need" in values:
                values["need"] = _need_from_english(values["need"])
                if values["need"] is None:
                    continue
            return Reason(known, values)
    return Reason(TEXT, {"text": text})


def reason_code(reason: str) -> str | None:
    """The catalogue code of a reason (e.g. ``"time_budget"``), or None for a free text."""
    if not isinstance(reason, Reason):
        reason = reason_from_stored(reason)
    return None if reason.code == TEXT else reason.code


def danish(reason: str) -> str:
    """The Danish text of a reason (a plain string is first read as a stored reason)."""
    if not isinstance(reason, Reason):
        reason = reason_from_stored(reason)
    return reason.danish()


def reason_to_stored(reason: str) -> dict[str, Any]:
    """The stored fields of a reason: ``reason`` (English) and, when it has one, its code and
    figures."""
    if isinstance(reason, Reason) and reason.code != TEXT:
        return {"reason": str(reason), "reason_code": reason.code,
                "reason_figures": dict(reason.figures)}
    return {"reason": str(reason)}


_SEATS = re.compile(r"(\d+) seat\(s\)")


def _need_from_english(text: str) -> str | None:
    for code in ("wheelchair_escort", "wheelchair"):
        if text == need_english(code):
            return code
    seats = _SEATS.fullmatch(text)
    return f"seats:{seats[1]}" if seats else None


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each English template as a pattern with a named group per figure (legacy plans only)."""
    out = []
    for code, english in _ENGLISH.items():
        if code == TEXT:
            continue
        parts = re.split(r"\{(\w+)\}", english)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                        for i, part in enumerate(parts))
        out.append((code, re.compile(regex)))
    return tuple(out)
