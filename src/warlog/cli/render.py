"""Turning results into what a person or a program reads: rich tables or JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from warlog.importer import ImportResult
from warlog.results import Change, Entry, LogEntry, State, Timeline

console = Console(highlight=False, soft_wrap=False)


def json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(grid)


def names(values: Sequence[str]) -> str:
    return ", ".join(values)


def state(result: State) -> None:
    table(
        f"State of control on {result.at}, as known at {result.known_at}",
        ("place", "status", "controller", "contested by", "candidates", "since", "claims"),
        ((p.place, p.status, p.controller, names(p.contested_by), names(p.candidates), p.since,
          len(p.claims)) for p in result.places),
    )
    if not result.places:
        typer.echo("no place has a claim dated on or before that day", err=True)


def timeline(result: Timeline) -> None:
    table(
        f"{result.place}, as known at {result.known_at}",
        ("from", "to", "status", "controller", "contested by", "candidates"),
        ((i.start, i.end or "…", i.status, i.controller, names(i.contested_by),
          names(i.candidates)) for i in result.intervals),
    )


def history(subject: str, changes: Sequence[Change]) -> None:
    def change(c: Change) -> str:
        after = c.after or {}
        if c.before is not None:
            return ", ".join(f"{k}: {c.before.get(k)} → {after.get(k)}" for k in after)
        if c.kind == "reported":
            return f"{after['actor']} {after['status']} {after['place']} on {after['date']}"
        return ", ".join(f"{k}={v}" for k, v in after.items())

    table(
        f"History of {subject}",
        ("position", "recorded at", "archivist", "kind", "claim", "reason", "change"),
        ((c.position, c.recorded_at, c.archivist, c.kind,
          f"{c.report}#{c.claim}" if c.report else "", c.reason, change(c)) for c in changes),
    )


def log(entries: Iterable[LogEntry]) -> None:
    table("Log", ("position", "recorded at", "archivist", "event", "subject"),
          ((e.position, e.recorded_at, e.archivist, e.event, e.subject) for e in entries))


def registry(title: str, entries: Sequence[Entry]) -> None:
    columns = ("name", "aliases", *(entries[0].details if entries else ()))
    table(title, columns, ((e.name, names(e.aliases), *e.details.values()) for e in entries))


def imported(result: ImportResult) -> None:
    def counts(counter: dict[str, int]) -> str:
        return ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in counter.items())

    typer.echo(f"added: {counts(result.added) or 'nothing'}")
    if result.skipped:
        typer.echo(f"skipped, already present: {counts(result.skipped)}")
