"""The command line's erasure and purge (registered as commands in :mod:`api.cli`)."""

from __future__ import annotations

from typing import Any

from api.auth import Principal


def _context() -> Any:
    from api.context import AppContext, NetworkCache
    from api.db.database import Database, upgrade_database
    from api.settings import Settings

    settings = Settings()
    upgrade_database(settings.database_url)
    return AppContext(settings=settings, database=Database(settings.database_url),
                      networks=NetworkCache(settings))


COMMAND_LINE = Principal(user_id=0, role="coordinator", name="command line")
"""The command line acts with a coordinator's rights; its audit entries carry user id 0."""


def erase_rider(rider_id: str) -> dict[str, Any]:
    """Erase a rider in the database of ``SAMKORSEL_DATABASE_URL``; the report as a dict."""
    import dataclasses

    from api.privacy import service

    context = _context()
    try:
        with context.database.unit_of_work() as db:
            report = service.erase_rider(db, COMMAND_LINE, context, rider_id)
        return dataclasses.asdict(report)
    finally:
        context.database.dispose()


def purge() -> dict[str, Any]:
    """Apply the retention periods to the database of ``SAMKORSEL_DATABASE_URL``."""
    import dataclasses

    from api.privacy import service

    context = _context()
    try:
        with context.database.unit_of_work() as db:
            report = service.purge(db, COMMAND_LINE, context)
        return dataclasses.asdict(report)
    finally:
        context.database.dispose()
