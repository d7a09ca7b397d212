"""Who must be told about a plan change, old → new, with Danish texts ready to send.

Riders must be contacted before their agreed time changes (Sønderborg); drivers need their new
runs; centres need to know when their riders arrive and are picked up. :func:`plan_notifications`
compares two weekly plans and lists, per weekday and direction:

* **riders** (``rider``): agreed pickup time or vehicle changed, trip added or dropped;
* **drivers** (``driver``, by vehicle): a run added, cancelled or changed (its stops or times);
* **centres** (``centre``): a rider's arrival at the centre (to) or pickup there (from) changed,
  or a rider added or dropped.

:func:`notifications_csv` writes them as CSV for a spreadsheet or a mail merge: UTF-8 with a byte
order mark and ``;`` as separator, so Excel in a Danish locale opens it with the Danish letters
and the columns right (:data:`CSV_COLUMNS`). Pure functions: nothing is sent from here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from routing.model import WEEKDAYS, Plan, Run, Scenario, format_hm
from routing.places import is_centre, place_ref
from routing.texts.da import DIRECTION_DA, WEEKDAY_DA

RecipientKind = Literal["rider", "driver", "centre"]
ChangeKind = Literal["time", "vehicle", "added", "removed", "changed", "cancelled", "new"]

CSV_COLUMNS: tuple[str, ...] = (
    "recipient_type", "recipient_id", "name", "weekday", "direction", "change",
    "old_time", "new_time", "shift_min", "old_run_id", "new_run_id", "old_vehicle_id",
    "new_vehicle_id", "message",
)
"""Columns of :func:`notifications_csv` (times ``HH:MM``, empty when not applicable)."""


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one recipient about one weekday (and direction)."""

    recipient_type: RecipientKind
    recipient_id: str
    """Rider id, vehicle id (for its driver) or centre id."""
    weekday: str
    direction: str
    change: ChangeKind
    old_time_s: int | None
    new_time_s: int | None
    old_run_id: str | None
    new_run_id: str | None
    old_vehicle_id: str | None
    new_vehicle_id: str | None
    message: str
    """Danish text ready to send."""
    name: str = ""
    """The rider's or centre's name when a scenario was given (the message itself names no
    one, so it can also go to a log-free channel)."""

    @property
    def shift_min(self) -> int | None:
        if self.old_time_s is None or self.new_time_s is None:
            return None
        return (self.new_time_s - self.old_time_s) // 60

    def to_dict(self) -> dict[str, object]:
        return {
            "recipient_type": self.recipient_type, "recipient_id": self.recipient_id,
            "name": self.name, "weekday": self.weekday, "direction": self.direction,
            "change": self.change,
            "old_time": format_hm(self.old_time_s) if self.old_time_s is not None else None,
            "new_time": format_hm(self.new_time_s) if self.new_time_s is not None else None,
            "shift_min": self.shift_min, "old_run_id": self.old_run_id,
            "new_run_id": self.new_run_id, "old_vehicle_id": self.old_vehicle_id,
            "new_vehicle_id": self.new_vehicle_id, "message": self.message,
        }


def _day(weekday: str) -> str:
    return WEEKDAY_DA.get(weekday, weekday)


def _hm(t: int | None) -> str:
    return format_hm(t) if t is not None else ""


def _shift_text(old: int, new: int) -> str:
    minutes = abs(new - old) // 60
    return f"{minutes} min {'senere' if new > old else 'tidligere'}"


@dataclass(frozen=True, slots=True)
class _Ride:
    time_s: int
    """Agreed pickup time."""
    centre_s: int
    """Arrival at the centre (to) or pickup there (from)."""
    run_id: str
    vehicle_id: str
    centre_id: str


def _rides(plan: Plan) -> dict[tuple[str, str, str], _Ride]:
    out: dict[tuple[str, str, str], _Ride] = {}
    for run in plan.runs:
        pickup: dict[str, int] = {}
        for stop in run.stops:
            for r in stop.rider_ids:
                if stop.kind == "pickup":
                    pickup[r] = stop.agreed_s if stop.agreed_s is not None else stop.arrival_s
                    if is_centre(stop.place):
                        out[(r, run.weekday, run.direction)] = _Ride(
                            pickup[r], pickup[r], run.run_id, run.vehicle_id,
                            place_ref(stop.place))
                elif stop.kind == "dropoff" and r in pickup and is_centre(stop.place):
                    out[(r, run.weekday, run.direction)] = _Ride(
                        pickup[r], stop.arrival_s, run.run_id, run.vehicle_id,
                        place_ref(stop.place))
    return out


def _order(weekday: str) -> int:
    return WEEKDAYS.index(weekday) if weekday in WEEKDAYS else len(WEEKDAYS)


def _rider_message(direction: str, weekday: str, old: _Ride | None, new: _Ride | None) -> str:
    day = _day(weekday)
    where = "hjemme" if direction == "to_centre" else "på centret"
    trip = f"turen {DIRECTION_DA[direction]}"
    if old is None and new is not None:
        return (f"Fra nu af bliver du hentet {where} om {day}en kl. {_hm(new.time_s)} "
                f"({trip}, bil {new.vehicle_id}).")
    if new is None and old is not None:
        return f"Kørslen om {day}en ({trip}, kl. {_hm(old.time_s)}) bortfalder."
    assert old is not None and new is not None
    if old.time_s != new.time_s:
        text = (f"Dit aftalte afhentningstidspunkt {where} om {day}en ændres fra kl. "
                f"{_hm(old.time_s)} til kl. {_hm(new.time_s)} "
                f"({_shift_text(old.time_s, new.time_s)}).")
        if old.vehicle_id != new.vehicle_id:
            text += f" Du køres fremover med bil {new.vehicle_id}."
        return text
    return (f"Om {day}en ({trip}) køres du fremover med bil {new.vehicle_id} i stedet for "
            f"bil {old.vehicle_id}. Tidspunktet kl. {_hm(new.time_s)} er uændret.")


def _run_signature(run: Run) -> tuple[tuple[str, tuple[str, ...], int, int | None], ...]:
    return tuple((s.place, s.rider_ids, s.arrival_s, s.agreed_s) for s in run.stops)


def plan_notifications(old: Plan, new: Plan, scenario: Scenario | None = None,
                       *, recipients: Iterable[RecipientKind] = ("rider", "driver", "centre")
                       ) -> list[Notification]:
    """Everyone whose agreed times or runs differ between ``old`` and ``new``.

    Parameters
    ----------
    old, new
        The plan in force and the changed plan.
    scenario
        For names (riders, centres) in the ``name`` field; optional.
    recipients
        Which kinds of recipients to list.

    Returns
    -------
    list of Notification
        Riders first, then drivers, then centres; each by id, weekday, direction.
    """
    wanted = set(recipients)
    names: dict[tuple[str, str], str] = {}
    if scenario is not None:
        names |= {("rider", r.rider_id): r.name for r in scenario.riders}
        names |= {("centre", c.centre_id): c.name for c in scenario.centres}
    before, after = _rides(old), _rides(new)
    out: list[Notification] = []
    keys = sorted(before.keys() | after.keys(), key=lambda k: (k[0], _order(k[1]), k[2]))
    if "rider" in wanted:
        for key in keys:
            a, b = before.get(key), after.get(key)
            if a is not None and b is not None and (a.time_s, a.vehicle_id) == (b.time_s,
                                                                                b.vehicle_id):
                continue
            rider_id, weekday, direction = key
            change: ChangeKind = "added" if a is None else "removed" if b is None else \
                "time" if a.time_s != b.time_s else "vehicle"
            out.append(Notification(
                "rider", rider_id, weekday, direction, change,
                a.time_s if a else None, b.time_s if b else None,
                a.run_id if a else None, b.run_id if b else None,
                a.vehicle_id if a else None, b.vehicle_id if b else None,
                _rider_message(direction, weekday, a, b), names.get(("rider", rider_id), "")))
    if "driver" in wanted:
        out.extend(_driver_notifications(old, new))
    if "centre" in wanted:
        out.extend(_centre_notifications(before, after, keys, names))
    return out


def _driver_notifications(old: Plan, new: Plan) -> list[Notification]:
    old_runs = {r.run_id: r for r in old.runs}
    new_runs = {r.run_id: r for r in new.runs}
    out: list[Notification] = []
    ids = sorted(old_runs.keys() | new_runs.keys(),
                 key=lambda i: ((old_runs.get(i) or new_runs[i]).vehicle_id,
                                _order((old_runs.get(i) or new_runs[i]).weekday), i))
    for run_id in ids:
        a, b = old_runs.get(run_id), new_runs.get(run_id)
        if a is not None and b is not None and a.vehicle_id == b.vehicle_id \
                and _run_signature(a) == _run_signature(b):
            continue
        ref = b or a
        assert ref is not None
        day = _day(ref.weekday)
        trip = DIRECTION_DA[ref.direction]
        if a is None and b is not None:
            change: ChangeKind = "new"
            text = (f"Ny kørsel {run_id} om {day}en ({trip}): afgang fra depot kl. "
                    f"{_hm(b.stops[0].departure_s)}, {len(b.rider_ids)} passager(er), "
                    f"{len(b.stops) - 2} stop.")
        elif b is None and a is not None:
            change = "cancelled"
            text = (f"Kørsel {run_id} om {day}en ({trip}, afgang kl. "
                    f"{_hm(a.stops[0].departure_s)}) bortfalder.")
        else:
            assert a is not None and b is not None
            change = "changed"
            added = [r for r in b.rider_ids if r not in a.rider_ids]
            gone = [r for r in a.rider_ids if r not in b.rider_ids]
            parts = [f"Kørsel {run_id} om {day}en ({trip}) er ændret: afgang fra depot kl. "
                     f"{_hm(b.stops[0].departure_s)} (før {_hm(a.stops[0].departure_s)}), "
                     f"retur kl. {_hm(b.stops[-1].arrival_s)} (før {_hm(a.stops[-1].arrival_s)}),"
                     f" {len(b.stops) - 2} stop (før {len(a.stops) - 2})."]
            if added:
                parts.append(f"Nye passagerer: {', '.join(added)}.")
            if gone:
                parts.append(f"Udgår: {', '.join(gone)}.")
            parts.append("Se den opdaterede køreliste.")
            text = " ".join(parts)
        out.append(Notification(
            "driver", ref.vehicle_id, ref.weekday, ref.direction, change,
            a.stops[0].departure_s if a else None, b.stops[0].departure_s if b else None,
            a.run_id if a else None, b.run_id if b else None,
            a.vehicle_id if a else None, b.vehicle_id if b else None, text))
        if a is not None and b is not None and a.vehicle_id != b.vehicle_id:
            out.append(Notification(
                "driver", a.vehicle_id, a.weekday, a.direction, "cancelled",
                a.stops[0].departure_s, None, a.run_id, None, a.vehicle_id, None,
                f"Kørsel {run_id} om {day}en overgår til bil {b.vehicle_id}."))
    return out


def _centre_notifications(before: dict[tuple[str, str, str], _Ride],
                          after: dict[tuple[str, str, str], _Ride],
                          keys: Sequence[tuple[str, str, str]],
                          names: dict[tuple[str, str], str]) -> list[Notification]:
    out: list[Notification] = []
    for key in keys:
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and (a.centre_s, a.centre_id, a.vehicle_id) == (
                b.centre_s, b.centre_id, b.vehicle_id):
            continue
        rider_id, weekday, direction = key
        day = _day(weekday)
        verb = "ankommer til centret" if direction == "to_centre" else "hentes på centret"
        if a is None and b is not None:
            change: ChangeKind = "added"
            text = (f"{rider_id} {verb} om {day}en kl. {_hm(b.centre_s)} med bil "
                    f"{b.vehicle_id} (ny).")
        elif b is None and a is not None:
            change = "removed"
            text = f"{rider_id} {verb} ikke længere om {day}en med bil {a.vehicle_id}."
        else:
            assert a is not None and b is not None
            change = "time" if a.centre_s != b.centre_s else "vehicle"
            text = (f"{rider_id} {verb} om {day}en kl. {_hm(b.centre_s)} med bil "
                    f"{b.vehicle_id} (før kl. {_hm(a.centre_s)} med bil {a.vehicle_id}).")
        centre_id = (b or a).centre_id  # type: ignore[union-attr]
        out.append(Notification(
            "centre", centre_id, weekday, direction, change,
            a.centre_s if a else None, b.centre_s if b else None,
            a.run_id if a else None, b.run_id if b else None,
            a.vehicle_id if a else None, b.vehicle_id if b else None, text,
            names.get(("centre", centre_id), "")))
    out.sort(key=lambda n: (n.recipient_id, _order(n.weekday), n.direction, n.message))
    return out


def notifications_csv(notifications: Iterable[Notification], *, bom: bool = True,
                      delimiter: str = ";") -> str:
    """The notifications as CSV text (:data:`CSV_COLUMNS`); write it with ``encoding="utf-8"``.

    With ``bom`` the text starts with U+FEFF so that Excel recognises UTF-8 (æ, ø, å).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for n in notifications:
        d = n.to_dict()
        writer.writerow(["" if d[c] is None else str(d[c]) for c in CSV_COLUMNS])
    return ("\ufeff" if bom else "") + buffer.getvalue()
