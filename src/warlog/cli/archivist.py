"""Commands for archivists: create the archive, import, add reports, correct and retract."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from warlog.archive import Archive
from warlog.cli import render
from warlog.cli.options import Archivist, Db, Json, archivist_name, user_errors, write
from warlog.cli.progress import input_lines
from warlog.errors import InvalidInput, Problem
from warlog.records import MAX_LINE_BYTES, check

app = typer.Typer()
report_app = typer.Typer(help="Add reports one at a time.")


@app.command()
@user_errors
def init(
    bare: Annotated[bool, typer.Option(help="Start with empty place and actor registries.")] = False,
    no_key: Annotated[
        bool,
        typer.Option(
            "--no-key",
            help="Make no archive key: events stay unsigned until 'warlog keygen', protected by "
            "checkpoints only.",
        ),
    ] = False,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Create the archive and its signing key, with the starter gazetteer of Syria unless --bare.

    The key is made first, so that every event of the archive is signed."""
    who = archivist_name(archivist)
    if no_key:
        created = write(db, lambda a: a.start(who, bare=bare))
        typer.echo("archive created" if created else "archive already exists; nothing changed")
        return
    from warlog.cli.proofs import init_with_key

    init_with_key(db, who, bare=bare)


@app.command("import")
@user_errors
def import_(
    file: Annotated[str, typer.Argument(help="File of records (or of ACLED events), or - for stdin.")],
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="jsonl|acled|acled-deleted",
            help=(
                "jsonl: warlog records; acled: an ACLED CSV export, whose territorial events "
                "become reports; acled-deleted: ACLED's deleted events (event_id_cnty, "
                "deleted_timestamp), whose reports are retracted."
            ),
        ),
    ] = "jsonl",
    register_new: Annotated[
        bool, typer.Option(help=("acled: register the places and actors the archive does not know."))
    ] = False,
    db: Db = None,
    archivist: Archivist = None,
    json: Json = False,
) -> None:
    """Check every record of FILE, then append them all in one transaction, or nothing."""
    from warlog import acled
    from warlog.errors import WarlogError
    from warlog.export import choice

    if choice(format_, ("jsonl", "acled", "acled-deleted"), "--format") != "acled" and register_new:
        raise WarlogError("--register-new: only for --format acled")
    lines, source = input_lines(file, "importing", max_line_bytes=MAX_LINE_BYTES)
    who = archivist_name(archivist)
    if format_ in ("acled", "acled-deleted"):
        done = write(
            db,
            lambda a: (
                acled.import_acled(a, lines(), source, who, register_new=register_new)
                if format_ == "acled"
                else acled.import_deletions(a, lines(), source, who)
            ),
        )
        if json:
            render.json(done.to_dict())
        else:
            render.imported(done.result)
            typer.echo(done.summary())
        return
    result = write(db, lambda a: a.import_file(lines(), source, who))
    render.json(result.to_dict()) if json else render.imported(result)


@app.command()
@user_errors
def correct(
    report: Annotated[str, typer.Argument(metavar="REPORT", help="Report id.")],
    claim: Annotated[int, typer.Argument(metavar="CLAIM", help="Claim number in the report, from 1.")],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why the claim is corrected.")],
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="FIELD=VALUE", help="A field to change; repeat for more."),
    ] = None,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Correct fields of one claim (place, actor, status, date, credibility, …)."""
    changes = parse_assignments(set_ or [])
    who = archivist_name(archivist)
    write(db, lambda a: a.correct(report, claim, changes, reason, who))
    typer.echo(f"corrected claim {claim} of {report}")


@app.command()
@user_errors
def retract(
    report: Annotated[str, typer.Argument(metavar="REPORT", help="Report id.")],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why it is retracted.")],
    claim: Annotated[
        int | None, typer.Argument(metavar="[CLAIM]", help="Claim number; omit to retract the report.")
    ] = None,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Retract one claim of a report, or the whole report."""
    who = archivist_name(archivist)
    write(db, lambda a: a.retract(report, claim, reason, who))
    typer.echo(f"retracted {f'claim {claim} of ' if claim else 'report '}{report}")


@report_app.command("add")
@user_errors
def report_add(
    source: Annotated[str, typer.Option(metavar="NAME", help="Who published it, e.g. Reuters.")],
    published: Annotated[
        str, typer.Option(metavar="DATE|TIMESTAMP", help="Date (YYYY-MM-DD) or RFC 3339 date-time.")
    ],
    claim: Annotated[
        list[str],
        typer.Option(
            "--claim",
            metavar="PLACE:ACTOR:STATUS[:DATE[:CREDIBILITY]]",
            help="A claim; repeat for more. E.g. 'Homs:rebels:contested:2024-12-07:2'.",
        ),
    ],
    id_: Annotated[
        str | None, typer.Option("--id", metavar="ID", help="Report id. [default: from content]")
    ] = None,
    reliability: Annotated[
        str | None, typer.Option(metavar="A-F", help="Source grade A-F. [default: F]")
    ] = None,
    url: Annotated[str | None, typer.Option(metavar="URL", help="Where it was published.")] = None,
    title: Annotated[str | None, typer.Option(metavar="TEXT", help="Its headline.")] = None,
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="The archivist's note.")] = None,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """File one report from options and print its id."""
    fields: dict[str, Any] = {
        "type": "report",
        "source": source,
        "published": published,
        "claims": [parse_claim(text, i) for i, text in enumerate(claim)],
    }
    optional = {"id": id_, "reliability": reliability, "url": url, "title": title, "note": note}
    fields.update({k: v for k, v in optional.items() if v is not None})
    who = archivist_name(archivist)
    result = write(db, lambda a: add_one(a, fields, who))
    if result.reports:
        typer.echo(result.reports[0])
    else:
        typer.echo(result.present[0])
        typer.echo("that report is already in the archive; nothing added", err=True)


def add_one(archive: Archive, fields: dict[str, Any], archivist: str) -> Any:
    return archive.import_records(check(fields, "report add"), archivist)


def parse_claim(text: str, index: int) -> dict[str, Any]:
    parts = [p.strip() for p in text.split(":")]
    if not 3 <= len(parts) <= 5 or not all(parts):
        raise InvalidInput(
            [Problem(f"--claim {index + 1}", "", f"'{text}' is not PLACE:ACTOR:STATUS[:DATE[:CREDIBILITY]]")]
        )
    claim: dict[str, Any] = dict(zip(("place", "actor", "status", "date"), parts, strict=False))
    if len(parts) == 5:
        claim["credibility"] = _integer(parts[4], f"--claim {index + 1}", "credibility")
    return claim


CLEARABLE = ("attributed_to", "quote", "note")


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(
                [Problem("--set", "", f"'{text}' is not FIELD=VALUE, e.g. --set date=2024-12-06")]
            )
        name = name.strip()
        if name == "credibility":
            changes[name] = _integer(value, "--set", name)
        else:  # an empty value clears an optional text (attributed_to, quote, note)
            changes[name] = None if not value and name in CLEARABLE else value
    return changes


def _integer(value: str, where: str, field: str) -> int | str:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput([Problem(where, field, f"'{value}' is not a whole number 1-6")]) from None
