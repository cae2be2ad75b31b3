"""The data that ships with warlog: the record schemas, the starter gazetteer and actors,
and the sample archive.

These tests read the files directly, without the archive, so a broken data file is
reported as a data problem and not as a failure somewhere in the import code.
"""

import json
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from warlog.dates import bounds

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "schemas"
DATA = ROOT / "src" / "warlog" / "data"
DATA_FILES = ["places.jsonl", "actors.jsonl", "sample.jsonl"]
RECORD_TYPES = ["place", "actor", "report", "correction", "retraction"]

Record = dict[str, Any]


def read_records(filename: str) -> Iterator[tuple[int, Record]]:
    """Yield (line number, record) for each non-blank line of a data file."""
    with (DATA / filename).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, json.loads(line)


@cache
def validator(record_type: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{record_type}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def known_names(filename: str) -> set[str]:
    """Every name and alias in a data file, folded to lower case."""
    names: set[str] = set()
    for _, record in read_records(filename):
        names.add(record["name"].casefold())
        names.update(alias.casefold() for alias in record.get("aliases", []))
    return names


def records_of(record_type: str) -> list[Record]:
    return [record for _, record in read_records("sample.jsonl") if record["type"] == record_type]


# --- schemas -----------------------------------------------------------------------------


def test_there_is_one_schema_per_record_type() -> None:
    assert sorted(path.stem for path in SCHEMAS.glob("*.json")) == sorted(RECORD_TYPES)


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda path: path.name)
def test_schema_is_a_valid_draft_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://warlog.example/schemas/{path.name}"
    assert schema["title"]
    assert schema["properties"]["type"]["const"] == path.stem


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda path: path.name)
def test_schema_describes_every_property(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    objects = [schema, *schema.get("$defs", {}).values()]
    objects += [prop for obj in objects for prop in obj["properties"].values() if "properties" in prop]
    for obj in objects:
        for name, prop in obj["properties"].items():
            assert prop.get("description"), f"{path.name}: {name} has no description"


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_schema_rejects_a_misspelt_field(record_type: str) -> None:
    errors = list(validator(record_type).iter_errors({"type": record_type, "nmae": "x"}))
    assert any(error.validator == "additionalProperties" for error in errors)


def test_report_schema_checks_dates_by_shape_only() -> None:
    report = {
        "type": "report",
        "source": "Reuters",
        "claims": [{"place": "Homs", "actor": "rebels", "status": "contested"}],
    }
    for published in ["2024-12-07", "2024-12-07T14:30:00Z", "2024-12-07T14:30:00.5+02:00"]:
        assert validator("report").is_valid({**report, "published": published})
    for published in ["7 December 2024", "2024-12-07T14:30", "2024-12-07 14:30:00Z"]:
        assert not validator("report").is_valid({**report, "published": published})


# --- every record validates --------------------------------------------------------------


@pytest.mark.parametrize("filename", DATA_FILES)
def test_every_record_validates_against_the_schema_for_its_type(filename: str) -> None:
    problems = []
    for number, record in read_records(filename):
        record_type = record.get("type")
        if record_type not in RECORD_TYPES:
            problems.append(f"{filename}:{number}: unknown type {record_type!r}")
            continue
        for error in validator(record_type).iter_errors(record):
            field = "/".join(str(part) for part in error.absolute_path) or "(record)"
            problems.append(f"{filename}:{number}: {field}: {error.message}")
    assert not problems, "\n".join(problems)


def test_gazetteer_holds_only_places_and_actors_file_only_actors() -> None:
    assert {record["type"] for _, record in read_records("places.jsonl")} == {"place"}
    assert {record["type"] for _, record in read_records("actors.jsonl")} == {"actor"}


def test_sample_dates_are_real_calendar_dates() -> None:
    for report in records_of("report"):
        date.fromisoformat(report["published"][:10])
        for claim in report["claims"]:
            if "date" in claim:
                bounds(claim["date"])
    for correction in records_of("correction"):
        if "date" in correction["set"]:
            date.fromisoformat(correction["set"]["date"])


# --- names and hierarchy -----------------------------------------------------------------


@pytest.mark.parametrize("filename", ["places.jsonl", "actors.jsonl"])
def test_names_and_aliases_are_unique_ignoring_case(filename: str) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for _, record in read_records(filename):
        for label in [record["name"], *record.get("aliases", [])]:
            key = label.casefold()
            if key in owner:
                clashes.append(f"{label!r} of {record['name']!r} clashes with {owner[key]!r}")
            owner[key] = record["name"]
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize(("filename", "parent"), [("places.jsonl", "within"), ("actors.jsonl", "part_of")])
def test_every_parent_is_an_earlier_entry(filename: str, parent: str) -> None:
    earlier: set[str] = set()
    for number, record in read_records(filename):
        if record.get(parent) is not None:
            assert record[parent] in earlier, f"{filename}:{number}: {record[parent]!r} not above"
        earlier.add(record["name"])


def test_gazetteer_has_the_country_and_its_fourteen_governorates() -> None:
    places = [record for _, record in read_records("places.jsonl")]
    assert [p["name"] for p in places if p.get("kind") == "country"] == ["Syria"]
    governorates = [p for p in places if p.get("kind") == "governorate"]
    assert len(governorates) == 14
    assert all(p["within"] == "Syria" for p in governorates)


def test_hama_city_is_not_confused_with_the_damascus_suburb() -> None:
    places = {record["name"]: record for _, record in read_records("places.jsonl")}
    assert "Hamah" in places["Hama"]["aliases"]
    assert places["Al-Hamah"]["within"] == "Rif Dimashq"
    assert {"Al-Hamama", "Hameh", "al-Hameh"} <= set(places["Al-Hamah"]["aliases"])


def test_documented_actor_aliases_are_present() -> None:
    actors = {record["name"]: record for _, record in read_records("actors.jsonl")}
    assert {"government", "regime", "Assad regime"} <= set(actors["Syrian government"]["aliases"])
    assert {"government forces", "SAA", "army", "Assad's forces"} <= set(
        actors["Syrian Arab Army"]["aliases"]
    )
    assert {"rebels", "insurgents"} <= set(actors["opposition"]["aliases"])
    assert {"HTS", "Tahrir al-Sham"} <= set(actors["Hayat Tahrir al-Sham"]["aliases"])
    assert actors["Syrian National Army"]["part_of"] == "opposition"
    assert actors["Syrian Arab Army"]["part_of"] == "Syrian government"
    assert actors["Syrian police"]["part_of"] == "Syrian government"
    assert actors["Hayat Tahrir al-Sham"]["part_of"] == "opposition"


# --- the sample archive ------------------------------------------------------------------


def test_every_claim_names_a_known_place_and_actor() -> None:
    places, actors = known_names("places.jsonl"), known_names("actors.jsonl")
    problems = []
    for report in records_of("report"):
        for position, claim in enumerate(report["claims"], start=1):
            if claim["place"].casefold() not in places:
                problems.append(f"{report['id']} claim {position}: place {claim['place']!r}")
            if claim["actor"].casefold() not in actors:
                problems.append(f"{report['id']} claim {position}: actor {claim['actor']!r}")
    for correction in records_of("correction"):
        changes = correction["set"]
        if "place" in changes and changes["place"].casefold() not in places:
            problems.append(f"correction of {correction['report']}: place {changes['place']!r}")
        if "actor" in changes and changes["actor"].casefold() not in actors:
            problems.append(f"correction of {correction['report']}: actor {changes['actor']!r}")
    assert not problems, "\n".join(problems)


def test_every_report_has_its_own_id() -> None:
    ids = [report.get("id") for report in records_of("report")]
    assert None not in ids
    assert len(ids) == len(set(ids))


def test_corrections_and_retractions_target_claims_of_earlier_reports() -> None:
    claim_counts: dict[str, int] = {}
    for number, record in read_records("sample.jsonl"):
        if record["type"] == "report":
            claim_counts[record["id"]] = len(record["claims"])
        elif record["type"] in ("correction", "retraction"):
            target = record["report"]
            assert target in claim_counts, f"sample.jsonl:{number}: no earlier report {target!r}"
            if "claim" in record:
                assert record["claim"] <= claim_counts[target], (
                    f"sample.jsonl:{number}: {target!r} has no claim {record['claim']}"
                )


def test_sample_has_at_least_one_correction_and_one_retraction() -> None:
    assert records_of("correction")
    assert records_of("retraction")
