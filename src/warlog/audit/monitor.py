"""A monitor: reads what a mirrored log added since its last run, after proving nothing before changed.

A witness stops the archive showing different histories to different
people; a monitor is someone actually reading the history. Each run it takes
the mirror's signed checkpoint, checks it extends the last one it saw (a
consistency proof from the tiles, so a fork, a rewrite or a truncation stops
it with one loud line and leaves its state untouched), checks each new entry
against the tiles, and lists the new events, those touching what it watches
first.

Corrections and retractions name their report, not its source or places; the
monitor remembers which reports it saw filed under a watched place or source
(in its state file), so their later amendments are flagged too.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from warlog.audit import merkle
from warlog.audit.checkpoint import CheckpointError, parse_vkey
from warlog.audit.tiles import TILE_WIDTH, TileDirectory, TileHashes, open_mirror, tile_path
from warlog.errors import WarlogError

STATE_VERSION = 1
WATCH_KINDS = ("place", "source", "archivist")


class MirrorAltered(WarlogError):
    """The mirror's history is not an extension of what this monitor saw: the one loud line."""


def parse_watch(text: str) -> tuple[str, str]:
    kind, sep, name = text.partition("=")
    if not sep or kind not in WATCH_KINDS or not name.strip():
        raise WarlogError(f"--watch {text!r}: give place=NAME, source=NAME or archivist=NAME")
    return kind, name.strip()


@dataclass
class NewEvent:
    """One event the monitor had not seen, with why it is flagged (if it is)."""

    leaf_index: int
    position: int
    recorded_at: str
    type: str
    archivist: str
    summary: str
    watched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "position": self.position,
            "recorded_at": self.recorded_at,
            "type": self.type,
            "archivist": self.archivist,
            "summary": self.summary,
            "watched": self.watched,
        }


@dataclass
class MonitorRun:
    origin: str
    old_size: int
    size: int
    root: bytes
    events: list[NewEvent]
    first: bool = False

    @property
    def watched(self) -> list[NewEvent]:
        return [e for e in self.events if e.watched]

    @property
    def others(self) -> list[NewEvent]:
        return [e for e in self.events if not e.watched]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "first_run": self.first,
            "origin": self.origin,
            "old_size": self.old_size,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "watched": [e.to_dict() for e in self.watched],
            "others": [e.to_dict() for e in self.others],
        }


def _load(path: Path) -> dict[str, Any] | None:
    try:
        state = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as error:
        raise WarlogError(f"{path}: not a monitor state file ({error})") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise WarlogError(f"{path}: not a monitor state file written by 'warlog monitor'")
    return state


def _save(path: Path, state: dict[str, Any]) -> None:
    data = orjson.dumps(state, option=orjson.OPT_SORT_KEYS) + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".monitor-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def monitor(
    tiles: Path, state_path: Path, watches: list[tuple[str, str]], key_text: str | None = None
) -> MonitorRun:
    """One run: check the mirror against the last checkpoint seen, list what is new, save the state."""
    state = _load(state_path)
    pinned = None if state is None else state["log_key"]
    if key_text is None and pinned is None:
        raise WarlogError(f"{state_path} does not exist yet: give the archive's published key with --key")
    if key_text is not None and pinned is not None and key_text != pinned:
        raise WarlogError(
            f"--key is not the key {state_path} was started with ({pinned}); use a new state file"
        )
    vkey_text = key_text or pinned
    assert vkey_text is not None
    try:
        name, key = parse_vkey(vkey_text)
    except CheckpointError as error:
        raise WarlogError(f"--key: {error}") from None
    note, checkpoint = open_mirror(tiles, name, key)
    old_size = 0 if state is None else int(state["size"])
    old_root = merkle.EMPTY_ROOT if state is None else base64.b64decode(state["root"])
    seen_at = "" if state is None else f" (seen {state['seen']})"
    if checkpoint.size < old_size:
        raise MirrorAltered(
            f"TRUNCATED: {tiles} now has {checkpoint.size} entries, fewer than the {old_size} "
            f"this monitor saw{seen_at}: events were removed or the log was rolled back"
        )
    tree = TileHashes(TileDirectory(tiles), checkpoint.size)
    if (tree.root() if checkpoint.size else merkle.EMPTY_ROOT) != checkpoint.root:
        raise MirrorAltered(f"ALTERED: the tiles in {tiles} do not hash to their own checkpoint's root")
    proof = merkle.consistency_proof_from(old_size, checkpoint.size, tree)
    if not merkle.verify_consistency(old_size, checkpoint.size, old_root, checkpoint.root, proof):
        raise MirrorAltered(
            f"FORK: {tiles} at size {checkpoint.size} is not an extension of the log this monitor saw "
            f"at size {old_size}{seen_at}: entries among the first {old_size} were rewritten"
        )
    reports: dict[str, list[str]] = {} if state is None else dict(state.get("watched_reports", {}))
    events = [
        _describe(index, entry, watches, reports)
        for index, entry in _new_entries(TileDirectory(tiles), old_size, checkpoint.size)
    ]
    import datetime

    _save(
        state_path,
        {
            "version": STATE_VERSION,
            "origin": checkpoint.origin,
            "log_key": vkey_text,
            "size": checkpoint.size,
            "root": base64.b64encode(checkpoint.root).decode(),
            "checkpoint": note,
            "seen": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "watched_reports": reports,
        },
    )
    return MonitorRun(checkpoint.origin, old_size, checkpoint.size, checkpoint.root, events, state is None)


def _new_entries(directory: TileDirectory, old_size: int, size: int) -> Iterator[tuple[int, bytes]]:
    """Entries [old_size, size), each checked against its level-0 tile hash, one bundle at a time."""
    for bundle in range(old_size // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = TILE_WIDTH if (bundle + 1) * TILE_WIDTH <= size else size % TILE_WIDTH
        entries = directory.bundle(bundle, width)
        hashes = directory.hashes(0, bundle, width)
        for offset, entry in enumerate(entries):
            index = bundle * TILE_WIDTH + offset
            if index < old_size:
                continue
            if merkle.leaf_hash(entry) != hashes[offset * 32 : offset * 32 + 32]:
                raise MirrorAltered(
                    f"ALTERED: entry {index} in {tile_path('entries', bundle, width)} does not hash to "
                    "its leaf hash in the tiles"
                )
            yield index, entry


def _place_matches(place: Any, name: str) -> bool:
    if not isinstance(place, str):
        return False
    wanted = name.casefold()
    return place.casefold() == wanted or place.split(",")[0].strip().casefold() == wanted


def _describe(
    index: int, entry: bytes, watches: list[tuple[str, str]], reports: dict[str, list[str]]
) -> NewEvent:
    try:
        record = orjson.loads(entry)
        data = record["data"]
        kind = str(record["type"]).rsplit(":", 1)[-1]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return NewEvent(index, -1, "", "unreadable", "", "the entry is not a warlog event", ["unreadable"])
    aggregate = str(record.get("aggregate", ""))
    flags: list[str] = []
    places: list[Any] = []
    if kind == "Report.Filed":
        places = [c.get("place") for c in data.get("claims", []) if isinstance(c, dict)]
    elif kind == "Report.ClaimCorrected" and isinstance(data.get("changes"), dict):
        places = [data["changes"].get("place")]
    elif kind.endswith(".Registered") and "name" in data:
        places = [data["name"]] if kind.startswith("Places") else []
    for what, name in watches:
        if _matches(what, name, record, kind, places):
            flags.append(f"{what}={name}")
    if kind == "Report.Filed" and flags:
        reports[aggregate] = [f for f in flags if not f.startswith("archivist=")] or reports.get(
            aggregate, []
        )
        if not reports[aggregate]:
            del reports[aggregate]
    current = {f"{what}={name}" for what, name in watches}
    for label in reports.get(aggregate, []):
        if label in current and label not in flags and kind != "Report.Filed":
            flags.append(f"{label} (its report)")
    return NewEvent(
        index,
        int(record.get("position", -1)),
        str(record.get("recorded_at", "")),
        kind,
        str(record.get("archivist", "")),
        _summary(kind, data),
        flags,
    )


def _matches(what: str, name: str, record: dict[str, Any], kind: str, places: list[Any]) -> bool:
    """Whether an event touches a watched archivist, source (of a filing) or place."""
    wanted = name.casefold()
    if what == "archivist":
        return str(record.get("archivist", "")).casefold() == wanted
    if what == "source":
        return kind == "Report.Filed" and str(record["data"].get("source", "")).casefold() == wanted
    return any(_place_matches(p, name) for p in places)


def _summary(kind: str, data: dict[str, Any]) -> str:
    if kind == "Report.Filed":
        claims = [c for c in data.get("claims", []) if isinstance(c, dict)]
        shown = sorted({str(c.get("place", "")).split(",")[0] for c in claims})
        more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
        return (
            f"report {data.get('report_id')} from {data.get('source')}: {len(claims)} claim(s) on "
            f"{', '.join(shown[:3])}{more}"
        )
    if kind == "Report.ClaimCorrected":
        changes = data.get("changes") or {}
        return f"claim {data.get('claim')} corrected ({', '.join(sorted(changes))}): {data.get('reason', '')}"
    if kind == "Report.ClaimRetracted":
        return f"claim {data.get('claim')} retracted: {data.get('reason', '')}"
    if kind == "Report.Retracted":
        return f"report retracted: {data.get('reason', '')}"
    if "name" in data:
        return str(data["name"])
    fields = (
        f"{k}={str(v).splitlines()[0][:60]}"
        for k, v in sorted(data.items())
        if isinstance(v, str | int) and str(v)
    )
    return ", ".join(fields)[:160]
