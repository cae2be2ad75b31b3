"""`warlog demo`: build an archive from the shipped sample and walk through it.

It leaves the two files it imports, `sample.jsonl` and `corrections.jsonl`,
in the current folder, so that the commands it shows can be typed as shown.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from warlog import clock
from warlog.archive import DATA, Archive
from warlog.cli import render
from warlog.cli.options import user_errors
from warlog.errors import WarlogError
from warlog.store import Store

app = typer.Typer()


def say(text: str) -> None:
    typer.secho(f"\n{text}", bold=True)


@app.command()
@user_errors
def demo(
    db: Annotated[
        str | None,
        typer.Option(
            metavar="FILE", help="Where to build the demo archive. [default: a new temporary directory]"
        ),
    ] = None,
) -> None:
    """Build a demo archive from the sample data and show what warlog does with it."""
    location = db or str(Path(tempfile.mkdtemp(prefix="warlog-demo-")) / "demo.db")
    if Store(location).exists():
        raise WarlogError(f"{location} already exists; the demo builds a new archive")
    archive = Archive(Store(location).environment())
    lines = (DATA / "sample.jsonl").read_text("utf-8").splitlines()
    reports = [line for line in lines if '"type": "report"' in line]
    amendments = [line for line in lines if line not in reports]
    for name, content in (("sample.jsonl", reports), ("corrections.jsonl", amendments)):
        leave(Path(name), content)

    say(f"$ warlog import sample.jsonl   # {len(reports)} reports about 27 Nov - 7 Dec 2024")
    render.imported(archive.import_file(reports, "sample.jsonl", "demo"))
    before = clock.format_time(clock.now())
    time.sleep(0.01)

    say("$ warlog state --at 2024-12-07")
    render.state(archive.state(at="2024-12-07"))
    say("$ warlog timeline Homs")
    render.timeline(archive.timeline("Homs"))
    say("$ warlog state --at 2024-12-07 --min-reliability B   # only usually reliable sources")
    render.state(archive.state(at="2024-12-07", min_reliability="B"))

    say("$ warlog import corrections.jsonl   # an archivist corrects the Hama date, retracts a claim")
    render.imported(archive.import_file(amendments, "corrections.jsonl", "demo"))
    say("$ warlog history news-2024-12-07-background")
    render.history("news-2024-12-07-background", archive.history("news-2024-12-07-background"))
    say("$ warlog state --at 2024-12-05 --place Hama")
    render.state(archive.state(at="2024-12-05", place="Hama"))
    say(f"$ warlog state --at 2024-12-05 --place Hama --known-at {before}   # before the correction")
    render.state(archive.state(at="2024-12-05", place="Hama", known_at=before))

    say(f"The demo archive is {location}; explore it with: export WARLOG_DB={location}")
    here = Path.cwd()
    typer.echo(f"The files it imported are {here / 'sample.jsonl'} and {here / 'corrections.jsonl'}.")


def leave(path: Path, lines: list[str]) -> None:
    """Write one of the demo's files here, unless a different file of that name is in the way."""
    content = "".join(f"{line}\n" for line in lines)
    if path.exists() or path.is_symlink():
        if path.is_file() and path.read_text("utf-8", errors="replace") == content:
            return
        raise WarlogError(f"{path} is here already and is not the demo's; run the demo in another folder")
    path.write_text(content, "utf-8")
