"""The read model in the archive's PostgreSQL schema, beside the log.

The shared SQL in `persistence` names bare `warlog_*` tables with `?`
placeholders; here every table name is qualified with the schema the
datastore was configured with, so several archives can share one database
without seeing each other, and placeholders become psycopg's `%s`.

Text columns use the "C" collation: SQLite compares text bytewise, and the
read model's ordering (places, report ids) must not depend on the locale a
PostgreSQL database happened to be created with.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import islice
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    InternalError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.errors import DuplicateObject, DuplicateTable
from psycopg.rows import DictRow, TupleRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from warlog.readmodel.exports import PostgresExportQueries
from warlog.readmodel.persistence import (
    CREATE_STATEMENTS,
    STATE_COLUMNS_OF_S,
    TABLES,
    ReadModel,
)

if TYPE_CHECKING:
    from warlog.readmodel.writer import Statistics

_TEXT = re.compile(r"\bTEXT\b")
_INDEX = re.compile(r"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+) ")
DDL_ATTEMPTS = 5
INSERT_CHUNK = 1000  # events per INSERT statement: a message of about a megabyte
ANALYZE_PAGES, ANALYZE_SHARE = 16, 0.1  # a table is analyzed once it grows by this many pages and share


def quote(identifier: str) -> str:
    """A PostgreSQL identifier, quoted so that case and odd characters survive."""
    return '"' + identifier.replace('"', '""') + '"'


def create_schema(datastore: PostgresDatastore) -> None:
    """Make the datastore's schema unless it is there already.

    Existence is checked first because `CREATE SCHEMA IF NOT EXISTS` still
    demands the CREATE privilege on the database, which a user of an existing
    archive need not have. Two processes creating it at once collide on the
    catalogue's unique index; the loser's error means the schema now exists.
    """
    with suppress(IntegrityError), datastore.transaction(commit=True) as c:
        c.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (datastore.schema,))
        if c.fetchone() is None:
            c.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(datastore.schema)))


def lock_ddl(curs: Cursor[DictRow], schema: str) -> None:
    """Let one process at a time create or replace a schema's tables and functions.

    eventsourcing replaces its insert function every time an archive is opened,
    and PostgreSQL fails concurrent replacements of one function with "tuple
    concurrently updated"; four processes opening one archive at once hit it.
    A transaction-scoped advisory lock queues them instead.
    """
    curs.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"warlog ddl {schema}",))


def create_with_retries(create: Callable[[], None]) -> None:
    """Create tables again when a process creating the same ones made this attempt fail.

    The library creates composite types in transactions of their own, before
    any lock can be taken; two first opens of a new schema can collide there,
    as a unique violation in the catalogue or as "relation already exists"
    (the type's row in `pg_class`), depending on which commits first. Every
    statement is idempotent, so the loser's retry finds the objects made and
    succeeds.
    """
    for attempt in range(1, DDL_ATTEMPTS + 1):
        try:
            create()
            return
        except (IntegrityError, InternalError, ProgrammingError) as error:
            lost_race = not isinstance(error, ProgrammingError) or isinstance(
                error.__cause__, (DuplicateTable, DuplicateObject)
            )
            if attempt == DDL_ATTEMPTS or not lost_race:
                raise
            time.sleep(0.05 * attempt)


SchemaObjects = dict[str, set[str]]


def schema_objects(conn: Any, schema: str) -> SchemaObjects | None:
    """The tables, functions and composite types in a schema; None when there is no such schema.

    A failed restore removes what is not in this list, so the schema is left
    as it was found.
    """
    if conn.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
        return None
    rows = conn.execute(
        "SELECT 'table', c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'p') "
        "UNION ALL SELECT 'function', p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
        "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s "
        "UNION ALL SELECT 'type', c.relname::text FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'c'",
        (schema, schema, schema),
    ).fetchall()
    found: SchemaObjects = {"table": set(), "function": set(), "type": set()}
    for kind, name in rows:
        found[kind].add(name)
    return found


def remove_restored(conn: Any, schema: str, before: SchemaObjects | None) -> None:
    """Undo a restore: drop what it created, empty the tables that were there, in one transaction."""
    with conn.transaction():
        if before is None:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))
            return
        now = schema_objects(conn, schema) or {"table": set(), "function": set(), "type": set()}
        for table in sorted(now["table"] - before["table"]):
            conn.execute(
                SQL("DROP TABLE IF EXISTS {}.{} CASCADE").format(Identifier(schema), Identifier(table))
            )
        for function in sorted(now["function"] - before["function"]):
            conn.execute(Composed([SQL("DROP FUNCTION IF EXISTS "), SQL(function)]))
        for kind in sorted(now["type"] - before["type"]):
            conn.execute(
                SQL("DROP TYPE IF EXISTS {}.{} CASCADE").format(Identifier(schema), Identifier(kind))
            )
        # Only warlog's own tables: a schema may hold other applications' tables too.
        kept = sorted(t for t in before["table"] & now["table"] if t.startswith("warlog_"))
        for table in kept:
            if table.endswith("_tracking"):
                # The library's own migration row stays; the archive's position goes.
                conn.execute(
                    SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                        Identifier(schema), Identifier(table)
                    ),
                    ("warlog",),
                )
            else:
                conn.execute(
                    SQL("TRUNCATE {}.{} RESTART IDENTITY").format(Identifier(schema), Identifier(table))
                )


class PostgresArchiveRecorder(PostgresApplicationRecorder):
    """The log's recorder, which first creates the schema named by `?schema=`.

    eventsourcing creates tables but expects their schema to exist. warlog
    creates it at the moment the library creates the archive's tables (when an
    archive is opened with table creation on), so a new schema name behaves
    like a new SQLite file name: the first write makes a new, empty archive.
    Creation is serialised per schema, so processes may open an archive at once.
    """

    def create_table(self) -> None:
        create_schema(self.datastore)
        create_with_retries(super().create_table)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        lock_ddl(curs, self.datastore.schema)
        super()._create_table(curs)
        # The library creates the snapshots table next, outside any lock, where two
        # first opens collide; made here, under the lock, it is already there then.
        snapshots = self.events_table_name.removesuffix("_events") + "_snapshots"
        PostgresAggregateRecorder(self.datastore, events_table_name=snapshots)._create_table(curs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Insert a command's events in one transaction, a chunk per statement, outside pipeline mode.

        The library sends all of a command's events as one array parameter inside a
        psycopg pipeline. An import of 20,000 reports makes that one message of tens of
        megabytes, and there the client waits in the pipeline's sync for results while
        the server still waits for the rest of the message: the import hangs for good.
        Chunks of a bounded size in an ordinary transaction keep the same guarantees
        (the table lock serialises writers, so positions follow commit order; one
        commit, or nothing) and cost two more round trips per command.
        """
        ids: list[int] = []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return ids
            self._lock_table(curs)
            self._notify_channel(curs)
            for start in range(0, len(stored_events), INSERT_CHUNK):
                chunk = [
                    self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                    for e in stored_events[start : start + INSERT_CHUNK]
                ]
                curs.execute(self.insert_events_statement, (chunk,))
                ids += [row["notification_id"] for row in curs.fetchall()]
        return ids

    def select_events_of(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """The stored events of several aggregates, by aggregate and version, in one query a chunk."""
        table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(table)
        found: list[StoredEvent] = []
        with self.datastore.transaction(commit=False) as curs:
            for start in range(0, len(originator_ids), 500):
                curs.execute(statement, (list(originator_ids[start : start + 500]),), prepare=False)
                found += [
                    StoredEvent(
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    )
                    for row in curs.fetchall()
                ]
        return found

    def restore(self, events: Iterable[tuple[int, StoredEvent]]) -> int:
        """Insert (position, stored event) pairs in one transaction at their original positions."""
        table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        insert = SQL(
            "INSERT INTO {} (notification_id, originator_id, originator_version, topic, "
            "state) VALUES (%s, %s, %s, %s, %s)"
        ).format(table)
        rows, count = iter(events), 0
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
            while chunk := list(islice(rows, 1000)):
                curs.executemany(
                    insert, [(p, e.originator_id, e.originator_version, e.topic, e.state) for p, e in chunk]
                )
                count += len(chunk)
            qualified = f"{quote(self.datastore.schema)}.{quote(self.events_table_name)}"
            curs.execute(
                SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                    "(SELECT MAX(notification_id) FROM {}))"
                ).format(table),
                (qualified,),
            )
        return count


class PostgresReadModel(PostgresExportQueries, PostgresTrackingRecorder, ReadModel):
    """The read model's tables and the tracking position, in one schema and one transaction."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        tracking_table_name: str = "notification_tracking",
        **kwargs: Any,
    ) -> None:
        if "%" in datastore.schema:
            # Statements run both with and without parameters, so no escaping suits both.
            raise ValueError(f"schema name {datastore.schema!r} must not contain '%'")
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        # Every warlog_* name is a table, so a table added to the shared SQL lands in
        # this schema too rather than wherever search_path points. The exception is
        # the name a CREATE INDEX gives: PostgreSQL puts it beside its table.
        self._names = re.compile(
            r"(CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?)?"
            rf"\b(warlog_\w+|{re.escape(tracking_table_name)})\b"
        )
        self._schema_prefix = quote(datastore.schema) + "."
        self._ddl = [self._sql(_TEXT.sub('TEXT COLLATE "C"', s)) for s in CREATE_STATEMENTS]

    def create_table(self) -> None:
        create_with_retries(super().create_table)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        """Create what is missing, without locking what is there.

        `CREATE INDEX IF NOT EXISTS` takes a SHARE lock on its table before it
        finds the index exists; held to the end of this transaction, those locks
        met a projector's row locks in the opposite order and deadlocked, so
        existing indexes are skipped instead. (`CREATE TABLE IF NOT EXISTS`
        locks nothing when the table is there.)
        """
        lock_ddl(curs, self.datastore.schema)
        super()._create_table(curs)
        curs.execute(
            "SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = %s", (self.datastore.schema,)
        )
        indexes = {row["indexname"] for row in curs.fetchall()}
        for statement in self._ddl:
            index = _INDEX.match(statement)
            if index is None or index.group(1) not in indexes:
                # Composed without format(), so braces in the text are taken literally.
                curs.execute(Composed([SQL(statement)]), prepare=False)

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[Cursor[TupleRow]]:
        # The datastore's cursors make dict rows; the shared code indexes rows by position.
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(force_rollback=not commit),
            conn.cursor(row_factory=tuple_row) as c,
        ):
            yield c

    def _sql(self, statement: str) -> str:
        # Placeholders first, so a '?' in the schema name is left alone.
        statement = statement.replace("?", "%s")
        return self._names.sub(self._qualify, statement)

    def _qualify(self, m: re.Match[str]) -> str:
        index, name = m.groups()
        return m.group(0) if index else self._schema_prefix + quote(name)

    @property
    def _tracking_table(self) -> str:
        return self.tracking_table_name

    def _states_query(self, known_at: str, day: str, place: str | None) -> tuple[str, list[Any]]:
        """LATERAL: one backward index scan per place, returning the step row itself."""
        statement = (
            f"SELECT p.name, p.within, p.name_key, {STATE_COLUMNS_OF_S} FROM warlog_places p "
            "CROSS JOIN LATERAL (SELECT x.day, x.status, x.controller, x.contested_by, "
            "x.candidates, x.since, x.claims, x.uncertain, x.evidence_to FROM warlog_steps x "
            "WHERE x.place = p.place AND x.day <= ? "
            "AND x.recorded_from <= ? AND (x.recorded_to IS NULL OR x.recorded_to > ?) "
            "ORDER BY x.day DESC LIMIT 1) s"
        )
        params: list[Any] = [day, known_at, known_at]
        if place is not None:
            statement += " WHERE p.place = ?"
            params.append(place)
        return statement, params

    def _rowcount(self, c: Any) -> int:
        return int(c.rowcount)

    def _statistics(self) -> Statistics:
        return self._analyze_grown

    def _analyze_grown(self, c: Cursor[TupleRow]) -> None:
        """ANALYZE the read model's tables that grew by a tenth since the planner last looked.

        A table never analyzed has no statistics, and PostgreSQL then plans a
        re-walk's join of a few hundred places against the claims and steps as
        a sequential scan: an import slowed as the archive grew (a file of
        20,000 reports took 21 s at 100,000 claims and 51 s at 800,000, on a
        server with autovacuum off). The server's autovacuum would gather them
        if it is on and has caught up; warlog does not count on it. Once
        analyzed, the planner scales a table's row count by its size on disk,
        so the measure is that size (which counts the rows this transaction
        wrote, and which ANALYZE inside it samples as live) against the size
        at the last analysis: a tenth more, and at least ANALYZE_PAGES pages.
        """
        c.execute(
            "SELECT k.relname, k.relpages, pg_catalog.pg_relation_size(k.oid) "
            "/ current_setting('block_size')::int FROM pg_catalog.pg_class k "
            "JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace "
            "WHERE n.nspname = %s AND k.relkind = 'r' AND k.relname = ANY(%s)",
            (self.datastore.schema, list(TABLES)),
        )
        for table, analyzed, pages in c.fetchall():
            if pages > ANALYZE_PAGES + (1 + ANALYZE_SHARE) * analyzed:
                c.execute(Composed([SQL("ANALYZE "), SQL(self._sql(table))]))

    def drop(self) -> None:
        """Empty the read model in one transaction, so no reader ever finds its tables missing.

        The tracking row goes first: every projection locks it before any table,
        so taking it first makes a running projection finish, and a starting one
        wait, before the tables are locked, rather than deadlock with the drop.
        A dropped tracking table is made again first, so a rebuild repairs it.
        """
        self.create_table()
        with self._transaction(commit=True) as c:
            c.execute(
                self._sql(f"DELETE FROM {self._tracking_table} WHERE application_name=?"),
                (self.application_name,),
            )
            for table in TABLES:
                c.execute(self._sql(f"DROP TABLE IF EXISTS {table}"))
            for statement in self._ddl:
                c.execute(statement)
