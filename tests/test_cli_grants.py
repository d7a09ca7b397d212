"""``samkorsel reimburse``, ``rules``, ``grants`` and ``day`` with the scenario's own closures."""

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
    out = tmp_path_factory.mktemp("scenario")
    write_scenario(monday_demo("cli-grants"), out)
    return out


@pytest.fixture(scope="module")
def plan_file(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = runner.invoke(app, ["plan", "--scenario", str(small_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_reimburse_grants_nothing_without_the_centre(small_dir: Path, plan_file: Path) -> None:
    result = runner.invoke(app, ["reimburse", "--scenario", str(small_dir), "--rider", "R10",
                                 "--plan", str(plan_file), "--json"])
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["outcome"] == "shared_ride" and decision["per_week_ore"] == 0


def test_reimburse_with_the_centres_assessment(small_dir: Path) -> None:
    args = ["reimburse", "--scenario", str(small_dir), "--rider", "R10",
            "--centre-assessment", "Kan ikke rumme turen med andre"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--assessed-by" in result.output
    result = runner.invoke(app, [*args, "--assessed-by", "Lone K.", "--assessed-on",
                                 "2026-02-02"])
    assert result.exit_code == 0, result.output
    assert "Du får befordringsgodtgørelse" in result.output and "Lone K." in result.output
    result = runner.invoke(app, [*args, "--assessed-by", "Lone K.", "--assessed-on", "2/2"])
    assert result.exit_code == 2


def test_reimburse_lists_candidates_without_a_rider(small_dir: Path, plan_file: Path) -> None:
    result = runner.invoke(app, ["reimburse", "--scenario", str(small_dir), "--plan",
                                 str(plan_file), "--json"])
    assert result.exit_code == 0, result.output
    for c in json.loads(result.output):
        assert c["text_da"].startswith("Overvej en vurdering")
    result = runner.invoke(app, ["reimburse", "--scenario", str(small_dir)])
    assert result.exit_code == 2
