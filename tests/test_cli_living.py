"""``samkorsel insert | remove | change | reoptimise`` over real files: options printed, the new
plan written only when it passes verification, notifications CSV, exit codes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from demo_subsets import monday_demo
from typer.testing import CliRunner

from api.cli import app
from routing.network.roads import RoadNetwork
from routing.params import PlanParams
from routing.planning.plan_io import read_plan, write_plan
from routing.planning.planner import build_plan
from routing.scenario.reader import write_scenario

FAST = PlanParams(solution_limit=20, time_limit_s=20)
runner = CliRunner()


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory,
         samso_network: RoadNetwork) -> tuple[Path, Path, Path]:
    """A Monday scenario of 10 riders, its plan without rider R04, and the scenario without
    R04 (which the plan serves completely)."""
    full = monday_demo("cli-living", params=FAST)
    out = tmp_path_factory.mktemp("living")
    write_scenario(full, out / "scenario")
    without = dataclasses.replace(full, riders=tuple(r for r in full.riders if r.rider_id != "R04"))
    write_scenario(without, out / "reduced")
    write_plan(build_plan(without, samso_network, FAST), out / "plan.json")
    return out / "scenario", out / "plan.json", out / "reduced"


def test_insert_writes_a_verified_plan_and_notifications(dirs: tuple[Path, Path, Path],
                                                         tmp_path: Path) -> None:
    scenario, plan, _reduced = dirs
    out, csv_path = tmp_path / "new.json", tmp_path / "changes.csv"
    result = runner.invoke(app, ["insert", "--plan", str(plan), "--scenario", str(scenario),
                                 "--rider", "R04", "--out", str(out),
                                 "--notifications", str(csv_path)])
    assert result.exit_code == 0, result.output
    assert "Insertion options" in result.output and "keeping every other" in result.output
    assert "OK" in result.output
    new = read_plan(out)
    assert any("R04" in r.rider_ids for r in new.runs)
    text = csv_path.read_text(encoding="utf-8")
    assert text.startswith("\ufeffrecipient_type;recipient_id")
    assert "R04" in text
    verify = runner.invoke(app, ["verify", str(out), "--scenario", str(scenario)])
    assert verify.exit_code == 0, verify.output


def test_insert_dry_run_and_choose(dirs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    scenario, plan, _reduced = dirs
    out = tmp_path / "x.json"
    dry = runner.invoke(app, ["insert", "--plan", str(plan), "--scenario", str(scenario),
                              "--rider", "R04", "--out", str(out), "--dry-run"])
    assert dry.exit_code == 0 and not out.exists()
    bad = runner.invoke(app, ["insert", "--plan", str(plan), "--scenario", str(scenario),
                              "--rider", "R04", "--choose", "99", "--out", str(out)])
    assert bad.exit_code == 2 and "--choose 99" in bad.output and not out.exists()
    second = runner.invoke(app, ["insert", "--plan", str(plan), "--scenario", str(scenario),
                                 "--rider", "R04", "--choose", "2", "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert out.exists()


def test_insert_unknown_or_planned_rider_exits_2(dirs: tuple[Path, Path, Path]) -> None:
    scenario, plan, _reduced = dirs
    for rider in ("NOBODY", "R01"):
        result = runner.invoke(app, ["insert", "--plan", str(plan), "--scenario", str(scenario),
                                     "--rider", rider])
        assert result.exit_code == 2
        assert rider in result.output


def test_remove_moves_nobody(dirs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _scenario, plan, reduced = dirs
    out, csv_path = tmp_path / "removed.json", tmp_path / "removed.csv"
    result = runner.invoke(app, ["remove", "--plan", str(plan), "--scenario", str(reduced),
                                 "--rider", "R01", "--out", str(out),
                                 "--notifications", str(csv_path)])
    assert result.exit_code == 0, result.output
    assert "nobody else's time moves" in result.output
    rows = csv_path.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[1:]
    riders = {r.split(";")[1] for r in rows if r.startswith("rider;")}
    assert riders == {"R01"}
    data = json.loads(out.read_text(encoding="utf-8"))
    assert all("R01" not in s["rider_ids"] for r in data["runs"] for s in r["stops"])


def test_remove_bad_weekday_exits_2(dirs: tuple[Path, Path, Path]) -> None:
    scenario, plan, _reduced = dirs
    result = runner.invoke(app, ["remove", "--plan", str(plan), "--scenario", str(scenario),
                                 "--rider", "R01", "--weekday", "someday"])
    assert result.exit_code == 2 and "--weekday" in result.output


def test_reoptimise_respects_budget(dirs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _scenario, plan, reduced = dirs
    out = tmp_path / "better.json"
    result = runner.invoke(app, ["reoptimise", "--plan", str(plan), "--scenario", str(reduced),
                                 "--max-moved", "0", "--max-shift", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "moves 0 rider(s)' agreed times (budget 0)" in result.output
    from api.plans.diff import pickup_changes

    assert pickup_changes(read_plan(plan), read_plan(out)) == []

