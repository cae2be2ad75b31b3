"""The tamper-evident side of the log: checkpoints, verification and report proofs.

Every stored event is a leaf of an RFC 9162 Merkle tree (its canonical bytes,
see `canonical`). The projection keeps the tree's perfect subtrees as the log
grows, so a tree head or a proof costs O(log n) look-ups. `verify` trusts
none of that: it recomputes every leaf from the stored events and compares
against what was recorded, against the signed checkpoints the auditor kept and
those the archive recorded in its own log, against the keys the auditor pinned
(`keychain`), and against the report index each checkpoint commits to
(`report_index`). `checkpoint` refuses to sign a tree that does not extend
every checkpoint the archive signed before, and records each one it signs.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warlog import integrity
from warlog.audit import merkle, report_index
from warlog.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    open_signed_note,
    parse_vkey,
    public_key_bytes,
    signed_note,
    vkey,
)
from warlog.audit.keychain import KeyChain
from warlog.audit.keyring import ARCHIVE_KEY_CHANGES, public_key
from warlog.canonical import canonical, event_record, leaf
from warlog.domain import KEYS_ID, report_uuid
from warlog.errors import WarlogError
from warlog.topics import ForbiddenTopic

if TYPE_CHECKING:
    from warlog.archive import Archive

PAGE = 2000
SIGNED_CHECKPOINT = "Checkpoints.Signed"


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold, at the first log position where it shows.

    `part` says whether the log itself is in doubt ("log"), was in doubt when
    a rebuild was forced over it ("forced rebuild"), or only the read model
    derived from it is ("read model"), which a rebuild repairs.
    """

    position: int | None
    message: str
    part: str = "log"

    def __str__(self) -> str:
        return self.message if self.position is None else f"position {self.position}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"position": self.position, "message": self.message, "part": self.part}


@dataclass
class Verification:
    """What `verify` found: the recomputed tree head, the checkpoints and keys checked, the findings."""

    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    signed_events: int = 0
    findings: list[Finding] = field(default_factory=list)
    tree_readable: bool = True
    keys: KeyChain = field(default_factory=KeyChain)
    recorded_checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> list[str]:
        """Which key signed what, what is unsigned or untrusted, one line each."""
        return self.keys.summary()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "root_encoding": "base64",
            "signed_events": self.signed_events,
            "checkpoints": self.checkpoints,
            "recorded_checkpoints": self.recorded_checkpoints,
            "keys": self.keys.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class _Pass:
    """What one walk over the stored events gathers for the checks after it."""

    hashes: list[bytes] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    chains: report_index.Chains = field(default_factory=report_index.Chains)
    indexes: dict[int, tuple[int, bytes]] = field(default_factory=dict)
    recorded: list[tuple[int, int, Any, str | None]] = field(default_factory=list)
    first_difference: int | None = None
    """The first position where the walk itself found the log altered, if anywhere."""


def verify(
    archive: Archive,
    checkpoints: list[tuple[str, str]],
    trusted: Ed25519PublicKey | None = None,
    progress: Callable[[int], None] = lambda _: None,
    *,
    read_model: bool = True,
    archivist_keys: Mapping[str, set[str]] | None = None,
) -> Verification:
    """Recompute the whole tree from the stored events and hold it to every promise.

    `trusted` is the archive key the auditor pinned, `archivist_keys` the
    archivists' keys (hex) they pinned. With `read_model`, also replay the log
    into a scratch read model and compare it with the stored one, table by table.
    """
    pinned = None if trusted is None else public_key_bytes(trusted).hex()
    result = Verification(keys=KeyChain(pinned, archivist_keys))
    walk = _Pass()
    wanted = _index_sizes(archive, checkpoints)
    if 0 in wanted:
        walk.indexes[0] = walk.chains.committed()
    recorded = _recorded_leaves(archive, result)
    gaps = Gaps(allowed=archive.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres")
    shifted = 0
    hashes = walk.hashes
    for position, event, leaf_bytes in _stored_events(archive):
        gaps.see(position, result)
        recorded_position, recorded_hash = next(recorded, (None, None))
        hashed = merkle.leaf_hash(leaf_bytes)
        hashes.append(hashed)
        walk.positions.append(position)
        progress(1)
        if event is None:
            result.findings.append(
                Finding(position, "stored event cannot be read back: " + leaf_bytes.decode(errors="replace"))
            )
        elif recorded_position is None:
            if result.tree_readable:
                result.findings.append(
                    Finding(
                        position, "event was written to the store directly: it is not in the recorded tree"
                    )
                )
        elif recorded_position != position:
            shifted += 1
            if shifted == 1:
                result.findings.append(
                    Finding(
                        min(recorded_position, position),
                        f"events are missing or out of order: leaf {len(hashes) - 1} was position "
                        f"{recorded_position} when recorded, the log now has position {position}",
                    )
                )
        elif recorded_hash != hashed:
            result.findings.append(
                Finding(position, "stored event differs from the one recorded (its leaf hash changed)")
            )
        if event is not None:
            _see(event, position, len(hashes) - 1, hashed, result, walk)
        if len(hashes) in wanted:
            walk.indexes[len(hashes)] = walk.chains.committed()
    if shifted > 1:
        result.findings.append(Finding(None, f"{shifted - 1} later leaves are shifted as well"))
    missing = [position for position, _ in recorded]
    if missing:
        result.findings.append(
            Finding(
                missing[0],
                f"the log ends {len(missing)} event(s) short of what was recorded (up to position "
                f"{missing[-1]}): it was cut short",
            )
        )
    gaps.summarise(result)
    result.findings.extend(
        Finding(p, m, "forced rebuild") for p, m in integrity.forced_rebuilds(archive.view)
    )
    result.findings.extend(Finding(p, m) for p, m in result.keys.finish())
    result.signed_events = sum(span.count for span in result.keys.signers.values())
    result.size, result.root = len(hashes), merkle.root(hashes) if hashes else merkle.EMPTY_ROOT
    walk.first_difference = _first_recorded_difference(result)
    _check_covered(walk, result)
    for position, index, event, signer in walk.recorded:
        _check_recorded(position, index, event, signer, walk, result)
    for where, text in checkpoints:
        result.checkpoints.append(_check_checkpoint(where, text, walk, result))
    if read_model:
        result.findings.extend(
            Finding(None, message, "read model") for message in integrity.replay_differences(archive)
        )
    result.findings.sort(key=lambda f: (f.position is None, f.position or 0))
    return result


def _see(event: Any, position: int, index: int, hashed: bytes, result: Verification, walk: _Pass) -> None:
    """One readable event: its signature and keys, its report's chain, a recorded checkpoint."""
    kind = type(event).__qualname__
    signer = result.keys.state.archive_key
    result.keys.see(position, event)
    filed = event.__dict__.get("report_id") if kind == "Report.Filed" else None
    walk.chains.add(index, event.originator_id, hashed, filed if isinstance(filed, str) else None)
    if kind == SIGNED_CHECKPOINT:
        walk.recorded.append((position, index, event, signer))


def _check_covered(walk: _Pass, result: Verification) -> None:
    """The unsigned events before the first key still hash to the root that key signed."""
    if result.keys.covers is None:
        return
    position, covers = result.keys.covers
    size, root = covers.get("size"), covers.get("root")
    if not isinstance(size, int) or not isinstance(root, str) or not 0 < size <= len(walk.hashes):
        result.findings.append(
            Finding(position, f"the key registration's record of the log before it is {covers!r}")
        )
        return
    if base64.b64encode(merkle.root(walk.hashes[:size])).decode() != root:
        result.findings.append(
            Finding(
                position,
                f"the archive key registered here vouches for the first {size} events, which no longer "
                f"hash to the root it signed: an event at or before position {walk.positions[size - 1]} "
                "was rewritten, removed or inserted",
            )
        )


def _index_sizes(archive: Archive, checkpoints: list[tuple[str, str]]) -> set[int]:
    """The tree sizes whose report index the checkpoints to check commit to.

    Read before the walk so the index can be taken as the walk passes each size;
    what is read here is only where to look, every checkpoint is verified after.
    """
    sizes = set()
    for _, text in checkpoints:
        lines = text.split("\n")
        if len(lines) > 3 and lines[1].isascii() and lines[1].isdigit():
            sizes.add(int(lines[1]))
    try:
        for event in archive.signed_checkpoints():
            if isinstance(event.__dict__.get("size"), int):
                sizes.add(event.size)
    except Exception:  # an unreadable recorded checkpoint is a finding of the walk, not a crash
        pass
    return sizes


def _check_recorded(
    position: int, index: int, event: Any, signer: str | None, walk: _Pass, result: Verification
) -> None:
    """A checkpoint the archive recorded: signed by its key then, and true of the log before it."""
    result.recorded_checkpoints += 1
    where = f"the checkpoint the archive recorded here (size {event.__dict__.get('size')})"
    try:
        if signer is None:
            raise CheckpointError("the archive had no key when it was recorded")
        note = event.note
        checkpoint = open_signed_note(note, note.split("\n", 1)[0], public_key(signer))
        if checkpoint.size != event.size or base64.b64encode(checkpoint.root).decode() != event.root:
            raise CheckpointError("the event's size or root is not the note's")
    except (AttributeError, CheckpointError, TypeError, ValueError) as error:
        result.findings.append(Finding(position, f"{where} does not hold: {error}"))
        return
    if checkpoint.size > index:
        result.findings.append(Finding(position, f"{where} commits to more events than came before it"))
        return
    problem = _against_log(checkpoint, walk)
    if problem is not None:
        result.findings.append(Finding(problem[0] or position, f"{where}: {problem[1]}"))


def _against_log(checkpoint: Checkpoint, walk: _Pass) -> tuple[int | None, str] | None:
    """Why the log's first `size` leaves are not the checkpoint's tree, or None."""
    size = checkpoint.size
    if merkle.root(walk.hashes[:size]) != checkpoint.root:
        return None, (
            f"the first {size} events no longer hash to its root: an event at or before position "
            f"{walk.positions[size - 1] if size else 0} was changed, removed or inserted"
        )
    try:
        committed = report_index.committed(checkpoint.extensions)
    except ValueError as error:
        return None, str(error)
    if committed is not None and walk.indexes.get(size) != committed:
        return None, "its report index does not match the reports in the log up to it"
    return None


def _check_checkpoint(where: str, text: str, walk: _Pass, result: Verification) -> dict[str, Any]:
    checkpoint, signer = _open(text, result.keys.trusted_archive_keys, where)
    summary = {"file": where, "size": checkpoint.size, "consistent": False, "signed_by": signer}
    hashes = walk.hashes
    if checkpoint.size > len(hashes):
        last = walk.positions[-1] if walk.positions else 0
        result.findings.append(
            Finding(
                last + 1,
                f"{where}: the log has {len(hashes)} events, fewer than the {checkpoint.size} the "
                f"checkpoint commits to: it was cut short after position {last}",
            )
        )
        return summary
    problem = _against_log(checkpoint, walk)
    if problem is not None:
        first = walk.first_difference
        within = checkpoint.size and first is not None and first <= walk.positions[checkpoint.size - 1]
        result.findings.append(Finding(first if within else None, f"{where}: {problem[1]}"))
        return summary
    proof = merkle.consistency_proof(checkpoint.size, hashes)
    summary["consistent"] = merkle.verify_consistency(
        checkpoint.size, len(hashes), checkpoint.root, result.root, proof
    )
    if not summary["consistent"]:
        result.findings.append(Finding(None, f"{where}: today's log is not an extension of it"))
    return summary


def _open(text: str, keys: list[Ed25519PublicKey], where: str) -> tuple[Checkpoint, str]:
    """The checkpoint, opened with the first of the trusted keys that signed it, and that key."""
    if not keys:
        raise WarlogError(
            f"{where}: the archive has no key to check the checkpoint with; pass the published one with --key"
        )
    origin = text.split("\n", 1)[0]
    problem = "no key"
    for key in keys:
        try:
            return open_signed_note(text, origin, key), vkey(origin, key)
        except CheckpointError as error:
            problem = str(error)
    raise WarlogError(f"{where}: {problem}")


def _first_recorded_difference(result: Verification) -> int | None:
    positions = [f.position for f in result.findings if f.position is not None and f.part == "log"]
    return min(positions) if positions else None


def _stored_events(archive: Archive) -> Iterator[tuple[int, Any, bytes]]:
    """(position, event or None, leaf bytes or why the event cannot be read) in log order."""
    start = 1
    while True:
        page = archive.recorder.select_notifications(start=start, limit=PAGE)
        if not page:
            return
        for notification in page:
            try:
                event = archive.mapper.to_domain_event(notification)
                yield notification.id, event, leaf(notification.id, event)
            except ForbiddenTopic as error:
                yield (
                    notification.id,
                    None,
                    (f"its type '{error.shown}' is not one of warlog's events; it was not loaded").encode(),
                )
            except Exception as error:  # any altered byte is a finding, never a crash
                yield notification.id, None, f"{type(error).__name__}: {error}"[:200].encode()
        start = page[-1].id + 1


class Gaps:
    """Positions missing from the log, which a deleted event leaves behind.

    SQLite gives each event the next position in its transaction, so a gap
    there means an event was removed. PostgreSQL takes positions from a
    sequence, and a transaction rolled back (two archivists writing at once)
    leaves a gap that is no sign of tampering; there the recorded tree,
    compared leaf by leaf, is what shows a removed event.
    """

    def __init__(self, *, allowed: bool) -> None:
        self.allowed = allowed
        self.expected = 1
        self.count = 0

    def see(self, position: int, result: Verification) -> None:
        if position != self.expected and not self.allowed:
            self.count += 1
            if self.count == 1:
                missing = (
                    f"position {self.expected} is"
                    if position == self.expected + 1
                    else f"positions {self.expected} to {position - 1} are"
                )
                result.findings.append(
                    Finding(self.expected, f"{missing} missing from the log: an event was removed")
                )
        self.expected = position + 1

    def summarise(self, result: Verification) -> None:
        if self.count > 1:
            result.findings.append(Finding(None, f"{self.count - 1} later gap(s) in the positions as well"))


def _recorded_leaves(archive: Archive, result: Verification) -> Iterator[tuple[int, bytes]]:
    start = 0
    while True:
        try:
            page = archive.view.recorded_leaves(start, PAGE)
        except integrity.database_errors() as error:
            result.tree_readable = False
            result.findings.append(
                Finding(
                    None,
                    "the read model's record of the tree cannot be "
                    f"read ({str(error).strip()[:120]}); run "
                    "'warlog rebuild'",
                    "read model",
                )
            )
            return
        if not page:
            return
        for _, position, hashed in page:
            yield position, hashed
        start = page[-1][0] + 1


# Checkpoints and proofs ---------------------------------------------------------


def checkpoint(archive: Archive, archivist: str = "") -> str:
    """Sign the current tree head, with its report index, and record it in the log.

    Refused when the tree does not extend every checkpoint the archive signed
    before: a log that rewrote its own history must not get the archive's word.
    """
    keys = archive.keys()
    if keys is None or keys.archive_key is None or keys.origin is None:
        raise WarlogError("the archive has no key yet; make one with 'warlog keygen'")
    archive.catch_up()
    size = archive.view.tree_size()
    root = merkle.root_from(size, archive.view.subtree_hash)
    _refuse_a_fork(archive, size, root)
    index, _ = report_index.index_at(archive, size)
    note = signed_note(
        Checkpoint(keys.origin, size, root, (index.line(),)), keys.origin, archive.archive_key()
    )
    archive.record_checkpoint(size, base64.b64encode(root).decode(), note, archivist)
    return note


def _refuse_a_fork(archive: Archive, size: int, root: bytes) -> None:
    agreed = 0
    for old_size, old_root in sorted({(e.size, e.root) for e in archive.signed_checkpoints()}):
        if old_size > size:
            raise WarlogError(
                f"refusing to sign: the log has {size} events, fewer than the {old_size} of a checkpoint "
                "the archive signed before: events were removed; run 'warlog verify' and find out why"
            )
        proof = merkle.consistency_proof_from(old_size, size, archive.view.subtree_hash)
        if not merkle.verify_consistency(old_size, size, base64.b64decode(old_root), root, proof):
            raise WarlogError(
                f"refusing to sign: the log is not an extension of the checkpoint of size {old_size} the "
                f"archive signed before (it still agrees with size {agreed}): it diverges between sizes "
                f"{agreed} and {old_size}; run 'warlog verify' to find the event"
            )
        agreed = old_size


def archive_keys(archive: Archive) -> list[Ed25519PublicKey]:
    """Every archive key the log ever registered, oldest first (to open the archive's checkpoints)."""
    found = []
    for stored in archive.recorder.select_events(KEYS_ID):
        event = archive.mapper.to_domain_event(stored)
        if type(event).__qualname__ in ("Keys.ArchiveKeyRegistered", *ARCHIVE_KEY_CHANGES):
            found.append(public_key(event.__dict__["public_key"]))
    return found


def prove(
    archive: Archive, report_id: str, checkpoint_text: str, trusted: Ed25519PublicKey | None = None
) -> bytes:
    """Every event of a report under a checkpoint, each with its inclusion proof, and the
    report's entry in the checkpoint's report index with its own proof, as canonical JSON."""
    archive.catch_up()
    if archive.view.report(report_id) is None:
        raise WarlogError(f"unknown report '{report_id}'")
    cp, signed_by = _open(checkpoint_text, [trusted] if trusted else archive_keys(archive), "checkpoint")
    index, leaves = report_index.index_at(archive, cp.size, report_id)
    stored = archive.recorder.select_events(report_uuid(report_id))
    if len(stored) > len(leaves):
        raise WarlogError(
            f"report '{report_id}' has {len(stored) - len(leaves)} event(s) newer than the checkpoint; "
            "take a new checkpoint with 'warlog checkpoint'"
        )
    events = []
    for item in leaves:
        (notification,) = archive.recorder.select_notifications(start=item.position, limit=1)
        events.append(
            {
                "leaf_index": item.index,
                "event": orjson.loads(leaf(item.position, archive.mapper.to_domain_event(notification))),
                "proof": [
                    h.hex()
                    for h in merkle.inclusion_proof_from(item.index, cp.size, archive.view.subtree_hash)
                ],
            }
        )
    document: dict[str, Any] = {
        "report": report_id,
        "checkpoint": checkpoint_text,
        "vkey": signed_by,
        "events": events,
    }
    committed = report_index.committed(cp.extensions)
    if committed is not None:
        if committed != (len(index.entries), index.root):
            raise WarlogError(
                "the checkpoint's report index does not match the log; run 'warlog verify' to find out why"
            )
        at = index.find(report_id)
        assert at is not None
        document["index"] = {
            "entry": index.entries[at].to_dict(),
            "entry_index": at,
            "proof": [h.hex() for h in index.proof(at)],
        }
    return canonical(document) + b"\n"


@dataclass(frozen=True)
class ProofCheck:
    report: str
    size: int
    events: int
    vkey: str
    complete: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "report": self.report,
            "checkpoint_size": self.size,
            "events": self.events,
            "complete": self.complete,
            "vkey": self.vkey,
        }


def verify_proof(
    proof: bytes, checkpoint_text: str, trusted_vkey: str | None = None, *, complete: bool = False
) -> ProofCheck:
    """Check a proof offline: no database, only the file, the checkpoint and a key.

    With `complete`, a checkpoint that commits to no report index (signed
    before warlog kept one) fails: then nothing shows that no event was left out.
    """
    try:
        document = orjson.loads(proof)
    except orjson.JSONDecodeError as error:
        raise WarlogError(f"proof: not JSON ({error})") from None
    if not isinstance(document, dict) or canonical(document) + b"\n" != proof:
        raise WarlogError("proof: not in the canonical form 'warlog prove' writes; it was edited")
    try:
        if document["checkpoint"] != checkpoint_text:
            raise WarlogError("proof: it was made against another checkpoint than the one given")
        if trusted_vkey is not None and document["vkey"] != trusted_vkey:
            raise WarlogError("proof: it names another key than the one given with --key")
        name, key = parse_vkey(document["vkey"])
        cp = open_signed_note(checkpoint_text, name, key)
        report, events = document["report"], document["events"]
        if not isinstance(report, str) or not isinstance(events, list) or not events:
            raise WarlogError("proof: it names no report or holds no events")
        _check_events(report, events, cp)
        whole = _check_whole(report, events, cp, document.get("index"))
    except (KeyError, TypeError, ValueError, IndexError, CheckpointError) as error:
        if isinstance(error, WarlogError):
            raise
        raise WarlogError(f"proof: {error}") from None
    if complete and not whole:
        raise WarlogError(
            "proof: its checkpoint commits to no report index, so nothing shows that these are all "
            "the report's events; ask for a proof against a checkpoint taken by a newer warlog"
        )
    return ProofCheck(report, cp.size, len(events), vkey(name, key), whole)


def _check_events(report: str, events: list[Any], cp: Checkpoint) -> None:
    """Each event is in the checkpoint's tree, on the report's own aggregate, in log order."""
    aggregate = report_uuid(report).hex
    previous = -1
    for item in events:
        record, index = item["event"], item["leaf_index"]
        where = f"proof: the event at position {record.get('position')}"
        if not isinstance(index, int) or index <= previous:
            raise WarlogError(f"{where} is out of log order")
        previous = index
        hashed = merkle.leaf_hash(canonical(record))
        path = [bytes.fromhex(h) for h in item["proof"]]
        if not merkle.verify_inclusion(index, cp.size, hashed, path, cp.root):
            raise WarlogError(f"{where} is not in the checkpoint's tree")
        if record.get("aggregate") != aggregate:
            raise WarlogError(f"{where} is not an event of report '{report}'")
    filed = events[0]["event"]
    if filed.get("data", {}).get("report_id") != report:
        raise WarlogError(f"proof: its first event is not the filing of report '{report}'")


def _check_whole(report: str, events: list[Any], cp: Checkpoint, index: Any) -> bool:
    """Whether the events are all the report's events up to the checkpoint (False: not knowable).

    The checkpoint's report index entry says how many events the report has
    and chains their leaves; the events held must make the same chain.
    """
    committed = report_index.committed(cp.extensions)
    if committed is None:
        if index is not None:
            raise WarlogError("proof: it holds a report index entry, but the checkpoint commits to none")
        return False
    if not isinstance(index, dict):
        raise WarlogError(
            "proof: the checkpoint commits to a report index, but the proof holds no entry of it, so "
            "nothing shows it holds all the report's events"
        )
    entry = report_index.Entry.from_dict(index["entry"])
    path = [bytes.fromhex(h) for h in index["proof"]]
    count, root = committed
    if entry.report != report or not merkle.verify_inclusion(
        index["entry_index"], count, merkle.leaf_hash(entry.leaf()), path, root
    ):
        raise WarlogError(f"proof: its entry for report '{report}' is not in the checkpoint's report index")
    held = [(item["leaf_index"], merkle.leaf_hash(canonical(item["event"]))) for item in events]
    if entry.events != len(held):
        raise WarlogError(
            f"proof: report '{report}' has {entry.events} events up to this checkpoint, the proof holds "
            f"{len(held)}: {'some were left out' if entry.events > len(held) else 'it holds too many'}"
        )
    if report_index.chain_of(held) != entry.chain:
        raise WarlogError(
            f"proof: its events are not the {entry.events} events of report '{report}' the checkpoint's "
            "index chains: one was left out or replaced"
        )
    return True


__all__ = [
    "Finding",
    "ProofCheck",
    "Verification",
    "checkpoint",
    "event_record",
    "prove",
    "verify",
    "verify_proof",
]
