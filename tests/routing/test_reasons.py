"""The catalogue of unserved reasons: English as stored, Danish for letters and pages."""

from __future__ import annotations

import pytest

from routing.planning.reasons import _TEMPLATES, danish, need_text, unserved_reason


def test_every_reason_has_a_danish_text_with_the_same_figures() -> None:
    figures = {"distance_m": "812", "limit_m": "500", "direct_min": "52", "limit_min": "45",
               "need": "2 seat(s)", "start": "07:40", "end": "09:05", "time": "09:00",
               "vehicles": "3"}
    for code, (english, _) in _TEMPLATES.items():
        used = {k: v for k, v in figures.items() if "{" + k + "}" in english}
        text = unserved_reason(code, **used)
        da = danish(text)
        assert da != text, code
        for key, value in used.items():
            assert (value if key != "need" else "2 siddepladser") in da, (code, key)


@pytest.mark.parametrize(("seats", "wheelchair", "escort", "expected"), [
    (1, False, False, "ingen vogn i flåden har en siddeplads"),
    (2, False, False, "ingen vogn i flåden har 2 siddepladser"),
    (1, True, False, "ingen vogn i flåden har kørestolsplads"),
    (1, True, True, "ingen vogn i flåden har kørestolsplads og plads til ledsageren"),
])
def test_needs_in_danish(seats: int, wheelchair: bool, escort: bool, expected: str) -> None:
    reason = unserved_reason("no_capable_vehicle", need=need_text(seats, wheelchair, escort))
    assert danish(reason) == expected


def test_stored_texts_of_earlier_plans_are_recognised() -> None:
    # Plans stored before the catalogue carry the same English texts.
    assert danish("direct trip 80 min > max 60 min") == \
        "den direkte tur tager 80 min; længste tilladte køretid er 60 min"
    assert danish("no vehicle with a wheelchair place available 07:10–08:50") == \
        "ingen vogn med kørestolsplads er ledig 07:10–08:50"


def test_other_texts_are_left_as_they_are() -> None:
    assert danish("Sygdom") == "Sygdom"
    assert danish("") == ""
