"""Commands for whoever runs the archive: move it between stores with its history intact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from warlog import dump as dumping
from warlog import outfile
from warlog.cli.options import Db, open_existing, user_errors
from warlog.cli.progress import input_lines
from warlog.store import Store

app = typer.Typer()


@app.command()
@user_errors
def dump(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="[default: stdout]")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    db: Db = None,
) -> None:
    """Write every stored event with its position, record time and archivist (JSON Lines)."""
    archive = open_existing(db)
    with outfile.target(None if out is None else str(out), binary=True, force=force) as target:
        for line in dumping.dump(archive):
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
