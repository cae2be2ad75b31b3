"""Diffs and changes: how the picture changed between record times or dates, and who changed it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import warlog
from clirun import as_json, cli, ok
from model import folded_state
from story import DAYS as DATES
from story import GRADES, PLACES
from test_properties import SETTINGS, Story, append_something, new_archive
from warlog import clock
from warlog.archive import Archive
from warlog.diff import (
    CONTROL,
    KINDS,
    VISIBLE,
    Visible,
    by_archivist,
    changes,
    compare,
    count_kinds,
    diff_dates,
    diff_known,
)
from warlog.errors import WarlogError
from warlog.resolution import ClaimRef
from warlog.results import Change, PlaceState, State

SAMPLE = resources.files("warlog").joinpath("data", "sample.jsonl")


def later(instant: str, microseconds: int = 1) -> str:
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return clock.format_time(moment + timedelta(microseconds=microseconds))


def last_recorded(db: str) -> str:
    time: str = as_json(ok(db, "log", "--json"))["events"][-1]["recorded_at"]
    return time


# --- the sample, with its corrections recorded late ---------------------------------------


def sample_lines() -> tuple[list[str], list[str]]:
    """The shipped sample split into its reports and its trailing corrections and retraction."""
    lines = SAMPLE.read_text("utf-8").splitlines()
    split = len(lines)
    while split and json.loads(lines[split - 1])["type"] in ("correction", "retraction"):
        split -= 1
    return lines[:split], lines[split:]


def file_the_sample_late(db: str, tmp_path: Path) -> tuple[str, str]:
    """alice imports the reports, bob their corrections later: (alice's time, bob's time)."""
    reports, corrections = sample_lines()
    first, second = tmp_path / "reports.jsonl", tmp_path / "corrections.jsonl"
    first.write_text("\n".join(reports) + "\n", encoding="utf-8")
    second.write_text("\n".join(corrections) + "\n", encoding="utf-8")
    ok(db, "import", str(first), archivist="alice")
    before = last_recorded(db)
    ok(db, "import", str(second), archivist="bob")
    return before, last_recorded(db)


def hama_reasons() -> dict[int, str]:
    _, corrections = sample_lines()
    records = [json.loads(line) for line in corrections]
    return {
        r["claim"]: r["reason"]
        for r in records
        if r["type"] == "correction" and r["report"] == "news-2024-12-07-background"
    }


def test_the_sample_splits_into_reports_and_late_corrections() -> None:
    reports, corrections = sample_lines()
    assert len(reports) == 10 and len(corrections) == 3
    assert sorted(hama_reasons()) == [3, 4]


def test_a_late_correction_is_the_cause_of_hama_changing(db: str, tmp_path: Path) -> None:
    before, corrected_at = file_the_sample_late(db, tmp_path)
    data = as_json(ok(db, "diff", "--at", "2024-12-05", "--known-at", before, "--json"))
    assert data["at"] == "2024-12-05" and data["known_at"] == before
    assert data["vs"] >= corrected_at
    assert [p["place"] for p in data["places"]] == ["Hama"]
    hama = data["places"][0]
    assert hama["changed"] == ["controller", "since"]
    assert hama["before"] == {
        "status": "controlled",
        "controller": "Syrian government",
        "contested_by": [],
        "candidates": [],
        "since": "2024-11-26",
    }
    assert hama["after"] == {
        "status": "controlled",
        "controller": "opposition",
        "contested_by": [],
        "candidates": [],
        "since": "2024-12-05",
    }
    causes = hama["causes"]
    assert [(c["kind"], c["report"], c["claim"], c["archivist"], c["place"]) for c in causes] == [
        ("corrected", "news-2024-12-07-background", 3, "bob", "Hama, Hama Governorate, Syria"),
        ("corrected", "news-2024-12-07-background", 4, "bob", "Hama, Hama Governorate, Syria"),
    ]
    assert {c["claim"]: c["reason"] for c in causes} == hama_reasons()
    assert all(c["recorded_at"] == corrected_at for c in causes)
    assert all(
        c["before"]["date"] == "2024-12-02/2024-12-06" and c["after"]["date"] == "2024-12-05" for c in causes
    )


def test_a_diff_of_record_times_both_ways_and_of_one_time(db: str, tmp_path: Path) -> None:
    before, corrected_at = file_the_sample_late(db, tmp_path)

    def diff(known_at: str, vs: str) -> dict[str, Any]:
        data: dict[str, Any] = as_json(
            ok(db, "diff", "--at", "2024-12-05", "--known-at", known_at, "--vs", vs, "--json")
        )
        return data

    forward = diff(before, corrected_at)
    backward = diff(corrected_at, before)
    assert forward["vs"] == corrected_at
    assert [p["place"] for p in backward["places"]] == ["Hama"]
    assert backward["places"][0]["before"] == forward["places"][0]["after"]
    assert backward["places"][0]["after"] == forward["places"][0]["before"]
    assert backward["places"][0]["causes"] == forward["places"][0]["causes"]
    # the two states differ by the events after the earlier time and at or before the later
    assert diff(before, later(corrected_at, -1))["places"] == []
    assert diff(later(before, 1), corrected_at)["places"] == forward["places"]
    assert diff(before, before)["places"] == []
    assert diff(corrected_at, later(corrected_at, 10**6))["places"] == []


def test_a_diff_of_record_times_for_one_place_and_with_grades(db: str, tmp_path: Path) -> None:
    before, _ = file_the_sample_late(db, tmp_path)
    base = ("diff", "--at", "2024-12-05", "--known-at", before, "--json")
    assert [p["place"] for p in as_json(ok(db, *base, "--place", "hamah"))["places"]] == ["Hama"]
    assert as_json(ok(db, *base, "--place", "Homs"))["places"] == []
    # the corrected claims come from an ungraded (F) source: with E or better, nothing moved
    assert as_json(ok(db, *base, "--min-reliability", "e"))["places"] == []
    assert as_json(ok(db, *base, "--min-credibility", "1"))["places"] == []


def test_a_diff_of_dates(db: str, tmp_path: Path) -> None:
    before, _ = file_the_sample_late(db, tmp_path)

    def places(*options: str) -> dict[str, Any]:
        data = as_json(ok(db, "diff", "--from", "2024-12-04", *options, "--json"))
        return {p.pop("place"): p for p in data["places"]}

    now = places("--to", "2024-12-05")
    assert now["Hama"]["changed"] == ["controller"]
    assert now["Hama"]["before"]["controller"] == "Syrian government"
    assert now["Hama"]["after"]["controller"] == "opposition"
    assert all(set(p["changed"]) <= set(CONTROL) and p["changed"] for p in now.values())
    # as first filed, Hama fell on the 6th
    assert "Hama" not in places("--to", "2024-12-05", "--known-at", before)
    assert "Hama" in places("--to", "2024-12-06", "--known-at", before)
    # a place with no claim on the first date appears with nothing before
    late = places("--to", "2024-12-08")
    assert late["Daraa"]["before"] is None
    assert late["Daraa"]["changed"] == ["status", "controller"]
    assert late["Daraa"]["after"]["controller"] == "opposition"
    data = as_json(ok(db, "diff", "--from", "2024-12-04", "--to", "2024-12-08", "--json"))
    assert data["from"] == "2024-12-04" and data["to"] == "2024-12-08"
    assert data["known_at"] > before


def test_changes_group_what_was_recorded_by_archivist(db: str, tmp_path: Path) -> None:
    before, corrected_at = file_the_sample_late(db, tmp_path)
    late = as_json(ok(db, "changes", "--since", later(before), "--json"))
    assert late["since"] == later(before) and late["until"] is None
    assert [a["archivist"] for a in late["archivists"]] == ["bob"]
    bob = late["archivists"][0]
    assert bob["counts"] == {**dict.fromkeys(KINDS, 0), "corrected": 2, "retracted": 1}
    assert late["counts"] == bob["counts"]
    assert [(e["kind"], e["report"], e["claim"]) for e in bob["events"]] == [
        ("corrected", "news-2024-12-07-background", 3),
        ("corrected", "news-2024-12-07-background", 4),
        ("retracted", "opposition-2024-12-07-southwest", 3),
    ]
    assert all(e["recorded_at"] == corrected_at for e in bob["events"])
    # the window is like history's: from --since, before --until
    early = as_json(ok(db, "changes", "--since", "2000-01-01", "--until", corrected_at, "--json"))
    assert [a["archivist"] for a in early["archivists"]] == ["alice"]
    assert early["counts"]["reported"] == 31 and early["counts"]["corrected"] == 0
    assert early["counts"]["registered"] > 0
    everything = as_json(ok(db, "changes", "--since", "2000-01-01", "--json"))
    assert [a["archivist"] for a in everything["archivists"]] == ["alice", "bob"]
    assert as_json(ok(db, "changes", "--since", later(corrected_at), "--json"))["archivists"] == []


def test_a_correction_that_moves_a_claim_is_one_change_and_a_cause_in_both_places(db: str) -> None:
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
        archivist="alice",
    )
    filed = last_recorded(db)
    ok(db, "correct", "mv", "1", "--set", "place=Hama", "--reason", "it was Hama", archivist="bob")
    moved = as_json(ok(db, "changes", "--since", later(filed), "--json"))
    assert moved["counts"]["corrected"] == 1
    diff = as_json(ok(db, "diff", "--at", "2024-12-07", "--known-at", filed, "--json"))
    assert [(p["place"], p["before"] is None, p["after"] is None) for p in diff["places"]] == [
        ("Hama", True, False),
        ("Homs", False, True),
    ]
    for place in diff["places"]:
        assert [(c["kind"], c["report"], c["place"]) for c in place["causes"]] == [
            ("corrected", "mv", ", ".join([place["place"], *place["within"]]))
        ]


# --- the CLI prints what the library returns ----------------------------------------------


def test_the_cli_json_is_the_library_result(db: str, tmp_path: Path) -> None:
    before, corrected_at = file_the_sample_late(db, tmp_path)
    archive = warlog.open(db)
    try:
        pairs: list[tuple[tuple[str, ...], dict[str, Any]]] = [
            (
                ("diff", "--at", "2024-12-05", "--known-at", before, "--vs", corrected_at),
                diff_known(archive, "2024-12-05", before, corrected_at).to_dict(),
            ),
            (
                (
                    "diff",
                    "--at",
                    "2024-12-07",
                    "--known-at",
                    "2000-01-01",
                    "--vs",
                    corrected_at,
                    "--min-reliability",
                    "D",
                    "--min-credibility",
                    "3",
                ),
                diff_known(
                    archive, "2024-12-07", "2000-01-01", corrected_at, min_reliability="D", min_credibility=3
                ).to_dict(),
            ),
            (
                ("diff", "--from", "2024-11-30", "--to", "2024-12-08", "--known-at", before),
                diff_dates(archive, "2024-11-30", "2024-12-08", before).to_dict(),
            ),
            (
                (
                    "diff",
                    "--from",
                    "2024-11-30",
                    "--to",
                    "2024-12-08",
                    "--known-at",
                    corrected_at,
                    "--place",
                    "Hims",
                ),
                diff_dates(archive, "2024-11-30", "2024-12-08", corrected_at, place="Hims").to_dict(),
            ),
            (("changes", "--since", "2000-01-01"), changes(archive, "2000-01-01").to_dict()),
            (
                ("changes", "--since", before, "--until", corrected_at),
                changes(archive, before, corrected_at).to_dict(),
            ),
        ]
    finally:
        archive.close()
    for args, expected in pairs:
        assert as_json(ok(db, *args, "--json")) == expected, args
    assert pairs[0][1]["places"] and pairs[2][1]["places"] and pairs[4][1]["archivists"]


def test_the_tables(db: str, tmp_path: Path) -> None:
    before, _ = file_the_sample_late(db, tmp_path)
    known = ok(db, "diff", "--at", "2024-12-05", "--known-at", before).stdout
    for word in (
        "Hama",
        "Syrian government",
        "opposition",
        "bob",
        "corrected",
        "Better reporting dates the fall",
    ):
        assert word in known
    dates = ok(db, "diff", "--from", "2024-12-04", "--to", "2024-12-05").stdout
    assert "Syrian government → opposition" in dates
    recorded = ok(db, "changes", "--since", "2000-01-01").stdout
    for word in ("alice", "bob", "reported", "retracted", "Sanamayn"):
        assert word in recorded
    empty = ok(db, "diff", "--at", "2024-12-05", "--known-at", before, "--vs", before)
    assert "no place" in empty.stderr
    assert "nothing was recorded" in ok(db, "changes", "--since", "2999-01-01").stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("diff",), "nothing to compare"),
        (("diff", "--at", "2024-12-05"), "--at needs --known-at"),
        (("diff", "--at", "2024-12-05", "--known-at", "2024-12-08", "--from", "2024-12-01"), "not both"),
        (("diff", "--at", "2024-12-05", "--known-at", "2024-12-08", "--to", "2024-12-01"), "not both"),
        (("diff", "--to", "2024-12-05"), "--to needs --from"),
        (("diff", "--from", "2024-12-05", "--vs", "2024-12-08"), "--vs"),
        (("diff", "--at", "2024-02-30", "--known-at", "2024-12-08"), "--at:"),
        (("diff", "--at", "yesterday", "--known-at", "2024-12-08"), "--at:"),
        (("diff", "--at", "2024-12-05", "--known-at", "noon"), "--known-at:"),
        (("diff", "--at", "2024-12-05", "--known-at", "2024-12-08", "--vs", "2024-12-08T25:00:00Z"), "--vs:"),
        (("diff", "--from", "2024-12-5"), "--from:"),
        (("diff", "--from", "2024-12-05", "--to", "2024-13-01"), "--to:"),
        (("diff", "--from", "2024-12-05", "--known-at", "then"), "--known-at:"),
        (("diff", "--from", "2024-12-05", "--place", "Homz"), "did you mean 'Homs'"),
        (
            ("diff", "--at", "2024-12-05", "--known-at", "2024-12-08", "--place", "Homz"),
            "unknown place 'Homz'",
        ),
        (("diff", "--from", "2024-12-05", "--min-reliability", "G"), "--min-reliability"),
        (("changes", "--since", "last week"), "--since:"),
        (("changes", "--since", "2024-12-01", "--until", "2024-12-32"), "--until:"),
    ],
)
def test_bad_input_exits_1_with_one_line(db: str, args: tuple[str, ...], message: str) -> None:
    ok(db, "init")
    result = cli(db, *args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert result.stdout == ""


def test_a_missing_archive_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    location = tmp_path / "none.db"
    result = cli(str(location), "diff", "--from", "2024-12-01")
    assert result.exit_code == 1 and "no archive" in result.stderr
    assert not location.exists()


def test_the_library_checks_its_own_arguments(archive: Archive) -> None:
    archive.start("tester")
    with pytest.raises(WarlogError, match="known_at"):
        diff_known(archive, "2024-12-05", "noon")
    with pytest.raises(WarlogError, match="at"):
        diff_known(archive, "2024-12-32", "2024-12-08")
    with pytest.raises(WarlogError, match="end"):
        diff_dates(archive, "2024-12-01", "someday")
    with pytest.raises(WarlogError, match="since"):
        changes(archive, "later")
    # any RFC 3339 form is taken, and shown as the archive writes record times
    assert (
        diff_known(archive, "2024-12-05", "2024-12-08T14:00:00+02:00", "2024-12-09").known_at
        == "2024-12-08T12:00:00.000000Z"
    )


# --- history's record-time window, end to end ---------------------------------------------


def test_history_since_and_until_window_the_record_time(db: str, tmp_path: Path) -> None:
    before, corrected_at = file_the_sample_late(db, tmp_path)

    def kinds(*options: str) -> list[tuple[str, int | None]]:
        data = as_json(ok(db, "history", "Hama", "--json", *options))
        return [(e["kind"], e["claim"]) for e in data["events"]]

    everything = kinds()
    assert everything == [
        ("registered", None),
        ("reported", 2),
        ("reported", 3),
        ("reported", 4),
        ("corrected", 3),
        ("corrected", 4),
    ]
    assert kinds("--since", later(before)) == [("corrected", 3), ("corrected", 4)]
    assert kinds("--since", corrected_at) == [("corrected", 3), ("corrected", 4)]
    assert kinds("--until", corrected_at) == everything[:4]
    assert kinds("--since", before, "--until", later(before)) == everything[:4]
    # an offset is the same instant in UTC
    moment = datetime.fromisoformat(corrected_at.replace("Z", "+00:00"))
    shifted = (moment + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.%f+02:00")
    assert kinds("--since", shifted) == kinds("--since", corrected_at)
    table = ok(db, "history", "Hama", "--since", corrected_at).stdout
    assert "2024-12-06 → 2024-12-05" in table and "registered" not in table
    assert "aliases: Hamah" in ok(db, "history", "Hama").stdout


# --- the pure comparisons -----------------------------------------------------------------


def place_state(
    place: str, status: str, controller: str | None, since: str, contested_by: tuple[str, ...] = ()
) -> PlaceState:
    return PlaceState(place, status, controller, contested_by, (), since, (ClaimRef("r", 1),))


def test_compare_names_the_fields_that_differ_and_one_sided_places() -> None:
    before = State(
        "2024-12-05",
        "t1",
        (
            place_state("Hama", "controlled", "government", "2024-11-26"),
            place_state("Homs", "controlled", "government", "2024-11-26"),
            place_state("Douma", "contested", "government", "2024-12-01", ("rebels",)),
        ),
    )
    after = State(
        "2024-12-05",
        "t2",
        (
            place_state("Hama", "controlled", "rebels", "2024-12-05"),
            place_state("Douma", "contested", "government", "2024-12-01", ("SDF",)),
            place_state("Aleppo", "controlled", "rebels", "2024-12-01"),
        ),
    )
    diffs = {d.place: d for d in compare(before, after)}
    assert sorted(diffs) == ["Aleppo", "Douma", "Hama", "Homs"]
    assert diffs["Hama"].changed == ("controller", "since")
    assert diffs["Douma"].changed == ("contested_by",)
    assert diffs["Homs"].after is None and diffs["Homs"].changed == VISIBLE
    assert diffs["Aleppo"].before is None
    assert [d.place for d in compare(before, after, CONTROL)] == ["Aleppo", "Hama", "Homs"]
    assert compare(before, before) == ()
    assert diffs["Hama"].to_dict()["before"] == Visible.of(before.places[0]).to_dict()


def test_counts_list_every_kind_and_any_other() -> None:
    def row(
        position: int, kind: str, archivist: str, report: str | None = "r", place: str = "Homs"
    ) -> Change:
        return Change(position, "t", archivist, kind, report, 1 if report else None, place, None, None, None)

    rows = [
        row(1, "reported", "bo"),
        row(2, "corrected", "Al"),
        row(2, "corrected", "Al", place="Hama"),
        row(3, "key registered", "Al", report=None),
        row(4, "registered", "al", report=None),
    ]
    assert count_kinds(rows) == {
        "reported": 1,
        "corrected": 2,
        "retracted": 0,
        "registered": 1,
        "aliases added": 0,
        "part of changed": 0,
        "policy set": 0,
        "key registered": 1,
    }
    grouped = by_archivist(rows)
    assert [(a.archivist, len(a.events)) for a in grouped] == [("Al", 2), ("al", 1), ("bo", 1)]
    assert grouped[0].counts()["corrected"] == 1


# --- properties ---------------------------------------------------------------------------


def visible_of(answer: dict[str, Any], fields: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    return {place: tuple(s[f] for f in fields) for place, s in answer.items()}


def draw_times(data: st.DataObject, story: Story, start: str) -> tuple[str, str]:
    """Two different record times, either way round: before the story, after each step, now."""
    times = [start, *story.known_at, clock.format_time(clock.now())]
    first, second = data.draw(st.lists(st.sampled_from(times), min_size=2, max_size=2, unique=True))
    return first, second


def draw_day(data: st.DataObject) -> str:
    return data.draw(st.one_of(st.just(DATES[-1]), st.sampled_from(DATES)))


def draw_filters(data: st.DataObject) -> dict[str, Any]:
    """Mostly none, so that stories often differ; sometimes any grades."""
    return data.draw(
        st.one_of(
            st.just({"min_reliability": "F", "min_credibility": 6}),
            st.fixed_dictionaries(
                {"min_reliability": st.sampled_from(GRADES), "min_credibility": st.integers(1, 6)}
            ),
        )
    )


@SETTINGS
@given(data=st.data())
def test_a_diff_of_record_times_is_two_folds_of_the_log_compared(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        start = clock.format_time(clock.now())
        story = Story()
        for _ in range(data.draw(st.integers(2, 5))):
            append_something(data, archive, story)
        first, second = draw_times(data, story, start)
        day = draw_day(data)
        filters = draw_filters(data)
        place = data.draw(st.one_of(st.none(), st.sampled_from(PLACES)))
        result = diff_known(archive, day, first, second, place=place, **filters)
        old, new = (visible_of(folded_state(archive, day, t, **filters), VISIBLE) for t in (first, second))
        if place is not None:
            old, new = ({k: v for k, v in s.items() if k == place} for s in (old, new))
        expected = {p: (old.get(p), new.get(p)) for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
        assert {
            c.diff.place: tuple(
                None if s is None else tuple(s.to_dict().values()) for s in (c.diff.before, c.diff.after)
            )
            for c in result.places
        } == expected
        event(f"places that differ: {min(len(result.places), 2)}")
        low, high = sorted((first, second))
        for caused in result.places:
            assert caused.causes, "a state changed with no event recorded in between"
            for cause in caused.causes:
                assert (cause.place == caused.diff.place and cause.report is not None) or (
                    cause.kind in ("policy set", "part of changed")
                )
                assert low < cause.recorded_at <= high


@SETTINGS
@given(data=st.data())
def test_a_diff_of_dates_is_two_folds_of_the_log_compared(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(2, 5))):
            append_something(data, archive, story)
        known_at = data.draw(st.sampled_from([*story.known_at, clock.format_time(clock.now())]))
        first, second = data.draw(st.sampled_from(DATES)), draw_day(data)
        filters = draw_filters(data)
        result = diff_dates(archive, first, second, known_at, **filters)
        old, new = (
            visible_of(folded_state(archive, d, known_at, **filters), CONTROL) for d in (first, second)
        )
        expected = {p for p in old.keys() | new.keys() if old.get(p) != new.get(p)}
        assert {d.place for d in result.places} == expected
        event(f"places that differ: {min(len(result.places), 2)}")
        for d in result.places:
            assert (
                d.changed == CONTROL
                if d.before is None or d.after is None
                else d.changed
                == tuple(
                    f for f in CONTROL if old[d.place][CONTROL.index(f)] != new[d.place][CONTROL.index(f)]
                )
            )


def counted_from_the_log(archive: Archive, since: str, until: str) -> dict[tuple[str, str], int]:
    """(archivist, kind) -> changes recorded in [since, until), read from the raw stored events."""
    live: dict[Any, set[int]] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for notification in archive.recorder.select_notifications(start=1, limit=10**9):
        e: Any = archive.mapper.to_domain_event(notification)
        kind, who = type(e).__qualname__, getattr(e, "archivist", "")
        inside = since <= clock.format_time(e.timestamp) < until
        if kind == "Report.Filed":
            live[e.originator_id] = set(range(1, len(e.claims) + 1))
            counts[who, "reported"] += len(e.claims) * inside
        elif kind == "Report.ClaimCorrected":
            counts[who, "corrected"] += inside
        elif kind == "Report.ClaimRetracted":
            live[e.originator_id].discard(e.claim)
            counts[who, "retracted"] += inside
        elif kind == "Report.Retracted":
            counts[who, "retracted"] += len(live[e.originator_id]) * inside
            live[e.originator_id].clear()
        elif kind.endswith(".Registered"):
            counts[who, "registered"] += inside
        elif kind.endswith(".AliasesAdded"):
            counts[who, "aliases added"] += inside
        elif kind == "Actors.PartOfChanged":
            counts[who, "part of changed"] += inside
        elif kind == "Policy.Set":
            counts[who, "policy set"] += inside
    return {key: n for key, n in counts.items() if n}


@SETTINGS
@given(data=st.data())
def test_changes_count_what_the_log_recorded_in_the_window(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        start = clock.format_time(clock.now())
        story = Story()
        for _ in range(data.draw(st.integers(2, 5))):
            append_something(data, archive, story)
        since, until = sorted(draw_times(data, story, start))
        since = data.draw(st.sampled_from([since, "2000-01-01T00:00:00.000000Z"]))
        result = changes(archive, since, until)
        counted = {(a.archivist, kind): n for a in result.archivists for kind, n in a.counts().items() if n}
        assert counted == counted_from_the_log(archive, since, until)
        claimed = sum(n for (_, kind), n in counted.items() if kind != "registered")
        event(f"claim changes counted: {min(claimed, 3)}")
        rows = archive.view.history(since=since, until=until)
        assert sum(result.counts().values()) == len(
            {
                (r.position, r.report, r.claim, r.place)
                if r.report is None
                else (r.position, r.report, r.claim, None)
                for r in rows
            }
        )
        assert all(since <= e.recorded_at < until for a in result.archivists for e in a.events)


def test_a_new_pressure_window_is_named_as_the_cause_of_what_it_changed(db: str) -> None:
    ok(db, "import", str(SAMPLE))
    before = clock.format_time(clock.now())
    ok(db, "policy", "set", "pressure-days", "1", "--reason", "sieges lapse faster")
    places = as_json(ok(db, "diff", "--at", "2024-12-20", "--known-at", before, "--json"))["places"]
    assert places, "a shorter window ends Homs's contest on 2024-12-20"
    for place in places:
        assert [c["kind"] for c in place["causes"]] == ["policy set"]
