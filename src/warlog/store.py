"""Where the archive lives: `--db` / `WARLOG_DB` turned into an eventsourcing environment.

A path means an SQLite file (the embedded default); a `postgresql://` URL means
eventsourcing's own PostgreSQL recorders. Nothing else in warlog differs by backend
except the read model class chosen here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from warlog.errors import WarlogError

DEFAULT_DB = "warlog.db"
SQLITE_LOCK_TIMEOUT_SECONDS = "30"


@dataclass(frozen=True)
class Store:
    """One archive location."""

    location: str

    @classmethod
    def locate(cls, db: str | None = None) -> Store:
        return cls(db or os.environ.get("WARLOG_DB") or DEFAULT_DB)

    @property
    def is_postgres(self) -> bool:
        return self.location.startswith(("postgresql://", "postgres://"))

    @property
    def path(self) -> Path:
        return Path(self.location)

    def exists(self) -> bool:
        """Whether an archive is already there (PostgreSQL archives are found by their tables)."""
        if self.is_postgres:
            return True
        return self.path.exists()

    def environment(self) -> dict[str, str]:
        if not self.is_postgres:
            if self.path.is_dir():
                raise WarlogError(f"--db {self.location} is a directory; give a file name")
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.path),
                "SQLITE_LOCK_TIMEOUT": SQLITE_LOCK_TIMEOUT_SECONDS,
            }
        url = urlparse(self.location)
        query = parse_qs(url.query)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or os.environ.get("USER", "postgres")),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "30",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env


MEMORY = Store("file:warlog-validation?mode=memory&cache=shared")
