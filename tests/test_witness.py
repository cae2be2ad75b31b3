"""Witnesses (C2SP tlog-witness, tlog-cosignature/v1): cosign extensions, refuse forks and rollbacks.

The fork is an insider's: a real SQLite archive copied, one of its signed events
rewritten and re-signed with the archive's real key, the copy moved to a fresh
store by dump and restore (so its own read model and checkpoints agree with it),
and a new checkpoint signed with the real key. Only someone who kept an older
view notices; a witness is that someone.
"""

from __future__ import annotations

import base64
import shutil
import sqlite3
import struct
from pathlib import Path

import orjson
import pytest
from typer.testing import Result

import warlog
from clirun import CLEAN_ENV, cli, ok, runner
from test_tiles import correct, go, keyed, vkey_of, warlogverify  # noqa: F401  (fixtures)
from warlog.audit.checkpoint import generate_key
from warlog.audit.cosignature import (
    cosign,
    cosignatures,
    cosigner_key_id,
    cosigner_vkey,
    parse_cosigner_vkey,
    signed_message,
)
from warlog.canonical import signed_bytes
from warlog.cli.app import app
from warlog.errors import WarlogError

BODY = "warlog.example/log\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"


# The format, byte for byte -----------------------------------------------------------------------------


def test_a_cosignature_line_is_key_id_timestamp_and_signature_over_the_v1_message() -> None:
    key = generate_key()
    line = cosign(BODY, "witness.example/w1", key, 1679315147)
    name, blob_b64 = line.removeprefix("\u2014 ").removesuffix("\n").split(" ")
    blob = base64.b64decode(blob_b64)
    assert name == "witness.example/w1" and len(blob) == 4 + 8 + 64
    assert blob[:4] == cosigner_key_id(name, key.public_key())
    assert struct.unpack(">Q", blob[4:12]) == (1679315147,)
    message = signed_message(BODY, 1679315147)
    assert message == b"cosignature/v1\ntime 1679315147\n" + BODY.encode()
    key.public_key().verify(blob[12:], message)


def test_a_witness_vkey_has_type_0x04_and_an_archive_vkey_is_refused_as_one() -> None:
    from warlog.audit.checkpoint import CheckpointError, vkey

    key = generate_key()
    text = cosigner_vkey("witness.example/w1", key.public_key())
    assert base64.b64decode(text.split("+", 2)[2])[0] == 0x04
    assert parse_cosigner_vkey(text)[0] == "witness.example/w1"
    with pytest.raises(CheckpointError, match="not a cosignature/v1 key"):
        parse_cosigner_vkey(vkey("witness.example/w1", key.public_key()))


def test_a_cosignature_over_another_body_or_time_does_not_count() -> None:
    key = generate_key()
    witness = ("witness.example/w1", key.public_key())
    line = cosign(BODY, witness[0], key, 100)
    note = BODY + "\n" + line
    assert [c.timestamp for c in cosignatures(note, [witness])[0]] == [100]
    other = BODY.replace("\n5\n", "\n6\n")
    assert cosignatures(other + "\n" + line, [witness]) == (
        [],
        ["witness witness.example/w1's cosignature does not verify"],
    )


# The witness on real archives -----------------------------------------------------------------------------


def bare(*args: str) -> Result:
    """A command that needs no archive (a witness's), run as typed."""
    result = runner.invoke(app, list(args), env=CLEAN_ENV, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def checkpoint(db: str, path: Path) -> Path:
    ok(db, "checkpoint", "-o", str(path))
    return path


def init_witness(tmp_path: Path, name: str = "witness.example/w1") -> tuple[Path, str]:
    state = tmp_path / f"{name.replace('/', '_')}.json"
    result = bare("witness", "init", "--name", name, "--state", str(state))
    assert result.exit_code == 0, result.output
    out = result.stdout
    return state, out.strip().rsplit(" ", 1)[1]


def cosign_cli(db: str, note: Path, state: Path, *how: str, out: Path | None = None) -> Result:
    extra = ["-o", str(out)] if out is not None else []
    return bare("witness", "cosign", str(note), "--state", str(state), "--log-key", vkey_of(db), *how, *extra)


def fork(db: str, position: int, tmp_path: Path) -> str:
    """An insider's fork: the event at `position` rewritten, re-signed with the real key, restored anew."""
    copy = tmp_path / "insider.db"
    shutil.copy(db, copy)
    shutil.copytree(db + ".keys", str(copy) + ".keys")
    archive = warlog.open(str(copy))
    (notification,) = archive.recorder.select_notifications(start=position, limit=1)
    event = archive.mapper.to_domain_event(notification)
    assert "reason" in event.__dict__, "rewrite a correction"
    event.__dict__["reason"] = "rewritten by an insider"
    event.__dict__["signature"] = archive.archive_key().sign(signed_bytes(event)).hex()
    state = archive.mapper.to_stored_event(event).state
    archive.close()
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE stored_events SET state=? WHERE rowid=?", (state, position))
    dump = tmp_path / "insider.dump"
    ok(str(copy), "dump", "-o", str(dump))
    forked = str(tmp_path / "forked.db")
    ok(forked, "restore", str(dump))
    shutil.copytree(db + ".keys", forked + ".keys")
    assert vkey_of(forked) == vkey_of(db)
    return forked


def insider_checkpoint(forked: str) -> str:
    """The forked log's checkpoint, signed with the real key by the insider's own code,
    around whatever refusals 'warlog checkpoint' makes."""
    from warlog.audit import merkle
    from warlog.audit.checkpoint import Checkpoint, signed_note

    archive = warlog.open(forked)
    archive.catch_up()
    keys = archive.keys()
    assert keys is not None and keys.origin is not None
    size = archive.view.tree_size()
    root = merkle.root_from(size, archive.view.subtree_hash)
    note = signed_note(Checkpoint(keys.origin, size, root), keys.origin, archive.archive_key())
    archive.close()
    return note


def insider_mirror(forked: str, directory: Path) -> Path:
    """A mirror of the forked log, as the insider would publish it: valid on its own."""
    from warlog.audit.tiles import write_tiles

    archive = warlog.open(forked)
    write_tiles(archive, directory, insider_checkpoint(forked))
    archive.close()
    return directory / "checkpoint"


def last_correction(db: str) -> int:
    """The position of the newest correction: a signed event with a reason to rewrite."""
    with sqlite3.connect(db) as connection:
        (position,) = connection.execute(
            "SELECT MAX(rowid) FROM stored_events WHERE topic LIKE '%ClaimCorrected'"
        ).fetchone()
    return int(position)


@pytest.fixture
def witnessed(keyed: str, tmp_path: Path) -> tuple[str, Path, Path]:  # noqa: F811
    """An archive whose checkpoint a witness cosigned from its mirror; the witness's state."""
    correct(keyed, 3)
    ok(keyed, "tiles", str(tmp_path / "mirror"))
    state, _ = init_witness(tmp_path)
    result = cosign_cli(keyed, tmp_path / "mirror" / "checkpoint", state, "--tiles", str(tmp_path / "mirror"))
    assert result.exit_code == 0, result.output
    return keyed, state, tmp_path / "mirror"


def test_a_witness_cosigns_an_extension_from_a_proof_and_go_verifies_it(
    witnessed: tuple[str, Path, Path],
    tmp_path: Path,
    warlogverify: Path,  # noqa: F811
) -> None:
    db, state, _ = witnessed
    before = orjson.loads(state.read_bytes())["logs"]
    (old,) = [v["size"] for v in before.values()]
    correct(db, 2)
    note = checkpoint(db, tmp_path / "cp.txt")
    proof = tmp_path / "proof.txt"
    proof.write_text(ok(db, "consistency-proof", "--from", str(old)).stdout)
    size = int(note.read_text().split("\n")[1])
    proof.write_text(ok(db, "consistency-proof", "--from", str(old), "--to", str(size)).stdout)
    assert proof.read_text().startswith(f"old {old}\n")
    result = cosign_cli(db, note, state, "--proof", str(proof), out=tmp_path / "cosigned.txt")
    assert result.exit_code == 0, result.output
    wvkey = orjson.loads(state.read_bytes())["vkey"]
    assert ok(
        db, "verify", "--checkpoint", str(tmp_path / "cosigned.txt"), "--witness", wvkey, "--no-read-model"
    )
    checked = go(warlogverify, "cosigned", str(tmp_path / "cosigned.txt"), vkey_of(db), wvkey)
    assert checked.returncode == 0 and "ok: cosignature by witness.example/w1" in checked.stdout, (
        checked.stdout
    )


def test_an_insider_fork_signed_with_the_real_key_is_refused_and_the_state_kept(
    witnessed: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, state, _ = witnessed
    kept = state.read_bytes()
    forked = fork(db, last_correction(db), tmp_path)
    correct(forked, 2)
    note = insider_mirror(forked, tmp_path / "forked-mirror")
    assert ok(
        forked, "verify", "--tiles", str(tmp_path / "forked-mirror"), "--key", vkey_of(db)
    )  # valid alone
    refused = cosign_cli(forked, note, state, "--tiles", str(tmp_path / "forked-mirror"))
    assert refused.exit_code == 1
    assert "FORK" in refused.output and len(refused.output.splitlines()) == 1
    (old,) = [v["size"] for v in orjson.loads(kept)["logs"].values()]
    proof = tmp_path / "forked-proof.txt"
    proof.write_text(
        ok(forked, "consistency-proof", "--from", str(old), "--to", note.read_text().split("\n")[1]).stdout
    )
    refused = cosign_cli(forked, note, state, "--proof", str(proof))
    assert refused.exit_code == 1 and "FORK" in refused.output
    assert state.read_bytes() == kept


def test_the_writer_refuses_to_extend_a_mirror_with_a_forked_log(
    witnessed: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, _, mirror = witnessed
    published = (mirror / "checkpoint").read_bytes()
    forked = fork(db, last_correction(db), tmp_path)
    correct(forked, 2)
    with pytest.raises(WarlogError, match="the log was rewritten"):
        insider_mirror(forked, mirror)
    assert (mirror / "checkpoint").read_bytes() == published


def test_a_rollback_to_an_older_checkpoint_is_refused(
    witnessed: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, state, mirror = witnessed
    older = tmp_path / "older.txt"
    older.write_bytes((mirror / "checkpoint").read_bytes())
    correct(db, 1)
    ok(db, "tiles", str(mirror))
    assert cosign_cli(db, mirror / "checkpoint", state, "--tiles", str(mirror)).exit_code == 0
    refused = cosign_cli(db, older, state, "--tiles", str(mirror))
    assert refused.exit_code == 1 and "rollback" in refused.output


def test_a_proof_from_another_size_than_the_last_cosigned_is_refused(
    witnessed: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, state, _ = witnessed
    correct(db, 1)
    note = checkpoint(db, tmp_path / "cp.txt")
    proof = tmp_path / "p.txt"
    proof.write_text(
        ok(db, "consistency-proof", "--from", "1", "--to", note.read_text().split("\n")[1]).stdout
    )
    refused = cosign_cli(db, note, state, "--proof", str(proof))
    assert refused.exit_code == 1 and "last cosigned" in refused.output


def test_verify_fails_without_enough_cosignatures(witnessed: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, state, mirror = witnessed
    wvkey = orjson.loads(state.read_bytes())["vkey"]
    _, second = init_witness(tmp_path, "witness.example/w2")
    result = cli(db, "verify", "--tiles", str(mirror), "--key", vkey_of(db), "--witness", "/nonexistent")
    assert result.exit_code == 1 and "--witness" in result.output
    unsigned = cli(db, "verify", "--tiles", str(mirror), "--key", vkey_of(db), "--witness", wvkey)
    assert unsigned.exit_code == 1 and "0 valid cosignature(s) of the 1 required" in unsigned.output
    cosigned = tmp_path / "cosigned.txt"
    (tmp_path / "w1-again.json").write_bytes(state.read_bytes())
    assert cosign_cli(db, mirror / "checkpoint", state, "--tiles", str(mirror), out=cosigned).exit_code == 0
    shutil.copy(cosigned, mirror / "checkpoint")
    assert ok(db, "verify", "--tiles", str(mirror), "--key", vkey_of(db), "--witness", wvkey)
    both = cli(
        db, "verify", "--tiles", str(mirror), "--key", vkey_of(db), "--witness", wvkey, "--witness", second
    )
    assert both.exit_code == 1 and "witness.example/w2 did not cosign it" in both.output
    one_of_two = ["--witness", wvkey, "--witness", second, "--min-witnesses", "1"]
    assert ok(db, "verify", "--tiles", str(mirror), "--key", vkey_of(db), *one_of_two)
    too_many = cli(
        db, "verify", "--tiles", str(mirror), "--key", vkey_of(db), "--witness", wvkey, "--min-witnesses", "2"
    )
    assert too_many.exit_code == 1 and "--min-witnesses 2" in too_many.output


def test_witness_init_never_replaces_a_state(tmp_path: Path) -> None:
    state, _ = init_witness(tmp_path)
    again = bare("witness", "init", "--name", "w", "--state", str(state))
    assert again.exit_code == 1 and "never replaced" in again.output
    bad = bare("witness", "init", "--name", "a b", "--state", str(tmp_path / "n.json"))
    assert bad.exit_code == 1 and "--name" in bad.output and not (tmp_path / "n.json").exists()


def test_verify_proof_demands_the_witnesses_cosignature(
    witnessed: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, state, _ = witnessed
    (old,) = [v["size"] for v in orjson.loads(state.read_bytes())["logs"].values()]
    note = checkpoint(db, tmp_path / "cp.txt")
    size = note.read_text().split("\n")[1]
    proof = tmp_path / "proof.txt"
    proof.write_text(ok(db, "consistency-proof", "--from", str(old), "--to", size).stdout)
    assert cosign_cli(db, note, state, "--proof", str(proof), out=tmp_path / "cosigned.txt").exit_code == 0
    report = tmp_path / "report.json"
    ok(
        db,
        "prove",
        "reuters-2024-12-07-homs",
        "--checkpoint",
        str(tmp_path / "cosigned.txt"),
        "-o",
        str(report),
    )
    wvkey = orjson.loads(state.read_bytes())["vkey"]
    good = bare(
        "verify-proof", str(report), "--checkpoint", str(tmp_path / "cosigned.txt"), "--witness", wvkey
    )
    assert good.exit_code == 0, good.output
    ok(db, "prove", "reuters-2024-12-07-homs", "--checkpoint", str(note), "-o", str(tmp_path / "bare.json"))
    bad = bare("verify-proof", str(tmp_path / "bare.json"), "--checkpoint", str(note), "--witness", wvkey)
    assert bad.exit_code == 1 and "0 valid cosignature(s) of the 1 required" in bad.output


def test_a_consistency_proof_outside_the_log_is_refused_in_one_line(keyed: str) -> None:  # noqa: F811
    backwards = cli(keyed, "consistency-proof", "--from", "5", "--to", "3")
    assert backwards.exit_code == 1 and backwards.output == "error: --from 5 --to 3: give 0 <= N <= M\n"
    beyond = cli(keyed, "consistency-proof", "--from", "5", "--to", "1000000")
    assert beyond.exit_code == 1 and "the log has only" in beyond.output
    assert ok(keyed, "consistency-proof", "--from", "0").stdout == "old 0\n"
