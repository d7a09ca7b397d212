"""Each municipality's rules as configuration, with presets for the five seed municipalities.

What differs from one municipality to the next (``docs`` → domain, "*municipal*"): the afbud
deadline, what a no-show does, the customary closing days per centre, recurring closures, the
long-absence threshold and who is notified, the start promise for a new grant, and where and by
when a citizen complains (klage). A scenario gives them in ``[rules]`` of ``scenario.toml``
(:func:`rules_from_mapping`), optionally starting from a preset (``preset = "randers"``).

Pure: no I/O besides :func:`rules_to_toml` producing text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

CUSTOMARY_DAYS: tuple[str, ...] = (
    "grundlovsdag", "christmas_eve", "christmas_week", "new_years_eve", "may_day",
)
"""Names of the customary closing days (see :class:`routing.operations.calendar.HolidayRules`)."""

DEFAULT_CLOSING_DAYS: tuple[str, ...] = (
    "grundlovsdag", "christmas_eve", "christmas_week", "new_years_eve",
)
"""Grundlovsdag and 24–31 December: the usual customary closing days of Danish day centres."""


class RulesError(ValueError):
    """A ``[rules]`` value is invalid; the message starts with the key (``key``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        head = message.split(":", 1)[0]
        self.key = head.split("'")[1] if head.startswith("unknown key") else head.split(".")[0]


@dataclass(frozen=True, slots=True)
class RecurringClosureSpec:
    """A closure every year: ``start``/``end`` are ``MM-DD`` or ``Www`` (see closures.csv)."""

    centre_id: str
    start: str
    end: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"centre_id": self.centre_id, "start": self.start, "end": self.end,
                "reason": self.reason}


@dataclass(frozen=True, slots=True)
class MunicipalityRules:
    """The rules of one municipality (defaults: common Danish practice, see ``domain.md``)."""

    preset: str = ""
    """The preset these rules started from, if any."""
    municipality: str = ""
    sources: tuple[str, ...] = ()
    """Where each rule comes from (quality standard, practice elsewhere)."""
    afbud_deadline: str = "16:00"
    """Afbud on time: by this time …"""
    afbud_days_before: int = 1
    """… this many working days before the day (0 = the same morning)."""
    no_show_alert_centre: bool = False
    """A no-show alerts the centre (it is the centre's rider, not the operator's)."""
    no_show_cancels_ride_home: bool = False
    """A morning no-show cancels the ride home (Midttrafik's practice; off: a relative may have
    driven the rider in, and must not find them stranded)."""
    closing_days: tuple[str, ...] = DEFAULT_CLOSING_DAYS
    """Customary closing days of every centre, names of :data:`CUSTOMARY_DAYS`."""
    centre_closing_days: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per centre: its own list instead of ``closing_days`` (e.g. ``[]`` keeps it open on all)."""
    closures: tuple[RecurringClosureSpec, ...] = ()
    """Closures every year (e.g. week 42), besides those in closures.csv."""
    long_absence_days: int = 21
    """An absence of more than this many days must be followed up."""
    long_absence_notify: str = "myndigheden"
    """Whom the centre contacts about a long absence."""
    start_promise_days: int = 14
    """A granted shared ride starts at the latest this many days after the grant."""
    klage_to: str = "kommunen"
    klage_weeks: int = 4
    reassessment_weeks: int | None = None
    """The municipality reassesses within this many weeks (None: not stated)."""
    klage_then: str = "Ankestyrelsen"
    case_weeks: int | None = None
    """Case processing time (sagsbehandlingstid) in weeks, if stated."""

    def __post_init__(self) -> None:
        _check_time(self.afbud_deadline, "afbud_deadline")
        for name in ("afbud_days_before", "long_absence_days", "start_promise_days",
                     "klage_weeks"):
            if getattr(self, name) < 0:
                raise RulesError(f"{name}: must not be negative")
        for name in self.closing_days:
            _check_day(name, "closing_days")
        for centre, names in self.centre_closing_days.items():
            for name in names:
                _check_day(name, f"centre_closing_days.{centre}")

    def closing_days_of(self, centre_id: str) -> tuple[str, ...]:
        """The customary closing days of ``centre_id``."""
        return tuple(self.centre_closing_days.get(centre_id, self.closing_days))

    @property
    def afbud_deadline_s(self) -> int:
        hh, mm = self.afbud_deadline.split(":")
        return int(hh) * 3600 + int(mm) * 60

    def appeal_text_da(self) -> str:
        """The klagevejledning for a decision letter, from these rules."""
        text = (f"Klagevejledning\nDu kan klage over afgørelsen. Din klage skal være modtaget "
                f"senest {self.klage_weeks} uger efter, at du har fået afgørelsen. Du sender "
                f"klagen til {self.klage_to}, som vurderer afgørelsen igen")
        if self.reassessment_weeks:
            text += f" inden for {self.reassessment_weeks} uger"
        text += (f". Fastholdes afgørelsen, sendes din klage videre til {self.klage_then}. "
                 "Kontakt kommunen, hvis du vil have hjælp til at klage.")
        return text

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "closures":
                value = [c.to_dict() for c in value]
            elif f.name == "centre_closing_days":
                value = {k: list(v) for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def _check_time(text: str, key: str) -> None:
    parts = text.split(":")
    if (len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts)
            or int(parts[0]) > 23 or int(parts[1]) > 59):
        raise RulesError(f"{key}: {text!r} is not HH:MM")


def _check_day(name: str, key: str) -> None:
    if name not in CUSTOMARY_DAYS:
        raise RulesError(f"{key}: unknown closing day {name!r} (known: "
                         f"{', '.join(CUSTOMARY_DAYS)})")


SEEDS = "Kvalitetsstandard for aktivitets- og samværstilbud (serviceloven § 104)"

PRESETS: dict[str, MunicipalityRules] = {
    "soenderborg": MunicipalityRules(
        preset="soenderborg", municipality="Sønderborg Kommune",
        sources=(f"Sønderborg Kommune, {SEEDS}: fast rute, faste dage og afgangstider; afbud; "
                 "'Tilbuddet … ikke aflyses'; godtgørelse kun helt undtagelsesvis på tilbuds"
                 "stedets konkrete vurdering", "Kontakt inden for en uge (Sønderborg)"),
        # "Tilbuddet … ikke aflyses": the offer runs on Grundlovsdag; Christmas stays closed.
        closing_days=("christmas_eve", "christmas_week", "new_years_eve"),
        # "Kontakt inden for en uge" is about contact, not the start: the start promise stays
        # the default.
        klage_to="Sønderborg Kommune",
    ),
    "randers": MunicipalityRules(
        preset="randers", municipality="Randers Kommune",
        sources=(f"Randers Kommune, {SEEDS}: fravær eller sygdom over tre uger — pligt til at "
                 "kontakte Socialområdet; sagsbehandlingstid 8 uger; klagevejledning",),
        long_absence_days=21, long_absence_notify="Socialområdet", klage_to="Randers Kommune",
        case_weeks=8,
    ),
    "haderslev": MunicipalityRules(
        preset="haderslev", municipality="Haderslev Kommune",
        sources=(f"Haderslev Kommune, {SEEDS}: lukket tre sommeruger, uge 42 og mellem jul og "
                 "nytår; klage inden 4 uger til Handicap, Socialpsykiatri og Myndighed, som "
                 "genvurderer og sender sagen til Ankestyrelsen; sagsbehandlingstid op til 8 "
                 "uger",),
        closures=(RecurringClosureSpec("*", "W42", "W42", "Efterårsferie (uge 42)"),),
        klage_to="Handicap, Socialpsykiatri og Myndighed, Haderslev Kommune", klage_weeks=4,
        case_weeks=8,
    ),
    "broenderslev": MunicipalityRules(
        preset="broenderslev", municipality="Brønderslev Kommune",
        sources=(f"Brønderslev Kommune, {SEEDS}: hele eller halve pladser; kørsel fremgår af "
                 "§ 141-handleplanen; tilbuddet starter senest 14 dage efter bevillingen; klage "
                 "inden 4 uger, genvurdering inden 4 uger, derefter Ankestyrelsen",),
        start_promise_days=14, klage_to="Brønderslev Kommune", klage_weeks=4,
        reassessment_weeks=4,
    ),
    "norddjurs": MunicipalityRules(
        preset="norddjurs", municipality="Norddjurs Kommune",
        sources=(f"Norddjurs Kommune, {SEEDS}: åbningstider pr. tilbud; aflyst på helligdage og "
                 "faste lukkedage; klagen sendes til Ankestyrelsen, hvis afgørelsen fastholdes",),
        klage_to="Norddjurs Kommune",
    ),
}
"""The five seed municipalities. What their standards do not state (afbud deadline, no-show
rule) keeps the defaults of practice elsewhere (16:00 the working day before; no-show off)."""


def preset(name: str) -> MunicipalityRules:
    """The preset ``name`` (:data:`PRESETS`)."""
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        raise RulesError(f"preset: unknown {name!r} (known: {', '.join(PRESETS)})") from None


_SCALARS: dict[str, type] = {
    "municipality": str, "afbud_deadline": str, "afbud_days_before": int,
    "no_show_alert_centre": bool, "no_show_cancels_ride_home": bool,
    "long_absence_days": int, "long_absence_notify": str, "start_promise_days": int,
    "klage_to": str, "klage_weeks": int, "reassessment_weeks": int, "klage_then": str,
    "case_weeks": int,
}


def _names(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{key}: must be a list of closing-day names")
    return tuple(value)


def rules_from_mapping(data: Mapping[str, Any]) -> MunicipalityRules:
    """Rules from a ``[rules]`` table: ``preset`` first, then each key overrides it.

    Raises
    ------
    RulesError
        Naming the first bad key (unknown key, wrong type, unknown closing day, bad time).
    """
    base = preset(str(data["preset"])) if "preset" in data else MunicipalityRules()
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "preset":
            continue
        if key in _SCALARS:
            want = _SCALARS[key]
            # bool is an int in Python: a flag must not pass as a number, nor a number as a flag.
            if not isinstance(value, want) or (want is int and isinstance(value, bool)):
                raise RulesError(f"{key}: must be {want.__name__}, got {value!r}")
            changes[key] = value
        elif key == "sources":
            changes[key] = tuple(str(v) for v in value) if isinstance(value, list) else (
                str(value),)
        elif key == "closing_days":
            changes[key] = _names(value, key)
        elif key == "centre_closing_days":
            if not isinstance(value, Mapping):
                raise RulesError(f"{key}: must be a table centre_id = [names]")
            changes[key] = {str(c): _names(v, f"{key}.{c}") for c, v in value.items()}
        elif key == "closures":
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                raise RulesError(f"{key}: must be a list of tables {{centre_id, start, end, "
                                 "reason}}")
            try:
                changes[key] = tuple(RecurringClosureSpec(
                    str(v.get("centre_id", "*")), str(v["start"]), str(v.get("end", v["start"])),
                    str(v.get("reason", ""))) for v in value)
            except KeyError as exc:
                raise RulesError(f"{key}: missing {exc.args[0]!r}") from None
        else:
            raise RulesError(f"unknown key {key!r}")
    try:
        return replace(base, **changes)
    except (TypeError, ValueError) as exc:
        raise RulesError(str(exc)) from exc


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def rules_to_toml(rules: MunicipalityRules) -> str:
    """The ``[rules]`` block of ``scenario.toml`` for ``rules`` (every key written out)."""
    lines = ["[rules]"]
    if rules.preset:
        lines.append(f"preset = {_toml_value(rules.preset)}")
    for key, value in rules.to_dict().items():
        if key == "preset" or value is None:
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
