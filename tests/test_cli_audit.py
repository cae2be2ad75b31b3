"""The auditor's commands: history of a place or a report, the log, rebuild, and the demo."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from clirun import CLEAN_ENV, as_json, ok, runner
from warlog.cli.app import app

HISTORY_KEYS = {
    "position",
    "recorded_at",
    "archivist",
    "kind",
    "report",
    "claim",
    "place",
    "reason",
    "before",
    "after",
}
LOG_KEYS = {"position", "recorded_at", "archivist", "event", "subject", "data"}

HOMS, HAMA = "Homs, Homs Governorate, Syria", "Hama, Hama Governorate, Syria"


def history(db: str, subject: str) -> dict[str, Any]:
    data: dict[str, Any] = as_json(ok(db, "history", subject, "--json"))
    return data


def log(db: str, *options: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = as_json(ok(db, "log", "--json", *options))["events"]
    return events


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def file_the_story(db: str) -> None:
    """alice files r1 (Homs, Hama); bob corrects claim 1; carol retracts claim 2."""
    ok(db, "init", archivist="alice")
    ok(
        db,
        "report",
        "add",
        "--id",
        "r1",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Hims:regime:controlled:2024-12-01",
        "--claim",
        "Hama:rebels:contested:2024-12-02:3",
        archivist="alice",
    )
    ok(
        db,
        "correct",
        "r1",
        "1",
        "--set",
        "status=besieged",
        "--set",
        "actor=rebels",
        "--set",
        "credibility=2",
        "--reason",
        "the army had lost the city",
        archivist="bob",
    )
    ok(db, "retract", "r1", "2", "--reason", "Hama was another report's claim", archivist="carol")


# --- history ------------------------------------------------------------------------------


def test_history_of_a_report(db: str) -> None:
    file_the_story(db)
    data = history(db, "r1")
    assert data["subject"] == "r1"
    events = data["events"]
    for event in events:
        assert set(event) == HISTORY_KEYS
        assert event["report"] == "r1"
    assert [(e["kind"], e["claim"], e["place"], e["archivist"]) for e in events] == [
        ("reported", 1, HOMS, "alice"),
        ("reported", 2, HAMA, "alice"),
        ("corrected", 1, HOMS, "bob"),
        ("retracted", 2, HAMA, "carol"),
    ]
    reported, _, corrected, retracted = events
    assert reported["after"]["actor"] == "Syrian government"
    assert reported["after"]["status"] == "controlled"
    assert reported["reason"] is None
    assert corrected["reason"] == "the army had lost the city"
    assert corrected["before"] == {"status": "controlled", "actor": "Syrian government", "credibility": 6}
    assert corrected["after"] == {"status": "besieged", "actor": "opposition", "credibility": 2}
    assert retracted["reason"] == "Hama was another report's claim"
    # record order: positions and record times never go back
    positions = [e["position"] for e in events]
    times = [moment(e["recorded_at"]) for e in events]
    assert positions == sorted(positions) and positions[0] < positions[2] < positions[3]
    assert times == sorted(times) and times[0] < times[2] < times[3]


def test_history_of_a_place_by_name_or_alias(db: str) -> None:
    file_the_story(db)
    data = history(db, "Homs")
    assert data["subject"] == HOMS
    events = data["events"]
    assert all(set(e) == HISTORY_KEYS for e in events)
    assert all(e["place"] == HOMS for e in events)
    assert [(e["kind"], e["report"], e["claim"], e["archivist"]) for e in events] == [
        ("registered", None, None, "alice"),
        ("reported", "r1", 1, "alice"),
        ("corrected", "r1", 1, "bob"),
    ]
    assert events[2]["before"]["status"] == "controlled"
    assert events[2]["after"]["status"] == "besieged"
    assert events[2]["reason"] == "the army had lost the city"
    assert history(db, "hims")["events"] == events
    hama = [(e["kind"], e["claim"], e["reason"]) for e in history(db, "Hama")["events"]]
    assert hama == [
        ("registered", None, None),
        ("reported", 2, None),
        ("retracted", 2, "Hama was another report's claim"),
    ]


def test_history_shows_aliases_added_to_a_place(db: str, tmp_path: Path) -> None:
    ok(db, "init", archivist="alice")
    path = tmp_path / "alias.jsonl"
    path.write_text(
        json.dumps({"type": "place", "name": "Homs", "aliases": ["Homs City"]}) + "\n", encoding="utf-8"
    )
    ok(db, "import", str(path), archivist="bob")
    events = history(db, "Homs")["events"]
    assert [(e["kind"], e["archivist"]) for e in events] == [
        ("registered", "alice"),
        ("aliases added", "bob"),
    ]
    assert "Homs City" in json.dumps(events[1])


def move_a_claim(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "mv",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:controlled:2024-12-06",
    )
    ok(db, "correct", "mv", "1", "--set", "place=Hama", "--set", "date=2024-12-02", "--reason", "it was Hama")


def test_history_of_a_place_shows_a_claim_moved_in_or_out(db: str) -> None:
    move_a_claim(db)
    homs = [(e["kind"], e["report"]) for e in history(db, "Homs")["events"]]
    assert homs == [("registered", None), ("reported", "mv"), ("corrected", "mv")]
    hama = history(db, "Hama")["events"]
    assert [(e["kind"], e["report"]) for e in hama] == [("registered", None), ("corrected", "mv")]
    assert hama[1]["before"] == {"place": HOMS, "date": "2024-12-06"}
    assert hama[1]["after"] == {"place": HAMA, "date": "2024-12-02"}
    assert hama[1]["reason"] == "it was Hama"


def test_history_of_a_report_lists_a_moving_correction_once(db: str) -> None:
    move_a_claim(db)
    events = history(db, "mv")["events"]
    assert [e["kind"] for e in events] == ["reported", "corrected"]
    assert events[1]["before"] == {"place": HOMS, "date": "2024-12-06"}
    assert events[1]["after"] == {"place": HAMA, "date": "2024-12-02"}


def test_history_of_a_retracted_report_lists_each_claim(db: str) -> None:
    ok(
        db,
        "report",
        "add",
        "--id",
        "gone",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:contested",
        "--claim",
        "Hama:rebels:contested",
    )
    ok(db, "retract", "gone", "--reason", "fabricated", archivist="dora")
    retracted = [
        (e["claim"], e["reason"], e["archivist"])
        for e in history(db, "gone")["events"]
        if e["kind"] == "retracted"
    ]
    assert sorted(retracted) == [(1, "fabricated", "dora"), (2, "fabricated", "dora")]


def test_history_as_a_table(db: str) -> None:
    file_the_story(db)
    shown = ok(db, "history", "r1").stdout
    for word in ("reported", "corrected", "retracted", "bob", "carol", "besieged"):
        assert word in shown


# --- log ----------------------------------------------------------------------------------


def test_log_lists_every_event_in_order_with_its_archivist(db: str) -> None:
    file_the_story(db)
    events = log(db)
    assert all(set(e) == LOG_KEYS for e in events)
    positions = [e["position"] for e in events]
    assert positions == sorted(set(positions))
    times = [moment(e["recorded_at"]) for e in events]
    assert times == sorted(times)
    assert abs(times[-1] - datetime.now(UTC)) < timedelta(minutes=5)
    assert [e["archivist"] for e in events[-3:]] == ["alice", "bob", "carol"]
    assert {e["archivist"] for e in events[:-3]} == {"alice"}
    filed, corrected, retracted = events[-3:]
    assert filed["subject"] == "r1"
    assert "the army had lost the city" in json.dumps(corrected["data"])
    assert "Hama was another report's claim" in json.dumps(retracted["data"])
    assert len({e["event"] for e in events[-3:]}) == 3
    assert "Homs" in {e["subject"] for e in events[:-3]}


def test_log_subject_of_a_correction_and_a_retraction_is_the_report(db: str) -> None:
    file_the_story(db)
    _, corrected, retracted = log(db)[-3:]
    assert corrected["subject"] == "r1"
    assert retracted["subject"] == "r1"


def test_log_limit_and_since(db: str) -> None:
    file_the_story(db)
    everything = log(db)
    assert log(db, "--limit", "3") == everything[:3]
    assert log(db, "--limit", "1") == everything[:1]
    assert log(db, "--limit", str(len(everything) + 10)) == everything
    correction_time = everything[-2]["recorded_at"]
    assert log(db, "--since", correction_time) == everything[-2:]
    assert log(db, "--since", correction_time, "--limit", "1") == everything[-2:-1]
    just_after = (moment(correction_time) + timedelta(microseconds=1)).isoformat()
    assert log(db, "--since", just_after) == everything[-1:]
    assert log(db, "--since", "2000-01-01") == everything
    assert log(db, "--since", "2999-01-01T00:00:00Z") == []


def test_log_as_a_table(db: str) -> None:
    file_the_story(db)
    shown = ok(db, "log", "--limit", "500").stdout
    assert "carol" in shown and "r1" in shown


# --- rebuild ------------------------------------------------------------------------------


def test_rebuild_leaves_every_answer_unchanged(db: str) -> None:
    sample = resources.files("warlog").joinpath("data", "sample.jsonl")
    with resources.as_file(sample) as path:
        ok(db, "import", str(path))
    ok(db, "retract", "reuters-2024-12-07-homs", "4", "--reason", "unverified")
    known_at = log(db)[-1]["recorded_at"]

    def answers() -> list[str]:
        return [
            ok(db, "state", "--json", "--at", "2024-12-07", "--known-at", known_at).stdout,
            ok(
                db,
                "state",
                "--json",
                "--at",
                "2024-12-05",
                "--known-at",
                known_at,
                "--min-reliability",
                "D",
                "--min-credibility",
                "3",
            ).stdout,
            ok(db, "timeline", "Hama", "--json", "--known-at", known_at).stdout,
            ok(db, "history", "Homs", "--json").stdout,
            ok(db, "history", "news-2024-12-07-background", "--json").stdout,
            ok(db, "log", "--json").stdout,
        ]

    before = answers()
    assert json.loads(before[0])["places"]
    rebuilt = ok(db, "rebuild")
    assert str(len(log(db))) in rebuilt.stdout
    assert answers() == before


# --- demo ---------------------------------------------------------------------------------


def test_demo_runs(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)  # it leaves its two files where it runs
    location = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(location)], env=CLEAN_ENV, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for word in ("Homs", "Hama", "opposition"):
        assert word in result.stdout
    assert location.is_file()
    hama = json.loads(
        runner.invoke(
            app,
            ["state", "--db", str(location), "--json", "--at", "2024-12-05", "--place", "Hama"],
            env=CLEAN_ENV,
        ).stdout
    )
    assert hama["places"][0]["controller"] == "opposition"


def test_an_output_file_gets_the_folders_it_needs_and_the_old_spelling_still_works(tmp_path: Path) -> None:
    db = str(tmp_path / "warlog.db")
    ok(db, "import", str(resources.files("warlog") / "data" / "sample.jsonl"))
    ok(db, "dump", "-o", str(tmp_path / "new" / "deeper" / "dump.jsonl"))
    ok(db, "dump", "--output", str(tmp_path / "other" / "dump.jsonl"))
    ok(db, "dump", "--out", str(tmp_path / "old" / "dump.jsonl"))
    written = [
        tmp_path / "new" / "deeper" / "dump.jsonl",
        tmp_path / "other" / "dump.jsonl",
        tmp_path / "old" / "dump.jsonl",
    ]
    assert len({p.read_bytes() for p in written}) == 1


def test_a_folder_that_cannot_be_made_is_one_line_and_leaves_no_folder_behind(tmp_path: Path) -> None:
    db = str(tmp_path / "warlog.db")
    ok(db, "import", str(resources.files("warlog") / "data" / "sample.jsonl"))
    (tmp_path / "a-file").write_text("in the way")
    blocked = runner.invoke(
        app, ["dump", "-o", str(tmp_path / "a-file" / "x" / "dump.jsonl"), "--db", db], env=CLEAN_ENV
    )
    assert blocked.exit_code == 1
    assert len(blocked.stderr.strip().splitlines()) == 1 and "a-file" in blocked.stderr
    assert not (tmp_path / "a-file" / "x").exists()


def test_the_demo_leaves_the_files_it_names_where_it_runs(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "demo.db")], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    for name in ("sample.jsonl", "corrections.jsonl"):
        assert str(tmp_path / name) in result.output
    again = tmp_path / "again.db"
    imported = ok(str(again), "import", "sample.jsonl").stdout
    assert imported.startswith("added: 10 reports")
    assert "correction" in ok(str(again), "import", "corrections.jsonl").stdout
