"""``samkorsel bench --search``: a wrong value is refused before anything runs."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app


def test_bench_refuses_an_unknown_search_with_exit_code_2() -> None:
    result = CliRunner().invoke(app, ["bench", "--sets", "darp", "--search", "tabu"])
    assert result.exit_code == 2
    assert "lns or gls" in result.output
    assert "Standard benchmarks" not in result.output  # nothing was solved
