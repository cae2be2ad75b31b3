"""PostgreSQL stores a large command's events in chunks, in one transaction, in order.

The library's own insert sends a command's events as one message inside a psycopg
pipeline, which hung for good on an import of 20,000 reports; warlog's recorder
sends bounded chunks instead. These tests pin what the chunking must keep: every
event stored, positions in the order given, and nothing stored if any chunk fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

import warlog
from warlog.archive import Archive
from warlog.readmodel.postgres import INSERT_CHUNK, PostgresArchiveRecorder


@pytest.fixture
def recorder(postgres_db: str) -> Iterator[PostgresArchiveRecorder]:
    archive: Archive = warlog.open(postgres_db)
    assert isinstance(archive.recorder, PostgresArchiveRecorder)
    yield archive.recorder
    archive.close()


def events(count: int) -> list[StoredEvent]:
    """Events of one aggregate, versions 1..count, small enough to insert quickly."""
    originator = uuid4()
    return [StoredEvent(originator, version, "test.topic", b"{}") for version in range(1, count + 1)]


def test_a_command_larger_than_a_chunk_is_stored_whole_and_in_order(
    recorder: PostgresArchiveRecorder,
) -> None:
    batch = events(2 * INSERT_CHUNK + 7)
    before = recorder.max_notification_id() or 0
    ids = recorder.insert_events(batch)
    assert ids is not None and len(ids) == len(batch)
    assert ids == sorted(ids) and ids[0] > before
    stored = recorder.select_events(batch[0].originator_id)
    assert [e.originator_version for e in stored] == list(range(1, len(batch) + 1))
    notifications = recorder.select_notifications(start=ids[0], limit=len(batch))
    assert [n.originator_version for n in notifications] == list(range(1, len(batch) + 1))


def test_a_conflict_in_the_last_chunk_stores_nothing_of_the_command(
    recorder: PostgresArchiveRecorder,
) -> None:
    taken = events(1)
    recorder.insert_events(taken)
    batch = events(2 * INSERT_CHUNK)
    clash = StoredEvent(taken[0].originator_id, 1, "test.topic", b"{}")  # already stored
    with pytest.raises(IntegrityError):
        recorder.insert_events([*batch, clash])
    assert recorder.select_events(batch[0].originator_id) == []
    assert len(recorder.select_events(taken[0].originator_id)) == 1


def test_an_empty_command_stores_nothing(recorder: PostgresArchiveRecorder) -> None:
    before = recorder.max_notification_id()
    assert recorder.insert_events([]) == []
    assert recorder.max_notification_id() == before
