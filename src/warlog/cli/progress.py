"""Progress for long imports, restores, rebuilds and verifies: a bar on a terminal, silence in a pipe."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from warlog.errors import InvalidInput, Problem, WarlogError

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


# Limits on what a command reads, so that `import /dev/zero` or an endless pipe stops
# with one line instead of filling memory. An import's own line limit is smaller.
MAX_INPUT_BYTES = 1024**3
MAX_INPUT_LINE_BYTES = 256 * 1024**2
CHUNK_BYTES = 1024**2


def input_lines(path: str, label: str, *, max_line_bytes: int = MAX_INPUT_LINE_BYTES) -> tuple[Lines, str]:
    """The lines of a file (re-readable, streamed with a progress bar) or of stdin (read once).

    Both are split by the same rule: a line ends at LF, CRLF or a lone CR.
    """
    if path == "-":
        lines = list(split_lines(sys.stdin.buffer, "-", max_line_bytes))
        return lambda: lines, "-"
    try:
        size = os.path.getsize(path)
        Path(path).open("rb").close()
    except OSError as error:
        raise WarlogError(f"cannot read {path}: {error.strerror}") from None

    def stream() -> Iterator[bytes]:
        with open(path, "rb") as handle, bar(label, size or None) as advance:
            yield from split_lines(handle, path, max_line_bytes, advance)

    return stream, path


def split_lines(
    handle: BinaryIO,
    source: str,
    max_line_bytes: int,
    advance: Callable[[int], None] = lambda _: None,
) -> Iterator[bytes]:
    """Lines without their endings; LF, CRLF and a lone CR each end one.

    Reads in bounded chunks, so a line or an input over its limit stops the
    command with one problem, however endless the input (a device, a pipe).
    """
    carry, total, number = b"", 0, 0
    while chunk := handle.read(CHUNK_BYTES):
        total += len(chunk)
        if total > MAX_INPUT_BYTES:
            raise InvalidInput(
                [
                    Problem(
                        f"{source}:{number + 1}",
                        "",
                        (
                            f"more than {_size(MAX_INPUT_BYTES)} of input; split it into "
                            "several files and import them one by one"
                        ),
                    )
                ]
            )
        advance(len(chunk))
        pieces = (carry + chunk).splitlines(keepends=True)
        # The last piece may be cut short, or be a CR whose LF is in the next chunk.
        carry = pieces.pop() if pieces[-1][-1:] not in (b"\n",) else b""
        for piece in pieces:
            number += 1
            yield _without_ending(piece)
        if len(carry) > max_line_bytes:
            raise InvalidInput(
                [
                    Problem(
                        f"{source}:{number + 1}",
                        "",
                        (
                            f"the line is longer than {_size(max_line_bytes)}; a record must fit in "
                            f"{_size(max_line_bytes)}: split it, or shorten its texts"
                        ),
                    )
                ]
            )
    if carry:
        yield _without_ending(carry)


def _without_ending(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith((b"\n", b"\r")) else line


def _size(limit: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if limit >= size:
            return f"{limit // size} {unit}"
    return f"{limit} bytes"
