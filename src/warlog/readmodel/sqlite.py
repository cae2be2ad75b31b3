"""The read model in the same SQLite file as the log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eventsourcing.sqlite import SQLiteTrackingRecorder

from warlog.readmodel.persistence import CREATE_STATEMENTS, TABLES, ReadModel


class SQLiteReadModel(SQLiteTrackingRecorder, ReadModel):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *CREATE_STATEMENTS]

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[sqlite3.Cursor]:
        with self.datastore.transaction(commit=commit) as c:
            yield c.sqlite_cursor

    def _sql(self, statement: str) -> str:
        return statement

    @property
    def _tracking_table(self) -> str:
        return "tracking"

    def _rowcount(self, c: Any) -> int:
        return int(c.rowcount)

    def drop(self) -> None:
        with self._transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (self.application_name,))
        self.create_table()
