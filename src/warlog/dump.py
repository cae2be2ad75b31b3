"""Moving an archive between stores with its history intact: every stored event, byte for byte.

A dump is JSON Lines: a header, then one line per stored event with its log
position, aggregate, version, topic and the stored bytes (base64). Restoring
writes the same bytes at the same positions into an empty store, in one
transaction, and projects the read model from them; checkpoints taken of the
old store verify against the new one, because the leaves are the same.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from warlog.errors import InvalidInput, Problem, WarlogError

if TYPE_CHECKING:
    from warlog.archive import Archive

HEADER = {"format": "warlog-dump", "version": 1}
PAGE = 1000


def dump(archive: Archive) -> Iterator[bytes]:
    """The dump's lines, streamed from the log."""
    yield orjson.dumps(HEADER) + b"\n"
    start = 1
    while page := archive.recorder.select_notifications(start=start, limit=PAGE):
        for n in page:
            yield orjson.dumps({
                "position": n.id,
                "originator_id": str(n.originator_id.hex if isinstance(n.originator_id, UUID)
                                     else n.originator_id),
                "originator_version": n.originator_version,
                "topic": n.topic,
                "state": base64.b64encode(n.state).decode(),
            }) + b"\n"
        start = page[-1].id + 1


def restore(archive: Archive, lines: Iterable[bytes], source: str) -> int:
    """Write a dump into an empty archive; returns how many events were restored."""
    if archive.recorder.max_notification_id():
        raise WarlogError("restore needs an empty archive; this one already has events")
    count = archive.recorder.restore(_events(lines, source))  # type: ignore[attr-defined]
    archive.catch_up()
    return int(count)


def _events(lines: Iterable[bytes], source: str) -> Iterator[tuple[int, StoredEvent]]:
    previous = 0
    for number, line in enumerate(lines, start=1):
        where = f"{source}:{number}"
        try:
            record: dict[str, Any] = orjson.loads(line)
            if number == 1:
                if record != HEADER:
                    raise ValueError("the first line is not a warlog dump header")
                continue
            position = int(record["position"])
            if position <= previous:
                raise ValueError(f"position {position} does not follow {previous}")
            previous = position
            yield position, StoredEvent(
                originator_id=UUID(record["originator_id"]),
                originator_version=int(record["originator_version"]),
                topic=str(record["topic"]),
                state=base64.b64decode(record["state"], validate=True),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise InvalidInput([Problem(where, "", f"not a dump line ({error}); "
                                                   "restore only what 'warlog dump' wrote")]) from None
