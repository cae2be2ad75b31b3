"""The read model in the same SQLite file as the log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteTrackingRecorder

from warlog.readmodel.persistence import CREATE_STATEMENTS, TABLES, ReadModel

MMAP_BYTES = 64 << 20  # mapped pages count in resident memory: bounded, as an import reads them too
# Connections whose mmap_size is set (sqlite3 connections take no weak references; an id
# reused by a later connection only leaves that one with the default, a matter of speed).
_MAPPED: set[int] = set()


class SQLiteReadModel(SQLiteTrackingRecorder, ReadModel):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *CREATE_STATEMENTS]

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[sqlite3.Cursor]:
        with self.datastore.transaction(commit=commit) as c:
            cursor = c.sqlite_cursor
            if id(cursor.connection) not in _MAPPED:
                # Reads of a large archive go through the page cache without copying.
                cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
                _MAPPED.add(id(cursor.connection))
            yield cursor

    def _sql(self, statement: str) -> str:
        return statement

    @property
    def _tracking_table(self) -> str:
        return "tracking"

    def _rowcount(self, c: Any) -> int:
        return int(c.rowcount)

    def drop(self) -> None:
        self.create_table()  # a dropped tracking table is made again, so a rebuild repairs it
        with self._transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute("DELETE FROM tracking WHERE application_name=?", (self.application_name,))
        self.create_table()


class SQLiteArchiveRecorder(SQLiteApplicationRecorder):
    """The log's recorder, able to put restored events back at their original positions."""

    def select_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of several aggregates, by aggregate and version, in one query a chunk."""
        found: list[StoredEvent] = []
        ids = [i.hex for i in originator_ids]
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                c.execute(
                    "SELECT originator_id, originator_version, topic, state FROM "
                    f"{self.events_table_name} WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY originator_id, originator_version",
                    chunk,
                )
                found += [
                    StoredEvent(
                        originator_id=self.convert_originator_id(row["originator_id"]),
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=row["state"],
                    )
                    for row in c.fetchall()
                ]
        return found

    def restore(self, events: Iterable[tuple[int, StoredEvent]]) -> int:
        """Insert (position, stored event) pairs in one transaction; rowid is the position."""
        count = 0
        statement = (
            f"INSERT INTO {self.events_table_name} "
            "(rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)"
        )
        rows = iter(events)
        with self.datastore.transaction(commit=True) as c:
            while chunk := list(islice(rows, 1000)):
                c.executemany(
                    statement,
                    [
                        (
                            p,
                            e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
                            e.originator_version,
                            e.topic,
                            e.state,
                        )
                        for p, e in chunk
                    ],
                )
                count += len(chunk)
        return count
