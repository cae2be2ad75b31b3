"""Commands for auditors: what was recorded, by whom, when, and why it changed."""

from __future__ import annotations

from typing import Annotated

import typer

from warlog.cli import explain, render
from warlog.cli.options import (
    By,
    Csv,
    DatesBound,
    Db,
    Json,
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
from warlog.cli.terminal import shown
from warlog.errors import WarlogError

app = typer.Typer()
Since = Annotated[str | None, typer.Option(metavar="TIMESTAMP", help="From this record time.")]
Until = Annotated[str | None, typer.Option(metavar="TIMESTAMP", help="Before this record time.")]


@app.command()
@user_errors
def history(
    subject: Annotated[str, typer.Argument(metavar="PLACE|REPORT", help="A place or a report id.")],
    since: Since = None,
    until: Until = None,
    db: Db = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """Every event that touched a place or a report, with corrections' before and after.

    An empty answer (a record-time window with no changes) says why on stderr.
    """
    archive = open_existing(db)
    start, end = timestamp(since, "--since"), timestamp(until, "--until")
    changes = archive.history(subject, since=start, until=end)
    subject = archive.view.lookup_name("place", subject) or subject
    if json:
        render.json({"subject": subject, "events": [c.to_dict() for c in changes]})
    else:
        render.history(subject, changes, csv=csv)
    if not changes:
        explain.empty_history(archive, subject, start, end)


@app.command()
@user_errors
def log(
    since: Since = None,
    limit: Annotated[
        int | None, typer.Option(metavar="N", help="At most this many events (1 or more).")
    ] = None,
    db: Db = None,
    json: Json = False,
    csv: Csv = False,
) -> None:
    """The append-only log itself, with positions."""
    if limit is not None and limit < 1:  # a usage error, as a limit that is not a number is
        raise typer.BadParameter(f"{limit} is not a number of events; give 1 or more", param_hint="'--limit'")
    archive, start = open_existing(db), timestamp(since, "--since")
    entries = list(archive.log(since=start, limit=limit))
    render.json({"events": [e.to_dict() for e in entries]}) if json else render.log(entries, csv=csv)
    if not entries:
        explain.empty_log(archive, start)


@app.command()
@user_errors
def rebuild(
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Rebuild even over a log that fails verification (the findings are "
            "kept, and 'warlog verify' goes on reporting them).",
        ),
    ] = False,
    db: Db = None,
) -> None:
    """Drop the read model and project it again from the log, once the log verifies."""
    # Verifying needs the signatures' library; the reading commands here do not load it.
    from warlog import integrity
    from warlog.audit import ledger
    from warlog.cli.progress import bar

    archive = open_existing(db)
    with bar("verifying the log", archive.recorder.max_notification_id()) as advance:
        checked = ledger.verify(archive, [], None, advance, read_model=False)
    blocking = [f for f in checked.findings if f.part != "read model"]
    if blocking and not force:
        for finding in blocking:
            typer.echo(f"FAIL {shown(str(finding))}", err=True)
        raise WarlogError(
            f"the log fails verification ({len(blocking)} problem(s), see above); a rebuild "
            "would record it as it is now and hide that; find out what happened, or rebuild "
            "anyway with --force"
        )
    new = [(f.position, f.message) for f in blocking if f.part == "log"]
    if new:
        integrity.record_forced_rebuild(archive.view, new)
        typer.echo(
            f"warning: rebuilding over {len(new)} verification problem(s); "
            "'warlog verify' will go on reporting them",
            err=True,
        )
    with bar("rebuilding", archive.recorder.max_notification_id()) as advance:
        count = archive.rebuild(advance)
    typer.echo(f"read model rebuilt from {count} events")


At = Annotated[
    str | None,
    typer.Option("--at", metavar="DATE", help="Compare the world on this date as known at two record times."),
]
DiffKnownAt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        metavar="TIMESTAMP",
        help="Record time: with --at the earlier picture; with --from both. [default: now]",
    ),
]
Vs = Annotated[
    str | None,
    typer.Option("--vs", metavar="TIMESTAMP", help="With --at: the later record time. [default: now]"),
]
From = Annotated[
    str | None,
    typer.Option("--from", metavar="DATE", help="Compare the world on this date with the world on --to."),
]
To = Annotated[
    str | None, typer.Option("--to", metavar="DATE", help="With --from: the other date. [default: today]")
]
Place = Annotated[str | None, typer.Option(metavar="NAME", help="Only this place (name or alias).")]


@app.command()
@user_errors
def diff(
    at: At = None,
    known_at: DiffKnownAt = None,
    vs: Vs = None,
    start: From = None,
    end: To = None,
    place: Place = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates_: DatesBound = "latest",
    pressure_days: PressureDays = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """How the picture changed: between two record times (with the events that changed it) or two dates."""
    from warlog.diff import diff_dates, diff_known

    reliability, credibility = grades(min_reliability, min_credibility)
    rule = rule_options(by, dates_, pressure_days)
    at, start, end = day(at, "--at"), day(start, "--from"), day(end, "--to")
    known_at, vs = explain.known_at(known_at), timestamp(vs, "--vs")
    _check_diff_options(at, known_at, vs, start, end)
    if at is not None and known_at is not None:
        known = diff_known(
            open_existing(db),
            at,
            known_at,
            vs,
            place=place,
            min_reliability=reliability,
            min_credibility=credibility,
            **rule,
        )
        render.json(known.to_dict()) if json else render.known_diff(known)
    elif start is not None:
        dates = diff_dates(
            open_existing(db),
            start,
            end,
            known_at,
            place=place,
            min_reliability=reliability,
            min_credibility=credibility,
            **rule,
        )
        render.json(dates.to_dict()) if json else render.dates_diff(dates)


def _check_diff_options(
    at: str | None, known_at: str | None, vs: str | None, start: str | None, end: str | None
) -> None:
    """Refuse option mixes that ask for neither diff, or for both at once."""
    if at is not None and (start is not None or end is not None):
        raise WarlogError(
            "give either --at (one date, two record times) or --from/--to (two dates), not both"
        )
    if at is not None and known_at is None:
        raise WarlogError("--at needs --known-at: the record time to compare with (and --vs, default now)")
    if at is None and start is None:
        raise WarlogError(
            "--to needs --from"
            if end is not None
            else "nothing to compare: give --at DATE --known-at T1 [--vs T2], or --from DATE1 [--to DATE2]"
        )
    if at is None and vs is not None:
        raise WarlogError("--vs compares record times: use it with --at, not --from")


@app.command()
@user_errors
def changes(
    since: Annotated[str, typer.Option(metavar="TIMESTAMP", help="From this record time.")],
    until: Until = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """What each archivist recorded, corrected or retracted in a window of record time."""
    from warlog.diff import changes as recorded

    result = recorded(open_existing(db), _required(since, "--since"), timestamp(until, "--until"))
    render.json(result.to_dict()) if json else render.changes(result)


def _required(value: str, option: str) -> str:
    """A required record-time option, checked and normalised like the optional ones."""
    return timestamp(value, option) or value
