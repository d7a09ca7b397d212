"""Why a trip is unserved, in one catalogue: English (stored in plans, the API) and Danish
(decision letters, rider lists, web pages).

Plans store the English text; :func:`danish` recognises a text made from this catalogue (also
in plans stored before Danish existed) and gives it in Danish, with the same figures. A text it
does not recognise is returned unchanged.
"""

from __future__ import annotations

import re
from functools import cache

_TEMPLATES: dict[str, tuple[str, str]] = {
    "far_from_road": (
        "home is {distance_m} m from the nearest road (limit {limit_m} m)",
        "hjemmet ligger {distance_m} m fra nærmeste vej (højst {limit_m} m)",
    ),
    "ride_too_long": (
        "direct trip {direct_min} min > max {limit_min} min",
        "den direkte tur tager {direct_min} min; længste tilladte køretid er {limit_min} min",
    ),
    "no_capable_vehicle": (
        "no vehicle in the fleet has {need}",
        "ingen vogn i flåden har {need}",
    ),
    "no_vehicle_free": (
        "no vehicle with {need} available {start}–{end}",
        "ingen vogn med {need} er ledig {start}–{end}",
    ),
    "wave_full": (
        "no room within the constraints: every vehicle able to carry the rider is full or busy "
        "in the wave around {time} (window {start}–{end}, {vehicles} vehicle(s) free)",
        "ingen plads inden for reglerne: alle vogne, der kan køre borgeren, er fulde eller "
        "optaget omkring kl. {time} (tidsvindue {start}–{end}, {vehicles} ledig(e) vogn(e))",
    ),
    "time_budget": (
        "the solver stopped before it could place this trip (time budget) in the wave around "
        "{time} (window {start}–{end}); a larger --time-limit may serve it",
        "planlæggeren nåede ikke at placere turen inden for tidsbudgettet (omkring kl. {time}, "
        "tidsvindue {start}–{end}); en længere planlægningstid kan give plads",
    ),
    "no_insertion": (
        "no feasible insertion into the plan in force (every run of the wave is full, too far "
        "or would move riders too much); re-optimise or add a vehicle",
        "borgeren kan ikke sættes ind i den gældende plan (alle ture på det tidspunkt er fulde, "
        "for langt væk eller ville flytte andres tider for meget); planlæg igen eller tilføj en "
        "vogn",
    ),
}

_NEEDS_DA = {
    "a wheelchair place": "kørestolsplads",
    "a wheelchair place and a seat for the escort": "kørestolsplads og plads til ledsageren",
}
_SEATS = re.compile(r"(?P<n>\d+) seat\(s\)")


def need_text(seats: int, wheelchair: bool, escort: bool) -> str:
    """What a rider needs in a vehicle, as the ``need`` of a reason."""
    if wheelchair and escort:
        return "a wheelchair place and a seat for the escort"
    return "a wheelchair place" if wheelchair else f"{seats} seat(s)"


def unserved_reason(code: str, **figures: object) -> str:
    """The English reason ``code`` with its figures, e.g.
    ``unserved_reason("ride_too_long", direct_min=52, limit_min=45)``."""
    return _TEMPLATES[code][0].format(**figures)


def reason_code(reason: str) -> str | None:
    """The catalogue code a reason text was made from (e.g. ``"time_budget"``), or None."""
    for code, pattern in _patterns():
        if pattern.fullmatch(reason) is not None:
            return code
    return None


def danish(reason: str) -> str:
    """The Danish text of a reason from :func:`unserved_reason`; other texts unchanged."""
    for code, pattern in _patterns():
        found = pattern.fullmatch(reason)
        if found is not None:
            figures = found.groupdict()
            if "need" in figures:
                figures["need"] = _need_da(figures["need"])
            return _TEMPLATES[code][1].format(**figures)
    return reason


def _need_da(need: str) -> str:
    if need in _NEEDS_DA:
        return _NEEDS_DA[need]
    seats = _SEATS.fullmatch(need)
    if seats is None:
        return need
    n = int(seats["n"])
    return "en siddeplads" if n == 1 else f"{n} siddepladser"


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each English template as a pattern with a named group per figure."""
    out = []
    for code, (english, _) in _TEMPLATES.items():
        parts = re.split(r"\{(\w+)\}", english)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                        for i, part in enumerate(parts))
        out.append((code, re.compile(regex)))
    return tuple(out)
