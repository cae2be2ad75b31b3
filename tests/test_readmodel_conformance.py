"""The read model on every backend: the library's own recorder contract, then warlog's.

A backend that passes eventsourcing's `TrackingRecorderTestCase` still keeps the
tracking position the way the library's projections expect; the tests after it
check what the library cannot: the compare-and-set that makes projection
exactly-once, identical answers from both backends, and concurrent projectors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import orjson
import psycopg
import pytest
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    ProgrammingError,
    TrackingRecorder,
)
from eventsourcing.tests.persistence import TrackingRecorderTestCase
from eventsourcing.utils import Environment

import warlog
from warlog import clock, projection
from warlog.archive import Archive, read_model_class
from warlog.readmodel import postgres
from warlog.readmodel.persistence import ReadModel, StaleTracking
from warlog.store import Store

SAMPLE = resources.files("warlog").joinpath("data", "sample.jsonl").read_text("utf-8")


class ReadModelConformance(TrackingRecorderTestCase):
    """The library's tracking-recorder tests and warlog's compare-and-set, for one backend."""

    location: str

    def create_recorder(self) -> ReadModel:
        env = Environment(Archive.name, Store(self.location).environment())
        factory: InfrastructureFactory[TrackingRecorder] = InfrastructureFactory.construct(env)
        self.addCleanup(factory.close)
        view = factory.tracking_recorder(read_model_class(env["PERSISTENCE_MODULE"]))
        assert isinstance(view, ReadModel)
        return view

    def test_advance_tracking_is_compare_and_set(self) -> None:
        view = self.create_recorder()
        advance = view._advance_tracking  # the guard project() relies on

        with view._transaction(commit=True) as c:
            advance(c, None, 5)  # the first batch inserts the position
        with view._transaction(commit=True) as c:
            advance(c, 5, 9)  # the next batch moves it on from where it was read
        for expected in (None, 1, 5, 12):  # positions read before someone else moved it
            with pytest.raises(StaleTracking), view._transaction(commit=True) as c:
                advance(c, expected, 12)
        self.assertEqual(view.max_tracking_id(view.application_name), 9)

    def test_drop_forgets_rows_and_position(self) -> None:
        view = self.create_recorder()
        with view._transaction(commit=True) as c:
            advance = view._advance_tracking
            advance(c, None, 1)
            c.execute(view._sql("INSERT INTO warlog_log VALUES (?,?,?)"), (1, "t", "a"))
        view.drop()
        self.assertIsNone(view.max_tracking_id(view.application_name))
        self.assertIsNone(view.first_position_at_or_after(""))


class TestSQLiteReadModel(ReadModelConformance):
    @pytest.fixture(autouse=True)
    def _location(self, sqlite_db: str) -> None:
        self.location = sqlite_db


class TestPostgresReadModel(ReadModelConformance):
    @pytest.fixture(autouse=True)
    def _location(self, postgres_db: str) -> None:
        self.location = postgres_db


del ReadModelConformance  # the library's pattern: only the concrete cases run
del TrackingRecorderTestCase


# Both backends ---------------------------------------------------------------


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One record time for everything, so two archives built apart can be compared."""
    moment = datetime(2024, 12, 8, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)


def answers(db: str) -> dict[str, Any]:
    """Every state, timeline and history the sample file allows, as the CLI's JSON."""
    archive = warlog.open(db)
    try:
        archive.import_file(SAMPLE.splitlines(), "sample.jsonl", "tester")
        places = sorted({archive.places().lookup(n) or n for n in archive.places().all_names()})
        reports = sorted(archive.view.report_ids())
        days = [f"2024-11-{d:02}" for d in range(25, 31)] + [f"2024-12-{d:02}" for d in range(1, 10)]
        found = {
            "state": [archive.state(at=d).to_dict() for d in days],
            "graded": [archive.state(at="2024-12-07", min_reliability="C", min_credibility=2).to_dict()],
            "timeline": [archive.timeline(p).to_dict() for p in places],
            "history": [[c.to_dict() for c in archive.history(s)] for s in (*places, *reports)],
        }
        return found
    finally:
        archive.close()


@pytest.mark.usefixtures("fixed_clock")
def test_backends_give_identical_answers(sqlite_db: str, postgres_db: str) -> None:
    on_sqlite = answers(sqlite_db)
    assert on_sqlite["state"][-1]["places"], "the sample should say something about 9 Dec"
    assert answers(postgres_db) == on_sqlite


def test_a_new_schema_is_created_on_first_write_only(postgres_db: str) -> None:
    url = postgres_db.replace("?schema=t_", "?schema=n_")
    store = Store(url)
    try:
        assert not store.exists()
        assert not _schema_exists(url), "looking must not create the schema"
        with warlog.open(url) as archive:
            archive.start("tester")
        assert store.exists()
    finally:
        with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{url.rsplit("=", 1)[1]}" CASCADE')


def _lost_race(cause: Exception) -> Exception:
    """An error as eventsourcing raises it from the psycopg error that caused it."""
    try:
        raise ProgrammingError(str(cause)) from cause
    except ProgrammingError as error:
        return error


@pytest.mark.parametrize(
    "cause",
    [psycopg.errors.DuplicateTable('relation "stored_event_uuid" already exists'), None],
    ids=["relation already exists", "unique violation"],
)
def test_creating_tables_is_tried_again_when_another_first_open_won_the_race(
    cause: Exception | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres.time, "sleep", lambda _: None)
    failures = [_lost_race(cause) if cause is not None else IntegrityError("duplicate key value")]
    calls: list[int] = []

    def create() -> None:
        calls.append(1)
        if failures:
            raise failures.pop()

    postgres.create_with_retries(create)
    assert len(calls) == 2


def test_creating_tables_is_not_tried_again_for_a_mistake() -> None:
    calls: list[int] = []

    def create() -> None:
        calls.append(1)
        raise _lost_race(psycopg.errors.SyntaxError("syntax error at or near"))

    with pytest.raises(ProgrammingError):
        postgres.create_with_retries(create)
    assert len(calls) == 1


def test_archives_opened_at_once_on_a_new_schema_all_open(postgres_db: str) -> None:
    url = postgres_db.replace("?schema=t_", "?schema=n_")
    start = threading.Barrier(6)
    opened: list[Archive] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        start.wait()
        try:
            opened.append(warlog.open(url))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
    finally:
        for archive in opened:
            archive.close()
        with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{url.rsplit("=", 1)[1]}" CASCADE')


def _schema_exists(url: str) -> bool:
    with psycopg.connect(url.split("?")[0]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (url.rsplit("=", 1)[1],)
        ).fetchone()
    return bool(row and row[0])


# Concurrent projectors ------------------------------------------------------


def bulk(count: int) -> Iterator[str]:
    places = ("Aleppo", "Hama", "Homs", "Damascus", "Douma")
    for n in range(count):
        yield orjson.dumps(
            {
                "type": "report",
                "id": f"bulk-{n}",
                "source": "bulk",
                "published": "2024-12-05",
                "reliability": "C",
                "claims": [
                    {
                        "place": places[n % len(places)],
                        "actor": "Syrian government",
                        "status": "controlled",
                        "credibility": 2,
                    }
                ],
            }
        ).decode()


def test_concurrent_catch_up_projects_each_event_once(
    postgres_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection, "BATCH", 16)  # many small batches, so the two interleave
    first, second = warlog.open(postgres_db), warlog.open(postgres_db)
    try:
        first.import_file([*SAMPLE.splitlines(), *bulk(300)], "bulk.jsonl", "tester")
        last = first.recorder.max_notification_id()
        assert last is not None and last > 16 * 10
        for _ in range(3):
            first.view.drop()
            done = race(first, second)
            assert sum(done) == last, f"each event projected exactly once, not {done}"
            assert logged_positions(postgres_db) == list(range(1, last + 1))
            assert second.view.max_tracking_id(Archive.name) == last
    finally:
        first.close()
        second.close()


def race(*archives: Archive) -> list[int]:
    start = threading.Barrier(len(archives))
    done: list[int] = [0] * len(archives)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            done[i] = archives[i].catch_up()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(archives))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return done


def logged_positions(db: str) -> list[int]:
    schema = db.rsplit("=", 1)[1]
    with psycopg.connect(db.split("?")[0]) as conn:
        rows = conn.execute(f'SELECT position FROM "{schema}".warlog_log ORDER BY position')
        return [int(r[0]) for r in rows]


def test_rebuild_racing_a_projector_loses_nothing(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rebuilder, reader = warlog.open(db), warlog.open(db)
    try:
        rebuilder.import_file(SAMPLE.splitlines(), "sample.jsonl", "tester")
        monkeypatch.setattr(rebuilder, "catch_up", lambda: 0)
        rebuilder.import_file(list(bulk(5)), "bulk.jsonl", "tester")  # left unprojected
        select = reader.recorder.select_notifications
        dropped: list[bool] = []

        def select_then_rebuild(*args: Any, **kwargs: Any) -> Any:
            """The rebuild's drop lands between the reader's read and its write."""
            found = select(*args, **kwargs)
            if found and not dropped:
                dropped.append(rebuilder.view.drop() is None)
            return found

        monkeypatch.setattr(reader.recorder, "select_notifications", select_then_rebuild)
        reader.catch_up()
        Archive.catch_up(rebuilder)  # the rebuild goes on
        assert dropped
        assert rebuilder.view.first_position_at_or_after("") == 1
    finally:
        rebuilder.close()
        reader.close()
