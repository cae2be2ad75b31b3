"""warlog: an event-sourced archive of conflict reports.

import warlog
archive = warlog.open("warlog.db")
archive.state(at="2024-12-07")
"""

from __future__ import annotations

from warlog.archive import Archive
from warlog.errors import Conflict, InvalidInput, NotFound, Problem, WarlogError
from warlog.store import Store

__all__ = ["Archive", "Conflict", "InvalidInput", "NotFound", "Problem", "WarlogError", "open"]


def open(db: str | None = None) -> Archive:
    """Open the archive at a path or PostgreSQL URL (default: WARLOG_DB or ./warlog.db)."""
    return Archive(Store.locate(db).environment())
