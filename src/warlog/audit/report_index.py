"""The report index: what lets a proof show *all* of a report's events, not just some.

An inclusion proof shows that an event is in the log; it cannot show that no
other event of the same report is. So every checkpoint the archive signs also
commits, in a C2SP extension line, to an index of the reports in the tree it
signs: for each report, how many events it has and a hash chain over them,

    chain_0 = 32 zero bytes
    chain_k = SHA-256(chain_{k-1} || uint64_be(leaf index of event k) || leaf hash of event k)

The index is an RFC 9162 Merkle tree whose leaves are the entries' canonical
JSON (`{"chain": hex, "events": k, "report": id}`), sorted by the UTF-8 bytes
of the report id. A proof carries the report's entry and its inclusion proof
in that tree; the verifier recomputes the chain from the events it holds, so a
proof with any event left out, the last one included, no longer matches the
entry the archive signed. The index is computed from the log alone, so
`verify` recomputes it for every checkpoint and finds an index that lies.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from warlog.audit import merkle
from warlog.canonical import canonical
from warlog.domain import Report

if TYPE_CHECKING:
    from warlog.archive import Archive

EXTENSION = "warlog-report-index/v1"
"""The first word of the extension line: `warlog-report-index/v1 <entries> <base64 root>`."""
EMPTY_CHAIN = bytes(32)
FILED = get_topic(Report.Filed)  # type: ignore[attr-defined]  # made by @event
PAGE = 2000


def chain_step(chain: bytes, leaf_index: int, leaf_hash: bytes) -> bytes:
    """The chain after one more event of the report, at this leaf index of the log's tree."""
    return hashlib.sha256(chain + leaf_index.to_bytes(8, "big") + leaf_hash).digest()


def chain_of(events: Iterable[tuple[int, bytes]]) -> bytes:
    """The chain over (leaf index, leaf hash) pairs, in log order."""
    chain = EMPTY_CHAIN
    for index, hashed in events:
        chain = chain_step(chain, index, hashed)
    return chain


@dataclass(frozen=True)
class Entry:
    """One report's line in the index."""

    report: str
    events: int
    chain: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"report": self.report, "events": self.events, "chain": self.chain.hex()}

    def leaf(self) -> bytes:
        return canonical(self.to_dict())

    @classmethod
    def from_dict(cls, value: Any) -> Entry:
        """An entry as a proof holds it; a wrong shape is a ValueError."""
        if not isinstance(value, dict) or set(value) != {"report", "events", "chain"}:
            raise ValueError("the report index entry must have report, events and chain")
        report, events, chain = value["report"], value["events"], value["chain"]
        if not isinstance(report, str) or not isinstance(events, int) or isinstance(events, bool):
            raise ValueError("the report index entry's report or events has the wrong type")
        try:
            chained = bytes.fromhex(chain)
        except (TypeError, ValueError):
            raise ValueError("the report index entry's chain is not hex") from None
        if len(chained) != 32:
            raise ValueError("the report index entry's chain is not 32 bytes")
        return cls(report, events, chained)


class ReportIndex:
    """The sorted entries and the Merkle tree over them."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: e.report.encode())
        self.keys = [e.report.encode() for e in self.entries]
        self.hashes = [merkle.leaf_hash(e.leaf()) for e in self.entries]
        self.root = merkle.root(self.hashes) if self.hashes else merkle.EMPTY_ROOT

    def line(self) -> str:
        """The checkpoint's extension line that commits to this index."""
        return f"{EXTENSION} {len(self.entries)} {base64.b64encode(self.root).decode()}"

    def find(self, report: str) -> int | None:
        at = bisect.bisect_left(self.keys, report.encode())
        return at if at < len(self.keys) and self.keys[at] == report.encode() else None

    def proof(self, at: int) -> list[bytes]:
        return merkle.inclusion_proof(at, self.hashes)


def committed(extensions: Sequence[str]) -> tuple[int, bytes] | None:
    """(entries, root) of the report index a checkpoint commits to; None when it has no index line.

    A line that names the index but is malformed is a ValueError: it was signed,
    so it is not something to ignore.
    """
    for line in extensions:
        words = line.split(" ")
        if words[0] != EXTENSION:
            continue
        if len(words) != 3 or not words[1].isascii() or not words[1].isdigit():
            raise ValueError(f"the checkpoint's report index line {line[:60]!r} is malformed")
        try:
            root = base64.b64decode(words[2], validate=True)
        except (binascii.Error, ValueError):
            root = b""
        if len(root) != 32:
            raise ValueError("the checkpoint's report index root is not a base64 32-byte hash")
        return int(words[1]), root
    return None


class Chains:
    """Every report's chain so far, fed the log's leaves in order."""

    def __init__(self) -> None:
        self.reports: dict[Any, str] = {}  # report aggregate id -> report id
        self.chains: dict[str, tuple[int, bytes]] = {}
        self._leaves: dict[bytes, bytes] = {}  # report id's UTF-8 -> its entry's leaf hash, kept current
        self._stale: set[str] = set()

    def add(self, leaf_index: int, aggregate: Any, leaf_hash: bytes, filed_as: str | None = None) -> None:
        """One leaf; `filed_as` names the report when the leaf is its filing."""
        if filed_as is not None:
            self.reports.setdefault(aggregate, filed_as)
        report = self.reports.get(aggregate)
        if report is not None:
            count, chain = self.chains.get(report, (0, EMPTY_CHAIN))
            self.chains[report] = (count + 1, chain_step(chain, leaf_index, leaf_hash))
            self._stale.add(report)

    def index(self) -> ReportIndex:
        return ReportIndex(Entry(r, n, c) for r, (n, c) in self.chains.items())

    def committed(self) -> tuple[int, bytes]:
        """(entries, root) of the index so far, as a checkpoint's index line has them.

        Only the entries that changed since the last call are hashed again, so a
        walk can take the index at every checkpoint it passes cheaply.
        """
        for report in self._stale:
            count, chain = self.chains[report]
            self._leaves[report.encode()] = merkle.leaf_hash(Entry(report, count, chain).leaf())
        self._stale.clear()
        hashes = [self._leaves[k] for k in sorted(self._leaves)]
        return len(hashes), merkle.root(hashes) if hashes else merkle.EMPTY_ROOT


@dataclass(frozen=True)
class Leaf:
    """One leaf of the tree as recorded, with the stored event's aggregate."""

    index: int
    position: int
    aggregate: Any
    hash: bytes


def recorded_leaves(archive: Archive, size: int) -> Iterator[tuple[Leaf, str | None]]:
    """The first `size` leaves, each with the report id when it is a report's filing.

    Leaf hashes are the ones recorded when each event was appended (what the
    checkpoint's root is made of); only filings are decoded, for their report id.
    A leaf whose event is gone from the store has no aggregate.
    """
    start = 0
    while start < size:
        page = archive.view.recorded_leaves(start, min(PAGE, size - start))
        if not page:
            return
        stored = {n.id: n for n in _between(archive, page[0][1], page[-1][1])}
        for index, position, hashed in page:
            notification = stored.get(position)
            filed = None
            if (
                notification is not None
                and notification.topic == FILED
                and notification.originator_version == 1
            ):
                filed = archive.mapper.to_domain_event(notification).__dict__["report_id"]
            aggregate = None if notification is None else notification.originator_id
            yield Leaf(index, position, aggregate, hashed), filed
        start = page[-1][0] + 1


def _between(archive: Archive, first: int, last: int) -> Iterator[Any]:
    position = first
    while position <= last:
        page = archive.recorder.select_notifications(start=position, limit=PAGE, stop=last)
        if not page:
            return
        yield from page
        position = page[-1].id + 1


def index_at(archive: Archive, size: int, report: str | None = None) -> tuple[ReportIndex, list[Leaf]]:
    """The report index of the first `size` leaves, and the leaves of `report`, in log order."""
    chains = Chains()
    leaves: list[Leaf] = []
    for leaf, filed in recorded_leaves(archive, size):
        chains.add(leaf.index, leaf.aggregate, leaf.hash, filed)
        if report is not None and leaf.aggregate is not None and chains.reports.get(leaf.aggregate) == report:
            leaves.append(leaf)
    return chains.index(), leaves
