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


def test_rules_prints_a_preset_block(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rules", "--preset", "soenderborg"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[rules]\npreset = \"soenderborg\"")
    assert "grundlovsdag" not in result.output.split("closing_days")[1].split("\n")[0]
    out = tmp_path / "rules.toml"
    assert runner.invoke(app, ["rules", "--preset", "randers", "--out", str(out)]).exit_code == 0
    assert "Socialområdet" in out.read_text("utf-8")
    bad = runner.invoke(app, ["rules", "--preset", "aarhus"])
    assert bad.exit_code == 2 and "known: soenderborg" in bad.output


def test_closures_and_grants_of_the_scenario_hold_without_flags(
        small_dir: Path, tmp_path: Path) -> None:
    import dataclasses
    from datetime import date

    from routing.scenario.reader import load_scenario

    sc = load_scenario(small_dir)
    riders = tuple(dataclasses.replace(r, grant="reimbursement", grant_from=date(2026, 1, 1))
                   if r.rider_id == "R10" else r for r in sc.riders)
    scenario_dir = tmp_path / "sc"
    write_scenario(dataclasses.replace(sc, riders=riders), scenario_dir)
    (scenario_dir / "closures.csv").write_text(
        "centre_id,start,end,reason\n*,W42,W42,Efterårsferie\n", "utf-8")
    plan = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "--scenario", str(scenario_dir), "--out", str(plan)])
    assert result.exit_code == 0, result.output
    data = json.loads(plan.read_text("utf-8"))
    planned = {rid for run in data["runs"] for s in run["stops"] for rid in s["rider_ids"]}
    assert "R10" not in planned and "R01" in planned
    # Week 42 of 2026 and of 2027: closed, with no --closures flag.
    for monday in ("2026-10-12", "2027-10-18"):
        out = tmp_path / f"day-{monday}"
        result = runner.invoke(app, ["day", "--scenario", str(scenario_dir), "--plan", str(plan),
                                     "--date", monday, "--out", str(out)])
        assert result.exit_code == 0, result.output
        runs = json.loads((out / "runs.json").read_text("utf-8"))
        assert runs["runs"] == [], monday
    out = tmp_path / "day-open"
    result = runner.invoke(app, ["day", "--scenario", str(scenario_dir), "--plan", str(plan),
                                 "--date", "2026-10-19", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "runs.json").read_text("utf-8"))["runs"]
    manifests = " ".join(p.read_text("utf-8") for p in out.glob("manifest-*.json"))
    assert "R01" in manifests and "R10" not in manifests
    listing = runner.invoke(app, ["grants", "--scenario", str(scenario_dir), "--plan",
                                  str(plan), "--date", "2026-03-02", "--json"])
    assert listing.exit_code == 0, listing.output
    body = json.loads(listing.output)
    r10 = next(g for g in body["grants"] if g["rider_id"] == "R10")
    assert r10["grant"] == "reimbursement" and r10["rides"] is False
    assert body["awaiting_start"] == []
