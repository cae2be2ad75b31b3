"""Commands for whoever runs the archive: move it between stores with its history intact."""

from __future__ import annotations

from typing import Annotated

import typer

from warlog import dump as dumping
from warlog import outfile
from warlog.cli.options import Db, OldOutput, Output, open_existing, output_file, user_errors
from warlog.cli.progress import input_lines
from warlog.store import Store

app = typer.Typer()


@app.command()
@user_errors
def dump(
    output: Output = None,
    out: OldOutput = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    with_secrets: Annotated[
        bool,
        typer.Option(
            "--with-secrets",
            help="Add the field keys of sealed text: whoever holds the dump can then read it.",
        ),
    ] = False,
    db: Db = None,
) -> None:
    """Write every stored event with its position, record time and archivist (JSON Lines)."""
    archive = open_existing(db)
    with outfile.target(output_file(output, out), binary=True, force=force) as target:
        for line in dumping.dump(archive, with_secrets=with_secrets):
            target.write(line)


@app.command()
@user_errors
def restore(
    file: Annotated[str, typer.Argument(help="A file written by 'warlog dump', or - for stdin.")],
    db: Db = None,
) -> None:
    """Restore a dump into a new, empty archive (SQLite file or PostgreSQL schema)."""
    lines, source = input_lines(file, "restoring")
    count = dumping.restore_into(Store.locate(db), lines(), source)
    typer.echo(f"restored {count} events; run 'warlog verify' to check them")
