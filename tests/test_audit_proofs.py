"""A report proof shows all of the report's events up to its checkpoint: leave any out and it fails.

The proof is made from a real archive (SQLite and PostgreSQL) and checked offline,
as a third party would: edited the way someone hiding a retraction would edit it,
and written back in canonical form so that only the report index can give it away.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clirun import CLEAN_ENV, cli, ok, runner
from warlog.audit import report_index
from warlog.audit.checkpoint import Checkpoint, load_private_key, signed_note
from warlog.canonical import canonical
from warlog.cli.app import app

REPORT = "r1"


@pytest.fixture
def proven(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, Path]:
    """A report filed, corrected, partly and then wholly retracted; a checkpoint and its proof."""
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "keys"))
    ok(db, "init", archivist="ana")
    add = ("report", "add", "--id", REPORT, "--source", "Wire", "--published", "2024-12-07")
    ok(db, *add, "--claim", "Homs:rebels:controlled", "--claim", "Hama:rebels:contested", archivist="ana")
    ok(db, "correct", REPORT, "1", "--set", "credibility=2", "--reason", "a second source", archivist="ana")
    ok(db, "retract", REPORT, "2", "--reason", "another report's claim", archivist="ana")
    ok(db, "retract", REPORT, "--reason", "the source withdrew it", archivist="ana")
    checkpoint, proof = tmp_path / "cp.txt", tmp_path / "proof.json"
    ok(db, "checkpoint", "-o", str(checkpoint), archivist="ana")
    ok(db, "prove", REPORT, "--checkpoint", str(checkpoint), "-o", str(proof))
    return db, checkpoint, proof


def check(proof: Path, checkpoint: Path, *more: str) -> tuple[int, str]:
    """verify-proof as a third party runs it: no database at all."""
    result = runner.invoke(
        app, ["verify-proof", str(proof), "--checkpoint", str(checkpoint), *more], env=CLEAN_ENV
    )
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def written(path: Path, document: dict[str, Any]) -> Path:
    path.write_bytes(canonical(document) + b"\n")
    return path


def test_a_complete_proof_verifies_and_says_it_is_complete(proven: tuple[str, Path, Path]) -> None:
    _, checkpoint, proof = proven
    code, output = check(proof, checkpoint, "--complete")
    assert code == 0, output
    assert f"report {REPORT} has 4 event(s) up to the checkpoint, all of them in this proof" in output
    code, output = check(proof, checkpoint, "--json")
    assert json.loads(output)["complete"] is True


def test_a_proof_with_any_one_event_left_out_fails(proven: tuple[str, Path, Path], tmp_path: Path) -> None:
    _, checkpoint, proof = proven
    document = json.loads(proof.read_bytes())
    assert len(document["events"]) == 4
    for left_out in range(4):  # the last one, the report's retraction, included
        events = [e for i, e in enumerate(document["events"]) if i != left_out]
        code, output = check(written(tmp_path / "cut.json", {**document, "events": events}), checkpoint)
        assert code == 1, f"event {left_out} was left out and the proof still verified"
        assert output.startswith("error: proof:"), output


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kept=st.lists(st.booleans(), min_size=4, max_size=4).filter(lambda k: not all(k)))
def test_a_proof_holding_fewer_events_never_verifies(
    proven: tuple[str, Path, Path], tmp_path: Path, kept: list[bool]
) -> None:
    _, checkpoint, proof = proven
    document = json.loads(proof.read_bytes())
    events = [e for e, keep in zip(document["events"], kept, strict=True) if keep]
    assert check(written(tmp_path / "fewer.json", {**document, "events": events}), checkpoint)[0] == 1


def test_an_index_entry_rewritten_to_match_fewer_events_fails(
    proven: tuple[str, Path, Path], tmp_path: Path
) -> None:
    _, checkpoint, proof = proven
    document = json.loads(proof.read_bytes())
    events = document["events"][:-1]
    held = [(e["leaf_index"], report_index.merkle.leaf_hash(canonical(e["event"]))) for e in events]
    entry = {"report": REPORT, "events": len(events), "chain": report_index.chain_of(held).hex()}
    forged = {**document, "events": events, "index": {**document["index"], "entry": entry}}
    code, output = check(written(tmp_path / "forged.json", forged), checkpoint)
    assert code == 1
    assert "is not in the checkpoint's report index" in output
    without = {k: v for k, v in document.items() if k != "index"}
    code, output = check(written(tmp_path / "bare.json", {**without, "events": events}), checkpoint)
    assert code == 1 and "holds no entry" in output


def test_a_checkpoint_without_a_report_index_proves_inclusion_only(
    proven: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, checkpoint, _ = proven
    note = checkpoint.read_text()
    origin, size, root = note.split("\n")[:3]
    key = load_private_key(tmp_path / "keys" / "archive.pem")
    older = tmp_path / "older.txt"  # as a warlog that kept no report index signed them
    older.write_text(signed_note(Checkpoint(origin, int(size), base64.b64decode(root)), origin, key))
    proof = tmp_path / "older-proof.json"
    ok(db, "prove", REPORT, "--checkpoint", str(older), "-o", str(proof))
    code, output = check(proof, older)
    assert code == 0
    assert "warning: the checkpoint commits to no report index" in output and "NOT proven" in output
    code, output = check(proof, older, "--complete")
    assert code == 1 and "nothing shows that these are all the report's events" in output


def test_a_proof_refuses_a_report_with_events_after_the_checkpoint(proven: tuple[str, Path, Path]) -> None:
    db, checkpoint, _ = proven
    ok(
        db,
        "report",
        "add",
        "--id",
        "r2",
        "--source",
        "Wire",
        "--published",
        "2024-12-08",
        "--claim",
        "Homs:rebels:controlled",
    )
    ok(db, "correct", "r2", "1", "--set", "credibility=3", "--reason", "why", archivist="ana")
    result = cli(db, "prove", "r2", "--checkpoint", str(checkpoint))
    assert result.exit_code == 1
    assert "newer than the checkpoint; take a new checkpoint" in result.output


def test_a_checkpoint_whose_report_index_lies_is_caught_by_verify(
    proven: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, checkpoint, _ = proven
    origin, size, root = checkpoint.read_text().split("\n")[:3]
    key = load_private_key(
        tmp_path / "keys" / "archive.pem"
    )  # an insider signs an index hiding r1's retraction
    hidden = report_index.ReportIndex([report_index.Entry(REPORT, 3, bytes(32))])
    lying = tmp_path / "lying.txt"
    lying.write_text(
        signed_note(Checkpoint(origin, int(size), base64.b64decode(root), (hidden.line(),)), origin, key)
    )
    result = cli(db, "verify", "--checkpoint", str(lying), "--no-read-model")
    assert result.exit_code == 1
    assert "its report index does not match the reports in the log up to it" in result.output


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.binary(min_size=32, max_size=32), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_the_index_kept_as_the_log_grows_is_the_index_computed_at_once(
    leaves: list[tuple[int, bytes, bool]],
) -> None:
    chains = report_index.Chains()
    for index, (aggregate, hashed, filing) in enumerate(leaves):
        chains.add(index, aggregate, hashed, f"report-{aggregate}" if filing else None)
        whole = chains.index()
        assert chains.committed() == (len(whole.entries), whole.root)
