"""ACLED in and out.

`data/acled_syria_2024.csv` is an ACLED-shaped export hand-built from public
reporting of the November-December 2024 offensive (see `data/README.md`);
`data/acled_syria_2024_revised.csv` is the same export after ACLED revised two
events (the date Rastan fell, the faction that entered Damascus).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import warlog
import warlog.archive
from warlog import acled, clock, export
from warlog.archive import Archive
from warlog.cli.app import app
from warlog.errors import InvalidInput
from warlog.records import read_records

DATA = Path(__file__).parent / "data"
EXPORT = DATA / "acled_syria_2024.csv"
REVISED = DATA / "acled_syria_2024_revised.csv"
ALIASES = DATA / "acled_actor_aliases.jsonl"
runner = CliRunner()


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def load(archive: Archive, path: Path = EXPORT, *, register_new: bool = True) -> acled.AcledImport:
    return acled.import_acled(archive, lines(path), path.name, "test", register_new=register_new)


@pytest.fixture
def aliased(archive: Archive) -> Archive:
    """An archive whose actors also answer to ACLED's names for them."""
    archive.import_file(lines(ALIASES), ALIASES.name, "test")
    return archive


def claims(archive: Archive, report: str) -> list[dict[str, Any]]:
    found = archive._report(report)
    assert found is not None
    return found.claims


def report_count(archive: Archive) -> int:
    return len([r for r in archive.view.report_ids() if r.startswith("acled-")])


# In -----------------------------------------------------------------------


def test_import_turns_territorial_events_into_claims(aliased: Archive) -> None:
    done = load(aliased)
    assert dict(done.result.added) == {"place": 14, "report": 18, "claim": 22}
    assert sum(done.not_territorial.values()) == 5
    assert done.not_territorial["Explosions/Remote violence: Air/drone strike"] == 2
    homs = aliased.state(at="2024-12-08", place="Homs").places[0]
    assert (homs.status, homs.controller) == ("controlled", "opposition")
    homs = aliased.state(at="2024-12-08", place="Homs", by="actor").places[0]
    assert (homs.status, homs.controller) == ("controlled", "Hayat Tahrir al-Sham")
    assert [c.report for c in homs.claims] == ["acled-SYR900021"]
    on_7th = aliased.state(at="2024-12-07", place="Homs").places[0]
    assert (on_7th.status, on_7th.controller, on_7th.contested_by) == (
        "contested",
        None,
        ("Syrian government", "opposition"),
    ), "no earlier event says who held Homs, so both sides of the clash press it"
    clash = claims(aliased, "acled-SYR900020")
    assert [(c["actor"], c["status"], c["date"]) for c in clash] == [
        ("Hayat Tahrir al-Sham", "contested", "2024-12-07"),
        ("Syrian government", "contested", "2024-12-07"),
    ]
    assert clash[0]["credibility"] == 3, "geo_precision 2 makes it possibly true"
    assert clash[0]["attributed_to"] == "Reuters"
    assert clash[0]["quote"].startswith("On 7 December 2024, opposition forces broke through")
    regained = claims(aliased, "acled-SYR900012")
    assert [(c["actor"], c["status"]) for c in regained] == [("Syrian government", "controlled")]
    handed_over = claims(aliased, "acled-SYR900017")
    assert [(c["place"], c["actor"]) for c in handed_over] == [
        ("Deir ez-Zor, Deir ez-Zor Governorate, Syria", "SDF")
    ]
    filed = aliased._report("acled-SYR900001")
    assert filed is not None
    assert (filed.source, filed.reliability, filed.published) == ("ACLED", "C", "2024-12-03T14:12:31Z")


def test_register_new_registers_places_from_the_file(aliased: Archive) -> None:
    load(aliased)
    places = aliased.places().entries
    airport = places["Aleppo International Airport, Jebel Saman, Aleppo Governorate, Syria"]
    assert (airport["lat"], airport["lon"], airport["within"]) == (
        "36.1808",
        "37.2242",
        "Jebel Saman, Aleppo Governorate, Syria",
    )
    assert places["Jebel Saman, Aleppo Governorate, Syria"]["kind"] == "district"
    hatla = places["Hatla, Deir-ez-Zor District, Deir ez-Zor Governorate, Syria"]
    assert hatla["within"] == "Deir-ez-Zor District, Deir ez-Zor Governorate, Syria", (
        "ACLED's admin1 'Deir-ez-Zor' is the gazetteer's Deir ez-Zor Governorate"
    )
    assert "Homs, Homs Governorate, Syria" in places, "ACLED's Homs is the gazetteer's city"
    assert places["Homs District, Homs Governorate, Syria"]["kind"] == "district"


def test_unknown_names_are_problems_and_nothing_is_written(archive: Archive) -> None:
    with pytest.raises(InvalidInput) as caught:
        load(archive, register_new=False)
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith("acled_syria_2024.csv:2: location: unknown place 'Urum al-Kubra'")
    assert problems[0].endswith(
        'add it (or an alias) with a {"type": "place"} record, or import with --register-new'
    )
    assert not any("'HTS: Hayat Tahrir al-Sham'" in p for p in problems), (
        "ACLED's 'ABBR: Name' form finds the actor by its name"
    )
    assert not any("'Military Forces of Syria (2000-2024)'" in p for p in problems), (
        "the starter actors know ACLED's name for Assad's army, whatever its period's end"
    )
    assert any(
        p.startswith("acled_syria_2024.csv:13: location: unknown place 'Hatla' (did you mean")
        for p in problems
    )
    assert report_count(archive) == 0


def test_register_new_registers_unknown_actors_too(archive: Archive, tmp_path: Path) -> None:
    load(archive)
    actors = archive.actors().entries
    assert not [a for a in actors if "Forces of Syria" in a], "ACLED's army is the starter's"
    bare = warlog.open(str(tmp_path / "bare.db"))
    try:
        bare.start("test", bare=True)
        load(bare)
        forces = bare.actors().entries
        assert forces["Military Forces of Syria (2000-)"]["part_of"] == "Government of Syria (2000-)"
        assert "Military Forces of Syria (2000-2024)" not in forces, (
            "one force, however its period is written"
        )
    finally:
        bare.close()


def test_importing_again_adds_nothing(aliased: Archive) -> None:
    load(aliased)
    again = load(aliased)
    assert dict(again.result.added) == {}
    assert again.unchanged == 18
    assert report_count(aliased) == 18


def test_a_revised_export_becomes_corrections(aliased: Archive) -> None:
    load(aliased)
    before = clock.format_time(clock.now())
    revised = load(aliased, REVISED)
    assert dict(revised.result.added) == {"correction": 2}
    assert revised.unchanged == 16
    assert report_count(aliased) == 18
    rastan = claims(aliased, "acled-SYR900018")[0]
    assert rastan["date"] == "2024-12-07"
    assert rastan["quote"].startswith("On 7 December 2024")
    history = aliased.history("acled-SYR900022")
    assert [(c.kind, c.reason) for c in history] == [
        ("reported", None),
        ("corrected", "ACLED revision (timestamp 1736263304)"),
    ]
    assert history[1].before == {"actor": "Military Operations Command"}
    damascus = aliased.state(at="2024-12-08", place="Damascus", by="actor").places[0]
    assert damascus.controller == "Southern Operations Room"
    earlier = aliased.state(at="2024-12-08", place="Damascus", known_at=before, by="actor").places[0]
    assert earlier.controller == "Military Operations Command"
    assert dict(load(aliased, REVISED).result.added) == {}
    assert dict(load(aliased).result.added) == {}, "an older export does not undo a revision"


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def export_rows() -> list[dict[str, str]]:
    with EXPORT.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_revisions_retract_what_left_the_event(aliased: Archive, tmp_path: Path) -> None:
    load(aliased)
    rows = export_rows()
    homs_clash = next(r for r in rows if r["event_id_cnty"] == "SYR900020")
    homs_clash.update(sub_event_type="Non-state actor overtakes territory", timestamp="1736263304")
    strike = next(r for r in rows if r["event_id_cnty"] == "SYR900019")
    strike.update(
        event_type="Explosions/Remote violence",
        sub_event_type="Shelling/artillery/missile attack",
        timestamp="1736263304",
    )
    done = load(aliased, write_csv(tmp_path / "later.csv", rows))
    assert dict(done.result.added) == {"correction": 1, "retraction": 2}
    report = aliased._report("acled-SYR900020")
    assert report is not None
    assert report.claims[0]["status"] == "controlled"
    assert report.retracted_claims == {
        2: "ACLED revision (timestamp 1736263304): no longer part of the event"
    }
    gone = aliased._report("acled-SYR900019")
    assert gone is not None and gone.retraction is not None
    assert "now Explosions/Remote violence: Shelling/artillery/missile attack" in gone.retraction


def test_an_archivists_correction_survives_importing_the_same_export(aliased: Archive) -> None:
    load(aliased)
    aliased.correct("acled-SYR900014", 1, {"credibility": 1}, "Confirmed by three outlets", "test")
    assert dict(load(aliased).result.added) == {}
    assert claims(aliased, "acled-SYR900014")[0]["credibility"] == 1


def problems_for(archive: Archive, text: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        acled.import_acled(archive, text.encode().splitlines(), "bad.csv", "test")
    return [str(p) for p in caught.value.problems]


HEADER = ",".join(acled.REQUIRED) + ",geo_precision,time_precision\n"
GOOD = "SYR1,07 December 2024,Battles,Armed clash,rebels,army,Homs,1733839432,1,1\n"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "SYR1,7/12/2024,Battles,Armed clash,rebels,army,Homs,1733839432,1,1",
            "bad.csv:2: event_date: '7/12/2024' could be 2024-12-07 or 2024-07-12, and no date in "
            "the file tells day from month; save it again with ISO dates (YYYY-MM-DD)",
        ),
        (
            "SYR1,07 December 2024,Battles,Armed clash,rebels,army,Homs,last week,1,1",
            "bad.csv:2: timestamp: 'last week' is not a Unix time in seconds, as ACLED writes it "
            "(e.g. 1733702400)",
        ),
        (
            "SYR1,07 December 2024,Battles,Armed clash,rebels,army,Homs,1733839432,4,1",
            "bad.csv:2: geo_precision: '4' is not an ACLED precision code; use 1, 2 or 3",
        ),
        (
            "SYR 1,07 December 2024,Battles,Armed clash,rebels,army,Homs,1733839432,1,1",
            "bad.csv:2: event_id_cnty: 'SYR 1' is not an ACLED event id (letters and digits, e.g. SYR12345)",
        ),
        (
            "SYR1,07 December 2024,Battles,Armed clash,rebels,army,Homs",
            "bad.csv:2: has 7 fields but the header has 10; check its quoting",
        ),
        (
            "SYR1,07 December 2024,Battles,Armed clash,,army,Homs,1733839432,1,1",
            "bad.csv:2: actor1: is empty; give the actor's name",
        ),
    ],
)
def test_malformed_rows_are_problems(archive: Archive, row: str, problem: str) -> None:
    assert problems_for(archive, HEADER + GOOD + row + "\n")[0] == problem.replace("bad.csv:2", "bad.csv:3")


def test_a_file_that_is_not_an_acled_export(archive: Archive) -> None:
    assert problems_for(archive, "id,date,place\n1,2024-12-07,Homs\n") == [
        "bad.csv:1: not an ACLED export: read with commas between fields (the best of commas, "
        "tabs and semicolons), the header lacks event_id_cnty, event_date, event_type, "
        "sub_event_type, actor1, actor2, location, timestamp; an ACLED CSV starts with the "
        "columns event_id_cnty, event_date, year, time_precision, disorder_type, event_type, "
        "sub_event_type, actor1, …"
    ]


def test_a_quoted_field_may_span_lines(archive: Archive) -> None:
    text = HEADER.replace("\n", ",notes\n") + GOOD.replace("\n", ',"two\nlines"\n')
    done = acled.import_acled(archive, text.encode().splitlines(), "ok.csv", "test")
    assert done.result.added["claim"] == 2
    assert claims(archive, "acled-SYR1")[0]["quote"] == "two\nlines"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("07 December 2024", "2024-12-07"),
        ("7 December 2024", "2024-12-07"),
        ("2024-12-07", "2024-12-07"),
        ("07 Dec 2024", "2024-12-07"),
    ],
)
def test_event_dates(text: str, day: str) -> None:
    assert acled.event_day(text) == day


@pytest.mark.parametrize(
    ("geo", "time", "grade"),
    [
        ("1", "1", 2),
        ("2", "1", 3),
        ("1", "3", 4),
        ("", "", 6),
        ("", "2", 3),
    ],
)
def test_credibility_from_precision(geo: str, time: str, grade: int) -> None:
    assert acled.credibility(geo, time) == grade


# Out ----------------------------------------------------------------------


def acled_export(archive: Archive) -> list[dict[str, str]]:
    out = io.StringIO()
    export.export_claims(archive, out, "acled")
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_export_acled_pairs_clashes_and_keeps_event_ids(aliased: Archive) -> None:
    load(aliased)
    rows = {r["event_id_cnty"]: r for r in acled_export(aliased)}
    assert list(next(iter(rows.values()))) == list(acled.COLUMNS)
    assert len(rows) == 18
    clash = rows["SYR900020"]
    with EXPORT.open(encoding="utf-8") as original:
        as_imported = next(r for r in csv.DictReader(original) if r["event_id_cnty"] == "SYR900020")
    assert clash == as_imported, "an ACLED event is written back exactly as ACLED wrote it"
    assert rows["SYR900012"]["sub_event_type"] == "Government regains territory"
    assert rows["SYR900021"]["sub_event_type"] == "Non-state actor overtakes territory"


def test_export_then_import_gives_the_same_state(aliased: Archive, tmp_path: Path) -> None:
    load(aliased)
    path = write_csv(tmp_path / "out.csv", acled_export(aliased))
    copy = warlog.open(str(tmp_path / "copy.db"))
    try:
        copy.import_file(lines(ALIASES), ALIASES.name, "test")
        load(copy, path)
        assert [p.to_dict() for p in copy.state(at="2024-12-08").places] == [
            p.to_dict() for p in aliased.state(at="2024-12-08").places
        ]
    finally:
        copy.close()


def test_export_acled_leaves_out_retracted_and_names_sample_claims(archive: Archive) -> None:
    from importlib import resources

    sample = resources.files("warlog").joinpath("data", "sample.jsonl").read_text()
    archive.import_records(read_records(sample.splitlines(), "sample.jsonl"), "test")
    rows = acled_export(archive)
    ids = {r["event_id_cnty"] for r in rows}
    assert "opposition-2024-12-07-southwest-3" not in ids
    withdrawn = next(r for r in rows if r["event_id_cnty"] == "syrian-army-2024-11-30-aleppo-1")
    assert (withdrawn["event_type"], withdrawn["sub_event_type"]) == ("Strategic developments", "Other")
    assert withdrawn["notes"].startswith("warlog claim: Syrian Arab Army withdrawn Aleppo.")
    assert withdrawn["tags"] == "warlog report=syrian-army-2024-11-30-aleppo; claim=1; grade=D2"


def test_state_forces(archive: Archive) -> None:
    archive.start("test")
    actors = archive.actors()
    forces = {name: acled.is_state_force(actors, name) for name in actors.entries}
    assert forces["Syrian government"] and forces["Russia"] and forces["Turkey"]
    assert not forces["Syrian National Army"], "part of the opposition, despite 'Army'"
    assert not forces["SDF"] and not forces["Hayat Tahrir al-Sham"]


# The command line ------------------------------------------------------------


def cli(*args: str) -> Result:
    result = runner.invoke(
        app, list(args), env={"WARLOG_DB": None, "WARLOG_ARCHIVIST": "t"}, catch_exceptions=False
    )
    assert "Traceback" not in result.output
    return result


def test_cli_import_acled(db: str) -> None:
    assert cli("import", str(ALIASES), "--db", db).exit_code == 0
    result = cli("import", "--format", "acled", "--register-new", str(EXPORT), "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "added: 14 places, 18 reports, 22 claims\n"
        "ACLED rows: 18 new, 0 revised, 0 unchanged, 5 not about territory\n"
        "  skipped 2: Explosions/Remote violence: Air/drone strike\n"
        "  skipped 1: Protests: Peaceful protest\n"
        "  skipped 1: Strategic developments: Looting/property destruction\n"
        "  skipped 1: Violence against civilians: Attack\n"
    )
    result = cli("import", "--format", "acled", str(REVISED), "--json", "--db", db)
    assert result.exit_code == 0
    assert '"correction": 2' in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "error: --format: 'xml' is not one of jsonl, acled, acled-deleted"),
        (["--register-new"], "error: --register-new: only for --format acled"),
    ],
)
def test_cli_import_option_errors(db: str, args: list[str], message: str) -> None:
    result = cli("import", *args, str(EXPORT), "--db", db)
    assert (result.exit_code, result.stderr) == (1, message + "\n")


def test_cli_import_acled_problems_exit_1_one_line_each(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD.replace("07 December 2024", "yesterday"), encoding="utf-8")
    result = cli("import", "--format", "acled", str(bad), "--db", db)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{bad}:2: event_date: 'yesterday' is not a date; ACLED writes "
        "e.g. '07 December 2024', '2024-12-07' or, re-saved by Excel, "
        "'7-Dec-24'\n"
    )


def test_cli_import_acled_not_utf8(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes((HEADER + GOOD.replace("Homs", "Hömş")).encode("latin-1", "replace"))
    result = cli("import", "--format", "acled", str(bad), "--db", db)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}: not UTF-8 text")
