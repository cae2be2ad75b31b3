"""The evidence stores of a PostgreSQL archive: tables in its own schema, outside the event store.

`evidence_field_keys` holds the field keys of sealed text and
`evidence_files` the bytes of attached files by their SHA-256. Neither is
part of the log or the read model: `rebuild` leaves them alone, and `verify`
compares only the read model's `warlog_*` tables. A destroyed key is deleted
and the table rewritten (`VACUUM FULL`), so no dead row keeps it in the
table's files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from warlog.evidence.blobs import FileStore
from warlog.evidence.keys import FieldKeys, KeyRow


def connect(env: Any) -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection of its own, as `VACUUM` needs one outside a transaction."""
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env.get("POSTGRES_PASSWORD", ""),
        connect_timeout=int(env.get("POSTGRES_CONNECT_TIMEOUT", "10")),
        autocommit=True,
    )


class _Tables:
    """One lazily opened connection, and the schema-qualified table it works on."""

    table = ""
    create = ""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.schema = env["POSTGRES_SCHEMA"]
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    @property
    def name(self) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(self.table))

    def conn(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None:
            self._conn = connect(self.env)
            self._conn.execute(sql.SQL(self.create).format(self.name))
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresFieldKeys(_Tables, FieldKeys):
    table = "evidence_field_keys"
    create = (
        "CREATE TABLE IF NOT EXISTS {} (seq BIGSERIAL, kid TEXT PRIMARY KEY, report TEXT NOT NULL, "
        "slot TEXT NOT NULL, key BYTEA NOT NULL)"
    )

    def get(self, kid: str) -> bytes | None:
        row = (
            self.conn()
            .execute(sql.SQL("SELECT key FROM {} WHERE kid=%s").format(self.name), (kid,))
            .fetchone()
        )
        return None if row is None else bytes(row[0])

    def live(self, report: str, slot: str) -> tuple[str, bytes] | None:
        row = (
            self.conn()
            .execute(
                sql.SQL(
                    "SELECT kid, key FROM {} WHERE report=%s AND slot=%s ORDER BY seq DESC LIMIT 1"
                ).format(self.name),
                (report, slot),
            )
            .fetchone()
        )
        return None if row is None else (str(row[0]), bytes(row[1]))

    def add(self, rows: list[KeyRow]) -> None:
        with self.conn().transaction(), self.conn().cursor() as c:
            c.executemany(
                sql.SQL(
                    "INSERT INTO {} (kid, report, slot, key) VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING"
                ).format(self.name),
                rows,
            )

    def destroy(self, report: str, slots: list[str]) -> int:
        if not slots:
            return 0
        c = self.conn().execute(
            sql.SQL("DELETE FROM {} WHERE report=%s AND slot = ANY(%s)").format(self.name), (report, slots)
        )
        count = c.rowcount
        self.conn().execute(sql.SQL("VACUUM FULL {}").format(self.name))
        return int(count)

    def held(self, report: str) -> set[str]:
        c = self.conn().execute(sql.SQL("SELECT slot FROM {} WHERE report=%s").format(self.name), (report,))
        return {str(r[0]) for r in c}

    def rows(self) -> Iterator[KeyRow]:
        for kid, report, slot, key in self.conn().execute(
            sql.SQL("SELECT kid, report, slot, key FROM {} ORDER BY seq").format(self.name)
        ):
            yield str(kid), str(report), str(slot), bytes(key)


class PostgresFiles(_Tables, FileStore):
    table = "evidence_files"
    create = "CREATE TABLE IF NOT EXISTS {} (sha256 TEXT PRIMARY KEY, content BYTEA NOT NULL)"

    def put(self, address: str, content: bytes) -> bool:
        c = self.conn().execute(
            sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(self.name),
            (address, content),
        )
        return c.rowcount == 1

    def read(self, address: str) -> bytes | None:
        row = (
            self.conn()
            .execute(sql.SQL("SELECT content FROM {} WHERE sha256=%s").format(self.name), (address,))
            .fetchone()
        )
        return None if row is None else bytes(row[0])

    def remove(self, address: str) -> None:
        self.conn().execute(sql.SQL("DELETE FROM {} WHERE sha256=%s").format(self.name), (address,))
        self.conn().execute(sql.SQL("VACUUM FULL {}").format(self.name))

    def where(self, address: str) -> str:
        return f"table {self.schema}.{self.table}, row {address}"
