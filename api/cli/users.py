"""``samkorsel create-user``: the first coordinator and other users from the command line.

With ``--password-stdin`` the user is a person who logs in to the web pages with NAME as
username and the password read from standard input (never from an argument, which other users
of the machine could read in the process list); without it the command prints a new API key
for a machine client, as before.
"""

from __future__ import annotations

import sys
from typing import Annotated, TextIO

import typer

from api.cli.common import console, fail


def read_password(stream: TextIO | None = None) -> str:
    """The password on standard input: its first line without the line ending."""
    text = (stream or sys.stdin).readline()
    return text.rstrip("\r\n")


def create_user_cmd(
    name: Annotated[str, typer.Argument(
        help="Username (with --password-stdin) or the name of the API key's holder.")],
    role: Annotated[str, typer.Option(help="coordinator, centre or driver.")] = "coordinator",
    centre: Annotated[list[str] | None, typer.Option(help="Centre id (role centre).")] = None,
    vehicle: Annotated[str | None, typer.Option(help="Vehicle id (role driver).")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the person's password from standard input (first "
        "line) and create a web login instead of an API key.")] = False,
) -> None:
    """Create a user: a person with a password (--password-stdin) or an API key (printed once).
    The first user is a coordinator."""
    from api.auth import create_person, create_user
    from api.settings import Settings

    url = Settings().database_url
    centres = tuple(centre or ())
    try:
        if password_stdin:
            password = read_password()
            user_id = create_person(url, name, password, role, centres, vehicle)
            console.print(f"created {role} {name.strip().lower()!r} (user {user_id}); "
                          f"log in at /web/login with this username and password")
            return
        token = create_user(url, name, role, centres, vehicle)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    console.print(f"created {role} {name!r}; API token (store it now, it is not shown again):")
    typer.echo(token)
