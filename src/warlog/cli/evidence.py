"""Commands for archivists keeping evidence: attached files, custody, packages, redaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from warlog.cli import render
from warlog.cli.options import Archivist, Db, Json, archivist_name, open_existing, user_errors
from warlog.cli.terminal import shown
from warlog.cli.written import completing
from warlog.errors import WarlogError

if TYPE_CHECKING:
    from warlog.archive import Archive
    from warlog.evidence.attachments import Fixity

app = typer.Typer()
Report = Annotated[str, typer.Argument(help="Report id.")]


@app.command()
@user_errors
def attach(
    report: Report,
    file: Annotated[
        Path, typer.Argument(help="The file: an article, a video, a screenshot, a WACZ capture…")
    ],
    kind: Annotated[
        str, typer.Option(metavar="original|copy|translation|screenshot|capture", help="What the file is.")
    ] = "original",
    collected_by: Annotated[
        str | None, typer.Option(metavar="NAME", help="Who collected it. [default: the archivist]")
    ] = None,
    collected_at: Annotated[
        str | None, typer.Option(metavar="TIMESTAMP", help="When it was collected (RFC 3339). [default: now]")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", metavar="URL", help="Where it was collected.")
    ] = None,
    sensitive: Annotated[
        bool, typer.Option(help="Store it sealed (its name and origin too), so that 'redact' can destroy it.")
    ] = False,
    db: Db = None,
    archivist: Archivist = None,
    json: Json = False,
) -> None:
    """Attach a file to a report: its SHA-256 goes into the log, its bytes into the evidence store.

    Example: warlog attach reuters-2024-12-07-homs article.pdf --kind original --from https://example.org/1
    """
    from warlog.evidence.attachments import attach as attach_file

    who = archivist_name(archivist)
    archive = open_existing(db)
    done = completing(
        archive,
        lambda a: attach_file(
            a,
            report,
            file,
            who,
            kind=kind,
            collected_by=collected_by,
            collected_at=collected_at,
            origin=from_,
            sensitive=sensitive,
        ),
    )
    if json:
        render.json(done.to_dict())
    else:
        typer.echo(f"attached {done.sha256} ({done.media_type}, {done.size} bytes) to {report}")


@app.command()
@user_errors
def attachments(report: Report, db: Db = None, json: Json = False) -> None:
    """List a report's attached files with their hashes and provenance.

    Example: warlog attachments reuters-2024-12-07-homs
    """
    from warlog.evidence.attachments import attachments as listed

    found = listed(open_existing(db), report)
    if json:
        render.json({"report": report, "attachments": [a.to_dict() for a in found]})
        return
    render.table(
        f"Attachments of {report}",
        ("sha256", "kind", "media type", "size", "name", "collected by", "collected at", "from"),
        (
            (
                a.sha256,
                a.kind + (" (sensitive)" if a.sensitive else ""),
                a.media_type,
                a.size,
                a.name,
                a.collected_by,
                a.collected_at,
                a.origin or "",
            )
            for a in found
        ),
    )


@app.command()
@user_errors
def get(
    sha256: Annotated[str, typer.Argument(help="The file's SHA-256, as 'warlog attachments' lists it.")],
    out: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Write the file here.")],
    report: Annotated[
        str | None,
        typer.Option(metavar="REPORT", help="The report it is attached to (needed for a sensitive file)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    db: Db = None,
) -> None:
    """Write an attached file out, after checking its bytes against its hash.

    Example: warlog get 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b -o article.pdf
    """
    from warlog import outfile
    from warlog.evidence.attachments import content

    data = content(open_existing(db), sha256, report)
    try:
        with outfile.target(str(out), binary=True, force=force) as stream:
            stream.write(data)
    except OSError as error:
        raise WarlogError(f"cannot write {out}: {error.strerror}") from None
    typer.echo(f"wrote {out} ({len(data)} bytes)")


@app.command()
@user_errors
def custody(
    report: Report,
    event: Annotated[
        str | None, typer.Option("--event", metavar="TEXT", help="What happened: received, transferred…")
    ] = None,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Why.")] = None,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Record a step in a report's chain of custody; 'history REPORT' shows the chain in order.

    Example: warlog custody reuters-2024-12-07-homs --event "handed to the court" --reason "case 12/2025"
    """
    from warlog.evidence.custody import record_custody

    who = archivist_name(archivist)
    completing(open_existing(db), lambda a: record_custody(a, report, event, reason, who))
    typer.echo(f"recorded custody of {report}: {event}")


@app.command()
@user_errors
def redact(
    report: Report,
    claim: Annotated[
        int | None, typer.Argument(help="Claim number; omit for every claim (and the report's note).")
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field", metavar="attributed_to|quote|note", help="A field to redact; repeat for more."
        ),
    ] = None,
    attachment: Annotated[
        str | None, typer.Option(metavar="SHA256", help="A sensitive attached file to redact.")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why (recorded; the text is not).")
    ] = None,
    db: Db = None,
    archivist: Archivist = None,
    json: Json = False,
) -> None:
    """Make sealed text unreadable for good by destroying its keys; proofs and checkpoints still verify.

    Example: warlog redact reuters-2024-12-07-homs 1 --field attributed_to --reason "the source is at risk"
    """
    from warlog.evidence.redaction import redact as redact_fields

    who = archivist_name(archivist)
    done = completing(
        open_existing(db), lambda a: redact_fields(a, report, claim, field or [], reason, who, attachment)
    )
    if json:
        render.json(done.to_dict())
        return
    what = ", ".join(done.fields) + (
        f"{', ' if done.fields else ''}file {done.attachment}" if done.attachment else ""
    )
    where = f"claim {claim} of " if claim is not None else ""
    typer.echo(f"redacted {what} of {where}{report}: {done.keys_destroyed} key(s) destroyed")


@app.command()
@user_errors
def package(
    report: Report,
    out: Annotated[
        Path, typer.Option("-o", "--output", metavar="DIR|FILE.zip", help="A new folder, or a FILE.zip.")
    ],
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The checkpoint to prove the report against. [default: a new one, signed now]",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the folder or file if it exists.")] = False,
    include_sensitive: Annotated[
        bool,
        typer.Option(help="Put sealed text and sensitive files in, opened (for those who hold the keys)."),
    ] = False,
    db: Db = None,
) -> None:
    """Write an evidence package: a BagIt bag with the report, history, custody, files and proof.

    Example: warlog package reuters-2024-12-07-homs -o homs-evidence.zip
    """
    from warlog.cli.proofs import read_text
    from warlog.evidence.package import write_package

    note = None if checkpoint is None else read_text(checkpoint)
    written = write_package(
        open_existing(db), report, out, note, force=force, include_sensitive=include_sensitive
    )
    typer.echo(f"wrote {out}: {written.files} payload files, {written.attachments} attachment(s)")


@app.command("verify-package")
@user_errors
def verify_package(
    package: Annotated[Path, typer.Argument(help="A folder or .zip written by 'warlog package'.")],
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            metavar="VKEY|FILE",
            help="The archive's published verifier key. [default: the package's]",
        ),
    ] = None,
    json: Json = False,
) -> None:
    """Check an evidence package offline: the bag's fixity, and the report's proof under its checkpoint.

    Example: warlog verify-package homs-evidence.zip --key 'warlog.archive/d216…+f8086629+AdIW…'
    """
    from warlog.cli.proofs import vkey_text
    from warlog.evidence.package import check_package

    result = check_package(package, vkey_text(key))
    if json:
        render.json(result.to_dict())
    else:
        typer.echo(
            f"ok: bag valid ({result.files} payload files); {result.events} events of report "
            f"{result.report} proven in the log of size {result.size} signed by {result.vkey}"
        )


def check_attachments(archive: Archive) -> Fixity:
    """Rehash every attached file, with a progress bar on a terminal (for `verify --attachments`)."""
    from warlog.cli.progress import bar
    from warlog.evidence.attachments import check_fixity, count_attached

    with bar("checking attachments", count_attached(archive)) as advance:
        return check_fixity(archive, advance)


def show_fixity(fixity: Fixity) -> None:
    for problem in fixity.problems:
        typer.echo(shown(str(problem)))
    if fixity.ok:
        redacted = f", {fixity.redacted} redacted" if fixity.redacted else ""
        typer.echo(f"ok: {fixity.checked} attached file(s) match their SHA-256{redacted}")
