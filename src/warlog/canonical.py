"""The canonical bytes of a stored event: what Merkle leaves and archivists' signatures cover.

A stored event is written out as a small JSON object — its position, record
time, archivist, type and data — in RFC 8785 (JCS) canonical form, so anyone
can recompute the bytes from the log with any JCS implementation. Stored events
hold only text, integers, lists and objects (no floats; coordinates are decimal
text), for which orjson with sorted keys writes exactly the JCS bytes; a test
holds that claim against the `rfc8785` package for every event the schemas allow.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import orjson
from eventsourcing.utils import get_topic

from warlog import clock

SIGNATURE_CONTEXT = b"warlog event signature v1\n"
_WIDE = re.compile(rb"[\xee-\xf4]")
"""A UTF-8 lead byte of a character from U+E000 on: without one, no key can need reordering."""
_NOT_DATA = ("originator_id", "originator_version", "timestamp", "archivist", "signature")


def canonical(value: Any) -> bytes:
    """RFC 8785 bytes for JSON values without floats.

    RFC 8785 sorts keys by their UTF-16 code units, orjson by code points; the
    two orders differ only between a key character from U+E000 to U+FFFF and one
    beyond U+FFFF, so only objects with such keys are put in order here first.
    """
    written = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    if _WIDE.search(written) is None or not _has_wide_key(value):
        return written
    return orjson.dumps(_utf16_ordered(value))


def _has_wide_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any((not k.isascii() and max(k) >= "\ue000") or _has_wide_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_wide_key(v) for v in value)
    return False


def _utf16_ordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _utf16_ordered(value[k]) for k in sorted(value, key=lambda k: k.encode("utf-16-be"))}
    if isinstance(value, list):
        return [_utf16_ordered(v) for v in value]
    return value


def event_record(event: Any) -> dict[str, Any]:
    """The parts of an event that are signed: everything but its position and signature."""
    state = event.__dict__
    return {
        "aggregate": event.originator_id.hex,
        "version": event.originator_version,
        "recorded_at": clock.format_time(event.timestamp),
        "archivist": state.get("archivist", ""),
        "type": get_topic(type(event)),
        "data": {k: v for k, v in state.items() if k not in _NOT_DATA},
    }


def signed_bytes(event: Any) -> bytes:
    """What an archivist's signature covers, with a prefix no other signed message has."""
    return SIGNATURE_CONTEXT + canonical(event_record(event))


def leaf(position: int, event: Any) -> bytes:
    """The Merkle leaf of the event at a log position."""
    return canonical(
        {**event_record(event), "position": position, "signature": event.__dict__.get("signature")}
    )


def nfc(value: Any) -> Any:
    """Text in Unicode normal form C, so the same words always have the same bytes."""
    if isinstance(value, str):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value
