"""Where the archive lives: `--db` / `WARLOG_DB` turned into an eventsourcing environment.

A path means an SQLite file (the embedded default); a `postgresql://` URL means
eventsourcing's own PostgreSQL recorders. Nothing else in warlog differs by backend
except the read model class chosen here.

A PostgreSQL URL may name a schema, `postgresql://user@host:5432/db?schema=NAME`
(default `public`); the log, the tracking position and the read model all live in
it, so one database can hold several archives. eventsourcing creates tables but not
schemas, so warlog creates a missing schema when it first writes there, just as
SQLite creates a missing file: a new schema name is a new, empty archive, and
`Store.exists()` tells the two apart without creating anything.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from warlog.errors import WarlogError

if TYPE_CHECKING:
    import psycopg

DEFAULT_DB = "warlog.db"
SQLITE_LOCK_TIMEOUT_SECONDS = "30"
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
# Plain identifiers only: they need no quoting in URLs, messages or psql, and
# PostgreSQL would silently truncate anything longer than 63 bytes.
SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class Store:
    """One archive location."""

    location: str

    @classmethod
    def locate(cls, db: str | None = None) -> Store:
        """The archive a user named; an in-memory or URI name is refused, as it keeps nothing."""
        location = db or os.environ.get("WARLOG_DB") or DEFAULT_DB
        # The SQLite driver opens names as URIs, and one with ":memory:" or
        # "mode=memory" in it would take a whole import and forget it at exit.
        if (
            ":memory:" in location
            or "mode=memory" in location
            or (location.startswith("file:") and not location.startswith("file://"))
        ):
            raise WarlogError(
                f"--db {location}: an SQLite in-memory database or URI keeps "
                "nothing after the command; give a file path or a "
                "postgresql:// URL"
            )
        return cls(location)

    @property
    def is_postgres(self) -> bool:
        return self.location.startswith(("postgresql://", "postgres://"))

    @property
    def path(self) -> Path:
        return Path(self.location)

    def exists(self) -> bool:
        """Whether an archive is already there; looking must not create one.

        A PostgreSQL archive exists when its log table exists in its schema: a
        reachable database without it (or without the schema) is only a place
        where a first write will create one.
        """
        if not self.is_postgres:
            return self.path.exists() and self.path.stat().st_size > 0
        import psycopg  # here, so SQLite archives never pay for importing it

        from warlog.archive import Archive

        try:
            with self.postgres_connection() as conn:
                row = conn.execute(
                    "SELECT EXISTS (SELECT FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relname = %s)",
                    # eventsourcing names the log table after the application.
                    (self.schema, f"{Archive.name.lower()}_events"),
                ).fetchone()
        except psycopg.OperationalError as error:
            raise WarlogError(f"cannot connect to PostgreSQL at {self.shown}: {error}") from None
        return bool(row and row[0])

    @property
    def schema(self) -> str:
        """The PostgreSQL schema the archive lives in."""
        return self._postgres_environment()["POSTGRES_SCHEMA"]

    def postgres_connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        """A plain autocommit connection to the archive's database, outside the library's pool."""
        import psycopg

        env = self.connection()
        return psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=POSTGRES_CONNECT_TIMEOUT_SECONDS,
            autocommit=True,
        )

    def in_schema(self, schema: str) -> Store:
        """The same PostgreSQL database, another schema (a scratch copy, say)."""
        url = urlparse(self.location)
        return Store(url._replace(query=urlencode({"schema": schema})).geturl())

    @property
    def shown(self) -> str:
        """The location as it may be printed: a password in a URL is masked."""
        if not self.is_postgres:
            return self.location
        url = urlparse(self.location)
        if url.password is None:
            return self.location
        return url._replace(netloc=url.netloc.replace(f":{url.password}@", ":***@", 1)).geturl()

    def environment(self) -> dict[str, str]:
        """The eventsourcing environment; tables are created only where there is no archive yet.

        Creating tables is DDL: on PostgreSQL even `CREATE INDEX IF NOT EXISTS`
        takes a table lock, and two archivists opening the same archive while a
        third appends would deadlock on it. An existing archive is opened as is.
        """
        return {**self.connection(), "CREATE_TABLE": "n" if self.exists() else "y"}

    def connection(self) -> dict[str, str]:
        """Where the archive is and how to reach it (no table creation setting)."""
        if not self.is_postgres:
            if self.path.is_dir():
                raise WarlogError(f"--db {self.location} is a directory; give a file name")
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": SQLITE_LOCK_TIMEOUT_SECONDS,
                "APPLICATION_RECORDER_TOPIC": "warlog.readmodel.sqlite:SQLiteArchiveRecorder",
                "WARLOG_KEYS": os.environ.get("WARLOG_KEYS") or f"{self.path}.keys",
            }
        return {**self._postgres_environment(), "WARLOG_KEYS": os.environ.get("WARLOG_KEYS") or "warlog.keys"}

    def _postgres_environment(self) -> dict[str, str]:
        url = urlparse(self.location)
        query = parse_qs(url.query, keep_blank_values=True)
        unknown = sorted(set(query) - {"schema"})
        if unknown:
            # A mistyped `?schema=` must not quietly put the archive in `public`.
            raise WarlogError(
                f"--db {self.shown}: unknown parameter '{unknown[0]}'; only ?schema=NAME is understood"
            )
        schema = query.get("schema", ["public"])[-1]
        if not SCHEMA_NAME.fullmatch(schema):
            raise WarlogError(
                f"--db {self.shown}: schema '{schema}' is not a plain name; use "
                "letters, digits and '_', not starting with a digit, at most 63"
            )
        try:
            port = url.port or 5432
        except ValueError:
            raise WarlogError(f"--db {self.shown}: the port is not a number") from None
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "warlog.readmodel.postgres:PostgresArchiveRecorder",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
            # A Unix socket directory is written percent-encoded in the host part.
            "POSTGRES_HOST": unquote(url.hostname or "127.0.0.1"),
            "POSTGRES_PORT": str(port),
            "POSTGRES_USER": unquote(url.username or os.environ.get("USER", "postgres")),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_CONNECT_TIMEOUT": str(POSTGRES_CONNECT_TIMEOUT_SECONDS),
            # A command uses one connection at a time; the library's default of five
            # opened up front costs every short-lived CLI process four server backends.
            # The pool still grows on demand (POSTGRES_MAX_OVERFLOW, default 10).
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_LOCK_TIMEOUT": "30",
            # Always set, so a POSTGRES_SCHEMA in the process environment cannot
            # point the library at another schema than the one `exists()` looks in.
            "POSTGRES_SCHEMA": schema,
        }


MEMORY = Store("file:warlog-validation?mode=memory&cache=shared")
