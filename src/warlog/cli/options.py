"""Options shared by every command, and the one place user errors become exit code 1."""

from __future__ import annotations

import functools
import getpass
import sqlite3
from collections.abc import Callable
from typing import Annotated, NoReturn, ParamSpec, TypeVar
from uuid import uuid4

import typer
from eventsourcing.persistence import PersistenceError

from warlog import clock
from warlog.archive import Archive
from warlog.errors import Contention, WarlogError
from warlog.store import Store

P = ParamSpec("P")
RETRIES = 5
T = TypeVar("T")

Db = Annotated[
    str | None,
    typer.Option("--db", envvar="WARLOG_DB", show_envvar=True,
                 help="Archive: an SQLite file path or a postgresql:// URL. [default: ./warlog.db]"),
]
Archivist = Annotated[
    str | None,
    typer.Option("--archivist", envvar="WARLOG_ARCHIVIST", show_envvar=True,
                 help="Who is recording this. [default: your user name]"),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
KnownAt = Annotated[
    str | None,
    typer.Option("--known-at", metavar="TIMESTAMP",
                 help="Record time: what the archive knew then (RFC 3339; a bare date means "
                      "its start, UTC). [default: now]"),
]
MinReliability = Annotated[
    str,
    typer.Option("--min-reliability", metavar="A-F",
                 help="Keep sources graded this or better (A best, F cannot be judged)."),
]
MinCredibility = Annotated[
    int,
    typer.Option("--min-credibility", metavar="1-6",
                 help="Keep claims graded this or better (1 confirmed, 6 cannot be judged)."),
]


def user_errors(command: Callable[P, T]) -> Callable[P, T]:
    """Print a user's mistakes one line each on stderr and exit 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except WarlogError as error:
            fail(str(error))
        except (PersistenceError, sqlite3.Error, OSError) as error:
            fail(f"cannot use the archive: {error}")

    return wrapper


def fail(message: str) -> NoReturn:
    for line in message.splitlines() or ["error"]:
        typer.echo(f"error: {line}" if not _located(line) else line, err=True)
    raise typer.Exit(code=1)


def _located(line: str) -> bool:
    head = line.split(" ", 1)[0]
    return head.endswith(":") and ":" in head[:-1]


def archivist_name(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_existing(db: str | None) -> Archive:
    """Open an archive for reading; a missing one is an error, not a new empty file."""
    store = Store.locate(db)
    if not store.exists():
        raise WarlogError(
            f"no archive at {store.location}; create one with 'warlog init' or "
            "'warlog import FILE', or point --db / WARLOG_DB at an existing one"
        )
    return Archive(store.environment())


def write(db: str | None, change: Callable[[Archive], T]) -> T:
    """Apply a change; when the archive does not exist yet, check it in memory first.

    That way bad input never leaves behind a new, empty archive file.
    """
    store = Store.locate(db)
    if not store.exists():
        rehearsal = Archive(Store(f"file:check-{uuid4().hex}?mode=memory&cache=shared").environment())
        try:
            change(rehearsal)
        finally:
            rehearsal.close()
    archive = Archive(store.environment())
    try:
        for _ in range(RETRIES):
            try:
                return change(archive)
            except Contention:
                continue  # the registries moved on: check the input again against them
        return change(archive)
    finally:
        archive.close()


def timestamp(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return clock.format_time(clock.parse_timestamp(value)[0])
    except ValueError as error:
        raise WarlogError(f"{option}: {error}") from None


def day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return clock.parse_date(value)
    except ValueError as error:
        raise WarlogError(f"{option}: {error}") from None


def grades(min_reliability: str, min_credibility: int) -> tuple[str, int]:
    reliability = min_reliability.upper()
    if reliability not in ("A", "B", "C", "D", "E", "F"):
        raise WarlogError(f"--min-reliability: '{min_reliability}' is not a grade; use A to F")
    if not 1 <= min_credibility <= 6:
        raise WarlogError(f"--min-credibility: {min_credibility} is not a grade; use 1 to 6")
    return reliability, min_credibility
