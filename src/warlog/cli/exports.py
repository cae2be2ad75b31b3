"""Commands for researchers' files: exports, timeline pictures and the map.

Exports write to standard output unless `-o FILE` names a file; the data is
all that goes to standard output, and a one-line note of what was written goes
to standard error only when writing a file.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import Annotated, ParamSpec, TypeVar

import typer

from warlog import clock, export, plot, webmap
from warlog.cells import raw_cells
from warlog.cli import explain
from warlog.cli.options import (
    By,
    DatesBound,
    Db,
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
from warlog.errors import WarlogError

P = ParamSpec("P")
T = TypeVar("T")
MAX_RADIUS_KM = 20_000  # half the Earth's circumference: any farther is the whole world

app = typer.Typer()
export_app = typer.Typer(help="Write the state, the claims or the timelines as files.", no_args_is_help=True)
plot_app = typer.Typer(help="Draw pictures of the archive.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(plot_app, name="plot")

Output = Annotated[
    str | None,
    typer.Option("-o", "--output", metavar="FILE", help="Write to FILE. [default: standard output]"),
]
Picture = Annotated[
    str, typer.Option("-o", "--output", metavar="FILE.png|FILE.svg", help="The picture to write.")
]
At = Annotated[
    str | None, typer.Option("--at", metavar="DATE", help="Valid date YYYY-MM-DD. [default: today]")
]
Since = Annotated[str | None, typer.Option(metavar="DATE", help="First day drawn.")]
Force = Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")]
RawCsv = Annotated[
    bool,
    typer.Option(
        "--raw-csv",
        help="Write CSV cells exactly as stored: no quote before cells that begin "
        "=, +, -, @, tab or CR (for trusted pipelines, not spreadsheets).",
    ),
]
Until = Annotated[str | None, typer.Option(metavar="DATE", help="Last day drawn.")]


def fmt_option(choices: tuple[str, ...]) -> object:
    return typer.Option("--format", metavar="|".join(choices), help="Output format.")


def quiet_pipe(command: Callable[P, T]) -> Callable[P, T]:
    """A reader that stops reading (`| head`) ends the export; that is not an error."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:
            with suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None

    return wrapper


def wrote(output: str | None, count: int, noun: str) -> None:
    if output not in (None, "-"):
        typer.echo(f"wrote {count} {noun} to {output}", err=True)


@export_app.command("state")
@user_errors
@quiet_pipe
def export_state(
    at: At = None,
    known_at: KnownAt = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    format_: Annotated[str, fmt_option(export.STATE_FORMATS)] = "csv",
    output: Output = None,
    force: Force = False,
    raw_csv: RawCsv = False,
    db: Db = None,
) -> None:
    """The state of control on a date: a row (csv), a document (json) or a Point (geojson)."""
    fmt = export.choice(format_, export.STATE_FORMATS, "--format")
    reliability, credibility = grades(min_reliability, min_credibility)
    archive = open_existing(db)
    state = archive.state(
        at=day(at, "--at"),
        known_at=explain.known_at(known_at),
        min_reliability=reliability,
        min_credibility=credibility,
    )
    with export.destination(output, force=force) as out, raw_cells(raw_csv):
        count = export.export_state(out, fmt, state, archive.places())
    wrote(output, count, "places")


@export_app.command("claims")
@user_errors
@quiet_pipe
def export_claims(
    format_: Annotated[str, fmt_option(export.CLAIM_FORMATS)] = "csv",
    known_at: KnownAt = None,
    output: Output = None,
    force: Force = False,
    raw_csv: RawCsv = False,
    include_sensitive: Annotated[
        bool,
        typer.Option(help="Add attributed_to, quote and note, which can name people (empty by default)."),
    ] = False,
    db: Db = None,
) -> None:
    """Every claim with both clocks, as known at a record time, including corrected and
    retracted ones (acled: ACLED-shaped rows, without the retracted)."""
    fmt = export.choice(format_, export.CLAIM_FORMATS, "--format")
    known = explain.known_at(known_at)
    archive = open_existing(db)
    with export.destination(output, force=force) as out, raw_cells(raw_csv):
        count = export.export_claims(archive, out, fmt, known, include_sensitive=include_sensitive)
    wrote(output, count, "rows")


@export_app.command("timelines")
@user_errors
@quiet_pipe
def export_timelines(
    format_: Annotated[str, fmt_option(export.TIMELINE_FORMATS)] = "csv",
    known_at: KnownAt = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates: DatesBound = "latest",
    pressure_days: PressureDays = None,
    output: Output = None,
    force: Force = False,
    raw_csv: RawCsv = False,
    db: Db = None,
) -> None:
    """Every place's intervals of unchanged state (csv: one row per interval)."""
    fmt = export.choice(format_, export.TIMELINE_FORMATS, "--format")
    reliability, credibility = grades(min_reliability, min_credibility)
    known = explain.known_at(known_at)
    archive = open_existing(db)
    with export.destination(output, force=force) as out, raw_cells(raw_csv):
        count = export.export_timelines(
            archive, out, fmt, known, reliability, credibility, **rule_options(by, dates, pressure_days)
        )
    wrote(output, count, "rows")


@plot_app.command("timeline")
@user_errors
def plot_timeline(
    places: Annotated[list[str], typer.Argument(metavar="PLACE...", help="Places, top first.")],
    output: Picture,
    known_at: KnownAt = None,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates: DatesBound = "latest",
    pressure_days: PressureDays = None,
    since: Since = None,
    until: Until = None,
    force: Force = False,
    db: Db = None,
) -> None:
    """One row per place over valid time: bands by controller, ticks for claims by grade."""
    fmt = plot.picture_format(output)
    reliability, credibility = grades(min_reliability, min_credibility)
    known = export.known(explain.known_at(known_at))
    rows = plot.rows(
        open_existing(db), places, known, reliability, credibility, **rule_options(by, dates, pressure_days)
    )
    with export.binary_destination(output, force=force) as out:
        plot.draw(rows, out, fmt, known, day(since, "--since"), day(until, "--until"))
    wrote(output, len(rows), "places")


@app.command("map")
@user_errors
def map_(
    output: Annotated[str, typer.Option("-o", "--output", metavar="FILE.html", help="The page to write.")],
    at: At = None,
    known_at: KnownAt = None,
    around: Annotated[
        str | None, typer.Option(metavar="PLACE", help="Draw only the area around this place.")
    ] = None,
    radius: Annotated[
        float, typer.Option(metavar="KM", help="With --around: how far around.")
    ] = webmap.DEFAULT_RADIUS_KM,
    min_reliability: MinReliability = "F",
    min_credibility: MinCredibility = 6,
    by: By = "side",
    dates: DatesBound = "latest",
    pressure_days: PressureDays = None,
    force: Force = False,
    db: Db = None,
) -> None:
    """A self-contained HTML map of the state on a date; click a place for its claims."""
    if not radius <= MAX_RADIUS_KM:  # inf and nan too; the map itself refuses 0 and below
        raise WarlogError(
            f"--radius: {radius:g} km is not a distance around a place; give "
            f"kilometres above 0 and at most {MAX_RADIUS_KM:,}"
        )
    reliability, credibility = grades(min_reliability, min_credibility)
    data = webmap.gather(
        open_existing(db),
        day(at, "--at") or clock.today(),
        explain.known_at(known_at),
        around,
        radius,
        reliability,
        credibility,
        **rule_options(by, dates, pressure_days),
    )
    with export.destination(output, force=force) as out:
        out.write(webmap.page(data))
    if output not in (None, "-"):
        on_day = sum(any(h.holds(data.at) for h in p.held) for p in data.drawn)
        typer.echo(
            f"wrote {len(data.drawn)} places to {output}: {on_day} with a state on {data.at}, "
            "the others on other dates of the slider",
            err=True,
        )
