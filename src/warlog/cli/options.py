"""Options shared by every command, and the one place user errors become exit code 1."""

from __future__ import annotations

import errno
import functools
import getpass
import io
import os
import sqlite3
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec, TypeVar
from uuid import uuid4

import typer

from warlog import clock
from warlog.cli.terminal import shown
from warlog.cli.written import WRITTEN_NOT_PROJECTED, NotProjected, completing
from warlog.errors import Contention, WarlogError
from warlog.store import Store

if TYPE_CHECKING:
    from warlog.archive import Archive  # loaded by the command that opens one, not by its help

P = ParamSpec("P")
RETRIES = 5
T = TypeVar("T")

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="FILE|URL",
        envvar="WARLOG_DB",
        show_envvar=True,
        help="Archive: an SQLite file path or a postgresql:// URL. [default: ./warlog.db]",
    ),
]
Archivist = Annotated[
    str | None,
    typer.Option(
        "--archivist",
        metavar="NAME",
        envvar="WARLOG_ARCHIVIST",
        show_envvar=True,
        help="Who is recording this. [default: your user name]",
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Csv = Annotated[bool, typer.Option("--csv", help="Print CSV (a header, then one row per line) instead.")]
Output = Annotated[
    str | None,
    typer.Option(
        "-o",
        "--output",
        metavar="FILE",
        help="Write to FILE (missing folders are created). [default: standard output]",
    ),
]
OldOutput = Annotated[
    str | None, typer.Option("--out", metavar="FILE", hidden=True, help="The old spelling of -o.")
]


def output_file(output: str | None, old: str | None) -> str | None:
    """The file named by -o/--output, or by the old spelling --out."""
    return output if output is not None else old


KnownAt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        metavar="TIMESTAMP",
        help="Record time: what the archive knew then (RFC 3339; a bare date means "
        "its start, UTC). [default: now]",
    ),
]
MinReliability = Annotated[
    str,
    typer.Option(
        "--min-reliability",
        metavar="A-F",
        help="Keep sources graded this or better (A best, F cannot be judged).",
    ),
]
MinCredibility = Annotated[
    int,
    typer.Option(
        "--min-credibility",
        metavar="1-6",
        help="Keep claims graded this or better (1 confirmed, 6 cannot be judged).",
    ),
]
By = Annotated[
    str,
    typer.Option(
        "--by",
        metavar="side|actor",
        help="Resolve by side (the top of each actor's part_of chain) or by the actors as named.",
    ),
]
DatesBound = Annotated[
    str,
    typer.Option(
        "--dates",
        metavar="latest|earliest",
        help="A vague date (month, interval) counts from its last possible day "
        "(latest) or its first (earliest).",
    ),
]
PressureDays = Annotated[
    str | None,
    typer.Option(
        "--pressure-days",
        metavar="N|unlimited",
        help="Days a contested/besieged claim lasts unless renewed. "
        "[default: the archive's policy as known then]",
    ),
]


def rule_options(by: str, dates: str, pressure_days: str | None) -> dict[str, Any]:
    """The resolution options as `Archive.state` and `timeline` take them (which check them)."""
    window = "policy" if pressure_days is None else days(pressure_days, "--pressure-days")
    return {"by": by, "dates": dates, "pressure_days": "unlimited" if window is None else window}


def days(text: str, option: str) -> int | None:
    """A number of days as typed (1 to 100000), or None for 'unlimited'."""
    given = text.strip()
    if given.lower() == "unlimited":
        return None
    if not (given.isascii() and given.isdigit()) or not 1 <= int(given) <= 100_000:
        raise WarlogError(f"{option}: '{text}' is not a number of days; give 1 to 100000, or 'unlimited'")
    return int(given)


def user_errors(command: Callable[P, T]) -> Callable[P, T]:
    """Print a user's mistakes one line each on stderr and exit 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except NotProjected as error:
            typer.echo(f"warning: {shown(str(error))}", err=True)
            raise typer.Exit(code=WRITTEN_NOT_PROJECTED) from None
        except WarlogError as error:
            fail(str(error))
        except BrokenPipeError:
            # Whoever read the output stopped (`warlog log | head`): nothing is wrong.
            _silence_stdout()
            raise typer.Exit(code=0) from None
        except OSError as error:
            fail(_os_problem(error))
        except _database_errors() as error:
            fail(f"cannot use the archive: {error}")

    return wrapper


def _database_errors() -> tuple[type[Exception], ...]:
    """The library's and SQLite's errors; asked for only when something was raised, so a
    command's help does not load the library."""
    from eventsourcing.persistence import PersistenceError

    return PersistenceError, sqlite3.Error


def _os_problem(error: OSError) -> str:
    """An operating-system error in the user's terms: which file, or the output."""
    reason = error.strerror or str(error)
    if error.filename is not None:
        if isinstance(error, FileExistsError | NotADirectoryError):
            reason = "a file is in the way where a directory is needed"
        return f"cannot use {error.filename}: {reason}"
    if error.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG):
        _silence_stdout()  # so that the interpreter's last flush cannot fail again
        return f"cannot write the output: {reason}"
    return f"cannot use the archive: {reason}"


def _silence_stdout() -> None:
    """Point stdout at /dev/null: what could not be written is dropped, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (tests capture it): nothing will flush it at exit


def fail(message: str) -> NoReturn:
    for line in shown(message, newlines=True).splitlines() or ["error"]:
        typer.echo(f"error: {line}" if not _located(line) else line, err=True)
    raise typer.Exit(code=1)


def _located(line: str) -> bool:
    head = line.split(" ", 1)[0]
    return head.endswith(":") and ":" in head[:-1]


def archivist_name(given: str | None) -> str:
    if given:
        from warlog.text import problem

        wrong = problem(given, "name")
        if wrong is not None:
            raise WarlogError(f"--archivist: the name {wrong}")
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_existing(db: str | None) -> Archive:
    """Open an archive for reading; a missing one is an error, not a new empty file."""
    from warlog.archive import Archive

    store = Store.locate(db)
    if not store.exists():
        raise WarlogError(
            f"no archive at {store.location}; create one with 'warlog init' or "
            "'warlog import FILE', or point --db / WARLOG_DB at an existing one"
        )
    _can_write_beside(store)
    return Archive(store.environment())


def _can_write_beside(store: Store) -> None:
    """SQLite writes even to read (its -wal and -shm files, the read model catching up)."""
    if store.is_postgres:
        return
    folder = store.path.parent
    for place, what in ((store.path, "the archive file"), (folder, "its directory")):
        if not os.access(place, os.W_OK):
            raise WarlogError(
                f"cannot open {store.location}: {what} is read-only, and SQLite must write "
                "beside an archive even to read it (its -wal and -shm files, the read model "
                "catching up); make it writable, or copy the archive somewhere writable"
            )


def write(db: str | None, change: Callable[[Archive], T]) -> T:
    """Apply a change; when the archive does not exist yet, check it in memory first.

    That way bad input never leaves behind a new, empty archive file.
    """
    from warlog.archive import Archive

    store = Store.locate(db)
    if store.exists():
        _can_write_beside(store)
    else:
        rehearsal = Archive(Store(f"file:check-{uuid4().hex}?mode=memory&cache=shared").environment())
        try:
            change(rehearsal)
        finally:
            rehearsal.close()
    archive = Archive(store.environment())
    try:
        for _ in range(RETRIES):
            try:
                return completing(archive, change)
            except Contention:
                continue  # the registries moved on: check the input again against them
        return completing(archive, change)
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
