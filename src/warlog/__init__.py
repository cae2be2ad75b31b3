"""warlog: an event-sourced archive of conflict reports.

import warlog
archive = warlog.open("warlog.db")
archive.state(at="2024-12-07")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warlog.errors import Conflict, InvalidInput, NotFound, Problem, WarlogError

if TYPE_CHECKING:
    from warlog.archive import Archive

__all__ = ["Archive", "Conflict", "InvalidInput", "NotFound", "Problem", "WarlogError", "open"]


def open(db: str | None = None) -> Archive:
    """Open the archive at a path or PostgreSQL URL (default: WARLOG_DB or ./warlog.db)."""
    from warlog.archive import Archive
    from warlog.store import Store

    return Archive(Store.locate(db).environment())


def __getattr__(name: str) -> Any:
    """`warlog.Archive` on first use: `warlog --help` need not load the archive and its library."""
    if name == "Archive":
        from warlog.archive import Archive

        return Archive
    raise AttributeError(f"module 'warlog' has no attribute {name!r}")
