"""Exports: the state as CSV, JSON and GeoJSON, every claim with both clocks, every timeline.

Each test runs on every backend of the `db` fixture. The claims export must
stream: a spy on the cursor checks that rows come in `fetchmany` batches and
never from one `fetchall`.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import warlog
import warlog.archive
from warlog import clock, export
from warlog.archive import Archive
from warlog.cli.app import app
from warlog.readmodel.exports import BATCH
from warlog.records import check

runner = CliRunner()


def sample_lines() -> list[str]:
    return resources.files("warlog").joinpath("data", "sample.jsonl").read_text().splitlines()


@pytest.fixture
def sample(archive: Archive) -> tuple[Archive, str, str]:
    """The sample's reports, then its corrections and retraction: (archive, between, after)."""
    lines = sample_lines()
    reports = [line for line in lines if '"type": "report"' in line]
    archive.import_file(reports, "sample.jsonl", "test")
    between = clock.format_time(clock.now())
    time.sleep(0.002)
    archive.import_file([line for line in lines if line not in reports], "amend.jsonl", "test")
    return archive, between, clock.format_time(clock.now())


def claims_csv(
    archive: Archive, known_at: str | None = None, *, include_sensitive: bool = True
) -> list[dict[str, str]]:
    out = io.StringIO()
    export.export_claims(archive, out, "csv", known_at, include_sensitive=include_sensitive)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def by_claim(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["report"], int(r["claim"])): r for r in rows}


# Claims --------------------------------------------------------------------


def test_claims_csv_has_both_clocks_and_corrections_and_retractions(
    sample: tuple[Archive, str, str],
) -> None:
    archive, between, _ = sample
    rows = claims_csv(archive)
    assert list(rows[0]) == list(export.CLAIM_COLUMNS)
    assert len(rows) == 31
    claims = by_claim(rows)
    hama = claims[("news-2024-12-07-background", 3)]
    assert hama["date"] == "2024-12-05"
    assert hama["corrected"] == "True"
    assert hama["first_recorded_at"] < between < hama["corrected_at"] == hama["recorded_at"]
    assert hama["retracted"] == "False"
    gone = claims[("opposition-2024-12-07-southwest", 3)]
    assert gone["retracted"] == "True"
    assert gone["retracted_at"] > between
    assert gone["corrected"] == "False"
    homs = claims[("reuters-2024-12-07-homs", 1)]
    assert (homs["source"], homs["reliability"], homs["credibility"]) == ("Reuters", "B", "2")
    assert homs["attributed_to"] == "a resident of Homs"
    assert homs["quote"].startswith("the rebels broke through")


def test_claims_as_known_before_the_corrections(sample: tuple[Archive, str, str]) -> None:
    archive, between, _ = sample
    claims = by_claim(claims_csv(archive, between))
    hama = claims[("news-2024-12-07-background", 3)]
    assert (hama["date"], hama["corrected"], hama["corrected_at"]) == ("2024-12-02/2024-12-06", "False", "")
    assert claims[("opposition-2024-12-07-southwest", 3)]["retracted"] == "False"
    assert {r["known_at"] for r in claims.values()} == {between}
    assert claims_csv(archive, "2000-01-01T00:00:00.000000Z") == []


def test_claims_jsonl_keeps_types(sample: tuple[Archive, str, str]) -> None:
    archive, _, _ = sample
    out = io.StringIO()
    assert export.export_claims(archive, out, "jsonl") == 31
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    first = rows[0]
    assert isinstance(first["claim"], int) and isinstance(first["credibility"], int)
    assert isinstance(first["corrected"], bool)
    assert sum(r["retracted"] for r in rows) == 1


class Spy:
    """A cursor that records how rows were fetched."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.calls: list[str] = []

    def execute(self, statement: Any, params: Any = ()) -> Any:
        return self.cursor.execute(statement, params)

    def fetchmany(self, size: int = BATCH) -> Any:
        self.calls.append("fetchmany")
        return self.cursor.fetchmany(size)

    def fetchall(self) -> Any:  # pragma: no cover - must not be called
        self.calls.append("fetchall")
        return self.cursor.fetchall()


def test_claims_stream_in_batches(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    many = [
        {
            "place": "Homs",
            "actor": "opposition",
            "status": "contested",
            "date": f"2024-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}",
        }
        for n in range(2 * BATCH + 5)
    ]
    archive.import_records(
        check(
            {"type": "report", "id": "many", "source": "Wire", "published": "2024-12-31", "claims": many},
            "test",
        ),
        "test",
    )
    view = export.queries(archive)
    spies: list[Spy] = []
    opened = view._streaming_cursor

    @contextmanager
    def spied() -> Iterator[Spy]:
        with opened() as cursor:
            spies.append(Spy(cursor))
            yield spies[-1]

    monkeypatch.setattr(view, "_streaming_cursor", spied)
    rows = view.claims_as_known(clock.format_time(clock.now()))
    next(rows)
    assert spies[0].calls == ["fetchmany"]
    assert sum(1 for _ in rows) == 2 * BATCH + 4
    assert spies[0].calls == ["fetchmany"] * 4
    out = io.StringIO()
    assert export.export_claims(archive, out, "csv") == 2 * BATCH + 5
    assert "fetchall" not in spies[1].calls


# State ---------------------------------------------------------------------


def test_state_geojson_has_a_point_per_place(sample: tuple[Archive, str, str]) -> None:
    archive, _, _ = sample
    archive.import_records(
        [
            *check({"type": "place", "name": "Nowhere Hill"}, "t"),
            *check(
                {
                    "type": "report",
                    "source": "Wire",
                    "published": "2024-12-07",
                    "claims": [{"place": "Nowhere Hill", "actor": "SDF", "status": "controlled"}],
                },
                "t",
            ),
        ],
        "test",
    )
    state = archive.state(at="2024-12-07")
    out = io.StringIO()
    assert export.export_state(out, "geojson", state, archive.places()) == len(state.places)
    collection = json.loads(out.getvalue())
    assert collection["type"] == "FeatureCollection"
    assert collection["at"] == "2024-12-07"
    features = {f["id"]: f for f in collection["features"]}
    assert set(features) == {p.qualified for p in state.places}
    homs = features["Homs, Homs Governorate, Syria"]
    assert homs["geometry"] == {"type": "Point", "coordinates": [36.7094, 34.7308]}
    assert homs["properties"]["status"] == "contested"
    assert homs["properties"]["known_at"] == state.known_at
    assert features["Nowhere Hill"]["geometry"] is None


def test_state_csv_and_json(sample: tuple[Archive, str, str]) -> None:
    archive, _, _ = sample
    state = archive.state(at="2024-12-07", min_reliability="B")
    out = io.StringIO()
    export.export_state(out, "csv", state, archive.places())
    rows = {r["place"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert set(rows) == {p.place for p in state.places}
    assert rows["Homs"]["contested_by"] == "opposition"
    assert (rows["Homs"]["lat"], rows["Homs"]["lon"]) == ("34.7308", "36.7094")
    assert "reuters-2024-12-07-homs#1" in rows["Homs"]["claims"].split("; ")
    out = io.StringIO()
    export.export_state(out, "json", state, archive.places())
    assert json.loads(out.getvalue()) == state.to_dict()


# Timelines -----------------------------------------------------------------


def test_timelines_agree_with_the_archive(sample: tuple[Archive, str, str]) -> None:
    archive, between, _ = sample
    for known in (between, None):
        out = io.StringIO()
        export.export_timelines(archive, out, "jsonl", known)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        assert lines, "every place with a claim has a timeline"
        for line in lines:
            expected = archive.timeline(line["place"], known_at=line["known_at"]).to_dict()
            assert line == expected
    out = io.StringIO()
    count = export.export_timelines(archive, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == count
    aleppo = [r for r in rows if r["place"] == "Aleppo"]
    assert [(r["from"], r["to"], r["status"], r["controller"]) for r in aleppo][-1] == (
        "2024-12-01",
        "",
        "controlled",
        "opposition",
    )


# The command line ----------------------------------------------------------


def cli(*args: str) -> Result:
    result = runner.invoke(app, list(args), env={"WARLOG_DB": None}, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def sample_db(sample: tuple[Archive, str, str], db: str) -> str:
    return db


@pytest.fixture
def sqlite_sample_db(sqlite_db: str) -> Iterator[str]:
    """For the command line's own errors, which do not depend on the backend."""
    archive = warlog.open(sqlite_db)
    archive.import_file(sample_lines(), "sample.jsonl", "test")
    archive.close()
    yield sqlite_db


def test_cli_export_claims_to_stdout_and_file(sample_db: str, tmp_path: Path) -> None:
    result = cli("export", "claims", "--db", sample_db)
    assert result.exit_code == 0
    assert result.stdout.startswith("report,claim,place,")
    assert len(result.stdout.splitlines()) == 32
    target = tmp_path / "claims.jsonl"
    result = cli("export", "claims", "--format", "jsonl", "-o", str(target), "--db", sample_db)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"wrote 31 rows to {target}\n"
    assert len(target.read_text().splitlines()) == 31
    assert not list(tmp_path.glob("*.part")), "no temporary file is left behind"


def test_cli_export_state_geojson(sample_db: str) -> None:
    result = cli(
        "export",
        "state",
        "--at",
        "2024-12-07",
        "--format",
        "geojson",
        "--min-reliability",
        "B",
        "--db",
        sample_db,
    )
    assert result.exit_code == 0
    features = json.loads(result.stdout)["features"]
    assert {f["properties"]["place"] for f in features} == {"Homs", "Damascus"}
    assert {f["id"] for f in features} == {
        "Homs, Homs Governorate, Syria",
        "Damascus, Damascus Governorate, Syria",
    }


def test_cli_export_timelines(sample_db: str) -> None:
    result = cli("export", "timelines", "--db", sample_db)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(export.TIMELINE_COLUMNS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "claims", "--format", "xml"], "error: --format: 'xml' is not one of csv, jsonl, acled"),
        (
            ["export", "claims", "--format", "jsnl"],
            "error: --format: 'jsnl' is not one of csv, jsonl, acled (did you mean 'jsonl'?)",
        ),
        (["export", "state", "--format", "kml"], "error: --format: 'kml' is not one of csv, json, geojson"),
        (
            ["export", "timelines", "--format", "json"],
            "error: --format: 'json' is not one of csv, jsonl (did you mean 'jsonl'?)",
        ),
        (["export", "state", "--at", "2024-12-32"], "error: --at: '2024-12-32' is not a day of the calendar"),
        (
            ["export", "claims", "--known-at", "yesterday"],
            "error: --known-at: 'yesterday' is not an RFC 3339 timestamp; write e.g. 2024-12-08T12:00:00Z",
        ),
        (
            ["export", "claims", "-o", "/proc/warlog/claims.csv"],
            "error: -o /proc/warlog/claims.csv: cannot create the folder /proc/warlog: "
            "No such file or directory",
        ),
        (
            ["export", "state", "--min-credibility", "9"],
            "error: --min-credibility: 9 is not a grade; use 1 to 6",
        ),
    ],
)
def test_cli_export_user_errors(sqlite_sample_db: str, args: list[str], message: str) -> None:
    result = cli(*args, "--db", sqlite_sample_db)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == message + "\n"


def test_cli_export_into_a_directory_is_an_error(sqlite_sample_db: str, tmp_path: Path) -> None:
    result = cli("export", "claims", "-o", str(tmp_path), "--db", sqlite_sample_db)
    assert result.exit_code == 1
    assert result.stderr == f"error: -o {tmp_path}: is a directory; give a file name\n"


def test_cli_export_needs_an_archive(tmp_path: Path) -> None:
    result = cli("export", "claims", "--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no archive at {tmp_path / 'none.db'}")
