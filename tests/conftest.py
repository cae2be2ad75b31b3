"""Fixtures shared by the suite: a fresh archive location per test, on each backend.

PostgreSQL tests each get a schema of their own in database `test`, dropped
afterwards. Without a reachable server they are skipped, except under CI=true,
where a silently skipped backend would pass for a tested one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

import warlog
from warlog.archive import Archive

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgres"]


@cache
def _unreachable() -> str | None:
    """Why PostgreSQL cannot be used, asked once per run so a down server costs one timeout."""
    try:
        psycopg.connect(POSTGRES, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        return str(error).strip()
    return None


@pytest.fixture
def postgres_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A PostgreSQL archive URL whose schema exists, is empty, and is dropped afterwards.

    Its archive key goes to this test's folder (a PostgreSQL archive has no file to
    keep it beside, and `init` makes one), unless the test names another.
    """
    if not os.environ.get("WARLOG_KEYS"):
        monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "archive-keys"))
    if (error := _unreachable()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    schema = f"t_{uuid4().hex}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield f"{POSTGRES}?schema={schema}"
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """An SQLite archive path, for tests that compare the file's bytes."""
    return str(tmp_path / "warlog.db")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest) -> str:
    """An archive location that does not exist yet: an SQLite path or a PostgreSQL URL."""
    return str(request.getfixturevalue(f"{request.param}_db"))


@pytest.fixture
def archive(db: str) -> Iterator[Archive]:
    opened = warlog.open(db)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def own_keys_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Archivists' private keys go to this test's folder, never to the user's own."""
    folder = tmp_path / "my-keys"
    monkeypatch.setenv("WARLOG_ARCHIVIST_KEYS", str(folder))
    return folder


@pytest.fixture(autouse=True, scope="session")
def build_the_command_once() -> Iterator[None]:
    """typer rebuilds the click command from the app on every CliRunner invoke, which is
    most of an in-process call's time; build it once and hand the same command to every invoke."""
    import typer.testing

    from warlog.cli.app import app

    command = typer.main.get_command(app)
    original = getattr(typer.testing, "_get_command", None)
    typer.testing._get_command = lambda _: command  # type: ignore[attr-defined]
    yield
    if original is not None:
        typer.testing._get_command = original  # type: ignore[attr-defined]
