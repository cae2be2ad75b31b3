"""Redaction by destroying field keys, on both backends: the text is gone, every proof still holds."""

from __future__ import annotations

import base64
import io
import json
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import warlog
from clirun import CLEAN_ENV, as_json, cli, ok, runner
from warlog import export
from warlog.archive import Archive
from warlog.cli.app import app
from warlog.evidence.keys import SQLiteFieldKeys
from warlog.evidence.seal import REDACTED, Opener, Sealer, slot

WHO = "Abu Karim, the baker on Hamidiyah street"
SAID = "they came through the northern gate at dawn"
OTHER = "a second witness, named for the test"
REPORTS = [
    {
        "type": "report",
        "id": "r1",
        "source": "Reuters",
        "published": "2024-12-07",
        "note": "met in person",
        "claims": [
            {"place": "Homs", "actor": "rebels", "status": "contested", "attributed_to": WHO, "quote": SAID},
            {"place": "Hama", "actor": "rebels", "status": "contested", "attributed_to": OTHER},
        ],
    }
]


def write_records(tmp_path: Path) -> Path:
    records = tmp_path / "reports.jsonl"
    records.write_text("".join(json.dumps(r) + "\n" for r in REPORTS), "utf-8")
    return records


@pytest.fixture
def filed(db: str, tmp_path: Path) -> str:
    ok(db, "import", str(write_records(tmp_path)), archivist="ana")
    return db


def claim_after(db: str, claim: int) -> dict[str, str]:
    events = as_json(ok(db, "history", "r1", "--json"))["events"]
    return next(e["after"] for e in events if e["kind"] == "reported" and e["claim"] == claim)


def every_byte(folder: Path) -> bytes:
    """The bytes of every file under the folder but the import file the test wrote itself."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "reports.jsonl")
    return b"".join(p.read_bytes() for p in files)


def postgres_text(db: str) -> str:
    """Every row of every table of the archive's schema, as text, for a grep of the database."""
    url, schema = db.split("?schema=")
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
            )
        ]
        return "\n".join(
            str(row) for t in tables for row in conn.execute(f'SELECT t::text FROM "{schema}"."{t}" t')
        )


def test_sealed_text_is_ciphertext_in_the_store_but_readers_see_it(filed: str, tmp_path: Path) -> None:
    assert (claim_after(filed, 1)["attributed_to"], claim_after(filed, 1)["quote"]) == (WHO, SAID)
    assert WHO in ok(filed, "log", "--json").stdout
    stored = (
        postgres_text(filed) if filed.startswith("postgresql") else Path(filed).read_bytes().decode("latin-1")
    )
    assert WHO not in stored and SAID not in stored and "met in person" not in stored
    assert "sealed:v1:" in stored


def test_a_redacted_field_is_gone_from_store_dump_and_keys_while_checkpoints_and_proofs_hold(
    filed: str, tmp_path: Path
) -> None:
    ok(filed, "keygen")
    checkpoint, proof = tmp_path / "before.txt", tmp_path / "proof.json"
    ok(filed, "checkpoint", "-o", str(checkpoint))
    ok(filed, "prove", "r1", "--checkpoint", str(checkpoint), "-o", str(proof))
    archive = warlog.open(filed)
    try:
        _kid, key = archive.field_keys.live("r1", slot(1, "attributed_to")) or ("", b"")
    finally:
        archive.close()
    before = len(as_json(ok(filed, "log", "--json"))["events"])
    done = as_json(
        ok(filed, "redact", "r1", "1", "--field", "attributed_to", "--reason", "he is at risk", "--json")
    )
    assert done["keys_destroyed"] == 1
    assert len(as_json(ok(filed, "log", "--json"))["events"]) == before + 1
    after = claim_after(filed, 1)
    assert (after["attributed_to"], after["quote"]) == (REDACTED, SAID)  # only that field of that claim
    assert claim_after(filed, 2)["attributed_to"] == OTHER
    (redaction,) = [
        e for e in as_json(ok(filed, "history", "r1", "--json"))["events"] if e["kind"] == "redacted"
    ]
    assert (redaction["claim"], redaction["reason"], redaction["after"]) == (
        1,
        "he is at risk",
        {"fields": ["attributed_to"]},
    )
    # Every proof made before still holds.
    ok(filed, "verify", "--checkpoint", str(checkpoint))
    checked = runner.invoke(app, ["verify-proof", str(proof), "--checkpoint", str(checkpoint)], env=CLEAN_ENV)
    assert checked.exit_code == 0, checked.output
    # No command brings it back.
    for command in (
        ["log", "--json"],
        ["history", "r1"],
        ["export", "claims", "--include-sensitive"],
        ["export", "claims", "--format", "jsonl", "--include-sensitive"],
    ):
        assert WHO not in ok(filed, *command).stdout, command
    dump, secrets_dump = tmp_path / "after.jsonl", tmp_path / "after-secrets.jsonl"
    ok(filed, "dump", "-o", str(dump))
    ok(filed, "dump", "-o", str(secrets_dump), "--with-secrets")
    assert b"field_key" not in dump.read_bytes() and b"field_key" in secrets_dump.read_bytes()
    restored = str(tmp_path / "restored" / "warlog.db")
    (tmp_path / "restored").mkdir()
    ok(restored, "restore", str(secrets_dump))
    assert claim_after(restored, 1)["attributed_to"] == REDACTED
    assert claim_after(restored, 1)["quote"] == SAID  # the keys the dump held came back
    ok(restored, "verify", "--checkpoint", str(checkpoint))
    # Nor does reading the files: neither the text nor its key is anywhere.
    files = every_byte(tmp_path)
    for secret in (WHO.encode(), key, base64.b64encode(key), key.hex().encode()):
        assert secret not in files
    if filed.startswith("postgresql"):
        stored = postgres_text(filed)
        assert WHO not in stored
        assert key.hex() not in stored  # the id of the key stays in the sealed text; the key is gone
        assert base64.b64encode(key).decode() not in stored


def test_a_report_imported_again_after_redaction_adds_nothing(filed: str, tmp_path: Path) -> None:
    ok(filed, "redact", "r1", "--field", "attributed_to", "--field", "quote", "--reason", "at risk")
    again = ok(filed, "import", str(write_records(tmp_path)))
    assert "added: nothing" in again.stdout


def test_a_correction_after_redaction_is_sealed_under_a_new_key(filed: str) -> None:
    ok(filed, "redact", "r1", "1", "--field", "quote", "--reason", "at risk")
    ok(filed, "correct", "r1", "1", "--set", "quote=a safe paraphrase", "--reason", "paraphrased")
    events = as_json(ok(filed, "history", "r1", "--json"))["events"]
    (corrected,) = [e for e in events if e["kind"] == "corrected"]
    assert (corrected["before"]["quote"], corrected["after"]["quote"]) == (REDACTED, "a safe paraphrase")


def test_a_redacted_sensitive_file_is_gone_but_its_hash_stays(filed: str, tmp_path: Path) -> None:
    photo = tmp_path / "face.jpg"
    photo.write_bytes(b"\xff\xd8\xff a face")
    done = as_json(ok(filed, "attach", "r1", str(photo), "--sensitive", "--kind", "screenshot", "--json"))
    sha = done["sha256"]
    out = tmp_path / "back.jpg"
    ok(filed, "get", sha, "--report", "r1", "-o", str(out))
    assert out.read_bytes() == photo.read_bytes()
    assert cli(filed, "get", sha, "-o", str(tmp_path / "x.jpg")).exit_code == 1  # sealed: not in clear
    ok(filed, "redact", "r1", "--attachment", sha, "--reason", "shows a face")
    (listed,) = as_json(ok(filed, "attachments", "r1", "--json"))["attachments"]
    assert (listed["sha256"], listed["name"], listed["redacted"]) == (sha, REDACTED, True)
    assert cli(filed, "get", sha, "--report", "r1", "-o", str(tmp_path / "y.jpg")).exit_code == 1
    assert "1 redacted" in ok(filed, "verify", "--attachments", "--no-read-model").stdout
    if not filed.startswith("postgresql"):
        assert b"a face" not in every_byte(Path(filed + ".evidence"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["redact", "r1", "1", "--field", "quote"], "--reason"),
        (["redact", "r1", "1", "--field", "place", "--reason", "x"], "'place' is not a sealed field"),
        (["redact", "r1", "9", "--field", "quote", "--reason", "x"], "has no claim 9"),
        (["redact", "r1", "2", "--field", "quote", "--reason", "x"], "no sealed quote left"),
        (["redact", "nope", "--field", "quote", "--reason", "x"], "unknown report 'nope'"),
        (["redact", "r1", "--reason", "x"], "say what to redact"),
    ],
)
def test_bad_redaction_input_is_one_line_and_writes_nothing(filed: str, args: list[str], says: str) -> None:
    before = ok(filed, "log", "--json").stdout
    result = cli(filed, *args)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert says in line
    assert ok(filed, "log", "--json").stdout == before
    assert claim_after(filed, 1)["quote"] == SAID


def test_research_exports_leave_sensitive_fields_out_unless_asked(filed: str) -> None:
    archive = warlog.open(filed)
    try:
        plain, full = io.StringIO(), io.StringIO()
        export.export_claims(archive, plain, "jsonl")
        export.export_claims(archive, full, "jsonl", include_sensitive=True)
    finally:
        archive.close()
    rows = [json.loads(line) for line in plain.getvalue().splitlines()]
    assert all(r["attributed_to"] is None and r["quote"] is None and r["note"] is None for r in rows)
    assert WHO in full.getvalue() and SAID in full.getvalue()


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.sampled_from(["attributed_to", "quote", "note"]), texts), max_size=8
    ),
    st.data(),
)
def test_destroying_one_slot_redacts_that_field_alone(
    fields: list[tuple[int, str, str]], data: st.DataObject
) -> None:
    keys = SQLiteFieldKeys(None)
    sealer = Sealer(keys)
    sealed = {(n, f): sealer._value("r", n, f, value, None) for n, f, value in fields}
    plain = {(n, f): value for n, f, value in fields}
    sealer.persist()
    assert {k: sealer._value("r", k[0], k[1], plain[k], None) for k in plain} == sealed  # deterministic
    gone = data.draw(st.sampled_from(sorted(plain))) if plain else None
    if gone is not None:
        keys.destroy("r", [slot(*gone)])
    opener = Opener(keys)
    for k, token in sealed.items():
        assert opener.text(token) == (REDACTED if k == gone else plain[k])


def test_importing_a_corrected_report_again_after_redaction_never_brings_the_text_back(
    db: str, tmp_path: Path
) -> None:
    records = write_records(tmp_path)
    correction = {
        "type": "correction",
        "report": "r1",
        "claim": 1,
        "set": {"quote": "later words"},
        "reason": "re-heard",
    }
    records.write_text(records.read_text("utf-8") + json.dumps(correction) + "\n", "utf-8")
    ok(db, "import", str(records))
    ok(db, "redact", "r1", "1", "--field", "quote", "--reason", "at risk")
    assert "added: nothing" in ok(db, "import", str(records)).stdout
    history = ok(db, "history", "r1", "--json").stdout
    assert "later words" not in history and SAID not in history


class RedactionMachine(RuleBasedStateMachine):
    """Corrections and redactions in any order against a model of what each field should read."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="warlog-redaction-"))
        self.archive = warlog.open(str(self.folder / "warlog.db"))
        self.archive.import_file([json.dumps(REPORTS[0])], "reports.jsonl", "ana")
        self.current: dict[tuple[int, str], str | None] = {
            (1, "attributed_to"): WHO,
            (1, "quote"): SAID,
            (2, "attributed_to"): OTHER,
            (2, "quote"): None,
        }
        self.said = {k: [v] for k, v in self.current.items() if v is not None}
        self.gone: set[str] = set()
        self.count = 0

    @rule(claim=st.sampled_from([1, 2]), field=st.sampled_from(["attributed_to", "quote"]))
    def correct(self, claim: int, field: str) -> None:
        self.count += 1
        text = f"text number {self.count}"
        self.archive.correct("r1", claim, {field: text}, f"reason {self.count}", "ana")
        self.current[(claim, field)] = text
        self.said.setdefault((claim, field), []).append(text)

    @rule(claim=st.sampled_from([1, 2]), field=st.sampled_from(["attributed_to", "quote"]))
    def redact(self, claim: int, field: str) -> None:
        note(f"redact claim {claim} {field}")
        if self.current[(claim, field)] in (None, REDACTED):
            return  # nothing left to redact: refused, as the example tests show
        redact("r1", claim, [field], "at risk", "ana", self.archive)
        self.gone.update(self.said.pop((claim, field)))
        self.current[(claim, field)] = REDACTED

    @invariant()
    def readers_show_the_model_and_never_a_redacted_text(self) -> None:
        out = io.StringIO()
        export.export_claims(self.archive, out, "jsonl", include_sensitive=True)
        rows = {r["claim"]: r for r in map(json.loads, out.getvalue().splitlines()) if r["report"] == "r1"}
        for (claim, field), value in self.current.items():
            assert rows[claim][field] == value
        shown = out.getvalue() + "".join(json.dumps(e.to_dict()) for e in self.archive.log())
        shown += "".join(json.dumps(c.to_dict()) for c in self.archive.history("r1"))
        assert not [text for text in self.gone if text in shown]

    def teardown(self) -> None:
        self.archive.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def redact(report: str, claim: int, fields: list[str], reason: str, who: str, archive: Archive) -> None:
    from warlog.evidence.redaction import redact as redact_fields

    redact_fields(archive, report, claim, fields, reason, who)


RedactionMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=8, deadline=None)
test_corrections_and_redactions_in_any_order = RedactionMachine.TestCase
