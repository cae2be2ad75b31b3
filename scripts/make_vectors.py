#!/usr/bin/env python3
"""Write the test vectors of docs/formats.md from a real archive: leaves, checkpoints, proofs, tiles.

    python scripts/make_vectors.py [--out tests/data/vectors/vectors.json]
    python scripts/make_vectors.py --make-archive   # once: the archive the vectors come from

The archive is tests/data/vectors/archive.dump (a `warlog dump` of the starter
gazetteer, the sample's reports, two corrections and a retraction, every
event signed), with its test-only keys beside it (archive-key.pem,
witness-key.pem: published here on purpose, never use them for anything else).
Restoring the dump gives the same leaves at the same positions; Ed25519
signatures are deterministic and the cosignature's time is fixed, so the
vectors come out byte for byte the same on every run, and
tests/test_formats.py holds the committed file to that (and hands it to a Go
verifier built on golang.org/x/mod/sumdb/note and tlog).

All hashes and roots are standard base64, as in checkpoints.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "tests" / "data" / "vectors"
WITNESS = "witness.example/w1"
COSIGNED_AT = 1_700_000_000
OLDER_SIZE = 40


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def warlog(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "warlog", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise SystemExit(f"warlog {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def make_archive() -> None:
    """Build the archive once and write its dump and keys into tests/data/vectors."""
    sample = HERE.parent / "src" / "warlog" / "data" / "sample.jsonl"
    with tempfile.TemporaryDirectory() as scratch:
        db = str(Path(scratch) / "vectors.db")
        warlog("init", "--db", db, "--archivist", "ana")
        if not Path(db + ".keys", "archive.pem").exists():
            warlog("keygen", "--db", db, "--archivist", "ana")
        reports = Path(scratch) / "reports.jsonl"
        reports.write_text(
            "".join(
                line
                for line in sample.read_text("utf-8").splitlines(keepends=True)
                if '"correction"' not in line and '"retraction"' not in line
            ),
            "utf-8",
        )
        warlog("import", str(reports), "--db", db, "--archivist", "ana")
        for change in ("credibility=3", "note=the resident was reached again"):
            warlog(
                "correct",
                "reuters-2024-12-07-homs",
                "1",
                "--set",
                change,
                "--reason",
                "re-read",
                "--db",
                db,
                "--archivist",
                "ana",
            )
        warlog(
            "retract",
            "reuters-2024-12-07-homs",
            "2",
            "--reason",
            "could not be confirmed",
            "--db",
            db,
            "--archivist",
            "ana",
        )
        DATA.mkdir(parents=True, exist_ok=True)
        (DATA / "archive.dump").write_text(warlog("dump", "--db", db), "utf-8")
        shutil.copy(Path(db + ".keys") / "archive.pem", DATA / "archive-key.pem")
    from warlog.audit.checkpoint import generate_key, private_key_to_pem

    (DATA / "witness-key.pem").write_bytes(private_key_to_pem(generate_key()))


def vectors() -> dict[str, Any]:
    """Restore the dump into a scratch archive and read every vector from it."""
    import warlog as api
    from warlog.audit import merkle
    from warlog.audit.checkpoint import Checkpoint, load_private_key, signed_note, vkey
    from warlog.audit.cosignature import add_cosignature, cosign, cosigner_vkey
    from warlog.audit.tiles import TILE_WIDTH, tile_path, write_tiles
    from warlog.canonical import leaf, signed_bytes

    with tempfile.TemporaryDirectory() as scratch:
        db = str(Path(scratch) / "vectors.db")
        warlog("restore", str(DATA / "archive.dump"), "--db", db)
        keys = Path(db + ".keys")
        keys.mkdir(mode=0o700)
        shutil.copy(DATA / "archive-key.pem", keys / "archive.pem")
        os.chmod(keys / "archive.pem", 0o600)
        archive = api.open(db)
        archive.catch_up()
        registered = archive.keys()
        assert registered is not None and registered.origin is not None
        origin = registered.origin
        key = archive.archive_key()
        size = archive.view.tree_size()
        rows = archive.recorder.select_notifications(start=1, limit=size + 10)
        leaves, hashes = [], []
        for index, row in enumerate(rows[:size]):
            event = archive.mapper.to_domain_event(row)
            data = leaf(row.id, event)
            hashes.append(merkle.leaf_hash(data))
            leaves.append(
                {
                    "leaf_index": index,
                    "position": row.id,
                    "leaf": data.decode("utf-8"),
                    "leaf_hash": b64(hashes[-1]),
                    "signed_message": signed_bytes(event).decode("utf-8"),
                }
            )
        root = merkle.root(hashes)
        older_root = merkle.root(hashes[:OLDER_SIZE])
        note = signed_note(Checkpoint(origin, size, root), origin, key)
        older = signed_note(Checkpoint(origin, OLDER_SIZE, older_root), origin, key)
        witness = load_private_key(DATA / "witness-key.pem")
        cosigned = add_cosignature(
            note, cosign(note[: note.rfind("\n\n") + 1], WITNESS, witness, COSIGNED_AT)
        )
        mirror = Path(scratch) / "mirror"
        write_tiles(archive, mirror, note)
        from warlog.audit import ledger

        extended = ledger.checkpoint(archive)  # what 'warlog checkpoint' signs: with extension lines
        archive.close()
        published = _files(mirror)
    inclusion = [
        {
            "leaf_index": index,
            "size": tree,
            "proof": [b64(h) for h in merkle.inclusion_proof(index, hashes[:tree])],
        }
        for tree in (OLDER_SIZE, size)
        for index in sorted({0, OLDER_SIZE // 2, tree - 1})
    ]
    consistency = [
        {
            "old_size": old,
            "old_root": b64(merkle.root(hashes[:old])),
            "size": size,
            "root": b64(root),
            "proof": [b64(h) for h in merkle.consistency_proof(old, hashes)],
        }
        for old in (1, OLDER_SIZE, size - 1)
    ]
    tiles = {
        path: b64(data)
        for path, data in sorted(published.items())
        if not path.startswith("tile/entries/") and path != "checkpoint"
    }
    bundle = tile_path("entries", 0, min(size, TILE_WIDTH))
    return {
        "about": "warlog test vectors; see docs/formats.md. Hashes and roots are standard base64.",
        "origin": origin,
        "vkey": vkey(origin, key.public_key()),
        "witness_vkeys": [cosigner_vkey(WITNESS, witness.public_key())],
        "checkpoint": cosigned,
        "checkpoint_without_cosignature": note,
        "cosignature_time": COSIGNED_AT,
        "older_checkpoint": older,
        "checkpoint_with_extension": extended,
        "size": size,
        "root": b64(root),
        "leaves": leaves,
        "inclusion_proofs": inclusion,
        "consistency_proofs": consistency,
        "hash_tiles": tiles,
        "entry_bundle": {"path": bundle, "sha256": b64(hashlib.sha256(published[bundle]).digest())},
    }


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DATA / "vectors.json")
    parser.add_argument("--make-archive", action="store_true", help="build the archive the vectors come from")
    args = parser.parse_args(argv)
    if args.make_archive:
        make_archive()
    args.out.write_bytes(orjson.dumps(vectors(), option=orjson.OPT_INDENT_2) + b"\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
