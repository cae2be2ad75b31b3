"""Turning results into what a person or a program reads: tables (see `tables`), CSV or JSON."""

from __future__ import annotations

import base64
import csv as csvlib
import shutil
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import typer

from warlog.cli import tables
from warlog.cli.terminal import shown

if TYPE_CHECKING:  # types only: the reading commands load neither `diff` nor `importer`
    from warlog.diff import Changes, DatesDiff, KnownDiff, PlaceDiff, Visible
    from warlog.importer import ImportResult
    from warlog.resolution import Rule
    from warlog.results import Change, Entry, LogEntry, PolicyView, State, Timeline


def json(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, csv: bool = False) -> None:
    """A table on stdout: folded to a terminal's width, plain in a pipe, or CSV when asked.

    The title says what the table is about (date, record time, options), so
    it goes to stderr with the other notes, and standard output holds only the
    header and the rows. Cells are escaped (`shown`) so that no control
    character from the archive reaches the terminal raw.
    """
    cells = [["" if cell is None else shown(str(cell)) for cell in row] for row in rows]
    if csv:
        _csv(columns, cells)
        return
    width = shutil.get_terminal_size().columns
    heading = shown(title)
    typer.echo("\n".join(tables.fold(heading, width)) if sys.stderr.isatty() else heading, err=True)
    header = [shown(c) for c in columns]
    on_terminal = sys.stdout.isatty()
    lines = tables.layout(header, cells, width) if on_terminal else tables.plain(header, cells)
    sys.stdout.write("\n".join(lines) + "\n")


def _csv(columns: Sequence[str], cells: list[list[str]]) -> None:
    """RFC 4180 CSV, cells a spreadsheet would run as formulas quoted, as the exports do."""
    from warlog.cells import neutralised

    writer = csvlib.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([neutralised(c) for c in row] for row in cells)


def names(values: Sequence[str]) -> str:
    return ", ".join(values)


def rule(r: Rule) -> str:
    window = "unlimited" if r.pressure_days is None else f"{r.pressure_days} days"
    return f"by {r.by}, dates {r.dates}, pressure {window}"


def state(result: State, *, csv: bool = False) -> None:
    table(
        f"State of control on {result.at}, as known at {result.known_at} ({rule(result.rule)})",
        ("place", "status", "controller", "contested by", "candidates", "since", "evidence to", "claims"),
        (
            (
                p.label,
                p.status,
                p.controller,
                names(p.contested_by),
                names(p.candidates),
                p.since,
                (p.evidence_to or "") + (" ~" if p.uncertain else ""),
                len(p.claims),
            )
            for p in result.places
        ),
        csv=csv,
    )
    if any(p.uncertain for p in result.places) and not csv:
        typer.echo("~ rests on a claim dated only to a month, a year or an interval", err=True)


def timeline(result: Timeline, *, csv: bool = False) -> None:
    table(
        f"{result.qualified}, as known at {result.known_at} ({rule(result.rule)})",
        ("from", "to", "status", "controller", "contested by", "candidates"),
        (
            (i.start, i.end or "…", i.status, i.controller, names(i.contested_by), names(i.candidates))
            for i in result.intervals
        ),
        csv=csv,
    )


def history(subject: str, changes: Sequence[Change], *, csv: bool = False) -> None:
    def shown(value: Any) -> str:
        if value is None:
            return "—"  # a field a correction cleared, or one the claim did not have
        return names(value) if isinstance(value, list) else str(value)

    def change(c: Change) -> str:
        after = c.after or {}
        if c.before is not None:  # notes and quotes hold commas: fields part on semicolons
            return "; ".join(f"{k}: {shown(c.before.get(k))} → {shown(after.get(k))}" for k in after)
        if c.kind == "reported":
            return f"{after['actor']} {after['status']} {after['place']} on {after['date']}"
        return "; ".join(f"{k}: {shown(v)}" for k, v in after.items())

    table(
        f"History of {subject}",
        ("position", "recorded at", "archivist", "kind", "claim", "reason", "change"),
        (
            (
                c.position,
                c.recorded_at,
                c.archivist,
                c.kind,
                (c.report if c.claim is None else f"{c.report}#{c.claim}") if c.report else "",
                c.reason,
                change(c),
            )
            for c in changes
        ),
        csv=csv,
    )


def log(entries: Iterable[LogEntry], *, csv: bool = False) -> None:
    table(
        "Log",
        ("position", "recorded at", "archivist", "event", "subject"),
        ((e.position, e.recorded_at, e.archivist, e.event, e.subject) for e in entries),
        csv=csv,
    )


def registry(title: str, entries: Sequence[Entry], *, csv: bool = False) -> None:
    columns = ("name", "aliases", *(entries[0].details if entries else ()))
    table(
        title,
        columns,
        (
            (e.name, names(e.aliases), *(names(v) if isinstance(v, list) else v for v in e.details.values()))
            for e in entries
        ),
        csv=csv,
    )


def plural(word: str, n: int) -> str:
    if n == 1:
        return word
    return word + ("es" if word.endswith("s") else "s")


def imported(result: ImportResult) -> None:
    def counts(counter: dict[str, int]) -> str:
        return ", ".join(f"{n} {plural(kind, n)}" for kind, n in counter.items())

    typer.echo(f"added: {counts(result.added) or 'nothing'}")
    if result.skipped:
        typer.echo(f"skipped, already present: {counts(result.skipped)}")


def visible(side: Visible | None) -> str:
    """One place's state in a cell: status, who holds or presses it, and since when."""
    if side is None:
        return "no claim"
    parts = [side.status]
    if side.controller is not None:
        parts.append(f"held by {side.controller}")
    if side.candidates:
        parts.append(f"claimed by {names(side.candidates)}")
    if side.contested_by:
        parts.append(f"pressed by {names(side.contested_by)}")
    return f"{', '.join(parts)} since {side.since}"


def known_diff(result: KnownDiff) -> None:
    table(
        f"Places on {result.at}: as known at {result.known_at} → as known at {result.vs}",
        ("place", "changed", "before", "after", "events"),
        (
            (
                c.diff.place,
                names(c.diff.changed),
                visible(c.diff.before),
                visible(c.diff.after),
                len(c.causes),
            )
            for c in result.places
        ),
    )
    if not result.places:
        typer.echo("no place's state on that day differs between the two record times", err=True)
        return
    table(
        "Events recorded in between that touched them",
        ("place", "position", "recorded at", "archivist", "kind", "claim", "reason"),
        (
            (c.diff.place, e.position, e.recorded_at, e.archivist, e.kind, f"{e.report}#{e.claim}", e.reason)
            for c in result.places
            for e in c.causes
        ),
    )


def dates_diff(result: DatesDiff) -> None:
    def arrow(field: str, d: PlaceDiff) -> str:
        old, new = (None if s is None else getattr(s, field) for s in (d.before, d.after))
        return f"{old or '—'} → {new or '—'}" if field in d.changed else str(new or "—")

    table(
        f"Changes of control from {result.start} to {result.end}, as known at {result.known_at}",
        ("place", "status", "controller", "since"),
        (
            (d.place, arrow("status", d), arrow("controller", d), "" if d.after is None else d.after.since)
            for d in result.places
        ),
    )
    if not result.places:
        typer.echo("no place changed status or controller between the two dates", err=True)


def changes(result: Changes) -> None:
    kinds = tuple(result.counts())
    window = f"from {result.since}" + (f" to {result.until}" if result.until else "")
    table(
        f"Recorded {window}, by archivist",
        ("archivist", *kinds, "total"),
        ((a.archivist, *(a.counts().get(k, 0) for k in kinds), len(a.events)) for a in result.archivists),
    )
    table(
        "What was recorded",
        ("position", "recorded at", "archivist", "kind", "claim", "place", "reason"),
        (
            (
                e.position,
                e.recorded_at,
                a.archivist,
                e.kind,
                f"{e.report}#{e.claim}" if e.report else "",
                e.place,
                e.reason,
            )
            for a in result.archivists
            for e in a.events
        ),
    )
    if not result.archivists:
        typer.echo("nothing was recorded in that window", err=True)


def verification(result: Any) -> None:
    for finding in result.findings:
        typer.echo(f"FAIL {shown(str(finding))}", err=True)
    for checked in result.checkpoints:
        state = "consistent" if checked["consistent"] else "NOT consistent"
        typer.echo(f"checkpoint {checked['file']} (size {checked['size']}): {state}")
    verdict = "ok" if result.ok else f"{len(result.findings)} problem(s)"
    root = base64.b64encode(result.root).decode()
    typer.echo(f"{verdict}: {result.size} events, {result.signed_events} signed, root (base64) {root}")


def policy(view: PolicyView) -> None:
    table(
        f"Policy as known at {view.known_at}",
        ("policy", "value"),
        ((name, "unlimited" if value is None else value) for name, value in view.values.items()),
    )
    if view.changes:
        table(
            "Changes",
            ("recorded at", "archivist", "policy", "value", "reason"),
            (
                (c.recorded_at, c.archivist, c.name, "unlimited" if c.value is None else c.value, c.reason)
                for c in view.changes
            ),
        )
    else:
        typer.echo("no policy was ever changed: these are the values a new archive starts with", err=True)
