"""Is the read model what the log says it is? Tracking checks, replay comparison, forced rebuilds.

The read model is derived: every row of every `warlog_*` table follows from
the log. So it is checked the way a reader would check a copy, by making
another one: the log is projected into a scratch read model (a temporary
SQLite file, or a temporary PostgreSQL schema dropped afterwards) with the
same projection code, and every table is compared row by row with the stored
one. Both are read sorted by all their columns and streamed, so the check
holds on archives of any size; the tables are discovered from the read
model's own list, so it needs no change when a table or column is added.

A cheaper check runs before every command: the tracking position (how far the
read model has projected) must be the position of the last leaf it recorded.
A deleted, moved or dropped tracking row would otherwise make commands fail
on duplicate rows, or silently stop projecting.

A rebuild replaces the recorded tree with one recomputed from the log as it
is now, which would launder a tampered event. `rebuild --force` therefore
writes what `verify` found into `warlog_forced_rebuilds`, a table no rebuild
drops, and `verify` reports those findings ever after.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from eventsourcing.persistence import PersistenceError

from warlog import clock
from warlog.errors import WarlogError
from warlog.projection import BATCH, StateProjection
from warlog.readmodel.persistence import TABLES, ReadModel

if TYPE_CHECKING:
    from warlog.archive import Archive

FORCED = "warlog_forced_rebuilds"
SHOWN_VALUE = 60


class OutOfStep(WarlogError):
    """The read model's tracking position does not match what it has projected."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"the read model is out of step with the log ({detail}); run 'warlog rebuild'")


def database_errors() -> tuple[type[BaseException], ...]:
    """What a damaged or missing table raises, whichever backend.

    psycopg is asked for only when loaded: an archive on PostgreSQL has loaded it,
    and importing it for an SQLite archive would cost every command ~90 ms.
    """
    errors: list[type[BaseException]] = [PersistenceError, sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


def tracking_problem(view: ReadModel) -> str | None:
    """Why the tracking position cannot be trusted, or None."""
    return tracked_position(view)[1]


def tracked_position(view: ReadModel) -> tuple[int | None, str | None]:
    """The tracking position, and why it cannot be trusted (None when it can).

    One statement, so PostgreSQL reads both numbers from one snapshot even
    while another process projects; the position it returns saves the
    catch-up a query of its own.
    """
    statement = (
        f"SELECT (SELECT notification_id FROM {view._tracking_table} "
        "WHERE application_name=?), (SELECT MAX(position) FROM warlog_leaves)"
    )
    try:
        with view._transaction(commit=False) as c:
            c.execute(view._sql(statement), (view.application_name,))
            tracked, last = c.fetchone()
    except database_errors() as error:
        return None, f"its tracking position cannot be read: {_first_line(error)}"
    if tracked == last:
        return tracked, None
    if tracked is None:
        return None, (f"its tracking position is missing, but it has projected up to position {last}")
    if last is None:
        return tracked, f"its tracking position is {tracked}, but it has projected nothing"
    return tracked, (f"its tracking position is {tracked}, but it has projected up to position {last}")


def check_in_step(view: ReadModel) -> int | None:
    """Refuse to project onto a read model whose tracking position is damaged; else return it."""
    position, problem = tracked_position(view)
    if problem is not None:
        raise OutOfStep(problem)
    return position


# Replaying into a scratch read model ------------------------------------------


def replay_differences(archive: Archive) -> list[str]:
    """How the stored read model differs from a replay of the log up to its tracking position."""
    problem = tracking_problem(archive.view)
    if problem is not None:
        return [f"the read model is out of step with the log ({problem}); run 'warlog rebuild'"]
    last = archive.view.max_tracking_id(archive.name) or 0
    try:
        with scratch_read_model(archive) as scratch:
            try:
                _project(archive, scratch, last)
            except WarlogError as error:
                return [f"the log cannot be replayed to check the read model: {error}"]
            difference = first_difference(archive.view, scratch)
    except database_errors() as error:
        return [
            f"the read model could not be checked: no scratch copy could be made "
            f"({_first_line(error)}); 'verify --no-read-model' checks the log alone"
        ]
    return [] if difference is None else [difference]


@contextmanager
def scratch_read_model(archive: Archive) -> Iterator[ReadModel]:
    """An empty read model of the archive's backend, thrown away afterwards."""
    import tempfile  # here, not above: every query checks the tracking position with this module

    from warlog.archive import Archive

    env = dict(archive.env)
    env["CREATE_TABLE"] = "y"
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        env["POSTGRES_SCHEMA"] = f"warlog_replay_{uuid4().hex[:16]}"
        scratch = Archive(env)
        try:
            yield scratch.view
        finally:
            with scratch.view.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
                c.execute(f'DROP SCHEMA "{env["POSTGRES_SCHEMA"]}" CASCADE')
            scratch.close()
        return
    folder = Path(tempfile.mkdtemp(prefix="warlog-replay-"))
    env["SQLITE_DBNAME"] = str(folder / "replay.db")
    try:
        scratch = Archive(env)
        try:
            yield scratch.view
        finally:
            scratch.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _project(archive: Archive, view: ReadModel, last: int) -> None:
    """The projection's own batches, written into `view`, from the log up to position `last`."""
    projection = StateProjection(view)
    position, expected = 0, None
    while position < last:
        page = archive.recorder.select_notifications(start=position + 1, limit=BATCH, stop=last)
        if not page:
            return
        events = [(n.id, archive.mapper.to_domain_event(n)) for n in page]
        projection.process_batch(events, archive.name, expected)
        position = expected = page[-1].id


def first_difference(stored: ReadModel, replayed: ReadModel) -> str | None:
    """The first table and row in which two read models differ, or None."""
    for table in TABLES:
        try:
            columns = _columns(stored, table)
        except database_errors() as error:
            return f"read model table {table} cannot be read: {_first_line(error)}"
        if columns != _columns(replayed, table):
            return f"read model table {table} has other columns than a replay of the log makes"
        order = ", ".join(str(i) for i in range(1, len(columns) + 1))
        statement = f"SELECT * FROM {table} ORDER BY {order}"
        rows = zip_longest(stored._rows(statement, ()), replayed._rows(statement, ()))
        for number, (mine, theirs) in enumerate(rows, start=1):
            if mine != theirs:
                return (
                    f"read model table {table} differs from a replay of the log at row "
                    f"{number} (in column order): {_describe(columns, mine, theirs)}; "
                    "run 'warlog rebuild' once the log verifies"
                )
    return None


def _columns(view: ReadModel, table: str) -> tuple[str, ...]:
    with view._transaction(commit=False) as c:
        c.execute(view._sql(f"SELECT * FROM {table} LIMIT 0"))
        description: Any = c.description  # type: ignore[attr-defined]
        c.fetchall()
    return tuple(str(d[0]) for d in description)


def _describe(columns: tuple[str, ...], stored: Any, replayed: Any) -> str:
    if replayed is None:
        return f"stored ({_cells(columns, stored)}) is not in the replay"
    if stored is None:
        return f"replayed ({_cells(columns, replayed)}) is missing from the stored table"
    differing = [i for i, (a, b) in enumerate(zip(stored, replayed, strict=True)) if a != b]
    changed = ", ".join(
        f"{columns[i]}: stored {_value(stored[i])}, replayed {_value(replayed[i])}" for i in differing
    )
    return f"{_cells(columns[:2], stored[:2])}; {changed}"


def _cells(columns: tuple[str, ...], row: Any) -> str:
    return ", ".join(f"{c}={_value(v)}" for c, v in zip(columns, row, strict=False))


def _value(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 1] + "…"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# Forced rebuilds ------------------------------------------------------------


def record_forced_rebuild(view: ReadModel, findings: list[tuple[int | None, str]]) -> None:
    """Keep what verify found when a rebuild was forced, where no rebuild drops it."""
    at = clock.format_time(clock.now())
    with view._transaction(commit=True) as c:
        c.execute(
            view._sql(
                f"CREATE TABLE IF NOT EXISTS {FORCED} ("
                "recorded_at TEXT NOT NULL, position BIGINT, message TEXT NOT NULL)"
            )
        )
        for position, message in findings:
            c.execute(view._sql(f"INSERT INTO {FORCED} VALUES (?, ?, ?)"), (at, position, message))


def forced_rebuilds(view: ReadModel) -> list[tuple[int | None, str]]:
    """(position, message) of every finding a forced rebuild overrode, oldest first."""
    try:
        with view._transaction(commit=False) as c:
            c.execute(
                view._sql(
                    f"SELECT recorded_at, position, message FROM {FORCED} ORDER BY recorded_at, position"
                )
            )
            rows = c.fetchall()
    except database_errors():
        return []  # no rebuild was ever forced
    return [
        (
            None if r[1] is None else int(r[1]),
            f"a rebuild was forced at {r[0]} over this finding, so the recorded tree was "
            f"recomputed from the log as it then was: {r[2]}",
        )
        for r in rows
    ]
