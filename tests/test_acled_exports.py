"""The hand-made ACLED exports in tests/data/acled, each imported into a bare archive.

The expected states are the tables of tests/data/acled/README.md, worked out
by hand from ACLED's meaning and the README's rule; this test reads them from
there, so the data's documentation and its test cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import warlog
from warlog import acled
from warlog.archive import Archive
from warlog.errors import InvalidInput

DATA = Path(__file__).parent / "data" / "acled"
EXPORTS = [
    "syria_2020_excel.csv",
    "yemen_2022_tab.tsv",
    "egypt_2021_semicolon.csv",
    "benin_2022_r.csv",
    "syria_2025_current.csv",
]
AREAS = ("country", "governorate", "district")
NONE = ("null", "\u2013", "")  # how the README's tables write "nobody"


def expected_states(name: str) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
    """(place, date, state or None for 'no entry') from the README's table for one file."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[1]):
            continue
        place, at, status, controller, contested_by, since, _ = cells
        if status == "*no entry*":
            yield place, at, None
            continue
        yield (
            place,
            at,
            {
                "status": status,
                "controller": None if controller in NONE else controller,
                "contested_by": []
                if contested_by in NONE
                else [a.strip() for a in contested_by.split(", ") if a.strip()],
                "since": since,
            },
        )


def load(tmp_path: Path, *names: str) -> Archive:
    archive = warlog.open(str(tmp_path / "acled.db"))
    archive.start("test", bare=True)
    for name in names:
        acled.import_acled(archive, (DATA / name).read_bytes().splitlines(), name, "test", register_new=True)
    return archive


def entry(archive: Archive, place: str, at: str) -> dict[str, Any] | None:
    """The state of the place the README names (a bare name means the town, not the area)."""
    name, _, within = place.partition(" (within ")
    parents = [p.strip() for p in within.rstrip(")").split(",")] if within else []
    kinds = archive.places().entries
    found = [
        p
        for p in archive.state(at=at).places
        if p.place == name and list(p.within[: len(parents)]) == parents
    ]
    towns = [p for p in found if kinds[p.qualified].get("kind") not in AREAS]
    chosen = towns or found
    if not chosen:
        return None
    assert len(chosen) == 1, [p.qualified for p in chosen]
    p = chosen[0].to_dict()
    return {
        "status": p["status"],
        "controller": p["controller"],
        "contested_by": p["contested_by"],
        "since": p["since"],
    }


def split_sorted(names: list[str], known: set[str]) -> list[str]:
    """Rejoin actor names that contain ', ' (the README separates actors the same way)."""
    joined, current = [], ""
    for part in names:
        current = part if not current else f"{current}, {part}"
        if current in known:
            joined.append(current)
            current = ""
    return joined + ([current] if current else [])


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_gives_the_states_its_readme_works_out(tmp_path: Path, name: str) -> None:
    archive = load(tmp_path, name)
    try:
        actors = set(archive.actors().entries)
        cases = list(expected_states(name))
        assert cases, f"no expected states for {name}"
        for place, at, expected in cases:
            got = entry(archive, place, at)
            if expected is not None:
                expected["contested_by"] = split_sorted(expected["contested_by"], actors)
            assert got == expected, f"{name}: {place} on {at}"
    finally:
        archive.close()


def test_no_place_is_contested_by_its_own_controllers_side(tmp_path: Path) -> None:
    archive = load(tmp_path, *EXPORTS)
    try:
        for day in ("2020-03-01", "2021-12-08", "2022-03-01", "2022-08-09", "2025-03-07"):
            for p in archive.state(at=day).places:
                assert p.controller not in p.contested_by, (p.qualified, day)
    finally:
        archive.close()


def test_a_revised_export_gives_corrections_and_a_deletions_file_retractions(
    tmp_path: Path,
) -> None:
    archive = load(tmp_path, "syria_2025_current.csv")
    try:
        revised = acled.import_acled(
            archive,
            (DATA / "syria_2025_revised.csv").read_bytes().splitlines(),
            "syria_2025_revised.csv",
            "test",
            register_new=True,
        )
        assert revised.tally.revised == 3 and revised.tally.new == 2
        assert revised.result.added["correction"] >= 1
        for place, at, expected in expected_states("syria_2025_revised.csv"):
            got = entry(archive, place, at)
            if expected is not None:
                expected["contested_by"] = split_sorted(
                    expected["contested_by"], set(archive.actors().entries)
                )
            assert got == expected, f"revised: {place} on {at}"
        deleted = (DATA / "syria_2025_deleted.csv").read_bytes().splitlines()
        done = acled.import_deletions(archive, deleted, "syria_2025_deleted.csv", "test")
        assert done.result.added["retraction"] == 2 and len(done.unknown) == 1
        again = acled.import_deletions(archive, deleted, "syria_2025_deleted.csv", "test")
        assert not again.result.added
    finally:
        archive.close()


def test_benin_deletions_leave_kerou_without_a_state(tmp_path: Path) -> None:
    archive = load(tmp_path, "benin_2022_r.csv")
    try:
        assert entry(archive, "Kerou", "2022-07-15") is not None
        acled.import_deletions(
            archive,
            (DATA / "benin_2022_deleted.csv").read_bytes().splitlines(),
            "benin_2022_deleted.csv",
            "test",
        )
        for day in ("2022-07-15", "2022-12-31"):
            assert entry(archive, "Kerou", day) is None
    finally:
        archive.close()


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("bad_not_acled.csv", 1, ["not an ACLED export", "read with commas", "event_id_cnty"]),
        ("bad_pre2019.csv", 1, ["before 2019", "sub_event_type"]),
        ("bad_ambiguous_dates.csv", 2, ["could be", "2020-05-06", "2020-06-05"]),
        ("bad_event_date.csv", 4, ["event_date", "'43888'", "07 December 2024"]),
        ("bad_precision.csv", 3, ["time_precision", "'7'", "1, 2 or 3"]),
    ],
)
def test_bad_exports_give_one_line_and_write_nothing(
    tmp_path: Path, name: str, line: int, words: list[str]
) -> None:
    archive = warlog.open(str(tmp_path / "bad.db"))
    try:
        archive.start("test", bare=True)
        before = archive.recorder.max_notification_id()
        with pytest.raises(InvalidInput) as caught:
            acled.import_acled(
                archive, (DATA / name).read_bytes().splitlines(), name, "test", register_new=True
            )
        problems = [str(p) for p in caught.value.problems]
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"{name}:{line}:")
        assert all(w in problems[0] for w in words), problems[0]
        assert archive.recorder.max_notification_id() == before
    finally:
        archive.close()


def test_an_export_with_no_events_appends_nothing(tmp_path: Path) -> None:
    archive = warlog.open(str(tmp_path / "empty.db"))
    try:
        archive.start("test", bare=True)
        before = archive.recorder.max_notification_id()
        done = acled.import_acled(
            archive,
            (DATA / "bad_empty.csv").read_bytes().splitlines(),
            "bad_empty.csv",
            "test",
            register_new=True,
        )
        assert done.summary().startswith("ACLED rows: 0 new, 0 revised, 0 unchanged")
        assert archive.recorder.max_notification_id() == before
    finally:
        archive.close()


def test_the_shipped_syria_aliases_put_acleds_forces_on_the_starter_sides(tmp_path: Path) -> None:
    aliases = Path(warlog.__file__).parent / "data" / "acled_syria_actors.jsonl"
    archive = warlog.open(str(tmp_path / "syria.db"))
    try:
        archive.start("test")
        archive.import_file(aliases.read_bytes().splitlines(), aliases.name, "test")
        before = set(archive.actors().entries)
        acled.import_acled(
            archive,
            (DATA / "syria_2025_current.csv").read_bytes().splitlines(),
            "syria_2025_current.csv",
            "test",
            register_new=True,
        )
        assert "Government of Syria (2000-)" not in archive.actors().entries
        assert not {a for a in set(archive.actors().entries) - before if "Forces of Syria" in a}
        baniyas = archive.state(at="2025-03-07", place="Baniyas").places[0]
        assert baniyas.contested_by == ("Government of Syria (2024-)", "Syrian government")
    finally:
        archive.close()
