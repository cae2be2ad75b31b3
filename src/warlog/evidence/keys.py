"""Where field keys live: outside the log, so destroying one leaves every event intact.

For an SQLite archive the keys are in their own SQLite file in a folder
beside it (`<db>.secrets/keys.sqlite`, mode 0700/0600) with `secure_delete`
on, so a destroyed key's bytes are overwritten in the file, and the file is
vacuumed after each redaction. A PostgreSQL archive keeps them in a table of
its own schema outside the event store (see `evidence.postgres`). The
in-memory stores of a rehearsal keep them in memory.
"""

from __future__ import annotations

import os
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

KeyRow = tuple[str, str, str, bytes]
"""(key id, report, slot, key)."""


class FieldKeys(ABC):
    """The field keys of sealed text, and which slots were redacted (never their text)."""

    @abstractmethod
    def get(self, kid: str) -> bytes | None:
        """The key with this id, or None when it never existed or was destroyed."""

    @abstractmethod
    def live(self, report: str, slot: str) -> tuple[str, bytes] | None:
        """The newest key of a report's slot still held."""

    @abstractmethod
    def add(self, rows: list[KeyRow]) -> None: ...

    @abstractmethod
    def destroy(self, report: str, slots: list[str]) -> int:
        """Destroy every key of these slots, beyond recovery from the store; returns how many."""

    @abstractmethod
    def held(self, report: str) -> set[str]:
        """The slots of a report that still have a key."""

    @abstractmethod
    def rows(self) -> Iterator[KeyRow]:
        """Every key held, for a dump taken with its secrets."""

    def close(self) -> None:  # noqa: B027  # a store with nothing open needs nothing
        """Release the connection, if any."""


class SQLiteFieldKeys(FieldKeys):
    """Keys in an SQLite file of their own (or in memory for a rehearsal)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._conn: sqlite3.Connection | None = None

    @property
    def path(self) -> Path | None:
        return None if self.folder is None else self.folder / "keys.sqlite"

    def _db(self, *, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if self.path is None:
            self._conn = sqlite3.connect(":memory:")
        elif not self.path.exists():
            if not create:
                return None
            assert self.folder is not None
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._conn = sqlite3.connect(self.path)
        else:
            self._conn = sqlite3.connect(self.path)
        conn = self._conn
        # Deleted rows are overwritten with zeros, and the rollback journal is the
        # only other file; no WAL keeps an old page after a key is destroyed.
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS field_keys (kid TEXT PRIMARY KEY, report TEXT NOT NULL, "
            "slot TEXT NOT NULL, key BLOB NOT NULL)"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS field_keys_slot ON field_keys (report, slot)")
        conn.commit()
        return conn

    def get(self, kid: str) -> bytes | None:
        conn = self._db(create=False)
        if conn is None:
            return None
        row = conn.execute("SELECT key FROM field_keys WHERE kid=?", (kid,)).fetchone()
        return None if row is None else bytes(row[0])

    def live(self, report: str, slot: str) -> tuple[str, bytes] | None:
        conn = self._db(create=False)
        if conn is None:
            return None
        row = conn.execute(
            "SELECT kid, key FROM field_keys WHERE report=? AND slot=? ORDER BY rowid DESC LIMIT 1",
            (report, slot),
        ).fetchone()
        return None if row is None else (str(row[0]), bytes(row[1]))

    def add(self, rows: list[KeyRow]) -> None:
        conn = self._db(create=True)
        assert conn is not None
        with conn:
            conn.executemany("INSERT OR IGNORE INTO field_keys VALUES (?,?,?,?)", rows)

    def destroy(self, report: str, slots: list[str]) -> int:
        conn = self._db(create=False)
        if conn is None or not slots:
            return 0
        marks = ",".join("?" for _ in slots)
        with conn:
            count = conn.execute(
                f"DELETE FROM field_keys WHERE report=? AND slot IN ({marks})", (report, *slots)
            ).rowcount
        conn.execute("VACUUM")  # free pages gone too, so the file holds no trace of the key
        return int(count)

    def held(self, report: str) -> set[str]:
        conn = self._db(create=False)
        if conn is None:
            return set()
        return {str(r[0]) for r in conn.execute("SELECT slot FROM field_keys WHERE report=?", (report,))}

    def rows(self) -> Iterator[KeyRow]:
        conn = self._db(create=False)
        if conn is None:
            return
        for kid, report, slot, key in conn.execute(
            "SELECT kid, report, slot, key FROM field_keys ORDER BY rowid"
        ):
            yield str(kid), str(report), str(slot), bytes(key)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def for_archive(env: Any) -> FieldKeys:
    """The key store of an archive, from its eventsourcing environment."""
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        from warlog.evidence.postgres import PostgresFieldKeys

        return PostgresFieldKeys(env)
    return SQLiteFieldKeys(beside(env, ".secrets"))


def beside(env: Any, suffix: str) -> Path | None:
    """A folder next to the archive's SQLite file; None for an in-memory store."""
    name = str(env.get("SQLITE_DBNAME", ""))
    if not name or ":memory:" in name or "mode=memory" in name or name.startswith("file:"):
        return None
    return Path(name + suffix)
