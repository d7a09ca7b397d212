"""``erase-rider`` and ``purge``: erasure and retention from the command line (the logic is in
:mod:`api.privacy`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api.cli.common import fail


def erase_rider_cmd(
    rider_id: Annotated[str, typer.Argument(help="The rider's id.")],
) -> None:
    """Erase a rider's personal data everywhere, keeping ids and counts (see api.privacy)."""
    # SQLAlchemy and pydantic-settings: lazy, they would add 0.6 s to every other command.
    from api.errors import ApiError
    from api.privacy.cli import erase_rider

    try:
        typer.echo(json.dumps(erase_rider(rider_id)))
    except ApiError as exc:
        raise fail(exc.detail) from exc


def purge() -> None:
    """Delete what is older than its retention period (SAMKORSEL_RETENTION_*)."""
    from api.privacy.cli import purge as run_purge

    typer.echo(json.dumps(run_purge()))
