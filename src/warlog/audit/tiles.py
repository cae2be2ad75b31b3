"""The log as static files anyone can mirror (C2SP tlog-tiles): write them, read them, check them.

A mirror needs no database and no trust in the operator: a web server or a
public repository serves ``checkpoint`` (the archive's signed tree head),
hash tiles ``tile/<L>/<N>[.p/<W>]`` (256 consecutive Merkle tree hashes at
tree level 8·L, the last one of each level partial) and entry bundles
``tile/entries/<N>[.p/<W>]`` (the leaves themselves, each prefixed with its
length as a big-endian uint16). From those files alone anyone can recompute
every leaf hash, the root, and any inclusion or consistency proof.

The writer is incremental: a tile once full never changes, so a second run
rewrites only what grew (the partial tiles and the ones that became full) and
the checkpoint, last, so that a reader never sees a checkpoint whose tiles are
not there yet. Partial tiles of earlier sizes are left in place: the spec asks
that the partial tiles of every published checkpoint stay available.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warlog.audit import merkle
from warlog.audit.checkpoint import Checkpoint, CheckpointError, open_signed_note, parse_body, split_note
from warlog.canonical import leaf
from warlog.errors import WarlogError

if TYPE_CHECKING:
    from warlog.archive import Archive

TILE_WIDTH = 256
TILE_HEIGHT = 8
HASH_SIZE = merkle.HASH_SIZE
MAX_ENTRY = 0xFFFF
"""Entry bundles prefix each entry with a big-endian uint16: no leaf may be longer."""

PAGE = 2000


def _index_path(index: int) -> str:
    """N as zero-padded 3-digit path elements, all but the last prefixed with x."""
    parts = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        parts.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(parts))


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>`` for a full tile, ``tile/<L>/<N>.p/<W>`` for a partial one;
    level "entries" gives an entry bundle's path."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{_index_path(index)}{suffix}"


def perfect_root(hashes: list[bytes]) -> bytes:
    """MTH of a power-of-two run of hashes, as the parent tile records it."""
    level = hashes
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


def encode_bundle(entries: list[bytes]) -> bytes:
    return b"".join(len(entry).to_bytes(2, "big") + entry for entry in entries)


def decode_bundle(data: bytes) -> list[bytes]:
    """Entries of a bundle; raises ValueError when the length prefixes do not add up."""
    entries: list[bytes] = []
    at, end = 0, len(data)
    while at < end:
        if at + 2 > end:
            raise ValueError("a length prefix is cut off")
        size = int.from_bytes(data[at : at + 2], "big")
        at += 2
        if at + size > end:
            raise ValueError("the last entry is cut off")
        entries.append(data[at : at + size])
        at += size
    return entries


def widths(size: int) -> Iterator[tuple[int, int, int]]:
    """(level, full tiles, partial width) for every level a tree of ``size`` leaves has."""
    level = 0
    while size >> (TILE_HEIGHT * level):
        nodes = size >> (TILE_HEIGHT * level)
        yield level, nodes // TILE_WIDTH, nodes % TILE_WIDTH
        level += 1


# Reading ---------------------------------------------------------------------------


class TileDirectory:
    """A mirrored log on disk (or any copy of one): its checkpoint, tiles and bundles."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, relative: str) -> bytes:
        try:
            return (self.root / relative).read_bytes()
        except FileNotFoundError:
            raise WarlogError(f"{self.root}: {relative} is missing") from None
        except OSError as error:
            raise WarlogError(f"{self.root}: cannot read {relative}: {error.strerror}") from None

    def checkpoint_text(self) -> str:
        try:
            return self.read("checkpoint").decode("utf-8")
        except UnicodeDecodeError:
            raise WarlogError(f"{self.root}/checkpoint is not UTF-8 text") from None

    def hashes(self, level: int, index: int, width: int) -> bytes:
        data = self.read(tile_path(level, index, width))
        if len(data) != width * HASH_SIZE:
            raise WarlogError(
                f"{self.root}: {tile_path(level, index, width)} holds {len(data)} bytes, "
                f"not the {width * HASH_SIZE} of {width} hashes"
            )
        return data

    def bundle(self, index: int, width: int) -> list[bytes]:
        path = tile_path("entries", index, width)
        try:
            entries = decode_bundle(self.read(path))
        except ValueError as error:
            raise WarlogError(f"{self.root}: {path} is not an entry bundle: {error}") from None
        if len(entries) != width:
            raise WarlogError(f"{self.root}: {path} holds {len(entries)} entries, not {width}")
        return entries


class TileHashes:
    """``subtree_hash(start, end)`` over the tiles of a tree of one size, for the proofs in merkle.

    Each aligned perfect subtree of 2^k leaves is a run of 2^(k mod 8) hashes in
    one tile at level k div 8; tiles are read once and kept.
    """

    def __init__(self, directory: TileDirectory, size: int) -> None:
        self.directory = directory
        self.size = size
        self.cache: dict[tuple[int, int], bytes] = {}

    def tile(self, level: int, index: int) -> bytes:
        if (level, index) not in self.cache:
            nodes = self.size >> (TILE_HEIGHT * level)
            width = TILE_WIDTH if index < nodes // TILE_WIDTH else nodes % TILE_WIDTH
            self.cache[level, index] = self.directory.hashes(level, index, width)
        return self.cache[level, index]

    def __call__(self, start: int, end: int) -> bytes:
        k = (end - start).bit_length() - 1
        level, height = divmod(k, TILE_HEIGHT)
        node = start >> (TILE_HEIGHT * level)
        data = self.tile(level, node // TILE_WIDTH)
        offset = (node % TILE_WIDTH) * HASH_SIZE
        run = data[offset : offset + (HASH_SIZE << height)]
        return perfect_root([run[i : i + HASH_SIZE] for i in range(0, len(run), HASH_SIZE)])

    def root(self, size: int | None = None) -> bytes:
        return merkle.root_from(self.size if size is None else size, self)


# Writing ---------------------------------------------------------------------------


@dataclass
class TilesWritten:
    """What one run of the writer did: the sizes it went between and the files it wrote."""

    directory: str
    old_size: int
    size: int
    root: bytes
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        import base64

        return {
            "directory": self.directory,
            "old_size": self.old_size,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "files_written": len(self.files),
            "hash_tiles": sum(1 for f in self.files if f.startswith("tile/") and "/entries/" not in f),
            "entry_bundles": sum(1 for f in self.files if f.startswith("tile/entries/")),
            "files": self.files,
        }


class _Writer:
    """Files into the directory, each whole or not at all, and only when its bytes change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[str] = []

    def put(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                return
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.written.append(relative)


class _Levels:
    """The right edge of every tile level: the hashes of the tile being filled at each level."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer
        self.pending: list[list[bytes]] = []
        self.index: list[int] = []

    def start(self, level: int, index: int, hashes: list[bytes]) -> None:
        while len(self.pending) <= level:
            self.pending.append([])
            self.index.append(0)
        self.pending[level], self.index[level] = hashes, index

    def push(self, level: int, hashed: bytes) -> None:
        if level == len(self.pending):
            self.start(level, 0, [])
        pending = self.pending[level]
        pending.append(hashed)
        if len(pending) == TILE_WIDTH:
            self.writer.put(tile_path(level, self.index[level]), b"".join(pending))
            self.index[level] += 1
            self.pending[level] = []
            self.push(level + 1, perfect_root(pending))

    def finish(self) -> None:
        for level, pending in enumerate(self.pending):
            if pending:
                self.writer.put(tile_path(level, self.index[level], len(pending)), b"".join(pending))


def _published(directory: TileDirectory, origin: str) -> Checkpoint | None:
    """The checkpoint already in the directory, if any: where the last run stopped."""
    if not (directory.root / "checkpoint").exists():
        return None
    try:
        checkpoint = parse_body(split_note(directory.checkpoint_text())[0])
    except CheckpointError as error:
        raise WarlogError(f"{directory.root}/checkpoint: {error}") from None
    if checkpoint.origin != origin:
        raise WarlogError(
            f"{directory.root} mirrors the log {checkpoint.origin!r}, not this archive's "
            f"{origin!r}; write the tiles to a directory of their own"
        )
    return checkpoint


def write_tiles(archive: Archive, root: Path, note: str) -> TilesWritten:
    """Bring the tiles in ``root`` up to the signed checkpoint ``note`` of the archive.

    Only the entries from the start of the last partial tile are read from the
    log; they must hash to what was published before, and the new tree must
    hash to the checkpoint's root, or nothing but already-unchanged files is left.
    """
    keys = archive.keys()
    if keys is None or keys.archive_key is None or keys.origin is None:
        raise WarlogError("the archive has no key yet; make one with 'warlog keygen'")
    from warlog.audit.keyring import public_key

    checkpoint = open_signed_note(note, keys.origin, public_key(keys.archive_key))
    return publish(root, note, checkpoint, lambda first: _entries(archive, first, checkpoint.size))


EntrySource = Callable[[int], Iterable[tuple[int, int, bytes]]]
"""``entries(first)`` → (leaf index, position, leaf bytes) from leaf ``first`` to the checkpoint's size."""


def publish(root: Path, note: str, checkpoint: Checkpoint, entries: EntrySource) -> TilesWritten:
    """Write the tiles of ``checkpoint`` (already verified) from its entries, incrementally."""
    directory = TileDirectory(root)
    old = _published(directory, checkpoint.origin)
    old_size = 0 if old is None else old.size
    if old_size > checkpoint.size:
        raise WarlogError(
            f"{root} holds {old_size} entries, more than the archive's {checkpoint.size}: "
            "events were removed from the log; run 'warlog verify'"
        )
    writer = _Writer(root)
    levels = _Levels(writer)
    for level, full, width in widths(old_size):
        if level:
            hashes = directory.hashes(level, full, width) if width else b""
            levels.start(level, full, [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)])
    first = (old_size // TILE_WIDTH) * TILE_WIDTH
    levels.start(0, old_size // TILE_WIDTH, [])
    published = (
        directory.hashes(0, old_size // TILE_WIDTH, old_size % TILE_WIDTH) if old_size % TILE_WIDTH else b""
    )
    bundle: list[bytes] = []
    bundle_index = old_size // TILE_WIDTH
    for index, position, entry in entries(first):
        if len(entry) > MAX_ENTRY:
            raise WarlogError(
                f"position {position}: the event's leaf is {len(entry)} bytes, more than the "
                f"{MAX_ENTRY} an entry bundle can hold"
            )
        hashed = merkle.leaf_hash(entry)
        if (
            index < old_size
            and published[(index - first) * HASH_SIZE : (index - first + 1) * HASH_SIZE] != hashed
        ):
            raise WarlogError(
                f"position {position}: the event differs from leaf {index} published in {root} "
                f"at size {old_size}: the log was rewritten; run 'warlog verify'"
            )
        levels.push(0, hashed)
        bundle.append(entry)
        if len(bundle) == TILE_WIDTH:
            writer.put(tile_path("entries", bundle_index), encode_bundle(bundle))
            bundle, bundle_index = [], bundle_index + 1
    if bundle:
        writer.put(tile_path("entries", bundle_index, len(bundle)), encode_bundle(bundle))
    levels.finish()
    tree = TileHashes(directory, checkpoint.size)
    root_hash = tree.root() if checkpoint.size else merkle.EMPTY_ROOT
    if root_hash != checkpoint.root:
        raise WarlogError(
            f"the tiles in {root} do not hash to the archive's checkpoint of size {checkpoint.size}: "
            f"the log is not an extension of what was published at size {old_size}; run 'warlog verify'"
        )
    if old is not None and tree.root(old_size) != old.root:
        raise WarlogError(
            f"the tiles in {root} no longer hash to the checkpoint published at size {old_size}"
        )
    writer.put("checkpoint", note.encode("utf-8"))
    return TilesWritten(str(root), old_size, checkpoint.size, checkpoint.root, writer.written)


def _entries(archive: Archive, first: int, size: int) -> Iterator[tuple[int, int, bytes]]:
    """(leaf index, position, leaf bytes) for leaves [first, size) in log order."""
    if first >= size:
        return
    recorded = archive.view.recorded_leaves(first, 1)
    if not recorded or recorded[0][0] != first:
        raise WarlogError(f"the read model has no record of leaf {first}; run 'warlog rebuild'")
    start, index = recorded[0][1], first
    while index < size:
        page = archive.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            raise WarlogError(f"the log ends at leaf {index}, before the checkpoint's {size}")
        for notification in page:
            if index == size:
                return
            try:
                event = archive.mapper.to_domain_event(notification)
            except Exception as error:  # an altered byte is the operator's problem, said plainly
                raise WarlogError(
                    f"position {notification.id}: the stored event cannot be read ({type(error).__name__}); "
                    "run 'warlog verify'"
                ) from None
            yield index, notification.id, leaf(notification.id, event)
            index += 1
        start = page[-1].id + 1


# Checking a mirror -------------------------------------------------------------------


@dataclass
class MirrorCheck:
    """What checking a mirrored log from its files alone found."""

    directory: str
    origin: str = ""
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    entries: int = 0
    tiles: int = 0
    cosigned_by: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        import base64

        return {
            "ok": self.ok,
            "directory": self.directory,
            "origin": self.origin,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "entries_checked": self.entries,
            "tiles_checked": self.tiles,
            "cosigned_by": self.cosigned_by,
            "findings": self.findings,
        }


MAX_FINDINGS = 20


def check_mirror(root: Path, checkpoint: Checkpoint, progress: Any = None) -> MirrorCheck:
    """Hold every file of a mirror to the (already verified) checkpoint.

    Every entry is hashed and compared with its level-0 tile; every full tile's
    hash with its place in the tile above; then the root, from the partial
    tiles, with the checkpoint's. The work is one pass over the bundles and
    tiles, in order, so memory stays at one tile per level.
    """
    import time

    began = time.perf_counter()
    directory = TileDirectory(root)
    result = MirrorCheck(str(root), checkpoint.origin, checkpoint.size, checkpoint.root)

    def found(message: str) -> None:
        if len(result.findings) < MAX_FINDINGS:
            result.findings.append(message)

    below: list[bytes] = []  # level L-1 full-tile hashes, the expected content of level L
    for level, full, width in widths(checkpoint.size):
        parents: list[bytes] = []
        for index in range(full + (1 if width else 0)):
            tile_width = TILE_WIDTH if index < full else width
            try:
                data = directory.hashes(level, index, tile_width)
            except WarlogError as error:
                found(str(error))
                if len(result.findings) >= MAX_FINDINGS:
                    break
                data = b""
            result.tiles += 1
            if level == 0:
                _check_bundle(directory, index, tile_width, data, result, found)
                if progress is not None:
                    progress(tile_width)
            else:
                expected = b"".join(below[index * TILE_WIDTH : index * TILE_WIDTH + tile_width])
                if data and data != expected:
                    found(
                        f"{tile_path(level, index, tile_width)} does not match the tiles below it "
                        "(a hash in it is not the hash of the full tile it stands for)"
                    )
            if tile_width == TILE_WIDTH and data:
                parents.append(
                    perfect_root([data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])
                )
            elif tile_width == TILE_WIDTH:
                parents.append(b"")
        below = parents
    if result.ok:
        computed = TileHashes(directory, checkpoint.size).root() if checkpoint.size else merkle.EMPTY_ROOT
        if computed != checkpoint.root:
            found(f"the tiles hash to another root than the checkpoint's (size {checkpoint.size})")
    result.seconds = time.perf_counter() - began
    return result


def _check_bundle(
    directory: TileDirectory, index: int, width: int, tile: bytes, result: MirrorCheck, found: Any
) -> None:
    path = tile_path("entries", index, width)
    try:
        entries = directory.bundle(index, width)
    except WarlogError as error:
        found(str(error))
        return
    sha256 = hashlib.sha256
    hashed = b"".join([sha256(b"\x00" + entry).digest() for entry in entries])
    result.entries += len(entries)
    if tile and hashed != tile:
        first = next(i for i in range(width) if hashed[i * 32 : i * 32 + 32] != tile[i * 32 : i * 32 + 32])
        found(
            f"{path}: entry {index * TILE_WIDTH + first} does not hash to its leaf hash in "
            f"{tile_path(0, index, width)}: the entry or the tile was altered"
        )


def open_mirror(root: Path, key_name: str, key: Any) -> tuple[str, Checkpoint]:
    """The mirror's checkpoint note and what it says, verified with the pinned archive key."""
    note = TileDirectory(root).checkpoint_text()
    try:
        return note, open_signed_note(note, key_name, key)
    except CheckpointError as error:
        raise WarlogError(f"{root}/checkpoint: {error}") from None
