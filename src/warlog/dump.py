"""Moving an archive between stores with its history intact: every stored event, byte for byte.

A dump is JSON Lines: a header, then one line per stored event with its log
position, aggregate, version, topic and the stored bytes (base64). Restoring
writes the same bytes at the same positions into an empty store, in one
transaction, and projects the read model from them; checkpoints taken of the
old store verify against the new one, because the leaves are the same.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent

from warlog.errors import InvalidInput, Problem, WarlogError
from warlog.evidence.secrets import key_row, restore_keys
from warlog.store import Store
from warlog.topics import ForbiddenTopic

if TYPE_CHECKING:
    from warlog.archive import Archive

HEADER = {"format": "warlog-dump", "version": 1}
PAGE = 1000


def dump(archive: Archive, *, with_secrets: bool = False) -> Iterator[bytes]:
    """The dump's lines, streamed from the log; with the field keys of sealed text only if asked."""
    yield orjson.dumps(HEADER) + b"\n"
    start = 1
    while page := archive.recorder.select_notifications(start=start, limit=PAGE):
        for n in page:
            yield (
                orjson.dumps(
                    {
                        "position": n.id,
                        "originator_id": str(
                            n.originator_id.hex if isinstance(n.originator_id, UUID) else n.originator_id
                        ),
                        "originator_version": n.originator_version,
                        "topic": n.topic,
                        "state": base64.b64encode(n.state).decode(),
                    }
                )
                + b"\n"
            )
        start = page[-1].id + 1
    if with_secrets:
        from warlog.evidence.secrets import key_lines

        yield from key_lines(archive.field_keys)


def restore(archive: Archive, lines: Iterable[bytes], source: str, keys: list[Any] | None = None) -> int:
    """Write a dump into an empty archive; returns how many events were restored.

    Every event is read back through the archive's mapper before it is written,
    so a topic that is not one of warlog's events (which the library would
    import as a module) or bytes that do not decode refuse the whole dump.
    Field keys in the dump (`dump --with-secrets`) are gathered into `keys`.
    """
    if archive.recorder.max_notification_id():
        raise WarlogError("restore needs an empty archive; this one already has events")
    count = archive.recorder.restore(_events(lines, source, archive.mapper, keys))  # type: ignore[attr-defined]
    archive.catch_up()
    return int(count)


def restore_into(store: Store, lines: Iterable[bytes], source: str) -> int:
    """Restore a dump into the store, all or nothing: on any failure the target is left as it was.

    SQLite: the archive is built in a temporary file beside the target and
    renamed over it once complete, so a failed restore leaves no file behind.
    PostgreSQL: what the restore created in the schema (the schema itself when
    it was new) is removed again, and tables that were there are emptied.
    """
    from warlog.archive import Archive

    if store.is_postgres:
        return _restore_postgres(store, lines, source)
    target = store.path
    if store.exists():
        _refuse_if_not_empty(Archive(store.environment()))
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".restoring")
    except OSError as error:
        raise WarlogError(f"--db {store.location}: cannot write there: {error.strerror}") from None
    os.close(fd)
    scratch = Path(name)
    try:
        archive = Archive(Store(name).environment())
        keys: list[Any] = []
        try:
            count = restore(archive, lines, source, keys)
        finally:
            archive.close()
        restore_keys(Store(str(target)).connection(), keys)
        for suffix in _SQLITE_SIDE_FILES:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(scratch, 0o666 & ~umask)  # as a new archive file would be, not mkstemp's 0600
        os.replace(scratch, target)
    finally:
        for leftover in (scratch, *(Path(f"{scratch}{s}") for s in _SQLITE_SIDE_FILES)):
            leftover.unlink(missing_ok=True)
    return count


_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _refuse_if_not_empty(archive: Archive) -> None:
    try:
        if archive.recorder.max_notification_id():
            raise WarlogError("restore needs an empty archive; this one already has events")
    finally:
        archive.close()


def _restore_postgres(store: Store, lines: Iterable[bytes], source: str) -> int:
    from warlog.archive import Archive
    from warlog.readmodel.postgres import remove_restored, schema_objects

    with store.postgres_connection() as conn:
        before = schema_objects(conn, store.schema)
    archive = Archive(store.environment())
    keys: list[Any] = []
    try:
        count = restore(archive, lines, source, keys)
        restore_keys(store.connection(), keys)
        return count
    except BaseException as error:
        archive.close()
        if not _refused(error):
            with store.postgres_connection() as conn:
                remove_restored(conn, store.schema, before)
        raise
    finally:
        archive.close()


def _refused(error: BaseException) -> bool:
    """A store that already had events was refused before anything was written: leave it be."""
    return isinstance(error, WarlogError) and str(error).startswith("restore needs an empty")


def _events(
    lines: Iterable[bytes], source: str, mapper: Mapper[UUID], keys: list[Any] | None = None
) -> Iterator[tuple[int, StoredEvent]]:
    """The dump's events, each read back through the archive's mapper before it is written."""
    previous = 0
    for number, line in enumerate(lines, start=1):
        where = f"{source}:{number}"
        try:
            record: dict[str, Any] = orjson.loads(line)
            if number == 1:
                if record != HEADER:
                    raise ValueError("the first line is not a warlog dump header")
                continue
            if "field_key" in record:
                if keys is not None:
                    keys.append(key_row(record["field_key"]))
                continue
            position = int(record["position"])
            if position <= previous:
                raise ValueError(f"position {position} does not follow {previous}")
            previous = position
            stored = StoredEvent(
                originator_id=UUID(record["originator_id"]),
                originator_version=int(record["originator_version"]),
                topic=str(record["topic"]),
                state=base64.b64decode(record["state"], validate=True),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise InvalidInput(
                [Problem(where, "", f"not a dump line ({error}); restore only what 'warlog dump' wrote")]
            ) from None
        _readable(mapper, stored, where, position)
        yield position, stored


def _readable(mapper: Mapper[UUID], stored: StoredEvent, where: str, position: int) -> None:
    """Refuse an event warlog would not load: a foreign topic (which the library would
    import as a module) or bytes that do not decode."""
    try:
        mapper.to_domain_event(stored)
    except ForbiddenTopic as error:
        raise InvalidInput(
            [
                Problem(
                    where,
                    "topic",
                    f"position {position}: '{error.shown}' is not "
                    "one of warlog's event types; restore only what 'warlog "
                    "dump' wrote",
                )
            ]
        ) from None
    except Exception as error:  # any undecodable byte refuses the dump, never a crash
        raise InvalidInput(
            [
                Problem(
                    where,
                    "state",
                    f"position {position}: the event cannot be "
                    f"read ({type(error).__name__}); restore only what 'warlog "
                    "dump' wrote",
                )
            ]
        ) from None
