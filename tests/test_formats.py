"""The test vectors of docs/formats.md: regenerated from their archive they come out the same,
warlog's own code and Go's reference packages both accept them, and the document has its sections."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from test_tiles import go, warlogverify  # noqa: F401  (fixture)
from warlog.audit import merkle
from warlog.audit.checkpoint import open_signed_note, parse_vkey
from warlog.audit.cosignature import cosignatures, parse_cosigner_vkey

ROOT = Path(__file__).parent.parent
VECTORS = ROOT / "tests" / "data" / "vectors" / "vectors.json"
SECTIONS = [
    "# Formats",
    "## Leaf",
    "## Event signature",
    "## Keys and key events",
    "## Checkpoint",
    "## Cosignatures",
    "## Inclusion and consistency proofs",
    "## Report proofs",
    "## Tiles",
    "## Test vectors",
]


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    return orjson.loads(VECTORS.read_bytes())  # type: ignore[no-any-return]


def h(text: str) -> bytes:
    return base64.b64decode(text)


def test_the_vectors_regenerate_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "vectors.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_vectors.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == VECTORS.read_bytes(), "the formats changed: run python scripts/make_vectors.py"


def test_go_reference_packages_accept_the_vectors(warlogverify: Path) -> None:  # noqa: F811
    result = go(warlogverify, "vectors", str(VECTORS))
    assert result.returncode == 0, result.stdout
    assert "ok: cosignature by witness.example/w1" in result.stdout
    assert "ok: 6 inclusion proofs" in result.stdout and "ok: 3 consistency proofs" in result.stdout


def test_warlog_accepts_the_vectors_it_documents(vectors: dict[str, Any]) -> None:
    name, key = parse_vkey(vectors["vkey"])
    checkpoint = open_signed_note(vectors["checkpoint"], name, key)
    assert base64.b64encode(checkpoint.root).decode() == vectors["root"]
    assert open_signed_note(vectors["checkpoint_with_extension"], name, key).extensions
    witnesses = [parse_cosigner_vkey(v) for v in vectors["witness_vkeys"]]
    valid, problems = cosignatures(vectors["checkpoint"], witnesses)
    assert [c.timestamp for c in valid] == [vectors["cosignature_time"]] and not problems
    hashes = [merkle.leaf_hash(leaf["leaf"].encode()) for leaf in vectors["leaves"]]
    assert [base64.b64encode(x).decode() for x in hashes] == [leaf["leaf_hash"] for leaf in vectors["leaves"]]
    assert merkle.root(hashes) == checkpoint.root
    for p in vectors["inclusion_proofs"]:
        tree = merkle.root(hashes[: p["size"]])
        proof = [h(x) for x in p["proof"]]
        assert merkle.verify_inclusion(p["leaf_index"], p["size"], hashes[p["leaf_index"]], proof, tree)
    for p in vectors["consistency_proofs"]:
        proof = [h(x) for x in p["proof"]]
        assert merkle.verify_consistency(p["old_size"], p["size"], h(p["old_root"]), h(p["root"]), proof)
    tile = h(vectors["hash_tiles"][f"tile/0/000.p/{vectors['size']}"])
    assert tile == b"".join(hashes)


def test_formats_document_has_its_sections_in_order() -> None:
    text = (ROOT / "docs" / "formats.md").read_text("utf-8")
    headings = [
        line for line in text.splitlines() if line.startswith("#") and line.lstrip("#").startswith(" ")
    ]
    assert [x for x in headings if x in SECTIONS] == SECTIONS
    assert "docs/formats.md" in (ROOT / "README.md").read_text("utf-8")
