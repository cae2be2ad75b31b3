"""ACLED in and out: its standard CSV export as import records, and claims as ACLED rows.

In
--
Each row of an ACLED export (columns event_id_cnty, event_date, event_type,
sub_event_type, actor1, actor2, location, latitude, longitude, admin1,
geo_precision, time_precision, source, notes, timestamp, …) about territory
becomes one report with its claims; every other row is skipped and counted:

- "Non-state actor overtakes territory", "Government regains territory" and
  "Non-violent transfer of territory" → `controlled` by actor1. (The last is
  not a battle, but ACLED uses it for ground changing hands without fighting,
  such as a handover after a withdrawal, so it is a claim of control too.)
- "Armed clash" → `contested` by actor1 and by actor2.

The report id is `acled-<event_id_cnty>`, so importing a file again adds
nothing. ACLED revises events and moves their `timestamp`; a row whose
timestamp is newer than the last one the archive applied to its report, and
whose claims differ, becomes `correction` records with the reason
"ACLED revision (timestamp T)" (claims no longer in the event are retracted, a
row no longer about territory retracts its report). A row whose timestamp is
not newer is left alone even if it differs, so an archivist's own correction
of an ACLED claim is not undone by importing the same file again.

Grades. The report's source is ACLED, reliability C ("fairly reliable"):
ACLED codes events systematically and revises them, but from others'
reporting, which it names; those sources become each claim's `attributed_to`
and ACLED's notes its `quote`. Credibility comes from ACLED's own precision
codes (1 exact, 2 near or within the week, 3 region or month), taking the
worse of geo_precision and time_precision: 1 → 2 "probably true", 2 → 3
"possibly true", 3 → 4 "doubtful"; never 1 ("confirmed"), since one coded
event is not independent confirmation. Without either code it is 6.

Names. location, actor1 and actor2 are looked up among the archive's places
and actors by name and alias. Unknown ones are problems, reported like any
import's (`FILE:LINE: location: unknown place 'X' (did you mean …?)`), unless
`register_new` is set: then `place` and `actor` records registering them from
the file (names, latitude, longitude, and admin1 as the governorate when the
archive knows it) come before the report. The records go through the normal
importer, so problems and atomicity are those of any import.

Out
---
`rows` turns exported claims into ACLED-shaped rows for tools that read
ACLED: `controlled` → Battles / "Government regains territory" when the
actor (or what it is part of) is a state's forces (a name or alias with
"government", "military" or "armed forces"), else "Non-state actor overtakes
territory"; two `contested` claims of one report about one place and day →
one "Armed clash" between them, any other `contested` → an "Armed clash" with
no actor2; `besieged` and `withdrawn`, which ACLED does not code as such →
Strategic developments / "Other", said in the notes. Retracted claims are
left out, as ACLED drops deleted events. `timestamp` is when the claim's
current version was recorded; `tags` name the warlog report, claim and grade.
Claims from an ACLED import keep their event_id_cnty. Fatalities are not
recorded in warlog and are left empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warlog import clock
from warlog.archive import Archive
from warlog.domain import CLAIM_FIELDS, Actors, Places, Registry
from warlog.errors import Problem, Rejected, WarlogError
from warlog.importer import ImportResult
from warlog.names import did_you_mean, key
from warlog.readmodel.exports import ExportedClaim
from warlog.records import Record, check

SOURCE = "ACLED"
RELIABILITY = "C"
PREFIX = "acled-"
REVISION = "ACLED revision (timestamp {})"
CLASH = "Armed clash"
TERRITORIAL = {
    "Non-state actor overtakes territory": "controlled",
    "Government regains territory": "controlled",
    "Non-violent transfer of territory": "controlled",
    CLASH: "contested",
}
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
            "location", "timestamp")
COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type",
           "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
           "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
           "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
           "geo_precision", "source", "source_scale", "notes", "fatalities", "tags",
           "timestamp")
CREDIBILITY = {1: 2, 2: 3, 3: 4}
DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%b-%Y")
EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,120}$")
TIMESTAMP_IN_REASON = re.compile(r"\(timestamp (\d+)\)")
STATE_FORCE_WORDS = ("government", "military", "armed forces")


# In -------------------------------------------------------------------


@dataclass
class AcledImport:
    """What an ACLED import appended, and the rows it skipped before the importer saw them."""

    result: ImportResult
    not_territorial: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(),
                "acled": {"not_territorial": dict(self.not_territorial),
                          "unchanged": self.unchanged}}

    def summary(self) -> str:
        skipped = sum(self.not_territorial.values())
        return (f"ACLED rows skipped: {skipped} not about territory, "
                f"{self.unchanged} already imported and not revised since")


def import_acled(
    archive: Archive, lines: Iterable[bytes], source: str, archivist: str, *,
    register_new: bool = False,
) -> AcledImport:
    """Read an ACLED CSV export and import its territorial events in one transaction."""
    archive.start(archivist)  # a new archive gets its gazetteer first, for the lookups
    reader = Reader(archive, source, register_new=register_new)
    items = reader.read(decode(lines, source))
    result = archive.import_records(items, archivist)
    return AcledImport(result, reader.not_territorial, reader.unchanged)


def decode(lines: Iterable[bytes], source: str) -> str:
    try:
        return b"\n".join(lines).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WarlogError(f"{source}: not UTF-8 text ({error.reason} at byte {error.start}); "
                          "save the ACLED export as UTF-8 CSV") from None


@dataclass
class Known:
    """A report already filed for an ACLED event, as this import last left it."""

    claims: list[dict[str, Any]]
    retracted: set[int]
    withdrawn: bool
    timestamp: int


class Reader:
    """Turns ACLED rows into import records, collecting problems with their lines."""

    def __init__(self, archive: Archive, source: str, *, register_new: bool) -> None:
        self.archive = archive
        self.source = source
        self.register_new = register_new
        self.places = archive.places()
        self.actors = archive.actors()
        self.new_names: dict[str, dict[str, str]] = {"place": {}, "actor": {}}
        self.known: dict[str, Known | None] = {}
        self.items: list[Record | Problem] = []
        self.not_territorial: Counter[str] = Counter()
        self.unchanged = 0

    def read(self, text: str) -> list[Record | Problem]:
        rows = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [h.strip() for h in next(rows, [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                self.items.append(Problem(f"{self.source}:1", "", self._missing(missing)))
                return self.items
            line = rows.line_num + 1
            for values in rows:
                where = f"{self.source}:{line}"
                line = rows.line_num + 1
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    self.items.append(Problem(where, "", f"has {len(values)} fields but the "
                                              f"header has {len(header)}; check its quoting"))
                    continue
                self.row(where, dict(zip(header, (v.strip() for v in values), strict=True)))
        except csv.Error as error:
            self.items.append(Problem(f"{self.source}:{rows.line_num}", "",
                                      f"not valid CSV ({error})"))
        return self.items

    @staticmethod
    def _missing(missing: list[str]) -> str:
        return (f"not an ACLED export: the header lacks {', '.join(missing)}; "
                f"an ACLED CSV starts with the columns {', '.join(COLUMNS[:8])}, …")

    def row(self, where: str, row: dict[str, str]) -> None:
        """Emit the records for one row, or its problems."""
        wrong: list[tuple[str, str]] = []
        report_id, timestamp = self._id_and_time(row, wrong)
        sub_event = row["sub_event_type"]
        status = TERRITORIAL.get(sub_event)
        if status is None:
            self.not_territorial[f"{row['event_type']}: {sub_event}"] += 1
            if not wrong:
                self._no_longer_territorial(where, report_id, timestamp, row)
            return
        claims = self._claims(where, row, status, wrong)
        if wrong:
            self.items.extend(Problem(where, f, m) for f, m in wrong)
            return
        known = self._known(report_id)
        if known is None:
            self._file(where, report_id, row, timestamp, claims)
        elif known.withdrawn or timestamp <= known.timestamp:
            self.unchanged += 1
        else:
            self._revise(where, report_id, known, claims, timestamp)

    # Reading fields ------------------------------------------------------

    def _id_and_time(self, row: dict[str, str], wrong: list[tuple[str, str]]) -> tuple[str, int]:
        event_id = row["event_id_cnty"]
        if not EVENT_ID.match(event_id):
            wrong.append(("event_id_cnty", f"'{event_id}' is not an ACLED event id "
                          "(letters and digits, e.g. SYR12345)"))
        try:
            timestamp = unix_time(row["timestamp"])
        except ValueError as error:
            wrong.append(("timestamp", str(error)))
            timestamp = 0
        return PREFIX + event_id, timestamp

    def _claims(
        self, where: str, row: dict[str, str], status: str, wrong: list[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        day, grade = "", 6
        try:
            day = event_day(row["event_date"])
        except ValueError as error:
            wrong.append(("event_date", str(error)))
        try:
            grade = credibility(row.get("geo_precision", ""), row.get("time_precision", ""))
        except Rejected as rejected:
            wrong.append((rejected.field, rejected.message))
        place = self._place(where, row, wrong)
        sides = [("actor1", row["actor1"])]
        if row["sub_event_type"] == CLASH and row["actor2"] and key(row["actor2"]) != key(
                row["actor1"]):
            sides.append(("actor2", row["actor2"]))
        actors = [self._actor(where, column, name, wrong) for column, name in sides]
        if wrong or place is None:
            return []
        return [claim_values(row, place, actor, status, day, grade) for actor in actors if actor]

    def _place(self, where: str, row: dict[str, str], wrong: list[tuple[str, str]]) -> str | None:
        def register(name: str) -> dict[str, Any]:
            record: dict[str, Any] = {"type": "place", "name": name}
            record.update(self._coordinates(row, wrong))
            within = governorate(self.places, row.get("admin1", ""))
            if within is not None:
                record["within"] = within
            return record

        return self._name(where, self.places, "location", row["location"], register, wrong)

    def _actor(
        self, where: str, column: str, name: str, wrong: list[tuple[str, str]]
    ) -> str | None:
        return self._name(where, self.actors, column, name,
                          lambda n: {"type": "actor", "name": n}, wrong)

    def _name(
        self, where: str, registry: Registry, column: str, name: str,
        record: Callable[[str], dict[str, Any]], wrong: list[tuple[str, str]],
    ) -> str | None:
        """The canonical name, registering it when allowed; None after a problem."""
        if not name:
            wrong.append((column, f"is empty; give the {registry.kind}'s name"))
            return None
        fresh = self.new_names[registry.kind]
        found = registry.lookup(name) or fresh.get(key(name))
        if found is not None:
            return found
        if not self.register_new:
            known = [*registry.all_names(), *fresh.values()]
            hint = did_you_mean(name, known, registry.name_entries())
            wrong.append((column, f"unknown {registry.kind} '{name}'{hint}; "
                                  f"add it (or an alias) with a {{\"type\": \"{registry.kind}\"}} "
                                  "record, or import with --register-new"))
            return None
        canonical = " ".join(name.split())
        fresh[key(name)] = canonical
        self.items.extend(check(record(canonical), where))
        return canonical

    @staticmethod
    def _coordinates(row: dict[str, str], wrong: list[tuple[str, str]]) -> dict[str, float]:
        found: dict[str, float] = {}
        for column, name, limit in (("latitude", "lat", 90), ("longitude", "lon", 180)):
            text = row.get(column, "")
            if not text:
                return {}
            try:
                value = float(text)
            except ValueError:
                value = float("nan")
            if not -limit <= value <= limit:
                wrong.append((column, f"'{text}' is not a {column} in degrees "
                                      f"(-{limit} to {limit})"))
                return {}
            found[name] = value
        return found

    # Emitting records ---------------------------------------------------

    def _known(self, report_id: str) -> Known | None:
        if report_id not in self.known:
            self.known[report_id] = known_report(self.archive, report_id)
        return self.known[report_id]

    def _emit(self, where: str, record: dict[str, Any]) -> None:
        self.items.extend(check(record, where))

    def _file(
        self, where: str, report_id: str, row: dict[str, str], timestamp: int,
        claims: list[dict[str, Any]],
    ) -> None:
        self._emit(where, {
            "type": "report", "id": report_id, "source": SOURCE,
            "published": rfc3339(timestamp), "reliability": RELIABILITY,
            "title": f"ACLED event {row['event_id_cnty']}",
            "note": "Imported from an ACLED CSV export: ACLED's sources are each claim's "
                    "attribution, its notes the quote.",
            "claims": claims,
        })
        self.known[report_id] = Known([dict(c) for c in claims], set(), False, timestamp)

    def _revise(
        self, where: str, report_id: str, known: Known, claims: list[dict[str, Any]],
        timestamp: int,
    ) -> None:
        """Correct the claims that changed, retract those gone, file those new."""
        reason = REVISION.format(timestamp)
        before = len(self.items)
        for number, (old, new) in enumerate(zip(known.claims, claims, strict=False), start=1):
            changes = {f: new.get(f) for f in CLAIM_FIELDS if new.get(f) != old.get(f)}
            if changes and number not in known.retracted:
                self._emit(where, {"type": "correction", "report": report_id, "claim": number,
                                   "set": changes, "reason": reason})
                known.claims[number - 1] = dict(new)
        for number in range(len(claims) + 1, len(known.claims) + 1):
            if number not in known.retracted:
                self._emit(where, {"type": "retraction", "report": report_id, "claim": number,
                                   "reason": f"{reason}: no longer part of the event"})
                known.retracted.add(number)
        if len(claims) > len(known.claims):
            self._emit(where, {
                "type": "report", "id": f"{report_id}-{timestamp}", "source": SOURCE,
                "published": rfc3339(timestamp), "reliability": RELIABILITY,
                "title": f"{reason}: claims added to {report_id}",
                "claims": claims[len(known.claims):],
            })
        if len(self.items) == before:
            self.unchanged += 1
        known.timestamp = timestamp

    def _no_longer_territorial(
        self, where: str, report_id: str, timestamp: int, row: dict[str, str]
    ) -> None:
        known = self._known(report_id)
        if known is None or known.withdrawn or timestamp <= known.timestamp:
            return
        reason = REVISION.format(timestamp)
        self._emit(where, {"type": "retraction", "report": report_id,
                           "reason": f"{reason}: no longer a territorial event, now "
                                     f"{row['event_type']}: {row['sub_event_type']}"})
        known.withdrawn = True
        known.timestamp = timestamp


def claim_values(
    row: dict[str, str], place: str, actor: str, status: str, day: str, grade: int
) -> dict[str, Any]:
    """One claim as the importer stores it, so a revision can be compared field by field."""
    note = f"ACLED {row['event_type']}: {row['sub_event_type']}"
    if row["actor2"]:
        note += f"; actor2: {row['actor2']}"
    precision = [f"{c} {row[c]}" for c in ("geo_precision", "time_precision") if row.get(c)]
    if precision:
        note += "; " + ", ".join(precision)
    claim: dict[str, Any] = {"place": place, "actor": actor, "status": status, "date": day,
                             "credibility": grade}
    if row.get("source"):
        claim["attributed_to"] = row["source"]
    if row.get("notes"):
        claim["quote"] = row["notes"]
    claim["note"] = note
    return claim


def known_report(archive: Archive, report_id: str) -> Known | None:
    """The archive's report for an ACLED event and the last ACLED timestamp applied to it."""
    report = archive.report(report_id)
    if report is None:
        return None
    times = [unix_time(report.published)]
    reasons = [r for _, _, r in report.corrections]
    reasons += [*report.retracted_claims.values(), report.retraction or ""]
    times += [int(m) for r in reasons for m in TIMESTAMP_IN_REASON.findall(r)]
    return Known([dict(c) for c in report.claims], set(report.retracted_claims),
                 report.retraction is not None, max(times))


def event_day(text: str) -> str:
    """ACLED's event_date, "07 December 2024" or ISO, as an ISO date."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; ACLED writes e.g. '07 December 2024' "
                     "or '2024-12-07'")


def unix_time(text: str) -> int:
    """ACLED's timestamp (Unix seconds), or an RFC 3339 time, as Unix seconds."""
    if text.isascii() and text.isdigit():
        seconds = int(text)
        if seconds > LATEST_TIMESTAMP:
            raise ValueError(f"'{text[:30]}' is not a Unix time in seconds that a calendar "
                             "can show (it lies after the year 9999); ACLED writes e.g. "
                             "1733702400")
        return seconds
    try:
        return int(clock.parse_timestamp(text)[0].timestamp())
    except ValueError:
        raise ValueError(f"'{text[:30]}' is not a Unix time in seconds, as ACLED writes it "
                         "(e.g. 1733702400)") from None


LATEST_TIMESTAMP = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


def rfc3339(timestamp: int) -> str:
    """A Unix time as RFC 3339 in UTC; `unix_time` keeps it within the years 1970-9999."""
    return datetime.fromtimestamp(min(max(timestamp, 0), LATEST_TIMESTAMP), UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def credibility(geo_precision: str | None, time_precision: str | None) -> int:
    """Credibility 2-4 from the worse of ACLED's two precision codes; 6 without either."""
    levels = []
    for column, text in (("geo_precision", geo_precision), ("time_precision", time_precision)):
        if not text:
            continue
        if text not in ("1", "2", "3"):
            raise Rejected(column, f"'{text}' is not an ACLED precision code; use 1, 2 or 3")
        levels.append(int(text))
    return CREDIBILITY[max(levels)] if levels else 6


def governorate(places: Places, admin1: str) -> str | None:
    """The archive's governorate for ACLED's admin1 ("Homs" means Homs Governorate)."""
    if not admin1:
        return None
    for name in (f"{admin1} Governorate", admin1):
        found = places.lookup(name)
        if found is not None and places.entries[found].get("kind") == "governorate":
            return found
    return None


# Out ------------------------------------------------------------------


def rows(claims: Iterable[ExportedClaim], places: Places, actors: Actors) -> Iterator[dict[str, Any]]:
    """ACLED-shaped rows, pairing the two sides of a clash reported together."""
    pending: ExportedClaim | None = None
    for claim in claims:
        if claim.retracted_at is not None:
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


def same_clash(first: ExportedClaim, second: ExportedClaim) -> bool:
    return (second.status == "contested" and second.actor != first.actor
            and (second.report, second.place, second.date)
            == (first.report, first.place, first.date))


def event_row(
    claim: ExportedClaim, places: Places, actors: Actors,
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
        "event_id_cnty": event_id(claim), "event_date": claim.date, "year": claim.date[:4],
        "time_precision": 1,
        "disorder_type": "Political violence" if event_type == "Battles" else event_type,
        "event_type": event_type, "sub_event_type": sub_event, "actor1": claim.actor,
        "actor2": "" if opponent is None else opponent.actor,
        "country": enclosing(places, claim.place, "country"),
        "admin1": enclosing(places, claim.place, "governorate"),
        "admin2": enclosing(places, claim.place, "district"),
        "location": location, "latitude": entry.get("lat") or "",
        "longitude": entry.get("lon") or "", "geo_precision": geo_precision(entry.get("kind")),
        "source": source(claim), "notes": notes, "tags": tags,
        "timestamp": int(clock.parse_timestamp(claim.recorded_at)[0].timestamp()),
    }


def event_kind(claim: ExportedClaim, actors: Actors) -> tuple[str, str]:
    if claim.status == "controlled":
        regains = is_state_force(actors, claim.actor)
        return "Battles", ("Government regains territory" if regains
                           else "Non-state actor overtakes territory")
    if claim.status == "contested":
        return "Battles", CLASH
    return "Strategic developments", "Other"


def event_id(claim: ExportedClaim) -> str:
    if claim.report.startswith(PREFIX):
        base = claim.report[len(PREFIX):]
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
