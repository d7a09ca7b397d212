"""The municipality's rules of the service: stored as a config entry (``rules``), set by the
scenario import (``[rules]`` in scenario.toml) or ``PUT /rules``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.db import repo
from routing.municipality.rules import MunicipalityRules, RulesError, rules_from_mapping

CONFIG_KEY = "rules"


def municipal_rules(db: DbSession) -> MunicipalityRules:
    """The stored rules, or the defaults."""
    stored = repo.get_config(db, CONFIG_KEY)
    if not stored:
        return MunicipalityRules()
    try:
        return rules_from_mapping(stored)
    except RulesError:
        # Stored by an older version with another key set: the defaults rather than a 500.
        return MunicipalityRules()


def store_rules(db: DbSession, rules: MunicipalityRules) -> None:
    repo.set_config(db, CONFIG_KEY, _mapping(rules))


def _mapping(rules: MunicipalityRules) -> dict[str, Any]:
    data = rules.to_dict()
    return {k: v for k, v in data.items() if v is not None and k != "preset"}
