"""Commands for auditors: what was recorded, by whom, when, and why it changed."""

from __future__ import annotations

from typing import Annotated

import typer

from warlog.cli import render
from warlog.cli.options import Db, Json, open_existing, timestamp, user_errors

app = typer.Typer()
Since = Annotated[str | None, typer.Option(metavar="TIMESTAMP", help="From this record time.")]
Until = Annotated[str | None, typer.Option(metavar="TIMESTAMP", help="Before this record time.")]


@app.command()
@user_errors
def history(
    subject: Annotated[str, typer.Argument(metavar="PLACE|REPORT", help="A place or a report id.")],
    since: Since = None, until: Until = None,
    db: Db = None, json: Json = False,
) -> None:
    """Every event that touched a place or a report, with corrections' before and after."""
    changes = open_existing(db).history(
        subject, since=timestamp(since, "--since"), until=timestamp(until, "--until")
    )
    if json:
        render.json({"subject": subject, "events": [c.to_dict() for c in changes]})
    else:
        render.history(subject, changes)


@app.command()
@user_errors
def log(
    since: Since = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many events.")] = None,
    db: Db = None, json: Json = False,
) -> None:
    """The append-only log itself, with positions."""
    entries = list(open_existing(db).log(since=timestamp(since, "--since"), limit=limit))
    render.json({"events": [e.to_dict() for e in entries]}) if json else render.log(entries)


@app.command()
@user_errors
def rebuild(db: Db = None) -> None:
    """Drop the read model and project it again from the log."""
    count = open_existing(db).rebuild()
    typer.echo(f"read model rebuilt from {count} events")
