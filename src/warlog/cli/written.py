"""Telling apart "nothing was written" from "written, but not yet projected".

A command appends its events in one transaction, then brings the read model
up to date. When the second step fails (the disk filled up after the commit,
say), the events are in the log, and exit 1 ("nothing was written") would be
a lie that invites running the command again. So such a failure is reported
as a warning naming the positions written, with its own exit code; the next
command catches the read model up and so completes the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from warlog.archive import Archive

T = TypeVar("T")
WRITTEN_NOT_PROJECTED = 3


class NotProjected(Exception):
    """The command's events were appended, but the read model could not be updated."""

    def __init__(self, first: int, last: int, cause: BaseException) -> None:
        self.first, self.last, self.cause = first, last, cause
        positions = str(first) if first == last else f"{first}\u2013{last}"
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        super().__init__(
            f"the events were written (positions {positions}) but the read model "
            f"could not be updated: {reason}; the next command will complete it"
        )


def completing(archive: Archive, change: Callable[[Archive], T]) -> T:
    """Run a command on the archive; a failure after its events were appended is NotProjected."""
    before = archive.written
    try:
        return change(archive)
    except Exception as error:
        if archive.written is None or archive.written == before:
            raise  # this command appended nothing
        raise NotProjected(*archive.written, error) from error
