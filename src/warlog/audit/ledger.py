"""The tamper-evident side of the log: checkpoints, verification and inclusion proofs.

Every stored event is a leaf of an RFC 9162 Merkle tree (its canonical bytes,
see `canonical`). The projection keeps the tree's perfect subtrees as the log
grows, so a tree head or a proof costs O(log n) look-ups. `verify` trusts
none of that: it recomputes every leaf from the stored events and compares
against what was recorded, against the signed checkpoints the auditor kept,
and against the archivists' signatures.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warlog import integrity
from warlog.audit import merkle
from warlog.audit.checkpoint import Checkpoint, CheckpointError, open_signed_note, parse_vkey, vkey
from warlog.audit.keyring import public_key, signer_of
from warlog.canonical import canonical, event_record, leaf, signed_bytes
from warlog.errors import WarlogError
from warlog.topics import ForbiddenTopic

if TYPE_CHECKING:
    from warlog.archive import Archive

PAGE = 2000


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
    """What `verify` found: the recomputed tree head, the checkpoints checked, the findings."""

    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    signed_events: int = 0
    findings: list[Finding] = field(default_factory=list)
    tree_readable: bool = True

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "signed_events": self.signed_events,
            "checkpoints": self.checkpoints,
            "findings": [f.to_dict() for f in self.findings],
        }


class KeyTimeline:
    """Which key must have signed an event, replayed from the key events in the log."""

    def __init__(self) -> None:
        self.archive_key: Ed25519PublicKey | None = None
        self.origin: str | None = None
        self.archivists: dict[str, Ed25519PublicKey] = {}

    def expected_key(self, event: Any) -> Ed25519PublicKey | None:
        """The key that must have signed this event, None when the archive did not sign yet."""
        who, name = signer_of(event, self.archive_key is not None, self.archivists)
        if who == "self":
            return public_key(event.__dict__["public_key"])
        if who == "archivist":
            return self.archivists[name]
        return self.archive_key if who == "archive" else None

    def learn(self, event: Any) -> None:
        kind = type(event).__qualname__
        state = event.__dict__
        if kind == "Keys.ArchiveKeyRegistered":
            self.archive_key = public_key(state["public_key"])
            self.origin = state["origin"]
        elif kind == "Keys.ArchivistKeyRegistered":
            self.archivists[state["name"]] = public_key(state["public_key"])
        elif kind == "Keys.ArchivistKeyRevoked":
            self.archivists.pop(state["name"], None)


def check_signature(event: Any, key: Ed25519PublicKey | None) -> str | None:
    """Why the event's signature does not hold, or None when it does (or none is due)."""
    signature = event.__dict__.get("signature")
    if key is None:
        return None
    if not signature:
        return "event is not signed, but the archive signs every event since its key was made"
    try:
        key.verify(bytes.fromhex(signature), signed_bytes(event))
    except (InvalidSignature, ValueError):
        who = event.__dict__.get("archivist", "")
        return f"signature does not verify with the key valid for archivist '{who}'"
    return None


def read_checkpoint(text: str, trusted: Ed25519PublicKey | None, keys: KeyTimeline, where: str) -> Checkpoint:
    """Open a signed checkpoint with the trusted key, or the archive's own key if none is given."""
    key = trusted or keys.archive_key
    if key is None or (keys.origin is None and trusted is None):
        raise WarlogError(
            f"{where}: the archive has no key to check the checkpoint with; pass the published one with --key"
        )
    origin = text.split("\n", 1)[0]
    try:
        return open_signed_note(text, origin, key)
    except CheckpointError as error:
        raise WarlogError(f"{where}: {error}") from None


def verify(
    archive: Archive,
    checkpoints: list[tuple[str, str]],
    trusted: Ed25519PublicKey | None = None,
    progress: Callable[[int], None] = lambda _: None,
    *,
    read_model: bool = True,
) -> Verification:
    """Recompute the whole tree from the stored events and hold it to every promise.

    With `read_model`, also replay the log into a scratch read model and
    compare it with the stored one, table by table.
    """
    result = Verification()
    keys = KeyTimeline()
    hashes: list[bytes] = []
    recorded = _recorded_leaves(archive, result)
    gaps = Gaps(allowed=archive.env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres")
    shifted = 0
    for position, event, leaf_bytes in _stored_events(archive):
        gaps.see(position, result)
        recorded_position, recorded_hash = next(recorded, (None, None))
        hashed = merkle.leaf_hash(leaf_bytes)
        hashes.append(hashed)
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
            _check_signed(event, position, keys, result)
    if shifted > 1:
        result.findings.append(Finding(None, f"{shifted - 1} later leaves are shifted as well"))
    missing = [position for position, _ in recorded]
    if missing:
        result.findings.append(
            Finding(
                None,
                f"the log ends {len(missing)} event(s) short of what "
                f"was recorded (up to position {missing[-1]})",
            )
        )
    gaps.summarise(result)
    result.findings.extend(
        Finding(p, m, "forced rebuild") for p, m in integrity.forced_rebuilds(archive.view)
    )
    result.size, result.root = len(hashes), merkle.root(hashes) if hashes else merkle.EMPTY_ROOT
    for where, text in checkpoints:
        result.checkpoints.append(_check_checkpoint(where, text, hashes, result, keys, trusted))
    if read_model:
        result.findings.extend(
            Finding(None, message, "read model") for message in integrity.replay_differences(archive)
        )
    result.findings.sort(key=lambda f: (f.position is None, f.position or 0))
    return result


def _check_checkpoint(
    where: str,
    text: str,
    hashes: list[bytes],
    result: Verification,
    keys: KeyTimeline,
    trusted: Ed25519PublicKey | None,
) -> dict[str, Any]:
    checkpoint = read_checkpoint(text, trusted, keys, where)
    summary = {"file": where, "size": checkpoint.size, "consistent": False}
    if checkpoint.size > len(hashes):
        result.findings.append(
            Finding(
                None,
                f"{where}: the log has {len(hashes)} events, fewer "
                f"than the {checkpoint.size} the checkpoint commits to",
            )
        )
        return summary
    if merkle.root(hashes[: checkpoint.size]) != checkpoint.root:
        first = _first_recorded_difference(result, checkpoint.size)
        result.findings.append(
            Finding(
                first, f"{where}: the first {checkpoint.size} events no longer hash to the checkpoint's root"
            )
        )
        return summary
    proof = merkle.consistency_proof(checkpoint.size, hashes)
    summary["consistent"] = merkle.verify_consistency(
        checkpoint.size, len(hashes), checkpoint.root, result.root, proof
    )
    if not summary["consistent"]:
        result.findings.append(Finding(None, f"{where}: today's log is not an extension of it"))
    return summary


def _first_recorded_difference(result: Verification, size: int) -> int | None:
    positions = [f.position for f in result.findings if f.position is not None]
    return min(positions) if positions else None


def _check_signed(event: Any, position: int, keys: KeyTimeline, result: Verification) -> None:
    try:
        unsigned = check_signature(event, keys.expected_key(event))
        keys.learn(event)
    except (KeyError, TypeError, ValueError) as error:
        unsigned = f"key event cannot be read ({error})"
    if unsigned:
        result.findings.append(Finding(position, unsigned))
    elif event.__dict__.get("signature"):
        result.signed_events += 1


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


def checkpoint(archive: Archive) -> str:
    """A signed note of the current tree head, for publishing outside the archive."""
    keys = archive.keys()
    if keys is None or keys.archive_key is None or keys.origin is None:
        raise WarlogError("the archive has no key yet; make one with 'warlog keygen'")
    archive.catch_up()
    size = archive.view.tree_size()
    root = merkle.root_from(size, archive.view.subtree_hash)
    from warlog.audit.checkpoint import signed_note

    return signed_note(Checkpoint(keys.origin, size, root), keys.origin, archive.archive_key())


def prove(
    archive: Archive, report_id: str, checkpoint_text: str, trusted: Ed25519PublicKey | None = None
) -> bytes:
    """Inclusion proofs of every event of a report under a checkpoint, as canonical JSON."""
    archive.catch_up()
    if archive.view.report(report_id) is None:
        raise WarlogError(f"unknown report '{report_id}'")
    timeline = KeyTimeline()
    keys = archive.keys()
    if keys is not None and keys.archive_key is not None:
        timeline.archive_key, timeline.origin = public_key(keys.archive_key), keys.origin
    cp = read_checkpoint(checkpoint_text, trusted, timeline, "checkpoint")
    events = []
    for position in sorted({c.position for c in archive.view.history(report=report_id)}):
        index = archive.view.leaf_index(position)
        if index is None or index >= cp.size:
            raise WarlogError(
                f"the event at position {position} is newer than the checkpoint; "
                "take a new checkpoint with 'warlog checkpoint'"
            )
        (notification,) = archive.recorder.select_notifications(start=position, limit=1)
        event = archive.mapper.to_domain_event(notification)
        events.append(
            {
                "leaf_index": index,
                "event": orjson.loads(leaf(position, event)),
                "proof": [
                    h.hex() for h in merkle.inclusion_proof_from(index, cp.size, archive.view.subtree_hash)
                ],
            }
        )
    key = trusted or timeline.archive_key
    assert key is not None
    return (
        canonical(
            {
                "report": report_id,
                "checkpoint": checkpoint_text,
                "vkey": vkey(cp.origin, key),
                "events": events,
            }
        )
        + b"\n"
    )


@dataclass(frozen=True)
class ProofCheck:
    report: str
    size: int
    events: int
    vkey: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "report": self.report,
            "checkpoint_size": self.size,
            "events": self.events,
            "vkey": self.vkey,
        }


def verify_proof(proof: bytes, checkpoint_text: str, trusted_vkey: str | None = None) -> ProofCheck:
    """Check a proof file offline: no database, only the file, the checkpoint and a key."""
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
        for item in events:
            record, index = item["event"], item["leaf_index"]
            hashed = merkle.leaf_hash(canonical(record))
            path = [bytes.fromhex(h) for h in item["proof"]]
            if not merkle.verify_inclusion(index, cp.size, hashed, path, cp.root):
                raise WarlogError(
                    f"proof: the event at position {record.get('position')} is not in the checkpoint's tree"
                )
            if not _belongs(record, report, events[0]["event"]):
                raise WarlogError(
                    f"proof: the event at position {record.get('position')} is not "
                    f"an event of report '{report}'"
                )
    except (KeyError, TypeError, ValueError, CheckpointError) as error:
        if isinstance(error, WarlogError):
            raise
        raise WarlogError(f"proof: {error}") from None
    return ProofCheck(report, cp.size, len(events), vkey(name, key))


def _belongs(record: dict[str, Any], report: str, filed: dict[str, Any]) -> bool:
    """Every event of the proof is on the report's aggregate, whose filing names the report."""
    return bool(
        filed.get("data", {}).get("report_id") == report and record.get("aggregate") == filed.get("aggregate")
    )


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
