"""Control that holds up on real data: sides, lapsing pressure, vague dates, places under parents.

Each story is worked out by hand from the README's rule, on both backends,
through the CLI a researcher types and the archive's own API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clirun import as_json, cli, ok
from warlog import clock

GOV, OPP, HTS, SAA = "Syrian government", "opposition", "Hayat Tahrir al-Sham", "Syrian Arab Army"


def load(db: str, tmp_path: Path, *records: dict[str, Any], archivist: str = "ana") -> str:
    """Import records as one file; returns the record time just after they landed."""
    path = tmp_path / f"records-{clock.now().timestamp()}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    ok(db, "import", str(path), archivist=archivist)
    return clock.format_time(clock.now())


def report(report_id: str, *claims: dict[str, Any], published: str = "2024-12-07") -> dict[str, Any]:
    return {
        "type": "report",
        "id": report_id,
        "source": "wire",
        "published": published,
        "claims": list(claims),
    }


def claim(place: str, actor: str, status: str, date: str) -> dict[str, Any]:
    return {"place": place, "actor": actor, "status": status, "date": date}


def state(db: str, *args: str) -> dict[str, dict[str, Any]]:
    data = as_json(ok(db, "state", *args, "--json"))
    return {", ".join([p["place"], *p["within"]]): p for p in data["places"]}


def one(db: str, place: str, *args: str) -> dict[str, Any]:
    (entry,) = as_json(ok(db, "state", "--place", place, *args, "--json"))["places"]
    return dict(entry)


def visible(p: dict[str, Any]) -> tuple[Any, ...]:
    return (p["status"], p["controller"], p["contested_by"], p["candidates"], p["since"])


# --- 1. sides -----------------------------------------------------------------------------


def test_an_allys_claims_reaffirm_its_side_and_never_dispute_it(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    load(
        db,
        tmp_path,
        report("a", claim("Hama", OPP, "controlled", "2024-12-05")),
        report(
            "b",
            claim("Hama", HTS, "controlled", "2024-12-05"),
            claim("Hama", "Syrian National Army", "contested", "2024-12-06"),
        ),
    )
    hama = one(db, "Hama", "--at", "2024-12-06")
    assert visible(hama) == ("controlled", OPP, [], [], "2024-12-05")
    assert [c["report"] for c in hama["claims"]] == ["a", "b"]
    by_actor = one(db, "Hama", "--at", "2024-12-06", "--by", "actor")
    assert visible(by_actor) == ("disputed", None, ["Syrian National Army"], [HTS, OPP], "2024-12-06")


def test_a_state_police_never_contests_its_own_army(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    load(
        db,
        tmp_path,
        report(
            "a",
            claim("Homs", SAA, "controlled", "2024-12-01"),
            claim("Homs", "Syrian police", "contested", "2024-12-02"),
        ),
    )
    assert visible(one(db, "Homs", "--at", "2024-12-03")) == ("controlled", GOV, [], [], "2024-12-01")


def test_a_part_of_change_counts_from_its_record_time(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    before = load(
        db,
        tmp_path,
        {"type": "actor", "name": "Local brigade", "part_of": OPP},
        report(
            "a",
            claim("Homs", GOV, "controlled", "2024-12-01"),
            claim("Homs", "Local brigade", "contested", "2024-12-02"),
        ),
    )
    assert one(db, "Homs", "--at", "2024-12-03")["contested_by"] == [OPP]
    load(
        db,
        tmp_path,
        {
            "type": "actor",
            "name": "Local brigade",
            "part_of": GOV,
            "reason": "the brigade reconciled with the government in November",
        },
    )
    assert visible(one(db, "Homs", "--at", "2024-12-03")) == ("controlled", GOV, [], [], "2024-12-01")
    assert one(db, "Homs", "--at", "2024-12-03", "--known-at", before)["contested_by"] == [OPP]
    history = as_json(ok(db, "history", "Local brigade", "--json"))["events"]
    assert [(e["kind"], e["reason"], e["before"], e["after"]) for e in history][-1] == (
        "part of changed",
        "the brigade reconciled with the government in November",
        {"part_of": OPP},
        {"part_of": GOV},
    )


def test_part_of_changes_need_a_reason_and_no_cycle(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"type": "actor", "name": OPP, "part_of": HTS, "reason": "typo"})
        + "\n"
        + json.dumps({"type": "actor", "name": "SDF", "part_of": OPP})
        + "\n",
        encoding="utf-8",
    )
    refused = cli(db, "import", str(path))
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f"{path}:1: part_of: 'opposition' cannot be part of 'Hayat Tahrir al-Sham': "
        "'opposition' is part of 'Hayat Tahrir al-Sham' is part of 'opposition'; "
        "an actor cannot be part of itself",
        f"{path}:2: reason: changes what 'SDF' is part of (to 'opposition'); say why with a \"reason\"",
    ]


# --- 2. pressure that lapses ----------------------------------------------------------------


def test_a_clash_lapses_after_the_window_and_the_policy_is_an_event(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    load(
        db,
        tmp_path,
        report(
            "a", claim("Homs", GOV, "controlled", "2024-12-01"), claim("Homs", OPP, "contested", "2024-12-07")
        ),
    )
    assert visible(one(db, "Homs", "--at", "2024-12-20")) == ("contested", GOV, [OPP], [], "2024-12-07")
    lapsed = one(db, "Homs", "--at", "2024-12-21")
    assert visible(lapsed) == ("controlled", GOV, [], [], "2024-12-21")
    assert lapsed["evidence_to"] == "2024-12-01"
    unlimited = one(db, "Homs", "--at", "2025-06-01", "--pressure-days", "unlimited")
    assert unlimited["status"] == "contested"
    before = clock.format_time(clock.now())
    changed = ok(db, "policy", "set", "pressure-days", "30", "--reason", "sieges last months")
    assert "pressure-days is now 30" in changed.stdout
    assert one(db, "Homs", "--at", "2024-12-21")["status"] == "contested"
    assert one(db, "Homs", "--at", "2024-12-21", "--known-at", before)["status"] == "controlled"
    assert one(db, "Homs", "--at", "2024-12-21", "--pressure-days", "14")["status"] == "controlled"
    shown = as_json(ok(db, "policy", "--json"))
    assert shown["policy"] == {"pressure-days": 30}
    assert [(c["name"], c["value"], c["reason"]) for c in shown["changes"]] == [
        ("pressure-days", 30, "sieges last months")
    ]
    assert as_json(ok(db, "policy", "--known-at", before, "--json"))["policy"] == {"pressure-days": 14}
    timeline = as_json(ok(db, "timeline", "Homs", "--json"))["intervals"]
    assert [(i["from"], i["to"], i["status"]) for i in timeline] == [
        ("2024-12-01", "2024-12-07", "controlled"),
        ("2024-12-07", "2025-01-06", "contested"),
        ("2025-01-06", None, "controlled"),
    ]


def test_policy_errors_are_one_line_and_write_nothing(db: str) -> None:
    ok(db, "init")
    for args, message in [
        (
            ["policy", "set", "pressure-days", "0", "--reason", "x"],
            "error: VALUE: '0' is not a number of days; give 1 to 100000, or 'unlimited'",
        ),
        (
            ["policy", "set", "pressure-dayz", "3", "--reason", "x"],
            "error: unknown policy 'pressure-dayz' (did you mean 'pressure-days'?); "
            "the policies are pressure-days",
        ),
        (
            ["policy", "set", "pressure-days", "14", "--reason", "x"],
            "error: pressure-days is already 14 days; nothing to change",
        ),
        (
            ["state", "--pressure-days", "soon"],
            "error: --pressure-days: 'soon' is not a number of days; give 1 to 100000, or 'unlimited'",
        ),
        (["state", "--by", "faction"], "error: --by: 'faction' is not a way to resolve; use side or actor"),
        (["state", "--dates", "middle"], "error: --dates: 'middle' is not a bound; use latest or earliest"),
    ]:
        result = cli(db, *args)
        assert (result.exit_code, result.stderr.strip()) == (1, message), args
    assert as_json(ok(db, "policy", "--json"))["changes"] == []


# --- 3. uncertain dates ---------------------------------------------------------------------


def test_a_vague_date_gives_a_band_of_uncertainty(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    load(
        db,
        tmp_path,
        report("base", claim("Hama", GOV, "controlled", "2024-11-26"), published="2024-11-26"),
        report("later", claim("Hama", OPP, "controlled", "2024-12-02/2024-12-06")),
        report("month", claim("Idlib", OPP, "controlled", "2024-11")),
    )
    latest = one(db, "Hama", "--at", "2024-12-04")
    earliest = one(db, "Hama", "--at", "2024-12-04", "--dates", "earliest")
    assert (latest["controller"], latest["uncertain"]) == (GOV, False)
    assert (earliest["controller"], earliest["since"], earliest["uncertain"]) == (OPP, "2024-12-02", True)
    assert one(db, "Hama", "--at", "2024-12-06")["uncertain"] is True
    assert "Idlib" not in [p["place"] for p in state(db, "--at", "2024-11-29").values()]
    assert one(db, "Idlib", "--at", "2024-11-29", "--dates", "earliest")["since"] == "2024-11-01"
    assert one(db, "Idlib", "--at", "2024-11-30")["evidence_to"] == "2024-11-30"


def test_bad_dates_are_refused_with_their_forms(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = tmp_path / "dates.jsonl"
    lines = [
        report("a", claim("Homs", GOV, "controlled", date))
        for date in ("2024-12-06/2024-12-02", "2024-13", "2024-02-30/2024-03-01", "Dec 2024")
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    refused = cli(db, "import", str(path))
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        f'{path}:1: claims[0].date: "2024-12-06/2024-12-02" ends before it begins; '
        "write the earlier date first",
        f'{path}:2: claims[0].date: "2024-13": month 13 is not a month; use 01 to 12',
        f'{path}:3: claims[0].date: "2024-02-30/2024-03-01": 2024-02-30 is not a day of the calendar',
        f'{path}:4: claims[0].date: "Dec 2024" is not a date; write it as YYYY-MM-DD, YYYY-MM, '
        "YYYY or FIRST/LAST (e.g. 2024-12-02/2024-12-06)",
    ]


def test_a_correction_may_make_a_vague_date_exact(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    load(db, tmp_path, report("later", claim("Hama", OPP, "controlled", "2024-12-02/2024-12-06")))
    ok(db, "correct", "later", "1", "--set", "date=2024-12-05", "--reason", "dated by Reuters")
    hama = one(db, "Hama", "--at", "2024-12-05")
    assert (hama["since"], hama["uncertain"], hama["evidence_to"]) == ("2024-12-05", False, "2024-12-05")


# --- 4. withdrawals from a dispute ----------------------------------------------------------


def test_a_withdrawal_from_a_dispute_leaves_the_other_side_in_control(
    db: str,
    tmp_path: Path,
) -> None:
    ok(db, "init")
    load(
        db,
        tmp_path,
        report(
            "a",
            claim("Daraa", GOV, "controlled", "2024-12-06"),
            claim("Daraa", OPP, "controlled", "2024-12-06"),
        ),
        report("b", claim("Daraa", "government forces", "withdrawn", "2024-12-07")),
    )
    assert visible(one(db, "Daraa", "--at", "2024-12-06")) == ("disputed", None, [], [GOV, OPP], "2024-12-06")
    daraa = one(db, "Daraa", "--at", "2024-12-07")
    assert visible(daraa) == ("controlled", OPP, [], [], "2024-12-07")
    assert [(c["report"], c["claim"]) for c in daraa["claims"]] == [("a", 2), ("b", 1)]


# --- 5. places that are places --------------------------------------------------------------


def test_same_named_towns_under_two_countries_stay_apart(db: str, tmp_path: Path) -> None:
    ok(db, "init", "--bare")
    load(
        db,
        tmp_path,
        {"type": "place", "name": "Egypt", "kind": "country"},
        {"type": "place", "name": "North Sinai", "kind": "governorate", "within": "Egypt"},
        {"type": "place", "name": "Al Arish", "aliases": ["العريش"], "within": "North Sinai"},
        {"type": "actor", "name": "Egyptian army"},
        report("eg", claim("Al Arish", "Egyptian army", "controlled", "2024-01-05")),
    )
    first = state(db, "--at", "2024-02-01")
    load(
        db,
        tmp_path,
        {"type": "place", "name": "Yemen", "kind": "country"},
        {"type": "place", "name": "Al Hudaydah", "kind": "governorate", "within": "Yemen"},
        {"type": "place", "name": "Al Arish", "within": "Al Hudaydah"},
        {"type": "actor", "name": "Houthis"},
        report("ye", claim("Al Arish, Yemen", "Houthis", "contested", "2024-01-20")),
    )
    now = state(db, "--at", "2024-02-01", "--pressure-days", "unlimited")
    egypt, yemen = now["Al Arish, North Sinai, Egypt"], now["Al Arish, Al Hudaydah, Yemen"]
    assert (egypt["place"], egypt["within"]) == ("Al Arish", ["North Sinai", "Egypt"])
    assert (
        visible(egypt)
        == visible(first["Al Arish, North Sinai, Egypt"])
        == ("controlled", "Egyptian army", [], [], "2024-01-05")
    )
    assert visible(yemen) == ("contested", None, ["Houthis"], [], "2024-01-20")
    refused = cli(db, "state", "--place", "al-arish")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: 'al-arish' names 2 places: 'Al Arish, Al Hudaydah, Yemen' or "
        "'Al Arish, North Sinai, Egypt'; write the place as NAME, PARENT"
    )
    assert one(db, "العريش")["within"] == ["North Sinai", "Egypt"]
    table = ok(db, "state", "--at", "2024-02-01").stdout
    assert "Al Arish, North Sinai, Egypt" in table and "Al Arish, Al Hudaydah, Yemen" in table
    again = tmp_path / "ambiguous.jsonl"
    again.write_text(
        json.dumps(report("x", claim("Al Arish", "Houthis", "contested", "2024-01-21"))) + "\n",
        encoding="utf-8",
    )
    result = cli(db, "import", str(again))
    assert (result.exit_code, result.stderr.strip()) == (
        1,
        (
            f"{again}:1: claims[0].place: 'Al Arish' names 2 places: 'Al Arish, North Sinai, Egypt' "
            "or 'Al Arish, Al Hudaydah, Yemen'; write the place as NAME, PARENT"
        ),
    )


def test_spellings_match_across_hyphens_diacritics_apostrophes_and_arabic(db: str) -> None:
    ok(db, "init")
    for typed, place in [
        ("Deir-ez-Zor", "Deir ez-Zor"),
        ("Ḥimṣ", "Homs"),
        ("HIMS", "Homs"),
        ("حمص", "Homs"),
        ("حماة", "Hama"),
        ("Maarat al-Nu'man", "Maarat al-Numan"),
        ("Ar-Raqqa", "Raqqa Governorate"),
        ("Al-Hasakeh", "Al-Hasakah Governorate"),
        ("Homs, Syria", "Homs"),
    ]:
        assert as_json(ok(db, "history", typed, "--json"))["subject"].split(", ")[0] == place, typed
    for typed, actor in [("هيئة تحرير الشام", HTS), ("Tahrir al Sham", HTS), ("QSD", "SDF")]:
        events = as_json(ok(db, "history", typed, "--json"))["events"]
        assert events[0]["actor"] == actor, typed


def test_did_you_mean_prefers_the_closer_name_of_the_same_side(db: str, tmp_path: Path) -> None:
    ok(db, "init")
    path = tmp_path / "typo.jsonl"
    path.write_text(
        json.dumps(report("t", claim("Homs", "Syrian Natonal Army", "contested", "2024-12-01"))) + "\n",
        encoding="utf-8",
    )
    result = cli(db, "import", str(path))
    assert result.stderr.strip().startswith(
        f"{path}:1: claims[0].actor: unknown actor 'Syrian Natonal Army' (did you mean 'Syrian National Army'"
    )
