"""Commands for researchers: the state of control at any date, timelines, the registries."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warlog.cli import explain, render
from warlog.cli.options import (
    By,
    Csv,
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
        typer.Option(
            metavar="NAME", help="Only this place (name or alias; NAME, PARENT where the name is shared)."
        ),
    ] = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates: DatesBound = "latest",
    pressure_days: PressureDays = None,
    db: Db = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Who controlled each place on a date, as the archive knew it at a record time.

    With no place, every place with a claim dated on or before the date; an
    empty answer says why on stderr (nothing recorded yet at that record time,
    no claim about the place, none dated early enough).
    """
    reliability, credibility = grades(min_reliability, min_credibility)
    options = rule_options(by, dates, pressure_days)
    filters: dict[str, Any] = {"min_reliability": reliability, "min_credibility": credibility}
    archive = open_existing(db)
    result = archive.state(
        at=day(at, "--at"), known_at=explain.known_at(known_at), place=place, **filters, **options
    )
    render.json(result.to_dict()) if json else render.state(result, csv=csv)
    if not result.places:
        explain.empty_state(archive, result, place, **filters, **options)


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
    csv: Csv = False,
) -> None:
    """The intervals of one place's state over valid time; the last is open ("…").

    An empty answer says why on stderr.
    """
    reliability, credibility = grades(min_reliability, min_credibility)
    filters: dict[str, Any] = {"min_reliability": reliability, "min_credibility": credibility}
    options = rule_options(by, dates, pressure_days)
    archive = open_existing(db)
    result = archive.timeline(place, known_at=explain.known_at(known_at), **filters, **options)
    render.json(result.to_dict()) if json else render.timeline(result, csv=csv)
    if not result.intervals:
        explain.empty_timeline(archive, result, **filters, **options)


@app.command()
@user_errors
def places(db: Db = None, json: Json = False, csv: Csv = False) -> None:
    """The gazetteer: every place with its aliases, kind, coordinates and parent."""
    archive = open_existing(db)
    entries = archive.registry_entries(archive.places())
    render.json([e.to_dict() for e in entries]) if json else render.registry("Places", entries, csv=csv)


@app.command()
@user_errors
def actors(db: Db = None, json: Json = False, csv: Csv = False) -> None:
    """The actors with their aliases and what they are part of."""
    archive = open_existing(db)
    entries = archive.registry_entries(archive.actors())
    render.json([e.to_dict() for e in entries]) if json else render.registry("Actors", entries, csv=csv)
