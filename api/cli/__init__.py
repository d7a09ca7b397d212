"""The ``samkorsel`` command line: demo, plan, verify, bench, serve and the daily tools.

One module per command group: :mod:`~api.cli.plan` (plan, verify), :mod:`~api.cli.living`
(insert, remove, change, reoptimise), :mod:`~api.cli.day` (day), :mod:`~api.cli.reimburse`,
:mod:`~api.cli.grants` (grants, rules),
:mod:`~api.cli.service` (serve, demo, network), :mod:`~api.cli.users` (create-user),
:mod:`~api.cli.worker` (worker), :mod:`~api.cli.privacy` (erase-rider, purge) and
:mod:`~api.cli.bench`; the shared console, error exit and loaders are in :mod:`~api.cli.common`.

Exit codes: 0 success; 1 the check failed (``verify`` found violations); 2 bad input (the
message names the file, row and column or the option at fault).
"""

from __future__ import annotations

import logging

import typer

from api.cli import (
    bench,
    day,
    grants,
    living,
    plan,
    privacy,
    reimburse,
    service,
    users,
    worker,
)

app = typer.Typer(
    name="samkorsel",
    help="Samkørsel: fixed shared routes to activity and day centres (Serviceloven § 104).",
    no_args_is_help=True,
    add_completion=False,
)

# Registered here, in the order ``--help`` lists them.
app.command()(plan.plan)
app.command()(plan.verify)
app.command()(bench.bench)
app.command()(service.serve)
app.command("worker")(worker.worker)
app.command("create-user")(users.create_user_cmd)
app.command("erase-rider")(privacy.erase_rider_cmd)
app.command()(privacy.purge)
app.command()(service.network)
app.command()(reimburse.reimburse)
app.command()(grants.grants)
app.command()(grants.rules)
app.command()(day.day)
app.command()(service.demo)
app.command()(living.insert)
app.command()(living.remove)
app.command()(living.change)
app.command()(living.reoptimise)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
