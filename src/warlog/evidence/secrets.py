"""Field keys in a dump: written only by `dump --with-secrets`, taken back by `restore`.

A dump without them holds sealed text that nothing can open: a backup taken
that way is safe to keep anywhere, and restoring it gives an archive in which
every sensitive field reads `[redacted]`. A dump with them can bring back any
text whose key it held, so treat it as the secret it is.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import orjson

from warlog.evidence.keys import FieldKeys, KeyRow
from warlog.evidence.keys import for_archive as field_keys_for
from warlog.evidence.seal import KEY_BYTES


def key_lines(keys: FieldKeys) -> Iterator[bytes]:
    for kid, report, slot, key in keys.rows():
        record = {"kid": kid, "report": report, "slot": slot, "key": base64.b64encode(key).decode()}
        yield orjson.dumps({"field_key": record}) + b"\n"


def key_row(record: Any) -> KeyRow:
    """One key line read back; a malformed one is a ValueError (the dump's line is named)."""
    if not isinstance(record, dict):
        raise ValueError("a field key must be an object")
    key = base64.b64decode(str(record["key"]), validate=True)
    if len(key) != KEY_BYTES:
        raise ValueError(f"a field key is {KEY_BYTES} bytes")
    return str(record["kid"]), str(record["report"]), str(record["slot"]), key


def restore_keys(env: dict[str, str], rows: list[KeyRow]) -> None:
    if not rows:
        return
    keys = field_keys_for(env)
    try:
        keys.add(rows)
    finally:
        keys.close()
