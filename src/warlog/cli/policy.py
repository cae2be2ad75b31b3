"""The archive's policy: how claims are resolved, shown and changed as recorded events."""

from __future__ import annotations

from typing import Annotated

import typer

from warlog.cli import explain, render
from warlog.cli.options import (
    Archivist,
    Db,
    Json,
    KnownAt,
    archivist_name,
    days,
    open_existing,
    user_errors,
    write,
)

app = typer.Typer(
    help="Show the archive's policy and its history, or change it.", invoke_without_command=True
)


@app.callback()
@user_errors
def show(
    ctx: typer.Context,
    known_at: KnownAt = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """The policy in force (as known at a record time) and every change to it.

    Example: warlog policy --known-at 2024-12-08T12:00:00Z
    """
    if ctx.invoked_subcommand is not None:
        return
    view = open_existing(db).policy(explain.known_at(known_at))
    render.json(view.to_dict()) if json else render.policy(view)


@app.command("set")
@user_errors
def set_(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The policy: pressure-days.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="Days (1 or more), or unlimited.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it changes.")],
    archivist: Archivist = None,
    db: Db = None,
) -> None:
    """Change a policy from now on; answers as known before the change stay as they were.

    Example: warlog policy set pressure-days 30 --reason "sieges here last for months"
    """
    window = days(value, "VALUE")
    who = archivist_name(archivist)
    write(db, lambda archive: archive.set_policy(name, window, reason, who))
    typer.echo(f"policy {name} is now {value.strip()}, from this record time on")
