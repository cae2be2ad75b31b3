"""Fixtures shared by the suite: a fresh archive location per test, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import warlog
from warlog.archive import Archive

BACKENDS = ["sqlite"]


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An archive location that does not exist yet: an SQLite path or a PostgreSQL URL."""
    yield str(tmp_path / "warlog.db")


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """An SQLite archive path, for tests that compare the file's bytes."""
    return str(tmp_path / "warlog.db")


@pytest.fixture
def archive(db: str) -> Iterator[Archive]:
    opened = warlog.open(db)
    yield opened
    opened.close()
