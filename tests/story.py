"""Random but valid sequences of archive commands, drawn step by step for hypothesis tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from warlog.resolution import STATUSES

PLACES = ["Homs", "Hama", "Douma"]
ALIASES = {"Homs": ["Hims"], "Hama": ["Hamah"], "Douma": ["Duma"]}
SIDES = ["Syrian government", "opposition", "SDF"]
PARTS = {"Syrian Arab Army": "Syrian government", "Hayat Tahrir al-Sham": "opposition"}
ACTORS = [*SIDES, *PARTS]
ACTOR_ALIASES = {
    "Syrian government": ["regime"],
    "opposition": ["rebels"],
    "SDF": [],
    "Syrian Arab Army": ["SAA"],
    "Hayat Tahrir al-Sham": ["HTS"],
}
DAYS = [f"2024-12-{d:02d}" for d in range(1, 9)]
"""Valid dates to ask about."""
VAGUE = ["2024-12", "2024-12-02/2024-12-05", "2024-11-30/2024-12-03"]
DATES = [*DAYS, *VAGUE]
"""Valid dates claims may have: days, a month and intervals."""
GRADES = "ABCDEF"

REGISTRIES = [
    *({"type": "place", "name": p, "aliases": ALIASES[p], "kind": "city"} for p in PLACES),
    *({"type": "actor", "name": a, "aliases": ACTOR_ALIASES[a]} for a in SIDES),
    *({"type": "actor", "name": a, "aliases": ACTOR_ALIASES[a], "part_of": p} for a, p in PARTS.items()),
]


def any_name(draw: st.DrawFn, names: list[str], aliases: dict[str, list[str]]) -> str:
    name = draw(st.sampled_from(names))
    return draw(st.sampled_from([name, name.upper(), *aliases[name]]))


@st.composite
def claim(draw: st.DrawFn, dates: list[str] = DATES) -> dict[str, Any]:
    return {
        "place": any_name(draw, PLACES, ALIASES),
        "actor": any_name(draw, ACTORS, ACTOR_ALIASES),
        "status": draw(st.sampled_from(STATUSES)),
        "date": draw(st.sampled_from(dates)),
        "credibility": draw(st.integers(1, 6)),
    }


@st.composite
def report(draw: st.DrawFn, number: int, dates: list[str] = DATES) -> dict[str, Any]:
    record = {
        "type": "report",
        "source": draw(st.sampled_from(["Reuters", "SANA", "Nedaa Post"])),
        "published": draw(st.sampled_from(DAYS)),
        "reliability": draw(st.sampled_from(GRADES)),
        "claims": draw(st.lists(claim(dates), min_size=1, max_size=3)),
    }
    if draw(st.booleans()):
        record["id"] = f"report-{number}"
    return record


@st.composite
def correction(draw: st.DrawFn, report_id: str, claim_number: int) -> dict[str, Any]:
    field = draw(st.sampled_from(["place", "actor", "status", "date", "credibility"]))
    value = {
        "place": lambda: any_name(draw, PLACES, ALIASES),
        "actor": lambda: any_name(draw, ACTORS, ACTOR_ALIASES),
        "status": lambda: draw(st.sampled_from(STATUSES)),
        "date": lambda: draw(st.sampled_from(DATES)),
        "credibility": lambda: draw(st.integers(1, 6)),
    }[field]()
    return {
        "type": "correction",
        "report": report_id,
        "claim": claim_number,
        "set": {field: value},
        "reason": draw(st.sampled_from(["typo", "better source"])),
    }
