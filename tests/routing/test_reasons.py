"""Unserved reasons: a code and figures, rendered in English (stored, the API) or Danish."""

from __future__ import annotations

import pickle

import pytest

from routing.model import Plan, Unserved
from routing.planning.plan_io import plan_from_dict, plan_to_dict
from routing.planning.reasons import (
    _ENGLISH,
    Reason,
    danish,
    need_code,
    reason_from_stored,
    unserved_reason,
)

FIGURES = {"distance_m": "812", "limit_m": "500", "direct_min": "52", "limit_min": "45",
           "need": "seats:2", "start": "07:40", "end": "09:05", "time": "09:00", "vehicles": "3"}


@pytest.mark.parametrize("code", [c for c in _ENGLISH if c != "text"])
def test_every_reason_renders_in_both_languages_with_the_same_figures(code: str) -> None:
    used = {k: v for k, v in FIGURES.items() if "{" + k + "}" in _ENGLISH[code]}
    reason = unserved_reason(code, **used)
    assert reason.code == code and dict(reason.figures) == used
    assert reason.danish() != str(reason)
    for key, value in used.items():
        assert (value if key != "need" else "2 seat(s)") in reason
        assert (value if key != "need" else "2 siddepladser") in reason.danish()
    # Old plans stored only the English text: it is recognised once, when read.
    assert reason_from_stored(str(reason)) == reason
    assert reason_from_stored(str(reason)).code == code


@pytest.mark.parametrize(("seats", "wheelchair", "escort", "expected"), [
    (1, False, False, "ingen vogn i flåden har en siddeplads"),
    (2, False, False, "ingen vogn i flåden har 2 siddepladser"),
    (1, True, False, "ingen vogn i flåden har kørestolsplads"),
    (1, True, True, "ingen vogn i flåden har kørestolsplads og plads til ledsageren"),
])
def test_needs_in_danish(seats: int, wheelchair: bool, escort: bool, expected: str) -> None:
    reason = unserved_reason("no_capable_vehicle", need=need_code(seats, wheelchair, escort))
    assert reason.danish() == expected


def test_stored_texts_of_earlier_plans_are_recognised() -> None:
    assert danish("direct trip 80 min > max 60 min") == \
        "den direkte tur tager 80 min; længste tilladte køretid er 60 min"
    assert danish("no vehicle with a wheelchair place available 07:10–08:50") == \
        "ingen vogn med kørestolsplads er ledig 07:10–08:50"


def test_other_texts_are_left_as_they_are() -> None:
    assert danish("Sygdom") == "Sygdom"
    assert danish("") == ""
    assert reason_from_stored("no vehicle in the fleet has a unicorn").code == "text"


def test_plans_store_the_code_and_figures_and_read_them_back() -> None:
    reason = unserved_reason("ride_too_long", direct_min=80, limit_min=60)
    plan = Plan(runs=(), unserved=(Unserved("R1", "mon", "S1", "to_centre", reason),))
    stored = plan_to_dict(plan)["unserved"][0]
    assert stored["reason"] == "direct trip 80 min > max 60 min"
    assert stored["reason_code"] == "ride_too_long"
    assert stored["reason_figures"] == {"direct_min": "80", "limit_min": "60"}
    back = plan_from_dict(plan_to_dict(plan)).unserved[0].reason
    assert isinstance(back, Reason) and back.code == "ride_too_long" and back == reason
    assert pickle.loads(pickle.dumps(reason)).danish() == reason.danish()
