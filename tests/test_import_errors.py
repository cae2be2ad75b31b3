"""Bad input: every kind of problem is reported as `FILE:LINE: field: message`, one line
each, exit code 1, no traceback, and nothing is written - the SQLite file stays
byte-identical, and a store that did not exist still does not exist.

Bad command-line values get the same treatment.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from warlog.cli.app import app

runner = CliRunner()
CLEAN_ENV: dict[str, str | None] = {"WARLOG_DB": None, "WARLOG_ARCHIVIST": None}


def cli(db: str, *args: str, input: str | None = None) -> Result:
    result = runner.invoke(app, [*args, "--db", db], input=input, env=CLEAN_ENV, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def ok(db: str, *args: str) -> Result:
    result = cli(db, *args)
    assert result.exit_code == 0, result.output
    return result


def problems(result: Result) -> list[str]:
    """The problem lines a failed command printed on stderr."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if line.strip()]


def claim(
    place: str = "Homs", actor: str = "rebels", status: str = "contested", **extra: Any
) -> dict[str, Any]:
    return {"place": place, "actor": actor, "status": status, **extra}


def report(*claims: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "report",
        "source": "Test wire",
        "published": "2024-12-07",
        **fields,
        "claims": list(claims or [claim()]),
    }


def line(record: Any) -> str:
    return record if isinstance(record, str) else json.dumps(record)


def write(path: Path, *records: Any) -> str:
    path.write_text("".join(line(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files(directory: Path) -> set[str]:
    return set(os.listdir(directory))


def correction(report_id: str, number: int, **changes: Any) -> dict[str, Any]:
    return {
        "type": "correction",
        "report": report_id,
        "claim": number,
        "set": changes,
        "reason": "checked again",
    }


BASE = [
    report(
        claim("Homs", "government", "controlled", date="2024-12-01"),
        claim("Hama", "government", "controlled", date="2024-12-01"),
        id="base",
    ),
    report(claim("Aleppo", "government", "controlled", date="2024-12-01"), id="gone"),
    {"type": "retraction", "report": "base", "claim": 2, "reason": "not in the report"},
    {"type": "retraction", "report": "gone", "reason": "fabricated"},
]


@pytest.fixture
def store(sqlite_db: str, tmp_path: Path) -> str:
    """An SQLite archive made by `warlog init`, holding report `base` (claim 2 retracted)
    and report `gone` (retracted)."""
    ok(sqlite_db, "init")
    ok(sqlite_db, "import", write(tmp_path / "base.jsonl", *BASE))
    return sqlite_db


@dataclass(frozen=True)
class Bad:
    """One bad record; `field` is what the line must name, `words` what it must say."""

    record: Any
    field: str | None
    words: tuple[str, ...] = ()


BAD = {
    "unknown place": Bad(report(claim(place="Homz")), "place", ("Homz", "did you mean", "Homs")),
    "unknown actor": Bad(report(claim(actor="rebls")), "actor", ("rebls", "did you mean", "rebels")),
    "unknown place within": Bad(
        {"type": "place", "name": "Newtown", "within": "Syra"}, "within", ("Syra", "Syria")
    ),
    "unknown actor part_of": Bad(
        {"type": "actor", "name": "New band", "part_of": "oposition"}, "part_of", ("oposition", "opposition")
    ),
    "unknown status": Bad(report(claim(status="taken")), "status", ("taken",)),
    "impossible claim date": Bad(report(claim(date="2024-02-30")), "date", ("2024-02-30",)),
    "impossible published date": Bad(report(published="2024-02-30"), "published", ("2024-02-30",)),
    "claim date not a date": Bad(report(claim(date="07/12/2024")), "date", ("07/12/2024",)),
    "reliability G": Bad(report(reliability="G"), "reliability", ("G",)),
    "credibility 0": Bad(report(claim(credibility=0)), "credibility", ("0",)),
    "credibility 7": Bad(report(claim(credibility=7)), "credibility", ("7",)),
    "correction changes nothing": Bad(correction("base", 1, status="controlled"), "set"),
    "correction of a missing report": Bad(correction("nope", 1, status="besieged"), "report", ("nope",)),
    "correction of a missing claim": Bad(correction("base", 9, status="besieged"), "claim", ("9",)),
    "correction of a retracted claim": Bad(correction("base", 2, status="besieged"), "claim", ("retracted",)),
    "correction of a retracted report": Bad(
        correction("gone", 1, status="besieged"), "report", ("retracted",)
    ),
    "correction to an unknown place": Bad(correction("base", 1, place="Homz"), "place", ("Homz", "Homs")),
    "correction to an unknown status": Bad(correction("base", 1, status="taken"), "status", ("taken",)),
    "retraction of a missing report": Bad(
        {"type": "retraction", "report": "nope", "reason": "x"}, "report", ("nope",)
    ),
    "retraction of a retracted claim": Bad(
        {"type": "retraction", "report": "base", "claim": 2, "reason": "again, differently"},
        "claim",
        ("retracted",),
    ),
    "correction without reason": Bad(
        {"type": "correction", "report": "base", "claim": 1, "set": {"status": "besieged"}}, None, ("reason",)
    ),
    "retraction without reason": Bad({"type": "retraction", "report": "base", "claim": 1}, None, ("reason",)),
    "bad JSON": Bad('{"type": "report", "source": ', None, ("JSON",)),
    "not an object": Bad('["report", "Homs"]', None, ("object",)),
    "unknown record type": Bad({"type": "repport", "source": "S"}, "type", ("repport", "report")),
    "missing record type": Bad({"source": "S"}, "type"),
    "unknown field": Bad(report(colour="red"), None, ("colour",)),
    "unknown claim field": Bad(report(claim(colour="red")), None, ("colour",)),
    "same id, other content": Bad(report(claim(), id="base"), "id", ("base", "correction")),
    "alias naming two places": Bad(
        {"type": "place", "name": "Homs", "aliases": ["Hamah"]}, "aliases", ("Homs", "Hama")
    ),
    "alias naming two actors": Bad(
        {"type": "actor", "name": "HTS", "aliases": ["regime"]}, "aliases", ("HTS", "regime")
    ),
}

GOOD_FIRST_LINE = report(claim("Daraa", "rebels", "controlled"), id="fresh")


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_record_is_reported_and_nothing_is_written(case: Bad, store: str, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", GOOD_FIRST_LINE, case.record)
    before, listing = digest(store), files(tmp_path)
    lines = problems(cli(store, "import", path))
    assert len(lines) == 1, lines
    (problem,) = lines
    prefix = f"{path}:2: "
    assert problem.startswith(prefix), problem
    if case.field is not None:
        where = problem[len(prefix) :].split(": ", 1)[0]
        assert case.field in where, problem
    for word in case.words:
        assert word in problem, (word, problem)
    assert digest(store) == before
    assert files(tmp_path) == listing
    assert cli(store, "history", "fresh").exit_code == 1  # line 1 was not filed either


@pytest.mark.parametrize("case", ["unknown place", "bad JSON", "credibility 7"])
def test_bad_record_into_a_missing_store_creates_nothing(
    case: str, sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "bad.jsonl", GOOD_FIRST_LINE, BAD[case].record)
    listing = files(tmp_path)
    lines = problems(cli(sqlite_db, "import", path))
    assert len(lines) == 1 and lines[0].startswith(f"{path}:2: ")
    assert not Path(sqlite_db).exists()
    assert files(tmp_path) == listing


def test_every_bad_line_is_reported_once_in_file_order(store: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "three.jsonl",
        report(claim("Homs", "government", "controlled"), id="good-1"),
        report(claim(place="Homz"), id="bad-2"),
        report(claim("Hama", "rebels", "contested"), id="good-3"),
        "",
        report(claim(credibility=7), id="bad-5"),
        "not json at all",
        correction("good-1", 1, status="besieged"),
    )
    before = digest(store)
    lines = problems(cli(store, "import", path))
    assert [problem.split(": ", 1)[0] for problem in lines] == [f"{path}:2", f"{path}:5", f"{path}:6"]
    assert digest(store) == before


def test_two_problems_in_one_record_are_two_lines(store: str, tmp_path: Path) -> None:
    path = write(tmp_path / "two.jsonl", report(claim(place="Homz", actor="rebls")))
    before = digest(store)
    lines = problems(cli(store, "import", path))
    assert len(lines) == 2
    assert all(problem.startswith(f"{path}:1: ") for problem in lines)
    assert any("'Homs'" in problem for problem in lines)
    assert any("'rebels'" in problem for problem in lines)
    assert digest(store) == before


def test_a_correction_naming_a_report_that_failed_in_the_same_file(store: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "chain.jsonl",
        report(claim(place="Homz"), id="new-1"),
        correction("new-1", 1, status="besieged"),
    )
    lines = problems(cli(store, "import", path))
    assert lines[0].startswith(f"{path}:1: ")
    assert all(problem.startswith((f"{path}:1: ", f"{path}:2: ")) for problem in lines)


def test_bad_line_on_stdin_is_located_by_its_line(store: str) -> None:
    text = line(GOOD_FIRST_LINE) + "\n" + line(report(claim(place="Homz"))) + "\n"
    before = digest(store)
    lines = problems(cli(store, "import", "-", input=text))
    assert len(lines) == 1
    assert ":2: " in lines[0] and "place" in lines[0] and "'Homs'" in lines[0]
    assert digest(store) == before


def test_unreadable_file_is_one_line(store: str, tmp_path: Path) -> None:
    lines = problems(cli(store, "import", str(tmp_path / "no-such-file.jsonl")))
    assert len(lines) == 1 and "no-such-file.jsonl" in lines[0]


# --- command-line values ------------------------------------------------------------------

OPTIONS = {
    "--at month 13": (["state", "--at", "2024-13-01"], ("--at", "2024-13-01")),
    "--at impossible day": (["state", "--at", "2024-02-30"], ("--at",)),
    "--known-at yesterday": (["state", "--known-at", "yesterday"], ("--known-at", "yesterday")),
    "timeline --known-at": (["timeline", "Homs", "--known-at", "yesterday"], ("--known-at",)),
    "--min-reliability G": (["state", "--min-reliability", "G"], ("--min-reliability", "G")),
    "--min-credibility 9": (["state", "--min-credibility", "9"], ("--min-credibility", "9")),
    "--min-credibility 0": (["state", "--min-credibility", "0"], ("--min-credibility",)),
    "unknown --place": (["state", "--place", "Homz"], ("Homz", "did you mean", "Homs")),
    "unknown timeline place": (["timeline", "Homz"], ("Homz", "Homs")),
    "unknown history subject": (["history", "Homz"], ("Homz", "Homs")),
    "log --since yesterday": (["log", "--since", "yesterday"], ("--since",)),
    "correct unknown report": (
        ["correct", "nope", "1", "--set", "status=besieged", "--reason", "x"],
        ("nope",),
    ),
    "correct a similar report id": (
        ["correct", "bsae", "1", "--set", "status=besieged", "--reason", "x"],
        ("bsae", "base"),
    ),
    "retract unknown report": (["retract", "nope", "--reason", "x"], ("nope",)),
    "retract unknown report's claim": (["retract", "nope", "1", "--reason", "x"], ("nope",)),
    "correct a missing claim": (
        ["correct", "base", "9", "--set", "status=besieged", "--reason", "x"],
        ("9",),
    ),
    "--set without =": (["correct", "base", "1", "--set", "status", "--reason", "x"], ("--set", "status")),
    "--set unknown field": (["correct", "base", "1", "--set", "colour=red", "--reason", "x"], ("colour",)),
    "--set unknown place": (
        ["correct", "base", "1", "--set", "place=Homz", "--reason", "x"],
        ("Homz", "Homs"),
    ),
    "report add unknown place": (
        ["report", "add", "--source", "S", "--published", "2024-12-07", "--claim", "Homz:rebels:contested"],
        ("Homz", "Homs"),
    ),
    "report add short claim": (
        ["report", "add", "--source", "S", "--published", "2024-12-07", "--claim", "Homs:rebels"],
        ("Homs:rebels",),
    ),
    "report add bad status": (
        ["report", "add", "--source", "S", "--published", "2024-12-07", "--claim", "Homs:rebels:won"],
        ("won",),
    ),
    "report add impossible published": (
        ["report", "add", "--source", "S", "--published", "2024-02-30", "--claim", "Homs:rebels:contested"],
        ("published",),
    ),
    "report add credibility 9": (
        [
            "report",
            "add",
            "--source",
            "S",
            "--published",
            "2024-12-07",
            "--claim",
            "Homs:rebels:contested:2024-12-07:9",
        ],
        ("credibility",),
    ),
}


@pytest.mark.parametrize("args,words", OPTIONS.values(), ids=OPTIONS.keys())
def test_bad_command_line_value_is_one_line_and_changes_nothing(
    args: list[str], words: tuple[str, ...], store: str
) -> None:
    before = digest(store)
    lines = problems(cli(store, *args))
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert digest(store) == before


READERS = [
    ["state"],
    ["state", "--json"],
    ["timeline", "Homs"],
    ["history", "Homs"],
    ["log"],
    ["places", "--json"],
    ["actors"],
    ["rebuild"],
]


@pytest.mark.parametrize("args", READERS, ids=[" ".join(a) for a in READERS])
def test_reading_a_missing_store_is_an_error_and_creates_nothing(args: list[str], sqlite_db: str) -> None:
    lines = problems(cli(sqlite_db, *args))
    assert len(lines) == 1
    assert sqlite_db in lines[0]
    assert not Path(sqlite_db).exists()


WRITERS = [
    ["correct", "nope", "1", "--set", "status=besieged", "--reason", "x"],
    ["retract", "nope", "--reason", "x"],
    ["report", "add", "--source", "S", "--published", "2024-12-07", "--claim", "Homz:HTS:won"],
]


@pytest.mark.parametrize("args", WRITERS, ids=[a[0] for a in WRITERS])
def test_refused_write_to_a_missing_store_creates_nothing(
    args: list[str], sqlite_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    problems(cli(sqlite_db, *args))
    assert not Path(sqlite_db).exists()
    assert files(tmp_path) == set()


USAGE = [
    ["state", "--no-such-option"],
    ["correct", "base"],
    ["report", "add", "--source", "S"],
    ["no-such-command"],
    ["log", "--limit", "0"],
    ["correct", "base", "1", "--set", "status=besieged"],  # --reason is required
    ["retract", "base", "1"],
    ["state", "--min-credibility", "high"],
]


@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a) for a in USAGE])
def test_usage_errors_exit_2(args: list[str], store: str) -> None:
    before = digest(store)
    result = cli(store, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert digest(store) == before
