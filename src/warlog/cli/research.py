"""Commands for researchers: the state of control at any date, timelines, the registries."""

from __future__ import annotations

from typing import Annotated

import typer

from warlog.cli import render
from warlog.cli.options import (
    By,
    DatesBound,
    Db,
    Json,
    KnownAt,
    MinCredibility,
    MinReliability,
    PressureDays,
    day,
    grades,
    open_existing,
    rule_options,
    timestamp,
    user_errors,
)

app = typer.Typer()


@app.command()
@user_errors
def state(
    at: Annotated[
        str | None, typer.Option("--at", metavar="DATE", help="Valid date YYYY-MM-DD. [default: today]")
    ] = None,
    known_at: KnownAt = None,
    place: Annotated[
        str | None,
        typer.Option(help="Only this place (name or alias; NAME, PARENT where the name is shared)."),
    ] = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates: DatesBound = "latest",
    pressure_days: PressureDays = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Who controlled each place on a date, as the archive knew it at a record time."""
    reliability, credibility = grades(min_reliability, min_credibility)
    options = rule_options(by, dates, pressure_days)
    result = open_existing(db).state(
        at=day(at, "--at"),
        known_at=timestamp(known_at, "--known-at"),
        place=place,
        min_reliability=reliability,
        min_credibility=credibility,
        **options,
    )
    render.json(result.to_dict()) if json else render.state(result)


@app.command()
@user_errors
def timeline(
    place: Annotated[str, typer.Argument(help="Place name or alias.")],
    known_at: KnownAt = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates: DatesBound = "latest",
    pressure_days: PressureDays = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """The intervals of one place's state over valid time."""
    reliability, credibility = grades(min_reliability, min_credibility)
    result = open_existing(db).timeline(
        place,
        known_at=timestamp(known_at, "--known-at"),
        min_reliability=reliability,
        min_credibility=credibility,
        **rule_options(by, dates, pressure_days),
    )
    render.json(result.to_dict()) if json else render.timeline(result)


@app.command()
@user_errors
def places(db: Db = None, json: Json = False) -> None:
    """The gazetteer: every place with its aliases, kind, coordinates and parent."""
    archive = open_existing(db)
    entries = archive.registry_entries(archive.places())
    render.json([e.to_dict() for e in entries]) if json else render.registry("Places", entries)


@app.command()
@user_errors
def actors(db: Db = None, json: Json = False) -> None:
    """The actors with their aliases and what they are part of."""
    archive = open_existing(db)
    entries = archive.registry_entries(archive.actors())
    render.json([e.to_dict() for e in entries]) if json else render.registry("Actors", entries)
