"""The vehicle form's layout rows (api.web.layouts): what is kept, and the Danish error at
each row (no page, no browser)."""

from __future__ import annotations

from api.web.layouts import parse


def test_rows_in_order_removed_and_empty_rows_left_out() -> None:
    parsed = parse(["8", "6", "4", ""], ["2", "3", "0", ""], ["2"])
    assert parsed.ok and parsed.layouts == [(8, 2), (6, 3)]
    # The rows come back as typed (the removed one ticked) with one empty row to add one.
    assert [(r.pladser, r.koerestole, r.fjern) for r in parsed.rows] == [
        ("8", "2", False), ("6", "3", False), ("4", "0", True), ("", "", False)]


def test_a_removed_standard_makes_the_next_layout_the_standard() -> None:
    parsed = parse(["8", "6"], ["2", "3"], ["0"])
    assert parsed.layouts == [(6, 3)]
    assert parsed.rows[-1].pladser == ""  # an empty row was added


def test_errors_belong_to_their_row() -> None:
    parsed = parse(["8", "0", "x", "8", ""], ["2", "0", "1", "2", "30"], [])
    assert not parsed.ok and parsed.layouts == []
    assert [bool(r.error) for r in parsed.rows] == [False, True, True, True, True, False]
    assert "mindst én plads" in parsed.rows[1].error
    assert "helt tal" in parsed.rows[2].error
    assert "står der allerede" in parsed.rows[3].error
    assert "fra 0 til 20" in parsed.rows[4].error  # 30 wheelchair places


def test_at_least_one_layout_must_remain() -> None:
    parsed = parse(["8", ""], ["2", ""], ["0"])
    assert not parsed.ok and "mindst én indretning" in parsed.error
    assert not parse([], [], []).ok
