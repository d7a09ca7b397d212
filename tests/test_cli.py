"""The ``samkorsel`` command line over real files: plan → verify, bad input, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from demo_subsets import monday_demo
from typer.testing import CliRunner

from api.cli import app
from routing.scenario.reader import write_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    small = monday_demo("cli-small")
    out = tmp_path_factory.mktemp("scenario")
    write_scenario(small, out)
    return out


@pytest.fixture(scope="module")
def plan_file(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = runner.invoke(app, ["plan", "--scenario", str(small_dir), "--out", str(out),
                                 "--geojson", str(out.with_suffix(".geojson"))])
    assert result.exit_code == 0, result.output
    return out


def test_plan_writes_schema_and_geojson(plan_file: Path) -> None:
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    assert data["schema"] == "samkorsel.plan/1"
    assert data["runs"] and data["kpis"]["trips_served"] == 20
    geo = json.loads(plan_file.with_suffix(".geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection" and geo["features"]


def test_verify_accepts_the_plan(plan_file: Path, small_dir: Path) -> None:
    result = runner.invoke(app, ["verify", str(plan_file), "--scenario", str(small_dir)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_verify_rejects_a_tampered_plan(plan_file: Path, small_dir: Path, tmp_path: Path) -> None:
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    stop = next(s for r in data["runs"] for s in r["stops"] if s["kind"] == "pickup")
    stop["agreed"] = "07:01:00"  # off the grid and before the vehicle arrives
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(bad), "--scenario", str(small_dir)])
    assert result.exit_code == 1
    assert "agreed_not_on_grid" in result.output


def test_bad_scenario_exits_2_naming_file_row_column(small_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in small_dir.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    lines = (broken / "sessions.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("mon", "someday")
    (broken / "sessions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "--scenario", str(broken), "--out", str(out)])
    assert result.exit_code == 2
    assert "sessions.csv" in result.output and "row 2" in result.output
    assert "weekday" in result.output
    assert not out.exists()


def test_verify_rejects_a_non_plan_file(small_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"schema": "something/else"}', encoding="utf-8")
    result = runner.invoke(app, ["verify", str(other), "--scenario", str(small_dir)])
    assert result.exit_code == 2
    assert "samkorsel.plan/1" in result.output


def test_network_by_unknown_place_exits_2_with_the_reason(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    import osmnx as ox

    def graph_from_place(place: str, **kwargs: object) -> object:
        raise ValueError(f"Nominatim could not geocode query {place!r}")

    monkeypatch.setattr(ox, "graph_from_place", graph_from_place)
    result = runner.invoke(app, ["network", "--place", "Atlantis"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "place 'Atlantis'" in output and "could not geocode" in output
