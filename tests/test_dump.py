"""Moving an archive: dump from SQLite, restore into a new store, and the history is intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import warlog
from warlog.cli.app import app

SAMPLE = Path(warlog.__file__).parent / "data" / "sample.jsonl"
runner = CliRunner()


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_restored_archive_verifies_against_checkpoints_of_the_old_one(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = str(tmp_path / "old.db")
    monkeypatch.setenv("WARLOG_ARCHIVIST", "ana")
    cli("import", str(SAMPLE), "--db", old)
    cli("keygen", "--db", old)
    cli("correct", "reuters-2024-12-07-homs", "1", "--set", "credibility=3", "--reason", "why", "--db", old)
    cli("checkpoint", "--db", old, "-o", str(tmp_path / "cp.txt"))
    cli("dump", "--db", old, "--with-secrets", "-o", str(tmp_path / "dump.jsonl"))

    cli("restore", str(tmp_path / "dump.jsonl"), "--db", db)

    assert "consistent" in cli("verify", "--db", db, "--checkpoint", str(tmp_path / "cp.txt"))
    for at in ("2024-11-30", "2024-12-07"):
        before = json.loads(cli("state", "--db", old, "--at", at, "--json"))
        after = json.loads(cli("state", "--db", db, "--at", at, "--json"))
        assert before["places"] == after["places"]  # known now: a record time later than every event
    assert cli("log", "--db", old, "--json") == cli("log", "--db", db, "--json")


def test_a_dump_without_secrets_restores_sensitive_text_as_redacted(tmp_path: Path) -> None:
    old, new = str(tmp_path / "old.db"), str(tmp_path / "new.db")
    cli("import", str(SAMPLE), "--db", old)
    cli("dump", "--db", old, "-o", str(tmp_path / "dump.jsonl"))
    cli("restore", str(tmp_path / "dump.jsonl"), "--db", new)
    assert "[redacted]" not in cli("log", "--db", old, "--json")
    assert "[redacted]" in cli("log", "--db", new, "--json")
    assert "(82 events) are unsigned" in cli("verify", "--db", new)


def test_restore_refuses_a_store_that_has_events(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    cli("import", str(SAMPLE), "--db", db)
    cli("dump", "--db", db, "-o", str(tmp_path / "dump.jsonl"))
    result = runner.invoke(app, ["restore", str(tmp_path / "dump.jsonl"), "--db", db])
    assert result.exit_code == 1
    assert "empty archive" in result.output


def test_restore_names_a_bad_line(tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text('{"format":"warlog-dump","version":1}\n{"position": "x"}\n')
    result = runner.invoke(app, ["restore", str(dump), "--db", str(tmp_path / "new.db")])
    assert result.exit_code == 1
    assert f"{dump}:2:" in result.output
