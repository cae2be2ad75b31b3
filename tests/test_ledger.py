"""Auditors' story: keys, checkpoints, and tampering with a real store caught by `verify`."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import warlog
from warlog.archive import Archive
from warlog.canonical import canonical
from warlog.cli.app import app

SAMPLE = Path(warlog.__file__).parent / "data" / "sample.jsonl"
runner = CliRunner()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An archive with the sample imported, a key, a correction, and a checkpoint before it."""
    db = tmp_path / "w.db"
    monkeypatch.setenv("WARLOG_DB", str(db))
    monkeypatch.setenv("WARLOG_ARCHIVIST", "ana")
    monkeypatch.delenv("WARLOG_KEYS", raising=False)
    assert cli("import", str(SAMPLE))[0] == 0
    assert cli("keygen")[0] == 0
    assert cli("checkpoint", "--out", str(tmp_path / "before.txt"))[0] == 0
    assert (
        cli("correct", "reuters-2024-12-07-homs", "2", "--set", "credibility=3", "--reason", "re-graded")[0]
        == 0
    )
    yield db


def verify(store: Path) -> tuple[int, str]:
    return cli("verify", "--checkpoint", str(store.parent / "before.txt"))


def sql(store: Path, *statements: str) -> None:
    with sqlite3.connect(store) as db:
        for statement in statements:
            db.execute(statement)


def test_an_untouched_store_verifies(store: Path) -> None:
    code, output = verify(store)
    assert code == 0, output
    assert "consistent" in output


def test_the_private_key_is_readable_by_its_owner_only(store: Path) -> None:
    mode = stat.S_IMODE(os.stat(f"{store}.keys/archive.pem").st_mode)
    assert mode == 0o600


def test_a_changed_byte_is_caught_at_its_position(store: Path) -> None:
    with sqlite3.connect(store) as db:
        (state,) = db.execute("SELECT state FROM stored_events WHERE rowid=50").fetchone()
        changed = bytearray(state)
        changed[len(changed) // 2] ^= 0x01
        db.execute("UPDATE stored_events SET state=? WHERE rowid=50", (bytes(changed),))
    code, output = verify(store)
    assert code == 1
    assert "position 50:" in output.splitlines()[0]


def test_a_deleted_event_is_caught_at_its_position(store: Path) -> None:
    sql(store, "DELETE FROM stored_events WHERE rowid=40")
    code, output = verify(store)
    assert code == 1
    assert output.splitlines()[0].startswith("FAIL position 40:")


def test_two_swapped_events_are_caught_at_the_first(store: Path) -> None:
    with sqlite3.connect(store) as db:
        columns = "originator_id, originator_version, topic, state"
        a = db.execute(f"SELECT {columns} FROM stored_events WHERE rowid=30").fetchone()
        b = db.execute(f"SELECT {columns} FROM stored_events WHERE rowid=31").fetchone()
        db.execute("DELETE FROM stored_events WHERE rowid IN (30, 31)")
        db.execute(f"INSERT INTO stored_events (rowid, {columns}) VALUES (30,?,?,?,?)", b)
        db.execute(f"INSERT INTO stored_events (rowid, {columns}) VALUES (31,?,?,?,?)", a)
    code, output = verify(store)
    assert code == 1
    assert output.splitlines()[0].startswith("FAIL position 30:")


def test_a_forged_event_is_caught_by_its_signature(store: Path) -> None:
    with sqlite3.connect(store) as db:
        last, version, topic, state = db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?,?,?,?)",
            (last, version + 1, topic, state.replace(b'"re-', b'"RE-')),
        )
        (position,) = db.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    # a later command projects the forgery too: the signature still gives it away
    assert cli("state")[0] == 0
    code, output = verify(store)
    assert code == 1
    assert f"position {position}: signature does not verify" in output


def test_a_proof_verifies_offline_and_fails_after_any_changed_byte(store: Path) -> None:
    checkpoint = store.parent / "after.txt"
    proof = store.parent / "proof.json"
    assert cli("checkpoint", "-o", str(checkpoint))[0] == 0
    code, output = cli("prove", "reuters-2024-12-07-homs", "--checkpoint", str(checkpoint), "-o", str(proof))
    assert code == 0, output
    store.unlink()  # offline: no database at all
    code, output = cli("verify-proof", str(proof), "--checkpoint", str(checkpoint))
    assert code == 0, output
    original = proof.read_bytes()
    for index in range(0, len(original), max(1, len(original) // 300)):
        changed = bytearray(original)
        changed[index] ^= 0x01
        proof.write_bytes(bytes(changed))
        code, _ = cli("verify-proof", str(proof), "--checkpoint", str(checkpoint))
        assert code == 1, f"byte {index} changed and the proof still verified"


def test_archivists_sign_with_their_own_keys(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("keygen", "--for", "ben")[0] == 0
    monkeypatch.setenv("WARLOG_ARCHIVIST", "ben")
    assert cli("retract", "reuters-2024-12-07-homs", "4", "--reason", "unsourced")[0] == 0
    archive = warlog.open(str(store))
    (last,) = list(archive.log())[-1:]
    assert last.archivist == "ben" and last.data["signature"]
    assert verify(store)[0] == 0
    assert cli("revoke-key", "ben", "--reason", "left")[0] == 0
    assert verify(store)[0] == 0


def test_checkpoint_needs_a_key(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    Archive(warlog.store.Store(db).environment()).start("ana")
    code, output = cli("checkpoint", "--db", db)
    assert code == 1
    assert "warlog keygen" in output


JSON_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(JSON_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_canonical_bytes_are_rfc8785(value: object) -> None:
    assert canonical(value) == rfc8785.dumps(value)
