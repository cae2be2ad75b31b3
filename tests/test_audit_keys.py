"""The archive's key from the first event on: made by init, rotated, revoked as compromised.

`verify` follows the chain of archive keys from whichever one the auditor pinned,
and says which key signed which positions. Real SQLite and PostgreSQL stores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import warlog
from clirun import as_json, cli, ok
from warlog.audit.checkpoint import load_private_key, vkey


@pytest.fixture
def keyed(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "keys"))
    made = ok(db, "init", archivist="ana").output
    assert "every event is signed" in made and "verifier key (publish it): warlog.archive/" in made
    return db


def verifier_key(output: str) -> str:
    (line,) = [x for x in output.splitlines() if x.startswith("verifier key (publish it): ")]
    return line.split(": ", 1)[1]


def add_report(db: str, report: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        report,
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Syria:rebels:controlled",
        archivist="ana",
    )


def test_init_signs_every_event_from_the_first(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "keys"))
    published = verifier_key(ok(db, "init", archivist="ana").output)
    report = as_json(ok(db, "verify", "--key", published, "--json"))
    assert report["ok"] and report["keys"]["unsigned"] is None
    assert report["signed_events"] == report["size"] > 50  # the starter gazetteer included
    assert report["root_encoding"] == "base64"
    assert ok(db, "init", archivist="ana").output.strip() == "archive already exists; nothing changed"
    assert len(list((tmp_path / "keys").iterdir())) == 1  # the second init left no key behind


def test_an_archive_made_without_a_key_says_what_is_unsigned(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "keys"))
    ok(db, "init", "--no-key", archivist="ana")
    add_report(db, "r1")
    before = len(as_json(ok(db, "log", "--json"))["events"])
    ok(db, "keygen", archivist="ana")
    shown = ok(db, "verify").output
    assert f"positions 1\u2013{before} ({before} events) are unsigned: the archive key registered" in shown


def test_a_rotated_key_is_followed_from_either_key(keyed: str, tmp_path: Path) -> None:
    old = ok(keyed, "verify", "--json")
    first = as_json(old)["keys"]["archive_keys"][0]["public_key"]
    add_report(keyed, "r1")
    rotated = ok(keyed, "rotate-key", "--reason", "the yearly change", archivist="ana").output
    new_vkey = verifier_key(rotated)
    add_report(keyed, "r2")
    ok(keyed, "checkpoint", "-o", str(tmp_path / "cp.txt"), archivist="ana")
    origin = (tmp_path / "cp.txt").read_text().split("\n", 1)[0]
    old_vkey = vkey(origin, load_private_key(tmp_path / "keys" / "archive.pem").public_key())
    for pinned in (old_vkey, new_vkey):
        shown = ok(keyed, "verify", "--key", pinned, "--checkpoint", str(tmp_path / "cp.txt")).output
        assert f"archive key {first}" in shown and "rotated in at" in shown
    stranger = "warlog.archive/0000000000000000+2c6b5b87+AZ3ohx6Ysd9k/Uy4Fd6RDgjbMu4fvyjWZ24rvt6Pw+ws"
    assert cli(keyed, "verify", "--key", stranger).exit_code == 1


def test_a_rotation_the_new_key_did_not_endorse_is_caught(keyed: str, tmp_path: Path) -> None:
    ok(keyed, "rotate-key", "--reason", "routine", archivist="ana")
    archive = warlog.open(keyed)
    events = [
        (n.id, archive.mapper.to_domain_event(n))
        for n in archive.recorder.select_notifications(start=1, limit=10_000)
    ]
    archive.close()
    (position,) = [p for p, e in events if type(e).__qualname__ == "Keys.ArchiveKeyRotated"]
    from test_audit_attacks import rewrite

    old = load_private_key(tmp_path / "keys" / "archive.pem")

    def spoil(at: int, event: object) -> bool:
        if at == position:
            event.__dict__["endorsement"] = "00" * 64
            return True
        return False

    rewrite(keyed, spoil, lambda e: old if type(e).__qualname__ == "Keys.ArchiveKeyRotated" else None)
    result = cli(keyed, "verify")
    assert result.exit_code == 1
    assert (
        f"FAIL position {position}: the new archive key" in result.output and "endorsement" in result.output
    )


def test_a_compromised_key_is_revoked_from_a_position(keyed: str, tmp_path: Path) -> None:
    add_report(keyed, "r1")
    archive = warlog.open(keyed)
    since = archive.recorder.max_notification_id()
    archive.close()
    add_report(keyed, "forged-by-the-thief")
    revoked = ok(
        keyed,
        "revoke-key",
        "--archive",
        "--from",
        str(since),
        "--reason",
        "the laptop was stolen",
        archivist="ana",
    )
    assert f"revoked the archive's key from position {since}" in revoked.output
    add_report(keyed, "r2")
    result = ok(keyed, "verify", "--key", verifier_key(revoked.output))
    assert "after it was compromised" in result.output and "do not trust them" in result.output
    untrusted = as_json(ok(keyed, "verify", "--json"))["keys"]["untrusted"]
    assert untrusted[0]["first"] == since


def test_key_commands_refuse_bad_input_in_one_line(keyed: str) -> None:
    for args in (
        ("revoke-key", "--archive", "--reason", "x"),
        ("revoke-key", "--archive", "--from", "999999", "--reason", "x"),
        ("revoke-key", "ben", "--from", "3", "--reason", "x"),
        ("rotate-key", "--reason", " "),
        ("verify", "--archivist-key", "ben"),
        ("verify", "--archivist-key", "ben=zz"),
    ):
        result = cli(keyed, *args, archivist=None if args[0] == "verify" else "ana")
        assert result.exit_code == 1, args
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_every_checkpoint_is_recorded_and_a_second_one_extends_the_first(keyed: str, tmp_path: Path) -> None:
    ok(keyed, "checkpoint", "-o", str(tmp_path / "a.txt"), archivist="ana")
    add_report(keyed, "r1")
    ok(keyed, "checkpoint", "-o", str(tmp_path / "b.txt"), archivist="ana")
    shown = ok(keyed, "verify").output
    assert "checkpoints the archive recorded in its log: 2" in shown
    assert "warlog-report-index/v1 " in (tmp_path / "b.txt").read_text()
