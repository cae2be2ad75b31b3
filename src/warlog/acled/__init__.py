"""ACLED in and out: its exports as import records, and claims as ACLED rows.

In
--
`table` reads an export whatever wrote it (separator, quoting, NA cells,
Excel and slashed dates); `reader` turns each row into records as ACLED means
it: the place under its admin levels (`geo_precision` 3: the region itself),
the forces under the government they serve (`actors`), the date as its
`time_precision` says (day, week, month), territorial sub-events as
`controlled`, armed clashes as `contested` by each side, every other row
skipped and counted. The report id is `acled-<event_id_cnty>`, so importing a
newer export again is idempotent; a row whose timestamp is newer and whose
claims differ becomes corrections with the reason "ACLED revision (timestamp
T)". A deleted-events file retracts the reports ACLED deleted. ACLED's own row
travels with the report (`acled`), so nothing is lost on the way out.

Grades. The report's source is ACLED, reliability C ("fairly reliable"):
ACLED codes events systematically and revises them, but from others'
reporting, which it names; those sources become each claim's `attributed_to`
and ACLED's notes its `quote`. Credibility comes from ACLED's own precision
codes (1 exact, 2 near or within the week, 3 region or month), taking the
worse of geo_precision and time_precision: 1 → 2 "probably true", 2 → 3
"possibly true", 3 → 4 "doubtful"; never 1 ("confirmed"), since one coded
event is not independent confirmation. Without either code it is 6.

Out
---
`rows` writes an ACLED-imported claim's stored row back exactly, once per
event. Other claims become ACLED-shaped rows: `controlled` → Battles /
"Government regains territory" when the actor (or what it is part of) is a
state's forces (a name or alias with "government", "military" or "armed
forces"), else "Non-state actor overtakes territory"; two `contested` claims
of one report about one place and day → one "Armed clash" between them, any
other `contested` → an "Armed clash" with no actor2; `besieged` and
`withdrawn`, which ACLED does not code as such → Strategic developments /
"Other", said in the notes. Retracted claims are left out, as ACLED drops
deleted events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from warlog import clock
from warlog.acled.reader import (
    CLASH,
    PREFIX,
    SOURCE,
    Reader,
    Tally,
    credibility,
    unix_time,
    valid_date,
)
from warlog.acled.table import COLUMNS, REQUIRED, decode, deleted_rows, event_day
from warlog.archive import Archive
from warlog.domain import Actors, Places
from warlog.errors import Problem
from warlog.importer import ImportResult
from warlog.readmodel.exports import ExportedClaim

__all__ = [
    "COLUMNS",
    "REQUIRED",
    "AcledImport",
    "credibility",
    "event_day",
    "import_acled",
    "import_deletions",
    "is_state_force",
    "rows",
    "unix_time",
    "valid_date",
]

STATE_FORCE_WORDS = ("government", "military", "armed forces")


# In -------------------------------------------------------------------


@dataclass
class AcledImport:
    """What an ACLED import appended, and what became of each row before the importer saw it."""

    result: ImportResult
    tally: Tally
    unknown: list[str] = field(default_factory=list)  # deleted ids the archive never had
    deletions: bool = False

    @property
    def not_territorial(self) -> Counter[str]:
        return self.tally.not_territorial

    @property
    def unchanged(self) -> int:
        return self.tally.unchanged

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.result.to_dict(),
            "acled": {
                "new": self.tally.new,
                "revised": self.tally.revised,
                "unchanged": self.tally.unchanged,
                "not_territorial": dict(self.tally.not_territorial),
                "unknown_deleted": self.unknown,
            },
        }

    def summary(self) -> str:
        t = self.tally
        skipped = sum(t.not_territorial.values())
        lines = [
            f"ACLED deletions: {t.revised} retracted, {t.unchanged} already retracted"
            if self.deletions
            else f"ACLED rows: {t.new} new, {t.revised} revised, {t.unchanged} unchanged, "
            f"{skipped} not about territory"
        ]
        lines += [f"  skipped {n}: {kind}" for kind, n in sorted(t.not_territorial.items())]
        if self.unknown:
            lines.append(
                f"deleted events the archive never had, skipped: {len(self.unknown)} "
                f"({', '.join(self.unknown[:5])}{', …' if len(self.unknown) > 5 else ''})"
            )
        return "\n".join(lines)


def import_acled(
    archive: Archive,
    lines: Iterable[bytes],
    source: str,
    archivist: str,
    *,
    register_new: bool = False,
) -> AcledImport:
    """Read an ACLED CSV export and import its territorial events in one transaction."""
    archive.start(archivist)  # a new archive gets its gazetteer first, for the lookups
    reader = Reader(archive, source, register_new=register_new)
    items = reader.read(decode(lines, source))
    result = archive.import_records(items, archivist)
    return AcledImport(result, reader.tally)


def import_deletions(
    archive: Archive,
    lines: Iterable[bytes],
    source: str,
    archivist: str,
) -> AcledImport:
    """Retract the reports of the events in ACLED's deleted-events file; skip ids never imported."""
    archive.start(archivist)
    reader = Reader(archive, source, register_new=False)
    unknown: list[str] = []
    for row in deleted_rows(decode(lines, source), source):
        if isinstance(row, Problem):
            reader.items.append(row)
        elif (missing := reader.deletion(row)) is not None:
            unknown.append(missing)
    result = archive.import_records(reader.items, archivist)
    return AcledImport(result, reader.tally, unknown, deletions=True)


# Out ------------------------------------------------------------------


def rows(claims: Iterable[ExportedClaim], places: Places, actors: Actors) -> Iterator[dict[str, Any]]:
    """ACLED-shaped rows, pairing the two sides of a clash reported together.

    A claim imported from ACLED writes back the ACLED row it came from (as last
    revised), once per event, with ACLED's own timestamp and every field.
    """
    pending: ExportedClaim | None = None
    written: set[str] = set()
    for claim in claims:
        if claim.retracted_at is not None:
            continue
        if claim.acled is not None:
            if claim.report not in written:
                written.add(claim.report)
                yield stored_row(claim.acled)
            continue
        if pending is not None:
            if same_clash(pending, claim):
                yield event_row(pending, places, actors, opponent=claim)
                pending = None
                continue
            yield event_row(pending, places, actors)
            pending = None
        if claim.status == "contested":
            pending = claim
        else:
            yield event_row(claim, places, actors)
    if pending is not None:
        yield event_row(pending, places, actors)


def stored_row(acled: str) -> dict[str, Any]:
    fields: dict[str, Any] = orjson.loads(acled)
    return {c: fields.get(c, "") for c in COLUMNS}


def same_clash(first: ExportedClaim, second: ExportedClaim) -> bool:
    return (
        second.status == "contested"
        and second.actor != first.actor
        and (second.report, second.place, second.date) == (first.report, first.place, first.date)
    )


def event_row(
    claim: ExportedClaim,
    places: Places,
    actors: Actors,
    opponent: ExportedClaim | None = None,
) -> dict[str, Any]:
    event_type, sub_event = event_kind(claim, actors)
    entry = places.entries.get(claim.place, {})
    location = entry.get("name", claim.place)
    tags = f"warlog report={claim.report}; claim={claim.claim}; grade={claim.grade}"
    if opponent is not None:
        tags += f"; claim={opponent.claim}; grade={opponent.grade}"
    notes = claim.quote or claim.note or ""
    if claim.status in ("besieged", "withdrawn"):
        notes = f"warlog claim: {claim.actor} {claim.status} {location}. {notes}".strip()
    return {
        "event_id_cnty": event_id(claim),
        "event_date": claim.date,
        "year": claim.date[:4],
        "time_precision": 1,
        "disorder_type": "Political violence" if event_type == "Battles" else event_type,
        "event_type": event_type,
        "sub_event_type": sub_event,
        "actor1": claim.actor,
        "actor2": "" if opponent is None else opponent.actor,
        "country": enclosing(places, claim.place, "country"),
        "admin1": enclosing(places, claim.place, "governorate"),
        "admin2": enclosing(places, claim.place, "district"),
        "location": location,
        "latitude": entry.get("lat") or "",
        "longitude": entry.get("lon") or "",
        "geo_precision": geo_precision(entry.get("kind")),
        "source": source(claim),
        "notes": notes,
        "tags": tags,
        "timestamp": int(clock.parse_timestamp(claim.recorded_at)[0].timestamp()),
    }


def event_kind(claim: ExportedClaim, actors: Actors) -> tuple[str, str]:
    if claim.status == "controlled":
        regains = is_state_force(actors, claim.actor)
        return "Battles", (
            "Government regains territory" if regains else "Non-state actor overtakes territory"
        )
    if claim.status == "contested":
        return "Battles", CLASH
    return "Strategic developments", "Other"


def event_id(claim: ExportedClaim) -> str:
    if claim.report.startswith(PREFIX):
        base = claim.report[len(PREFIX) :]
        return base if claim.claim == 1 else f"{base}-{claim.claim}"
    return f"{claim.report}-{claim.claim}"


def source(claim: ExportedClaim) -> str:
    if claim.source == SOURCE and claim.attributed_to:
        return claim.attributed_to
    if claim.attributed_to:
        return f"{claim.source} (citing {claim.attributed_to})"
    return claim.source


def is_state_force(actors: Actors, name: str) -> bool:
    """Whether an actor, or the one it is ultimately part of, is a state's forces."""
    seen: set[str] = set()
    while name in actors.entries and name not in seen:
        seen.add(name)
        entry = actors.entries[name]
        parent = entry.get("part_of")
        if parent is None:
            break
        name = parent
    entry = actors.entries.get(name, {"name": name, "aliases": []})
    names = [entry["name"], *entry.get("aliases", [])]
    return any(word in n.casefold() for n in names for word in STATE_FORCE_WORDS)


def enclosing(places: Places, name: str, kind: str) -> str:
    """The place of `kind` that contains `name` (or is it), by the gazetteer's `within`."""
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current in places.entries and current not in seen:
        seen.add(current)
        if places.entries[current].get("kind") == kind:
            return str(places.entries[current]["name"])
        current = places.entries[current].get("within")
    return ""


def geo_precision(kind: str | None) -> int | str:
    """ACLED's code for how exactly the coordinates locate the event."""
    if kind in ("city", "town", "village", "neighbourhood", "checkpoint", "base", "site"):
        return 1
    if kind in ("district", "region"):
        return 2
    return 3 if kind in ("governorate", "country") else ""
