"""The municipality's rules of the service: stored as a config entry (``rules``), set by the
scenario import (``[rules]`` in scenario.toml) or ``PUT /rules``.

The stored rules are the source of the afbud deadline and the long-absence threshold; the
settings (``SAMKORSEL_ABSENCE_DEADLINE``, ``SAMKORSEL_LONG_ABSENCE_DAYS``) are only the default
when no rules are stored (:func:`rules_in_force`). The rules are read once per unit of work (a
request): the parsed value is kept in the session's ``info`` and replaced by :func:`store_rules`,
so a ``PUT /rules`` is in force for the very next request. Nothing is cached across requests:
other processes (a second API worker, the job worker, a CLI import) may change the entry, and a
primary-key read of one small row costs less than a stale deadline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DbSession

from api.context import AppContext
from api.db import repo
from routing.municipality.rules import MunicipalityRules, RulesError, rules_from_mapping
from routing.operations.absences import AbsenceRules, DeadlineRule

CONFIG_KEY = "rules"
_MEMO = "samkorsel.municipal_rules"
"""Key of the request's parsed rules in ``Session.info`` (None: nothing stored)."""


def stored_rules(db: DbSession) -> MunicipalityRules | None:
    """The stored rules, or None when none are stored (read once per session)."""
    if _MEMO in db.info:
        memo: MunicipalityRules | None = db.info[_MEMO]
        return memo
    stored = repo.get_config(db, CONFIG_KEY)
    rules: MunicipalityRules | None = None
    if stored:
        try:
            rules = rules_from_mapping(stored)
        except RulesError:
            # Stored by an older version with another key set: the defaults rather than a 500.
            rules = None
    db.info[_MEMO] = rules
    return rules


def municipal_rules(db: DbSession, default: MunicipalityRules | None = None
                    ) -> MunicipalityRules:
    """The stored rules, or ``default`` (the built-in defaults when not given)."""
    rules = stored_rules(db)
    if rules is not None:
        return rules
    return default if default is not None else MunicipalityRules()


def rules_in_force(db: DbSession, context: AppContext) -> MunicipalityRules:
    """The stored rules, else the service's defaults from its settings."""
    return municipal_rules(db, context.default_rules)


def absence_rules_in_force(db: DbSession, context: AppContext) -> AbsenceRules:
    """The afbud deadline and long-absence threshold of the rules in force."""
    return absence_rules_of(rules_in_force(db, context))


def absence_rules_of(rules: MunicipalityRules) -> AbsenceRules:
    """``rules``' afbud deadline (time, working days before) and long-absence threshold."""
    return AbsenceRules(DeadlineRule(time_s=rules.afbud_deadline_s,
                                     working_days_before=rules.afbud_days_before),
                        max(1, rules.long_absence_days))


def store_rules(db: DbSession, rules: MunicipalityRules) -> None:
    repo.set_config(db, CONFIG_KEY, _mapping(rules))
    # The rest of this unit of work sees the new rules (the next one reads them anew).
    db.info[_MEMO] = rules_from_mapping(_mapping(rules))


def _mapping(rules: MunicipalityRules) -> dict[str, Any]:
    data = rules.to_dict()
    return {k: v for k, v in data.items() if v is not None and k != "preset"}
