"""Attacks on the log by someone with the database, or with the archive's key too, and the
command the README tells an auditor to run catching each one, naming the position or the key.

Every test runs on a real SQLite file and the real PostgreSQL. The attacker works as
a careful one would: events are rewritten in the store with plain SQL, re-signed,
and the read model (with its record of the tree) is projected again to match.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import warlog
from clirun import cli, ok
from conftest import POSTGRES
from warlog.audit.checkpoint import load_private_key, public_key_bytes, sign_note, vkey
from warlog.canonical import signed_bytes

SAMPLE = Path(warlog.__file__).parent / "data" / "sample.jsonl"


def is_postgres(db: str) -> bool:
    return db.startswith("postgresql://")


def run_sql(db: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """One statement on the store itself, as its operator could run it."""
    if is_postgres(db):
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{db.rsplit("schema=", 1)[1]}"')
            cursor = conn.execute(statement.replace("?", "%s").encode(), params)
            return list(cursor.fetchall()) if cursor.description else []
    with sqlite3.connect(db) as conn:
        return list(conn.execute(statement, params).fetchall())


def table(db: str) -> tuple[str, str]:
    return ("warlog_events", "notification_id") if is_postgres(db) else ("stored_events", "rowid")


def rewrite(
    db: str, change: Callable[[int, Any], bool], sign: Callable[[Any], Ed25519PrivateKey | None]
) -> None:
    """Change stored events in place: `change` edits an event (True if it did), `sign` gives
    the key to sign it again with (None: leave it); then the read model is projected anew."""
    archive = warlog.open(db)
    events_table, position_column = table(db)
    try:
        for notification in archive.recorder.select_notifications(start=1, limit=100_000):
            event = archive.mapper.to_domain_event(notification)
            changed = change(notification.id, event)
            key = sign(event)
            if key is not None and event.__dict__.get("signature") is not None:
                event.__dict__["signature"] = key.sign(signed_bytes(event)).hex()
                changed = True
            if changed:
                stored = archive.mapper.to_stored_event(event)
                run_sql(
                    db,
                    f"UPDATE {events_table} SET state=? WHERE {position_column}=?",
                    (stored.state, notification.id),
                )
        archive.close()
        archive = warlog.open(db)
        archive.rebuild()  # the attacker's tree now matches the rewritten events
    finally:
        archive.close()


def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "operator-keys"


@pytest.fixture
def archive_db(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A signed archive (init made its key) with the sample, a correction and a checkpoint."""
    monkeypatch.setenv("WARLOG_KEYS", str(keys_dir(tmp_path)))
    ok(db, "init", archivist="ana")
    ok(db, "import", str(SAMPLE), archivist="ana")
    ok(db, "retract", "reuters-2024-12-07-homs", "4", "--reason", "unsourced", archivist="ana")
    ok(db, "checkpoint", "-o", str(tmp_path / "kept.txt"), archivist="ana")
    return db


def published(tmp_path: Path) -> str:
    """The verifier key the archive published, from the checkpoint the auditor kept."""
    note = (tmp_path / "kept.txt").read_text()
    key = load_private_key(keys_dir(tmp_path) / "archive.pem")
    return vkey(note.split("\n", 1)[0], key.public_key())


def audit(db: str, tmp_path: Path, *more: str) -> tuple[int, list[str]]:
    """What the README tells an auditor to run: verify with the published key and kept checkpoints."""
    result = cli(
        db, "verify", "--key", published(tmp_path), "--checkpoint", str(tmp_path / "kept.txt"), *more
    )
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith("FAIL")]


def test_an_untouched_archive_verifies_clean(archive_db: str, tmp_path: Path) -> None:
    code, failures = audit(archive_db, tmp_path)
    assert (code, failures) == (0, [])
    shown = ok(archive_db, "verify", "--key", published(tmp_path)).output
    assert "unsigned" not in shown
    assert "(pinned): positions 1\u2013" in shown


def test_a_replaced_archive_key_with_every_event_re_signed_is_caught(archive_db: str, tmp_path: Path) -> None:
    forged = Ed25519PrivateKey.generate()
    forged_hex = public_key_bytes(forged).hex()
    positions = []

    def replace_key(position: int, event: Any) -> bool:
        if type(event).__qualname__ == "Keys.ArchiveKeyRegistered":
            event.__dict__["public_key"] = forged_hex
            positions.append(position)
            return True
        if type(event).__qualname__ == "Checkpoints.Signed":  # the recorded checkpoints, too
            text = event.note[: event.note.index("\n\n") + 1]
            event.__dict__["note"] = sign_note(text, text.split("\n", 1)[0], forged)
            return True
        return False

    rewrite(archive_db, replace_key, lambda _: forged)
    for checkpoints in ((), ("--checkpoint", str(tmp_path / "kept.txt"))):
        result = cli(archive_db, "verify", "--key", published(tmp_path), *checkpoints)
        assert result.exit_code == 1
        assert (
            f"FAIL position {positions[0]}: the archive key registered here is {forged_hex}" in result.output
        )


def test_a_replaced_archivist_key_is_caught_by_the_pinned_one(
    archive_db: str, tmp_path: Path, own_keys_folder: Path
) -> None:
    ok(archive_db, "keygen", "--for", "ben", archivist="ana")
    bens = load_private_key(own_keys_folder / "archivist-ben.pem")
    ok(archive_db, "retract", "reuters-2024-12-07-homs", "3", "--reason", "unsourced", archivist="ben")
    insider = load_private_key(keys_dir(tmp_path) / "archive.pem")  # an insider holds the archive's key
    forged = Ed25519PrivateKey.generate()
    registered = []

    def replace_ben(position: int, event: Any) -> bool:
        if type(event).__qualname__ == "Keys.ArchivistKeyRegistered":
            event.__dict__["public_key"] = public_key_bytes(forged).hex()
            registered.append(position)
            return True
        return False

    rewrite(archive_db, replace_ben, lambda e: forged if e.__dict__.get("archivist") == "ben" else insider)
    pin = f"ben={public_key_bytes(bens).hex()}"
    code, failures = audit(archive_db, tmp_path, "--archivist-key", pin)
    assert code == 1
    assert failures[0].startswith(f"FAIL position {registered[0]}: archivist ben's key registered here is")
    untouched_ok = cli(
        archive_db, "verify", "--key", published(tmp_path), "--archivist-key", "carol=" + "ab" * 32
    )
    assert "the log registers no key for carol" in untouched_ok.output


def test_an_insider_fork_signed_with_the_real_key_is_refused_and_caught(
    archive_db: str, tmp_path: Path
) -> None:
    insider = load_private_key(keys_dir(tmp_path) / "archive.pem")

    def rewrite_a_claim(position: int, event: Any) -> bool:
        if type(event).__qualname__ == "Report.Filed" and event.report_id == "reuters-2024-12-07-homs":
            event.__dict__["claims"][0]["actor"] = "Syrian government"
            return True
        return False

    rewrite(archive_db, rewrite_a_claim, lambda _: insider)
    refused = cli(archive_db, "checkpoint", archivist="ana")
    assert refused.exit_code == 1
    (line,) = refused.output.splitlines()
    assert line.startswith("error: refusing to sign: the log is not an extension of the checkpoint of size")
    code, failures = audit(archive_db, tmp_path)
    assert code == 1 and any("no longer hash to its root" in f for f in failures)
    alone = cli(
        archive_db, "verify", "--key", published(tmp_path)
    )  # no checkpoint kept: the log's own record
    assert alone.exit_code == 1
    assert "the checkpoint the archive recorded here" in alone.output


def test_rewritten_unsigned_early_events_are_caught_by_the_checkpoint(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARLOG_KEYS", str(keys_dir(tmp_path)))
    ok(db, "init", "--no-key", archivist="ana")  # as archives made before init made the key
    ok(db, "import", str(SAMPLE), archivist="ana")
    ok(db, "keygen", archivist="ana")
    ok(db, "checkpoint", "-o", str(tmp_path / "kept.txt"), archivist="ana")
    summary = ok(db, "verify", "--key", published(tmp_path)).output
    assert "are unsigned: the archive key registered at position" in summary

    def rename_a_place(position: int, event: Any) -> bool:
        if position == 5 and event.__dict__.get("signature") is None:
            event.__dict__["aliases"] = [*event.__dict__.get("aliases", []), "Forged"]
            return True
        return False

    rewrite(db, rename_a_place, lambda _: None)
    code, failures = audit(db, tmp_path)
    assert code == 1
    assert any("no longer hash to its root: an event at or before position" in f for f in failures)
    alone = cli(db, "verify", "--key", published(tmp_path))  # no checkpoint: the first key vouched for them
    assert alone.exit_code == 1
    assert "the archive key registered here vouches for the first" in alone.output


def test_a_truncated_log_is_caught(archive_db: str, tmp_path: Path) -> None:
    events_table, position_column = table(archive_db)
    (last,) = run_sql(archive_db, f"SELECT MAX({position_column}) FROM {events_table}")[0]
    cut = int(last) - 3  # the recorded checkpoint and the last events before it
    run_sql(archive_db, f"DELETE FROM {events_table} WHERE {position_column} > ?", (cut,))
    archive = warlog.open(archive_db)
    archive.rebuild()
    archive.close()
    code, failures = audit(archive_db, tmp_path)
    assert code == 1
    assert any(f"position {cut + 1}:" in f and "cut short" in f for f in failures), failures
