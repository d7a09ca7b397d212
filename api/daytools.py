"""One date's operation from files, for ``samkorsel day`` and ``samkorsel demo``.

Reads afbud (CSV) and closures (CSV or iCalendar), derives the date's runs from the weekly plan
(:func:`routing.operations.daily.daily_runs_for_date`), verifies them independently, and writes
into ``out``:

* ``runs.json`` — the daily runs (schema ``samkorsel.plan/1``, weekday = the date);
* ``manifest-<vehicle>.json|html|pdf`` — each vehicle's køreliste;
* ``riders-<centre>.json|html`` — each centre's deltagerliste.

Afbud CSV columns: ``rider_id,start,end,reason[,direction]`` (``end`` empty: until further
notice; ``direction`` ``both`` (default), ``to_centre`` or ``from_centre``). Afbud in the file
count as registered in time (before the deadline).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from maps.manifest.data import build_centre_list, build_manifest, vehicles_on
from maps.manifest.html import render_centre_list_html, render_manifest_html
from maps.manifest.pdf import render_manifest_pdf
from maps.webmap import day_map_html
from routing.errors import ScenarioError, ScenarioErrors
from routing.model import Plan, Scenario
from routing.municipality.rules import MunicipalityRules
from routing.network.roads import RoadNetwork
from routing.operations import absences as core_absences
from routing.operations import calendar as cal
from routing.operations.daily import daily_expected_trips, daily_runs_for_date
from routing.planning.plan_io import write_plan
from routing.planning.planner import place_matrix
from routing.verify.checks import expected_trips, verify_plan

log = logging.getLogger(__name__)

ABSENCE_COLUMNS = ("rider_id", "start", "end", "reason")


def read_absences_csv(path: Path, scenario: Scenario) -> list[core_absences.Absence]:
    """Afbud from a CSV file; every row error is reported at once (:class:`ScenarioErrors`)."""
    text = path.read_text(encoding="utf-8-sig")
    sample = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if sample.count(";") >
                            sample.count(",") else ",")
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ABSENCE_COLUMNS if c not in header]
    if missing:
        raise ScenarioErrors([ScenarioError(f"missing column(s): {', '.join(missing)}",
                                            file=path.name, row=1)])
    riders = {r.rider_id for r in scenario.riders}
    registered = datetime(1970, 1, 1, tzinfo=UTC)  # from a file: counts as on time
    errors: list[ScenarioError] = []
    out: list[core_absences.Absence] = []
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        rider_id = row.get("rider_id", "")
        if rider_id not in riders:
            errors.append(ScenarioError(f"unknown rider {rider_id!r}", file=path.name,
                                        row=number, column="rider_id"))
            continue
        try:
            start = date.fromisoformat(row["start"])
        except ValueError:
            errors.append(ScenarioError(f"{row['start']!r} is not YYYY-MM-DD", file=path.name,
                                        row=number, column="start"))
            continue
        try:
            end = date.fromisoformat(row["end"]) if row.get("end") else None
        except ValueError:
            errors.append(ScenarioError(f"{row['end']!r} is not YYYY-MM-DD", file=path.name,
                                        row=number, column="end"))
            continue
        scope = row.get("direction") or "both"
        try:
            out.append(core_absences.Absence(
                absence_id=f"F{number}", rider_id=rider_id, start=start, end=end,
                reason=row.get("reason", ""), registered_by_role="coordinator",
                registered_by="file", registered_at=registered,
                scope=scope,  # type: ignore[arg-type]
            ))
        except core_absences.AbsenceError as exc:
            errors.append(ScenarioError(str(exc), file=path.name, row=number,
                                        column="direction" if "scope" in str(exc) else "end"))
    if errors:
        raise ScenarioErrors(errors)
    return out


def read_closures(path: Path, scenario: Scenario) -> tuple[cal.AnyClosure, ...]:
    """Closures from CSV (``centre_id,start,end,reason``) or iCalendar.

    An ``.ics`` file holds no centre id: it applies to the centre named by the file's stem
    (``C1.ics``) or, when the stem names no centre, to every centre.
    """
    centre_ids = [c.centre_id for c in scenario.centres]
    if path.suffix.lower() == ".ics":
        data = path.read_bytes()
        targets = [path.stem] if path.stem in centre_ids else centre_ids
        return tuple(c for centre_id in targets
                     for c in cal.parse_closures_ics(data, centre_id, file=path.name))
    return cal.parse_closures_csv(path.read_text(encoding="utf-8-sig"), file=path.name,
                                  centre_ids=set(centre_ids))


def run_day(
    scenario: Scenario,
    network: RoadNetwork,
    weekly: Plan,
    on_date: date,
    absences_csv: Path | None,
    closures_path: Path | None,
    out: Path,
    console: Any = None,
) -> int:
    """Derive, verify and write one date's runs, manifests and rider lists.

    Returns
    -------
    int
        0 when the independent check finds no error, 1 otherwise (as a CLI exit code).

    Raises
    ------
    ValueError
        For unreadable afbud or closure files (:class:`ScenarioErrors` names file, row, column).
    """
    def say(text: str) -> None:
        if console is not None:
            console.print(text, highlight=False)

    params = scenario.plan_params
    book = core_absences.AbsenceBook(read_absences_csv(absences_csv, scenario)
                                     if absences_csv else ())
    # The scenario's own closures.csv and [rules] hold without flags; --closures adds to them.
    rules = scenario.rules if isinstance(scenario.rules, MunicipalityRules) \
        else MunicipalityRules()
    calendar = cal.calendar_from_rules(rules, (c.centre_id for c in scenario.centres),
                                       scenario.closures)
    if closures_path:
        calendar = calendar.with_closures(read_closures(closures_path, scenario))
    matrix = place_matrix(scenario, network, params)
    result = daily_runs_for_date(weekly, scenario, matrix, on_date, calendar=calendar,
                                 book=book, params=params,
                                 no_show_cancels_ride_home=rules.no_show_cancels_ride_home)
    out.mkdir(parents=True, exist_ok=True)
    daily_plan = result.as_plan(scenario.name, weekly.params)
    write_plan(daily_plan, out / "runs.json")
    generated = datetime.now(UTC)
    for vehicle_id in vehicles_on(result):
        manifest = build_manifest(result, scenario, vehicle_id, network=network,
                                  snap_max_m=params.snap_max_m, generated_at=generated)
        stem = out / f"manifest-{vehicle_id}"
        stem.with_suffix(".json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                             encoding="utf-8")
        stem.with_suffix(".html").write_text(render_manifest_html(manifest), encoding="utf-8")
        stem.with_suffix(".pdf").write_bytes(render_manifest_pdf(manifest))
    (out / "map.html").write_text(day_map_html(
        result.runs, network, title=f"Kørsel {on_date.isoformat()}",
        centres=scenario.centres, snap_max_m=params.snap_max_m), encoding="utf-8")
    for centre in scenario.centres:
        rider_list = build_centre_list(
            result, scenario, centre.centre_id,
            closing_reason=calendar.closing_reason(centre.centre_id, on_date))
        stem = out / f"riders-{centre.centre_id}"
        stem.with_suffix(".json").write_text(json.dumps(rider_list, ensure_ascii=False,
                                                        indent=2), encoding="utf-8")
        stem.with_suffix(".html").write_text(render_centre_list_html(rider_list),
                                             encoding="utf-8")
    say(f"{on_date.isoformat()}: {len(result.runs)} of {len(result.planned)} run(s) drive, "
        f"{len(result.cancelled)} cancelled, {len(result.removed)} rider trip(s) removed, "
        f"saved {result.saved_ore / 100:,.2f} DKK")
    for c in result.cancelled:
        say(f"  cancelled {c.run_id} ({c.vehicle_id}, {c.reason}): saves "
            f"{c.saved_ore / 100:,.2f} DKK")
    expected = daily_expected_trips(expected_trips(scenario), result)
    violations = verify_plan(daily_plan, scenario, network, params, expected_trips=expected)
    errors = [v for v in violations if v.severity == "error"]
    for v in violations:
        say(f"{v.severity} {v.code}: {v.message}")
    say(f"{'OK' if not errors else f'{len(errors)} violation(s)'}: daily runs written to {out}")
    log.info("day %s written: %d runs, %d errors", on_date, len(result.runs), len(errors))
    return 1 if errors else 0
