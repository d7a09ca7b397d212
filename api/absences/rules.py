"""The service's afbud rules from its settings, for every domain that derives a date's runs
(routes of absences, manifests and the web pages; the warm-up): not in a routes module, which
other domains may not import."""

from __future__ import annotations

from api.absences.service import AbsenceRules, rules_from
from api.context import AppContext


def absence_rules(context: AppContext) -> AbsenceRules:
    s = context.settings
    return rules_from(s.absence_deadline, s.long_absence_days)
