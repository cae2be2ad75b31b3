"""docs/formats.md, followed by hand: leaves, event signatures, key successions and the report
index, recomputed from a real archive with only `rfc8785`, `hashlib` and Ed25519, as a verifier
in another language would, and found to be what warlog signed."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import warlog
from clirun import ok
from warlog.canonical import leaf

SAMPLE = Path(warlog.__file__).parent / "data" / "sample.jsonl"


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tree_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, written out again."""
    if not hashes:
        return sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    split = 1 << ((len(hashes) - 1).bit_length() - 1)
    return sha256(b"\x01" + tree_root(hashes[:split]) + tree_root(hashes[split:]))


@pytest.fixture
def leaves(
    sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[dict[str, Any]], str]:
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "keys"))
    ok(sqlite_db, "init", archivist="ana")
    ok(sqlite_db, "import", str(SAMPLE), archivist="ana")
    ok(sqlite_db, "rotate-key", "--reason", "routine", archivist="ana")
    ok(sqlite_db, "retract", "reuters-2024-12-07-homs", "4", "--reason", "unsourced", archivist="ana")
    note = ok(sqlite_db, "checkpoint", archivist="ana").stdout
    archive = warlog.open(sqlite_db)
    found = []
    for notification in archive.recorder.select_notifications(start=1, limit=10_000):
        found.append(rfc8785_loads(leaf(notification.id, archive.mapper.to_domain_event(notification))))
    archive.close()
    return found, note


def rfc8785_loads(data: bytes) -> dict[str, Any]:
    import json

    value = json.loads(data)
    assert rfc8785.dumps(value) == data  # the leaf is its own canonical form
    return dict(value)


def test_every_event_signature_is_over_the_documented_message(
    leaves: tuple[list[dict[str, Any]], str],
) -> None:
    events, _ = leaves
    archive_key: str | None = None
    for event in events:
        kind = event["type"].split(":")[1]
        signed = {k: v for k, v in event.items() if k not in ("position", "signature")}
        message = b"warlog event signature v1\n" + rfc8785.dumps(signed)
        if kind == "Keys.Created":
            signer = events[events.index(event) + 1]["data"]["public_key"]
        elif kind == "Keys.ArchiveKeyRegistered":
            signer = event["data"]["public_key"]
        else:
            assert archive_key is not None
            signer = archive_key
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signer)).verify(
            bytes.fromhex(event["signature"]), message
        )
        if kind == "Keys.ArchiveKeyRotated":
            origin = events[1]["data"]["origin"]
            succession = b"warlog archive key succession v1\n" + rfc8785.dumps(
                {"origin": origin, "previous": archive_key, "next": event["data"]["public_key"]}
            )
            new = Ed25519PublicKey.from_public_bytes(bytes.fromhex(event["data"]["public_key"]))
            new.verify(bytes.fromhex(event["data"]["endorsement"]), succession)
        if kind in ("Keys.ArchiveKeyRegistered", "Keys.ArchiveKeyRotated"):
            archive_key = event["data"]["public_key"]


def test_the_checkpoint_commits_to_the_documented_report_index(
    leaves: tuple[list[dict[str, Any]], str],
) -> None:
    events, note = leaves
    _, size_line, root_line, index_line = note.split("\n")[:4]
    size = int(size_line)
    hashes = [sha256(b"\x00" + rfc8785.dumps(e)) for e in events[:size]]
    assert base64.b64encode(tree_root(hashes)).decode() == root_line
    namespace = uuid5(NAMESPACE_URL, "https://warlog.example/")
    chains: dict[str, tuple[int, bytes]] = {}
    reports = {
        uuid5(namespace, "report:" + e["data"]["report_id"]).hex: e["data"]["report_id"]
        for e in events[:size]
        if e["type"] == "warlog.domain:Report.Filed"
    }
    for index, (event, hashed) in enumerate(zip(events[:size], hashes, strict=True)):
        report = reports.get(event["aggregate"])
        if report is not None:
            count, chain = chains.get(report, (0, bytes(32)))
            chains[report] = (count + 1, sha256(chain + index.to_bytes(8, "big") + hashed))
    entries = [
        sha256(b"\x00" + rfc8785.dumps({"report": r, "events": n, "chain": c.hex()}))
        for r, (n, c) in sorted(chains.items(), key=lambda item: item[0].encode())
    ]
    assert (
        index_line == f"warlog-report-index/v1 {len(entries)} {base64.b64encode(tree_root(entries)).decode()}"
    )
