"""ACLED exports as researchers have them: every separator, Excel's and R's ways, old headers.

Rows are written here by hand in ACLED's real shapes and spellings; the
expected places, sides and states are worked out from ACLED's meaning and the
README's rule.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import warlog
from warlog import acled, export
from warlog.archive import Archive
from warlog.errors import InvalidInput

COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
EGY = ("Military Forces of Egypt (2014-)", "Islamic State (Egypt) - Sinai Province")
YEM = ("Military Forces of Yemen (2012-)", "Military Forces of Yemen (2014-) Houthi")


def event(
    event_id: str,
    day: str,
    sub_event: str,
    actor1: str,
    actor2: str,
    country: str,
    admin1: str,
    admin2: str,
    location: str,
    lat: str,
    lon: str,
    *,
    time_precision: str = "1",
    geo_precision: str = "1",
    fatalities: str = "0",
    stamp: str = "1650000000",
    inter1: str = "State forces",
) -> dict[str, str]:
    event_type = (
        "Battles"
        if sub_event in ("Armed clash", "Government regains territory", "Non-state actor overtakes territory")
        else "Strategic developments"
        if sub_event == "Non-violent transfer of territory"
        else "Explosions/Remote violence"
    )
    return {
        "event_id_cnty": event_id,
        "event_date": day,
        "year": day[-4:] if "-" not in day[:4] else day[:4],
        "time_precision": time_precision,
        "disorder_type": "Political violence",
        "event_type": event_type,
        "sub_event_type": sub_event,
        "actor1": actor1,
        "assoc_actor_1": "",
        "inter1": inter1,
        "actor2": actor2,
        "assoc_actor_2": "",
        "inter2": "Rebel group" if actor2 else "",
        "interaction": "",
        "civilian_targeting": "",
        "iso": "818" if country == "Egypt" else "887",
        "region": "Middle East",
        "country": country,
        "admin1": admin1,
        "admin2": admin2,
        "admin3": "",
        "location": location,
        "latitude": lat,
        "longitude": lon,
        "geo_precision": geo_precision,
        "source": "Al-Masry Al-Youm",
        "source_scale": "National",
        "notes": f"On {day}, {actor1} and {actor2 or 'no other side'} at {location}.",
        "fatalities": fatalities,
        "tags": "",
        "timestamp": stamp,
    }


EGYPT = [
    event(
        "EGY1001",
        "2021-12-05",
        "Armed clash",
        *EGY,
        "Egypt",
        "North Sinai",
        "Al Arish",
        "Al Arish",
        "31.1316",
        "33.7984",
        fatalities="3",
    ),
    event(
        "EGY1002",
        "2021-12-06",
        "Government regains territory",
        EGY[0],
        EGY[1],
        "Egypt",
        "North Sinai",
        "Rafah",
        "Rafah",
        "31.2803",
        "34.2408",
    ),
    event(
        "EGY1003",
        "2021-12-07",
        "Air/drone strike",
        EGY[0],
        EGY[1],
        "Egypt",
        "North Sinai",
        "Sheikh Zuweid",
        "Sheikh Zuweid",
        "31.2147",
        "34.1100",
    ),
    event(
        "EGY1004",
        "2021-12-09",
        "Armed clash",
        "Police Forces of Egypt (2014-)",
        EGY[1],
        "Egypt",
        "North Sinai",
        "Bir al-Abd",
        "Bir al-Abd",
        "31.0167",
        "33.0167",
    ),
]
YEMEN = [
    event(
        "YEM2001",
        "2022-03-10",
        "Armed clash",
        *YEM,
        "Yemen",
        "Hodeidah",
        "Al Khukhah",
        "Al Arish",
        "13.8000",
        "43.2500",
        fatalities="5",
    ),
    event(
        "YEM2002",
        "2022-03-12",
        "Non-state actor overtakes territory",
        YEM[1],
        YEM[0],
        "Yemen",
        "Marib",
        "Harib",
        "Harib",
        "14.9300",
        "45.5000",
        time_precision="2",
        inter1="Rebel group",
    ),
    event(
        "YEM2003",
        "2022-03-15",
        "Government regains territory",
        YEM[0],
        YEM[1],
        "Yemen",
        "Shabwah",
        "",
        "Ataq",
        "14.5377",
        "46.8319",
        geo_precision="3",
        time_precision="3",
    ),
]


def csv_text(
    rows: list[dict[str, str]],
    columns: list[str] = COLUMNS,
    sep: str = ",",
    quote_all: bool = False,
    empty: str = "",
    line_end: str = "\n",
) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=sep, lineterminator=line_end, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") or empty for c in columns])
    return out.getvalue()


def bare(tmp_path: Path) -> Archive:
    archive = warlog.open(str(tmp_path / "bare.db"))
    archive.start("test", bare=True)
    return archive


def load(
    archive: Archive, text: str, name: str = "export.csv", *, bom: bool = False, register_new: bool = True
) -> acled.AcledImport:
    data = ("\ufeff" if bom else "") + text
    return acled.import_acled(archive, data.encode().splitlines(), name, "test", register_new=register_new)


def states(archive: Archive, day: str, **options: object) -> dict[str, tuple[object, ...]]:
    return {
        p.qualified: (p.status, p.controller, p.contested_by) for p in archive.state(at=day, **options).places
    }  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sep", "quote_all", "empty", "line_end", "bom"),
    [
        (",", False, "", "\n", False),  # as ACLED's site exports it
        (",", False, "", "\r\n", True),  # re-saved by Excel: BOM and CRLF
        ("\t", False, "NA", "\n", False),  # tab-separated, NA for empty
        (";", True, "", "\r\n", True),  # European Excel: semicolons, all quoted
        (",", True, "NA", "\n", False),  # R's write.csv: all quoted, NA for empty
    ],
)
def test_every_variant_gives_the_same_archive(
    tmp_path: Path, sep: str, quote_all: bool, empty: str, line_end: str, bom: bool
) -> None:
    archive = bare(tmp_path)
    try:
        done = load(
            archive,
            csv_text([*EGYPT, *YEMEN], sep=sep, quote_all=quote_all, empty=empty, line_end=line_end),
            bom=bom,
        )
        assert done.tally.new == 6 and done.tally.not_territorial == {
            "Explosions/Remote violence: Air/drone strike": 1
        }
        assert "NA" not in archive.actors().entries, "R's NA is an empty cell, not an actor"
        assert states(archive, "2021-12-10", pressure_days="unlimited") == {
            "Al Arish, Al Arish, North Sinai, Egypt": (
                "contested",
                None,
                ("Government of Egypt (2014-)", "Islamic State (Egypt) - Sinai Province"),
            ),
            "Bir al-Abd, Bir al-Abd, North Sinai, Egypt": (
                "contested",
                None,
                ("Government of Egypt (2014-)", "Islamic State (Egypt) - Sinai Province"),
            ),
            "Rafah, Rafah, North Sinai, Egypt": ("controlled", "Government of Egypt (2014-)", ()),
        }
    finally:
        archive.close()


def test_same_named_towns_in_two_countries_stay_apart_and_clashes_lapse(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    try:
        load(archive, csv_text([*EGYPT, *YEMEN]))
        arish = {p.qualified: p for p in archive.state(at="2022-03-11").places if p.place == "Al Arish"}
        assert set(arish) == {
            "Al Arish, Al Arish, North Sinai, Egypt",
            "Al Arish, Al Khukhah, Hodeidah, Yemen",
        }
        yemen = arish["Al Arish, Al Khukhah, Hodeidah, Yemen"]
        assert yemen.contested_by == ("Government of Yemen (2012-)", "Government of Yemen (2014-)")
        assert states(archive, "2022-01-01")["Al Arish, Al Arish, North Sinai, Egypt"][0] == "unknown", (
            "a clash of December 2021 has lapsed by January"
        )
    finally:
        archive.close()


def test_forces_units_and_police_are_part_of_their_government(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    try:
        load(archive, csv_text([*EGYPT, *YEMEN]))
        actors = archive.actors().entries
        assert actors["Police Forces of Egypt (2014-)"]["part_of"] == "Government of Egypt (2014-)"
        assert actors["Military Forces of Egypt (2014-)"]["part_of"] == "Government of Egypt (2014-)"
        assert (
            actors["Military Forces of Yemen (2014-) Houthi"]["part_of"] == "Military Forces of Yemen (2014-)"
        )
        assert actors["Military Forces of Yemen (2014-)"]["part_of"] == "Government of Yemen (2014-)", (
            "another start is another government's forces"
        )
        assert actors["Military Forces of Yemen (2012-)"]["part_of"] == "Government of Yemen (2012-)"
    finally:
        archive.close()


def test_a_closed_period_is_the_same_force(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    try:
        load(archive, csv_text(EGYPT[:1]))
        later = dict(EGYPT[1], actor1="Military Forces of Egypt (2014-2030)")
        load(archive, csv_text([later]))
        assert "Military Forces of Egypt (2014-2030)" not in archive.actors().entries
        assert (
            states(archive, "2021-12-07")["Rafah, Rafah, North Sinai, Egypt"][1]
            == "Government of Egypt (2014-)"
        )
    finally:
        archive.close()


def test_time_and_geo_precision_as_acled_means_them(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    try:
        load(archive, csv_text(YEMEN))
        harib = archive.report("acled-YEM2002")
        ataq = archive.report("acled-YEM2003")
        assert harib is not None and ataq is not None
        assert harib.claims[0]["date"] == "2022-03-09/2022-03-15", "precision 2: the week"
        assert ataq.claims[0]["date"] == "2022-03", "precision 3: the month"
        assert ataq.claims[0]["place"] == "Shabwah, Yemen", "geo_precision 3: the region"
        on_12th = states(archive, "2022-03-12", dates="earliest")
        assert on_12th["Harib, Harib, Marib, Yemen"][:2] == ("controlled", "Government of Yemen (2014-)")
        assert "Harib, Harib, Marib, Yemen" not in states(archive, "2022-03-12")
        assert archive.state(at="2022-03-31", place="Shabwah").places[0].uncertain
    finally:
        archive.close()


def test_excel_dates_and_the_pre_2023_api_columns(tmp_path: Path) -> None:
    columns = ["data_id", "iso3", "event_id_no_cnty", "upload_date", *COLUMNS]
    rows = [
        dict(r, event_date=d, data_id="1", iso3="EGY", event_id_no_cnty="1001", upload_date="2022-01-03")
        for r, d in zip(EGYPT, ["5-Dec-21", "6-Dec-21", "7-Dec-21", "9-Dec-21"], strict=True)
    ]
    archive = bare(tmp_path)
    try:
        load(archive, csv_text(rows, columns), bom=True)
        report = archive.report("acled-EGY1002")
        assert report is not None and report.claims[0]["date"] == "2021-12-06"
    finally:
        archive.close()


def test_slashed_dates_are_read_by_the_order_the_file_shows(tmp_path: Path) -> None:
    rows = [dict(EGYPT[0], event_date="25/11/2021"), dict(EGYPT[1], event_date="6/12/2021")]
    archive = bare(tmp_path)
    try:
        load(archive, csv_text(rows))
        report = archive.report("acled-EGY1002")
        assert report is not None and report.claims[0]["date"] == "2021-12-06"
    finally:
        archive.close()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            csv_text([dict(EGYPT[0], event_date="05/06/2021")]),
            "export.csv:2: event_date: '05/06/2021' could be 2021-06-05 or 2021-05-06, and no date "
            "in the file tells day from month; save it again with ISO dates (YYYY-MM-DD)",
        ),
        (
            csv_text([EGYPT[0]], [c for c in COLUMNS if c != "sub_event_type"]),
            "export.csv:1: an ACLED export from before 2019: it has no sub_event_type column, which "
            "says whether an event changed who holds territory; download the events again from "
            "ACLED, whose exports since 2019 have it",
        ),
        (
            csv_text([dict(EGYPT[0], time_precision="7")]),
            "export.csv:2: time_precision: '7' is not an ACLED precision code; use 1, 2 or 3",
        ),
        (
            "name\tdate\nx\t2021-01-01\n",
            "export.csv:1: not an ACLED export: read with tabs between fields (the best of commas, "
            "tabs and semicolons), the header lacks event_id_cnty, event_date, event_type, "
            "sub_event_type, actor1, actor2, location, timestamp; an ACLED CSV starts with the "
            "columns event_id_cnty, event_date, year, time_precision, disorder_type, event_type, "
            "sub_event_type, actor1, …",
        ),
    ],
)
def test_bad_exports_are_one_line_and_write_nothing(tmp_path: Path, text: str, problem: str) -> None:
    archive = bare(tmp_path)
    try:
        before = archive.recorder.max_notification_id()
        with pytest.raises(InvalidInput) as caught:
            load(archive, text)
        assert str(caught.value.problems[0]) == problem
        assert archive.recorder.max_notification_id() == before
    finally:
        archive.close()


def test_deletions_retract_and_a_second_import_appends_nothing(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    try:
        load(archive, csv_text(EGYPT))
        deleted = "event_id_cnty,deleted_timestamp\nEGY1002,1650500000\nEGY9999,1650500000\n"
        done = acled.import_deletions(archive, deleted.encode().splitlines(), "del.csv", "t")
        assert (done.result.added["retraction"], done.unknown) == (1, ["EGY9999"])
        report = archive.report("acled-EGY1002")
        assert report is not None
        assert report.retraction == "ACLED deleted (timestamp 1650500000)"
        assert "Rafah, Rafah, North Sinai, Egypt" not in states(archive, "2021-12-07")
        again = acled.import_deletions(archive, deleted.encode().splitlines(), "del.csv", "t")
        assert not again.result.added
    finally:
        archive.close()


def test_a_revision_becomes_corrections_and_the_export_follows_it(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    try:
        load(archive, csv_text(EGYPT))
        revised = dict(
            EGYPT[1],
            sub_event_type="Non-violent transfer of territory",
            fatalities="2",
            timestamp="1650900000",
        )
        done = load(archive, csv_text([revised, *EGYPT[2:]]))
        assert (done.tally.revised, done.tally.unchanged) == (1, 1)
        out = io.StringIO()
        export.export_claims(archive, out, "acled")
        rows = {r["event_id_cnty"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
        assert rows["EGY1002"]["fatalities"] == "2"
        assert rows["EGY1002"]["timestamp"] == "1650900000"
        assert rows["EGY1001"] == {c: EGYPT[0][c] for c in COLUMNS}
    finally:
        archive.close()


def test_export_then_reimport_into_a_bare_archive_round_trips(tmp_path: Path) -> None:
    archive = bare(tmp_path)
    copy = warlog.open(str(tmp_path / "copy.db"))
    try:
        load(archive, csv_text([*EGYPT, *YEMEN]))
        out = io.StringIO()
        export.export_claims(archive, out, "acled")
        copy.start("test", bare=True)
        load(copy, out.getvalue())
        for day in ("2021-12-06", "2021-12-10", "2022-03-20"):
            assert [p.to_dict() for p in copy.state(at=day).places] == [
                p.to_dict() for p in archive.state(at=day).places
            ]
        assert [(c["credibility"], c["date"]) for c in copy.report("acled-YEM2002").claims] == [
            (c["credibility"], c["date"]) for c in archive.report("acled-YEM2002").claims
        ]
    finally:
        archive.close()
        copy.close()
