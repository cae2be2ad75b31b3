"""Progress for long imports, restores, rebuilds and verifies: a bar on a terminal, silence in a pipe."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from warlog.errors import WarlogError

Lines = Callable[[], Iterable[bytes]]


@contextmanager
def bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; it draws on stderr only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    from rich.progress import Progress  # a terminal is there: rich is worth loading

    with Progress(transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def input_lines(path: str, label: str) -> tuple[Lines, str]:
    """The lines of a file (re-readable, streamed with a progress bar) or of stdin (read once)."""
    if path == "-":
        lines = sys.stdin.buffer.read().splitlines()
        return lambda: lines, "-"
    try:
        size = os.path.getsize(path)
        Path(path).open("rb").close()
    except OSError as error:
        raise WarlogError(f"cannot read {path}: {error.strerror}") from None

    def stream() -> Iterator[bytes]:
        with open(path, "rb") as handle, bar(label, size) as advance:
            for line in handle:
                advance(len(line))
                yield line.rstrip(b"\r\n")  # as splitlines() gives them

    return stream, path
