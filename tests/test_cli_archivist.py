"""The archivist's commands through the real entry point: init, import, report add, correct,
retract, and who recorded each event.

Most tests drive `warlog.cli.app.app` in process with typer's CliRunner; a few run
`python -m warlog` and the installed `warlog` console script as a user would.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from warlog.cli.app import app

runner = CliRunner()
# The ambient environment must not choose the archive or the archivist for a test.
CLEAN_ENV: dict[str, str | None] = {"WARLOG_DB": None, "WARLOG_ARCHIVIST": None}


def invoke(args: list[str], env: dict[str, str | None] | None = None, input: str | None = None) -> Result:
    result = runner.invoke(app, args, input=input, env={**CLEAN_ENV, **(env or {})}, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def cli(db: str, *args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Result:
    return invoke([*args, "--db", db], env=env, input=input)


def ok(db: str, *args: str, **kwargs: Any) -> Result:
    result = cli(db, *args, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def claim(place: str, actor: str, status: str, date: str, **extra: Any) -> dict[str, Any]:
    return {"place": place, "actor": actor, "status": status, "date": date, **extra}


def report(*claims: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "report",
        "source": "Test wire",
        "published": "2024-12-07",
        **fields,
        "claims": list(claims),
    }


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def write(path: Path, *records: dict[str, Any]) -> str:
    path.write_text(jsonl(*records), encoding="utf-8")
    return str(path)


def state(db: str, *options: str) -> dict[str, dict[str, Any]]:
    """The state as {place: entry}."""
    data = as_json(ok(db, "state", "--json", *options))
    return {p["place"]: p for p in data["places"]}


def log_events(db: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = as_json(ok(db, "log", "--json"))["events"]
    return events


def history(db: str, subject: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = as_json(ok(db, "history", subject, "--json"))["events"]
    return events


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --- init ---------------------------------------------------------------------------------


def test_init_creates_the_starter_gazetteer_and_actors(db: str) -> None:
    result = ok(db, "init")
    assert result.stderr == ""
    places = {p["name"]: p for p in as_json(ok(db, "places", "--json"))}
    for name, alias in [
        ("Homs", "Hims"),
        ("Hama", "Hamah"),
        ("Douma", "Duma"),
        ("Qudsaya", "Qudsay"),
        ("Al-Hamah", "Al-Hamama"),
        ("Aleppo", "Halab"),
        ("Daraa", "Deraa"),
    ]:
        assert alias in places[name]["aliases"], name
    actors = {a["name"]: a for a in as_json(ok(db, "actors", "--json"))}
    assert {"government", "regime"} <= set(actors["Syrian government"]["aliases"])
    assert {"Syrian army", "SAA"} <= set(actors["Syrian Arab Army"]["aliases"])
    assert actors["Syrian Arab Army"]["part_of"] == "Syrian government"
    assert {"rebels"} <= set(actors["opposition"]["aliases"])
    assert {"HTS", "هيئة تحرير الشام"} <= set(actors["Hayat Tahrir al-Sham"]["aliases"])
    assert actors["Hayat Tahrir al-Sham"]["part_of"] == "opposition"


def test_names_are_looked_up_case_insensitively_over_names_and_aliases(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = write(
        tmp_path / "r.jsonl",
        report(
            claim("HIMS", "REGIME", "controlled", "2024-12-01"),
            claim("halab", "Rebels", "controlled", "2024-12-01"),
            claim("hama", "syrian ARMY", "controlled", "2024-12-01"),
        ),
    )
    ok(db, "import", path)
    places = state(db, "--at", "2024-12-02")
    assert sorted(places) == ["Aleppo", "Hama", "Homs"]
    assert places["Homs"]["controller"] == "Syrian government"
    assert places["Aleppo"]["controller"] == "opposition"
    assert places["Hama"]["controller"] == "Syrian government"


def test_init_bare_starts_with_empty_registries(db: str) -> None:
    ok(db, "init", "--bare")
    assert as_json(ok(db, "places", "--json")) == []
    assert as_json(ok(db, "actors", "--json")) == []
    events = log_events(db)
    refused = cli(
        db, "report", "add", "--source", "S", "--published", "2024-12-07", "--claim", "Homs:rebels:contested"
    )
    assert refused.exit_code == 1
    assert "Homs" in refused.stderr
    assert as_json(ok(db, "places", "--json")) == []
    assert log_events(db) == events


def test_bare_archive_uses_the_names_it_is_given(db: str, tmp_path: Path) -> None:
    ok(db, "init", "--bare")
    path = write(
        tmp_path / "r.jsonl",
        {"type": "place", "name": "Kobani", "aliases": ["Ayn al-Arab"], "kind": "city"},
        {"type": "actor", "name": "SDF", "aliases": ["QSD"]},
        report(claim("ayn al-arab", "qsd", "controlled", "2024-12-01")),
    )
    ok(db, "import", path)
    assert [p["name"] for p in as_json(ok(db, "places", "--json"))] == ["Kobani"]
    assert [a["name"] for a in as_json(ok(db, "actors", "--json"))] == ["SDF"]
    assert state(db, "--at", "2024-12-01")["Kobani"]["controller"] == "SDF"


def test_init_on_an_existing_archive_changes_nothing(sqlite_db: str) -> None:
    ok(sqlite_db, "init")
    before = digest(sqlite_db)
    ok(sqlite_db, "init")
    ok(sqlite_db, "init", "--bare")
    assert digest(sqlite_db) == before
    assert any(p["name"] == "Homs" for p in as_json(ok(sqlite_db, "places", "--json")))


def test_first_write_without_init_creates_archive_with_starter_registries(
    sqlite_db: str,
) -> None:
    assert not Path(sqlite_db).exists()
    ok(
        sqlite_db,
        "report",
        "add",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Hims:regime:controlled",
    )
    assert Path(sqlite_db).exists()
    names = {p["name"] for p in as_json(ok(sqlite_db, "places", "--json"))}
    assert {"Homs", "Hama", "Douma", "Qudsaya", "Al-Hamah", "Aleppo", "Daraa"} <= names
    assert state(sqlite_db, "--at", "2024-12-07")["Homs"]["controller"] == "Syrian government"


def test_first_import_without_init_has_the_starter_registries(db: str, tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", report(claim("Deraa", "HTS", "controlled", "2024-12-07")))
    ok(db, "import", path)
    assert state(db, "--at", "2024-12-07")["Daraa"]["controller"] == "opposition"
    actors = {a["name"] for a in as_json(ok(db, "actors", "--json"))}
    assert {"Syrian government", "opposition"} <= actors


def test_default_store_is_warlog_db_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "warlog.db").is_file()
    assert invoke(["places", "--json"]).exit_code == 0


def test_store_from_warlog_db_environment_variable(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.db"
    other = tmp_path / "other.db"
    env: dict[str, str | None] = {"WARLOG_DB": str(chosen)}
    assert invoke(["init"], env=env).exit_code == 0
    assert chosen.is_file()
    places = invoke(["places", "--json"], env=env)
    assert places.exit_code == 0 and json.loads(places.stdout)
    # --db wins over the environment
    assert invoke(["init", "--bare", "--db", str(other)], env=env).exit_code == 0
    assert other.is_file()
    assert json.loads(invoke(["places", "--json", "--db", str(other)], env=env).stdout) == []


# --- import -------------------------------------------------------------------------------


def mixed_file(path: Path) -> str:
    """Two reports (three claims), a new place, a new actor, a correction, a retraction."""
    return write(
        path,
        {"type": "place", "name": "Zabadani", "aliases": ["Al-Zabadani"], "kind": "town"},
        {"type": "actor", "name": "Local militia", "aliases": ["LM"]},
        report(
            claim("Homs", "government", "controlled", "2024-12-01"),
            claim("Zabadani", "LM", "controlled", "2024-12-01"),
            id="wire-1",
        ),
        report(claim("Hama", "rebels", "contested", "2024-12-02"), id="wire-2"),
        {
            "type": "correction",
            "report": "wire-1",
            "claim": 1,
            "set": {"credibility": 2},
            "reason": "confirmed by a second wire",
        },
        {"type": "retraction", "report": "wire-2", "claim": 1, "reason": "unverified"},
    )


def test_import_counts_what_it_added_then_skips_all_of_it(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = mixed_file(tmp_path / "mixed.jsonl")
    first = as_json(ok(db, "import", path, "--json"))
    assert nonzero(first["added"]) == {
        "place": 1,
        "actor": 1,
        "report": 2,
        "claim": 3,
        "correction": 1,
        "retraction": 1,
    }
    assert nonzero(first["skipped"]) == {}
    events = log_events(db)
    again = as_json(ok(db, "import", path, "--json"))
    assert nonzero(again["added"]) == {}
    assert nonzero(again["skipped"]) == {
        "place": 1,
        "actor": 1,
        "report": 2,
        "correction": 1,
        "retraction": 1,
    }
    assert log_events(db) == events


def test_import_prints_added_and_skipped_as_text(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = mixed_file(tmp_path / "mixed.jsonl")
    first = ok(db, "import", path).stdout
    assert "added" in first and "2 reports" in first and "3 claims" in first
    assert "skipped" not in first
    second = ok(db, "import", path).stdout
    assert "skipped" in second and "2 reports" in second


def test_reimporting_reports_without_ids_appends_nothing(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = write(
        tmp_path / "noids.jsonl",
        report(claim("Homs", "regime", "controlled", "2024-12-01")),
        report(claim("Homs", "rebels", "contested", "2024-12-03"), source="Other wire"),
    )
    first = as_json(ok(db, "import", path, "--json"))
    assert nonzero(first["added"])["report"] == 2
    events = log_events(db)
    before = state(db, "--at", "2024-12-05")
    again = as_json(ok(db, "import", path, "--json"))
    assert nonzero(again["added"]) == {}
    assert nonzero(again["skipped"]) == {"report": 2}
    assert log_events(db) == events
    assert state(db, "--at", "2024-12-05")["Homs"] == before["Homs"]


def test_same_id_with_identical_content_is_skipped(db: str, tmp_path: Path) -> None:
    record = report(claim("Homs", "regime", "controlled", "2024-12-01"), id="fixed-id")
    ok(db, "import", write(tmp_path / "a.jsonl", record))
    events = log_events(db)
    result = as_json(ok(db, "import", write(tmp_path / "b.jsonl", record), "--json"))
    assert nonzero(result["skipped"]) == {"report": 1}
    assert log_events(db) == events


def test_import_from_stdin(db: str) -> None:
    text = jsonl(report(claim("Aleppo", "HTS", "controlled", "2024-12-01"), id="stdin-1"))
    first = as_json(ok(db, "import", "-", "--json", input=text))
    assert nonzero(first["added"]) == {"report": 1, "claim": 1}
    assert state(db, "--at", "2024-12-01")["Aleppo"]["controller"] == "opposition"
    again = as_json(ok(db, "import", "-", "--json", input=text))
    assert nonzero(again["skipped"]) == {"report": 1}


def test_correction_may_refer_to_a_report_earlier_in_the_same_file(db: str, tmp_path: Path) -> None:
    path = write(
        tmp_path / "same.jsonl",
        report(claim("Hama", "rebels", "controlled", "2024-12-06"), id="hama-1"),
        {
            "type": "correction",
            "report": "hama-1",
            "claim": 1,
            "set": {"date": "2024-12-04"},
            "reason": "better dating",
        },
    )
    result = as_json(ok(db, "import", path, "--json"))
    assert nonzero(result["added"]) == {"report": 1, "claim": 1, "correction": 1}
    hama = state(db, "--at", "2024-12-05")["Hama"]
    assert (hama["controller"], hama["since"]) == ("opposition", "2024-12-04")


def test_place_record_with_a_known_name_only_adds_its_new_aliases(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    count = len(as_json(ok(db, "places", "--json")))
    path = write(
        tmp_path / "alias.jsonl",
        {"type": "place", "name": "hims", "aliases": ["Homs City", "Emesa"], "kind": "village"},
        {"type": "actor", "name": "REBELS", "aliases": ["the factions"]},
    )
    result = as_json(ok(db, "import", path, "--json"))
    assert result["added"].get("place", 0) == 0 and result["added"].get("actor", 0) == 0
    places = {p["name"]: p for p in as_json(ok(db, "places", "--json"))}
    assert len(places) == count and "hims" not in places
    assert "Homs City" in places["Homs"]["aliases"]
    assert places["Homs"]["kind"] == "city"
    actors = {a["name"]: a for a in as_json(ok(db, "actors", "--json"))}
    assert "the factions" in actors["opposition"]["aliases"] and "REBELS" not in actors
    # the new aliases resolve, case-insensitively
    ok(
        db,
        "import",
        write(tmp_path / "r.jsonl", report(claim("homs city", "The Factions", "controlled", "2024-12-08"))),
    )
    assert state(db, "--at", "2024-12-08")["Homs"]["controller"] == "opposition"
    # importing the same registry records again appends nothing
    events = log_events(db)
    ok(db, "import", path)
    assert log_events(db) == events


# --- report add ---------------------------------------------------------------------------


def test_report_add_prints_the_given_id_and_files_every_claim(db: str) -> None:
    result = ok(
        db,
        "report",
        "add",
        "--id",
        "reuters-homs-1",
        "--source",
        "Reuters",
        "--published",
        "2024-12-07",
        "--reliability",
        "B",
        "--claim",
        "Homs:rebels:contested:2024-12-06:2",
        "--claim",
        "Hims:government:controlled",
    )
    assert result.stdout.strip() == "reuters-homs-1"
    filed = [e for e in history(db, "reuters-homs-1") if e["kind"] == "reported"]
    assert [
        (
            e["claim"],
            e["after"]["place"],
            e["after"]["actor"],
            e["after"]["status"],
            e["after"]["date"],
            e["after"]["credibility"],
        )
        for e in filed
    ] == [
        (1, "Homs, Homs Governorate, Syria", "opposition", "contested", "2024-12-06", 2),
        (2, "Homs, Homs Governorate, Syria", "Syrian government", "controlled", "2024-12-07", 6),
    ]
    homs = state(db, "--at", "2024-12-07", "--min-reliability", "B")["Homs"]
    assert (homs["status"], homs["controller"]) == ("controlled", "Syrian government")
    only_graded = state(db, "--at", "2024-12-07", "--min-credibility", "2")["Homs"]
    assert (only_graded["status"], only_graded["controller"]) == ("contested", None)


def test_report_add_without_id_prints_an_id_derived_from_content(db: str) -> None:
    args = (
        "report",
        "add",
        "--source",
        "Local council",
        "--published",
        "2024-12-07",
        "--claim",
        "Douma:rebels:controlled",
    )
    report_id = ok(db, *args).stdout.strip()
    assert report_id and "\n" not in report_id
    filed = history(db, report_id)
    assert [e["kind"] for e in filed] == ["reported"]
    assert filed[0]["after"]["date"] == "2024-12-07"  # defaults to the published day
    # defaults: reliability F and credibility 6, so any stricter filter drops it
    assert "Douma" in state(db, "--at", "2024-12-07")
    assert "Douma" not in state(db, "--at", "2024-12-07", "--min-reliability", "E")
    assert "Douma" not in state(db, "--at", "2024-12-07", "--min-credibility", "5")


def test_report_add_twice_appends_nothing_and_names_the_report(db: str) -> None:
    args = (
        "report",
        "add",
        "--source",
        "Local council",
        "--published",
        "2024-12-07",
        "--claim",
        "Douma:rebels:controlled",
    )
    report_id = ok(db, *args).stdout.strip()
    events = log_events(db)
    again = ok(db, *args)
    assert log_events(db) == events
    assert report_id in again.stdout


def test_report_add_with_a_used_id_and_other_content_is_refused(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:contested",
    )
    events = log_events(db)
    refused = cli(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:controlled",
    )
    assert refused.exit_code == 1
    assert "r1" in refused.stderr and "correction" in refused.stderr
    assert log_events(db) == events


# --- correct and retract ------------------------------------------------------------------


def test_correct_changes_the_claim_from_then_on(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:regime:controlled:2024-12-01",
    )
    result = ok(
        db,
        "correct",
        "r1",
        "1",
        "--set",
        "actor=rebels",
        "--set",
        "date=2024-12-03",
        "--set",
        "credibility=2",
        "--reason",
        "misattributed",
    )
    assert "r1" in result.stdout
    assert "Homs" not in state(db, "--at", "2024-12-02")
    homs = state(db, "--at", "2024-12-03", "--min-credibility", "2")["Homs"]
    assert (homs["controller"], homs["since"]) == ("opposition", "2024-12-03")


def test_correct_applies_a_correction_made_before_and_since_undone(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:regime:controlled:2024-12-01",
    )
    ok(db, "correct", "r1", "1", "--set", "status=besieged", "--reason", "per the wire")
    ok(db, "correct", "r1", "1", "--set", "status=controlled", "--reason", "wire withdrawn")
    assert state(db, "--at", "2024-12-02")["Homs"]["status"] == "controlled"
    # the same correction again is a new correction now: it must change the claim
    result = cli(db, "correct", "r1", "1", "--set", "status=besieged", "--reason", "per the wire")
    if result.exit_code == 0:
        assert state(db, "--at", "2024-12-02")["Homs"]["status"] == "besieged"
    else:
        assert result.exit_code == 1 and result.stderr.strip()


def test_correct_resolves_names_to_canonical_ones(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:regime:controlled:2024-12-01",
    )
    ok(db, "correct", "r1", "1", "--set", "place=hamah", "--reason", "wrong city")
    places = state(db, "--at", "2024-12-02")
    assert list(places) == ["Hama"]
    corrected = [e for e in history(db, "r1") if e["kind"] == "corrected"]
    assert corrected[0]["after"] == {"place": "Hama, Hama Governorate, Syria"}


def test_retract_one_claim_then_the_whole_report(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:regime:controlled:2024-12-01",
        "--claim",
        "Hama:regime:controlled:2024-12-01",
    )
    ok(db, "retract", "r1", "2", "--reason", "Hama was not in the report")
    assert sorted(state(db, "--at", "2024-12-02")) == ["Homs"]
    ok(db, "retract", "r1", "--reason", "fabricated")
    assert state(db, "--at", "2024-12-02") == {}
    retracted = [(e["claim"], e["reason"]) for e in history(db, "r1") if e["kind"] == "retracted"]
    assert retracted == [(2, "Hama was not in the report"), (1, "fabricated")]
    refused = cli(db, "correct", "r1", "1", "--set", "status=contested", "--reason", "late")
    assert refused.exit_code == 1


# --- archivist ----------------------------------------------------------------------------


def test_archivist_is_recorded_on_every_event(db: str) -> None:
    ok(db, "init", "--archivist", "alice")
    registry_events = len(log_events(db))
    assert registry_events > 0
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:regime:controlled:2024-12-01",
        env={"WARLOG_ARCHIVIST": "bob"},
    )
    ok(
        db,
        "correct",
        "r1",
        "1",
        "--set",
        "credibility=2",
        "--reason",
        "seen",
        env={"WARLOG_ARCHIVIST": "carol"},
    )
    ok(
        db,
        "retract",
        "r1",
        "1",
        "--reason",
        "withdrawn by the source",
        "--archivist",
        "dave",
        env={"WARLOG_ARCHIVIST": "erin"},
    )  # the option wins over the environment
    events = log_events(db)
    assert {e["archivist"] for e in events[:registry_events]} == {"alice"}
    assert [e["archivist"] for e in events[registry_events:]] == ["bob", "carol", "dave"]
    assert [(e["kind"], e["archivist"]) for e in history(db, "r1")] == [
        ("reported", "bob"),
        ("corrected", "carol"),
        ("retracted", "dave"),
    ]
    homs = history(db, "Homs")
    assert homs[0]["kind"] == "registered" and homs[0]["archivist"] == "alice"


def test_archivist_defaults_to_the_operating_system_user(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "os-user-7")
    expected = {getpass.getuser()}
    try:
        import pwd

        expected.add(pwd.getpwuid(os.getuid()).pw_name)
    except (ImportError, KeyError):  # pragma: no cover - not on every platform
        pass
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "S",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:regime:controlled",
    )
    (filed,) = history(db, "r1")
    assert filed["archivist"] in expected
    assert all(e["archivist"] in expected for e in log_events(db))


# --- the real entry points ----------------------------------------------------------------


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARLOG_")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "Traceback" not in done.stdout + done.stderr
    return done


def test_python_dash_m_warlog(db: str, tmp_path: Path) -> None:
    warlog = [sys.executable, "-m", "warlog"]
    path = mixed_file(tmp_path / "mixed.jsonl")
    imported = run([*warlog, "import", path, "--db", db, "--json", "--archivist", "sub"], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["added"]["report"] == 2
    shown = run([*warlog, "state", "--at", "2024-12-02", "--db", db, "--json"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    places = {p["place"]: p for p in json.loads(shown.stdout)["places"]}
    assert places["Homs"]["controller"] == "Syrian government"
    assert places["Zabadani"]["controller"] == "Local militia"


SCRIPT = Path(sys.executable).parent / "warlog"


def test_console_script_files_a_report(sqlite_db: str, tmp_path: Path) -> None:
    added = run(
        [
            str(SCRIPT),
            "report",
            "add",
            "--db",
            sqlite_db,
            "--id",
            "cs-1",
            "--source",
            "S",
            "--published",
            "2024-12-07",
            "--claim",
            "Homs:rebels:besieged",
        ],
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "cs-1"
    assert state(sqlite_db, "--at", "2024-12-07")["Homs"]["contested_by"] == ["opposition"]


def test_console_script_help_and_exit_codes(tmp_path: Path) -> None:
    assert SCRIPT.exists()
    helped = run([str(SCRIPT), "--help"], tmp_path)
    assert helped.returncode == 0
    for command in (
        "init",
        "import",
        "correct",
        "retract",
        "state",
        "timeline",
        "history",
        "log",
        "places",
        "actors",
        "rebuild",
        "demo",
        "report",
    ):
        assert command in helped.stdout
    missing = tmp_path / "missing.db"
    failed = run([str(SCRIPT), "state", "--db", str(missing)], tmp_path)
    assert failed.returncode == 1
    assert len(failed.stderr.strip().splitlines()) == 1
    assert not missing.exists()
    usage = run([str(SCRIPT), "state", "--no-such-option"], tmp_path)
    assert usage.returncode == 2
