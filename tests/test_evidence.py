"""Evidence on both backends: attached files by hash, fixity, chain of custody, BagIt packages."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import bagit
import orjson
import psycopg
import pytest
from typer.testing import Result

from clirun import CLEAN_ENV, as_json, cli, ok, runner
from warlog.cli.app import app

REPORT = (
    b'{"type": "report", "id": "r1", "source": "Reuters", "published": "2024-12-07", '
    b'"claims": [{"place": "Homs", "actor": "rebels", "status": "contested", '
    b'"attributed_to": "a resident", "quote": "they came at night"}]}\n'
    b'{"type": "report", "id": "r2", "source": "SANA", "published": "2024-12-07", '
    b'"claims": [{"place": "Hama", "actor": "army", "status": "controlled"}]}\n'
)


@pytest.fixture
def filed(db: str, tmp_path: Path) -> str:
    records = tmp_path / "reports.jsonl"
    records.write_bytes(REPORT)
    ok(db, "import", str(records), archivist="ana")
    return db


def a_file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def log_size(db: str) -> int:
    return len(as_json(ok(db, "log", "--json"))["events"])


def stored_copies(db: str, sha256: str) -> int:
    if db.startswith("postgresql"):
        url, schema = db.split("?schema=")
        with psycopg.connect(url) as conn:
            row = conn.execute(
                f'SELECT COUNT(*) FROM "{schema}".evidence_files WHERE sha256 = %s', (sha256,)
            ).fetchone()
            return int(row[0]) if row else 0
    return len(list(Path(db + ".evidence").rglob(sha256[2:])))


def tamper(db: str, sha256: str, *, remove: bool = False) -> None:
    """Change or remove the stored bytes behind warlog's back, as a disk or an intruder would."""
    if db.startswith("postgresql"):
        url, schema = db.split("?schema=")
        with psycopg.connect(url, autocommit=True) as conn:
            if remove:
                conn.execute(f'DELETE FROM "{schema}".evidence_files WHERE sha256 = %s', (sha256,))
            else:
                conn.execute(
                    f"UPDATE \"{schema}\".evidence_files SET content = content || '\\x00'::bytea "
                    "WHERE sha256 = %s",
                    (sha256,),
                )
        return
    (stored,) = Path(db + ".evidence").rglob(sha256[2:])
    stored.chmod(0o644)
    if remove:
        stored.unlink()
    else:
        stored.write_bytes(stored.read_bytes() + b"\0")


def test_a_file_attached_twice_is_stored_once_and_read_back_checked(filed: str, tmp_path: Path) -> None:
    article = a_file(tmp_path, "article.pdf", b"%PDF-1.7 the article")
    sha = hashlib.sha256(article.read_bytes()).hexdigest()
    ok(filed, "attach", "r1", str(article), "--from", "https://example.org/1", archivist="ana")
    ok(filed, "attach", "r2", str(article), "--kind", "copy", "--collected-by", "ben", archivist="ana")
    assert stored_copies(filed, sha) == 1
    (listed,) = as_json(ok(filed, "attachments", "r1", "--json"))["attachments"]
    assert (listed["sha256"], listed["size"], listed["media_type"]) == (sha, 20, "application/pdf")
    assert (listed["kind"], listed["collected_by"], listed["origin"]) == (
        "original",
        "ana",
        "https://example.org/1",
    )
    (other,) = as_json(ok(filed, "attachments", "r2", "--json"))["attachments"]
    assert (other["kind"], other["collected_by"]) == ("copy", "ben")
    out = tmp_path / "out.pdf"
    ok(filed, "get", sha, "-o", str(out))
    assert out.read_bytes() == article.read_bytes()


def test_a_wacz_capture_is_accepted_like_any_file(filed: str, tmp_path: Path) -> None:
    capture = a_file(tmp_path, "page.wacz", b"PK\x03\x04 a web archive")
    ok(filed, "attach", "r1", str(capture), "--kind", "capture", "--collected-at", "2024-12-07T10:00:00Z")
    (listed,) = as_json(ok(filed, "attachments", "r1", "--json"))["attachments"]
    assert (listed["media_type"], listed["collected_at"]) == (
        "application/wacz",
        "2024-12-07T10:00:00.000000Z",
    )


def test_an_altered_or_removed_file_fails_verify_attachments_with_its_report_and_hash(
    filed: str, tmp_path: Path
) -> None:
    first = a_file(tmp_path, "one.txt", b"first statement")
    second = a_file(tmp_path, "two.txt", b"second statement")
    ok(filed, "attach", "r1", str(first))
    ok(filed, "attach", "r2", str(second))
    assert "ok: 2 attached file(s)" in ok(filed, "verify", "--attachments", "--no-read-model").stdout
    sha_one, sha_two = (hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second))
    tamper(filed, sha_one)
    tamper(filed, sha_two, remove=True)
    result = cli(filed, "verify", "--attachments", "--no-read-model")
    assert result.exit_code == 1
    assert f"FAIL report r1: attachment {sha_one} was altered" in result.stdout
    assert f"FAIL report r2: attachment {sha_two} is missing" in result.stdout
    assert cli(filed, "get", sha_one, "-o", str(tmp_path / "x")).exit_code == 1


def test_custody_steps_are_in_the_report_history_in_order(filed: str) -> None:
    ok(filed, "custody", "r1", "--event", "received", "--reason", "from the reporter", archivist="ana")
    ok(filed, "custody", "r1", "--event", "handed to the court", "--reason", "case 12/2025", archivist="ben")
    steps = [e for e in as_json(ok(filed, "history", "r1", "--json"))["events"] if e["kind"] == "custody"]
    assert [(s["after"]["event"], s["reason"], s["archivist"]) for s in steps] == [
        ("received", "from the reporter", "ana"),
        ("handed to the court", "case 12/2025", "ben"),
    ]
    assert steps[0]["position"] < steps[1]["position"]
    assert steps[0]["recorded_at"] < steps[1]["recorded_at"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["attach", "nope", "FILE"], "unknown report 'nope'"),
        (["attach", "r1", "FILE", "--kind", "photo"], "--kind: 'photo' is not a kind of evidence"),
        (["attach", "r1", "FILE", "--from", "javascript:alert(1)"], "--from:"),
        (["attach", "r1", "FILE", "--collected-at", "yesterday"], "--collected-at:"),
        (["attach", "r1", "missing.bin"], "missing.bin"),
        (["custody", "r1", "--event", "received"], "--reason"),
        (["get", "00" * 32, "-o", "OUT"], "no file with SHA-256"),
    ],
)
def test_bad_evidence_input_is_one_line_and_writes_nothing(
    filed: str, tmp_path: Path, args: list[str], says: str
) -> None:
    file = a_file(tmp_path, "f.txt", b"x")
    before = log_size(filed)
    given = [str(file) if a == "FILE" else str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = cli(filed, *given)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert says in line
    assert log_size(filed) == before


def offline(*args: str) -> Result:
    """A command that needs no archive, as a recipient of the package runs it."""
    result = runner.invoke(app, list(args), env=CLEAN_ENV, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def payload_files(bag: Path) -> list[Path]:
    return sorted(p for p in (bag / "data").rglob("*") if p.is_file())


def test_a_package_validates_with_bagit_and_verify_package_and_one_changed_byte_fails_both(
    filed: str, tmp_path: Path
) -> None:
    ok(filed, "keygen")
    article = a_file(tmp_path, "article.txt", b"the article as collected")
    ok(filed, "attach", "r1", str(article), "--from", "https://example.org/1")
    ok(filed, "custody", "r1", "--event", "received", "--reason", "from the reporter")
    bag = tmp_path / "held-out" / "package"
    ok(filed, "package", "r1", "-o", str(bag))
    assert bagit.Bag(str(bag)).is_valid()
    checked = as_json(offline("verify-package", str(bag), "--json"))
    assert (checked["report"], checked["events"]) == ("r1", 3)
    vkey = checked["vkey"]
    custody = orjson.loads((bag / "data" / "custody.json").read_bytes())
    assert [c["after"]["event"] for c in custody] == ["received"]
    zipped = tmp_path / "held-out" / "package.zip"
    ok(filed, "package", "r1", "-o", str(zipped))
    assert offline("verify-package", str(zipped), "--key", vkey).exit_code == 0
    files = payload_files(bag)
    assert {p.name for p in files} >= {"report.json", "proof.json", "checkpoint.txt", "custody.json"}
    for number, payload in enumerate(files):
        copy = tmp_path / f"copy{number}"
        shutil.copytree(bag, copy)
        target = copy / payload.relative_to(bag)
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        assert not bagit.Bag(str(copy)).is_valid(), payload.name
        result = offline("verify-package", str(copy), "--key", vkey)
        assert result.exit_code == 1, payload.name
        assert "does not validate" in result.stderr


def test_a_package_rebagged_around_an_edited_custody_step_fails_verify_package(
    filed: str, tmp_path: Path
) -> None:
    ok(filed, "keygen")
    ok(filed, "custody", "r1", "--event", "received", "--reason", "sent by e-mail")
    bag = tmp_path / "package"
    ok(filed, "package", "r1", "-o", str(bag))
    custody = bag / "data" / "custody.json"
    custody.write_text(custody.read_text("utf-8").replace("sent by e-mail", "handed over in person"), "utf-8")
    rebagged = bagit.Bag(str(bag))
    rebagged.save(manifests=True)
    assert bagit.Bag(str(bag)).is_valid()  # fresh manifests: the bag alone cannot tell
    result = offline("verify-package", str(bag))
    assert result.exit_code == 1
    assert "is not the one in the proven log" in result.stderr


def test_verify_json_carries_the_fixity_of_attachments(filed: str, tmp_path: Path) -> None:
    ok(filed, "attach", "r1", str(a_file(tmp_path, "a.txt", b"a statement")))
    document = as_json(ok(filed, "verify", "--attachments", "--no-read-model", "--json"))
    assert document["attachments"] == {"ok": True, "checked": 1, "redacted": 0, "problems": []}


def test_a_package_leaves_sealed_text_and_sensitive_files_out_unless_asked(
    filed: str, tmp_path: Path
) -> None:
    ok(filed, "keygen")
    face = a_file(tmp_path, "face-of-the-witness.jpg", b"\xff\xd8\xff a face")
    ok(filed, "attach", "r1", str(face), "--sensitive", "--from", "https://example.org/witness")
    plain, full = tmp_path / "plain", tmp_path / "full"
    ok(filed, "package", "r1", "-o", str(plain))
    ok(filed, "package", "r1", "-o", str(full), "--include-sensitive")
    left_out = b"".join(p.read_bytes() for p in payload_files(plain))
    for secret in (
        b"a resident",
        b"they came at night",
        b"face-of-the-witness",
        b"example.org/witness",
        b"a face",
    ):
        assert secret not in left_out
    included = b"".join(p.read_bytes() for p in payload_files(full))
    assert b"a resident" in included and b"\xff\xd8\xff a face" in included
    assert offline("verify-package", str(plain)).exit_code == 0
    assert offline("verify-package", str(full)).exit_code == 0
