"""Plan parameters are parsed from stored documents in one place."""

from __future__ import annotations

import pytest

from routing.errors import PlanFormatError
from routing.params import PlanParams, plan_params_from_stored, plan_params_to_stored
from routing.planning.plan_io import SCHEMA, plan_from_dict


def test_stored_params_round_trip_and_ignore_unknown_keys() -> None:
    params = PlanParams(consistency_s=None, detour_factor=1.4, seed=3, time_limit_s=2.5)
    stored = plan_params_to_stored(params)
    assert plan_params_from_stored(stored) == params
    # A plan job's request carries more than the parameters (e.g. the plan it re-optimises).
    assert plan_params_from_stored({**stored, "reoptimise": {"plan_id": 4}}) == params


def test_missing_params_are_the_defaults() -> None:
    assert plan_params_from_stored(None) == PlanParams()
    assert plan_params_from_stored({"seed": 5}) == PlanParams(seed=5)


def test_plan_documents_carry_typed_params() -> None:
    old = plan_from_dict({"schema": SCHEMA, "runs": [], "unserved": []})
    assert old.params == PlanParams()
    assert plan_from_dict({"schema": SCHEMA, "params": {"snap_max_m": 250.0}}).params \
        .snap_max_m == 250.0
    with pytest.raises(PlanFormatError, match="params"):
        plan_from_dict({"schema": SCHEMA, "params": [1, 2]})


def test_between_runs_from_the_plan_table() -> None:
    from routing.params import plan_params_from_mapping

    assert PlanParams().between_runs == "centre"
    assert plan_params_from_mapping({"between_runs": "depot"}).between_runs == "depot"
    with pytest.raises(ValueError, match="between_runs"):
        plan_params_from_mapping({"between_runs": "garage"})
    # Plans stored before the field existed read as the default.
    assert plan_params_from_stored({"day_model": "auto"}).between_runs == "centre"
    assert plan_params_from_stored(plan_params_to_stored(
        PlanParams(between_runs="depot"))).between_runs == "depot"
