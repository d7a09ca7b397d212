"""``samkorsel day`` backend: one date's runs, manifests and rider lists from files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from apitest_data import tiny_plan, tiny_scenario

from api.daytools import run_day
from routing.errors import ScenarioErrors


def test_day_from_files_writes_verified_runs_and_documents(tmp_path: Path, network: Any) -> None:
    scenario = tiny_scenario()
    plan = tiny_plan(scenario, network)
    absences = tmp_path / "afbud.csv"
    absences.write_text("rider_id,start,end,reason\nR1,2026-03-02,,Syg\n", encoding="utf-8")
    closures = tmp_path / "closures.csv"
    closures.write_text("centre_id,start,end,reason\nC2,2026-03-02,2026-03-06,Maling\n",
                        encoding="utf-8")
    out = tmp_path / "day"
    code = run_day(scenario, network, plan, date(2026, 3, 2), absences, closures, out)
    assert code == 0
    runs = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    assert {r["run_id"] for r in runs["runs"]} == {"mon-to-V2", "mon-from-V2"}
    assert (out / "manifest-V1.pdf").read_bytes().startswith(b"%PDF")
    assert "Køreliste" in (out / "manifest-V2.html").read_text(encoding="utf-8")
    day_map = (out / "map.html").read_text(encoding="utf-8")
    assert "mon-to-V2" in day_map and "mon-to-V1" not in day_map  # only the runs that drive
    assert "© OpenStreetMap contributors" in day_map
    rider_list = json.loads((out / "riders-C1.json").read_text(encoding="utf-8"))
    assert [a["rider_id"] for a in rider_list["absent"]] == ["R1"]


def test_bad_afbud_rows_are_all_reported(tmp_path: Path, network: Any) -> None:
    scenario = tiny_scenario()
    absences = tmp_path / "afbud.csv"
    absences.write_text("rider_id,start,end,reason\nR9,2026-03-02,,x\nR1,2. marts,,y\n",
                        encoding="utf-8")
    with pytest.raises(ScenarioErrors) as caught:
        run_day(scenario, network, tiny_plan(scenario, network), date(2026, 3, 2), absences,
                None, tmp_path / "out")
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "rider_id"), (3, "start")]
