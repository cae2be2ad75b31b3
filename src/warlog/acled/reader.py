"""ACLED rows in, as import records: places under their admin levels, forces under their sides.

Each row is read as ACLED means it (see `warlog.acled` for the mapping).
Every record goes through the archive's normal importer, so problems,
did-you-means and atomicity are those of any import.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from warlog import clock
from warlog.acled.actors import period_key, spellings, state_force
from warlog.acled.table import COLUMNS, Row, day_order, event_day, read_rows
from warlog.archive import Archive
from warlog.domain import CLAIM_FIELDS, place_id
from warlog.errors import Problem, Rejected
from warlog.names import did_you_mean, key
from warlog.records import Record, check

SOURCE = "ACLED"
RELIABILITY = "C"
PREFIX = "acled-"
REVISION = "ACLED revision (timestamp {})"
DELETION = "ACLED deleted (timestamp {})"
CLASH = "Armed clash"
TERRITORIAL = {
    "Non-state actor overtakes territory": "controlled",
    "Government regains territory": "controlled",
    "Non-violent transfer of territory": "controlled",
    CLASH: "contested",
}
CREDIBILITY = {1: 2, 2: 3, 3: 4}
EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,120}$")
TIMESTAMP_IN_REASON = re.compile(r"\(timestamp (\d+)\)")
AREAS = ("country", "governorate", "district")
LATEST_TIMESTAMP = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


@dataclass
class Known:
    """A report already filed for an ACLED event, as this import last left it."""

    claims: list[dict[str, Any]]
    retracted: set[int]
    withdrawn: bool
    timestamp: int


@dataclass
class Tally:
    """What became of the rows: new, revised, unchanged, skipped by sub-event type."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    not_territorial: Counter[str] = field(default_factory=Counter)


class Reader:
    """Turns ACLED rows into import records, collecting problems with their lines."""

    def __init__(self, archive: Archive, source: str, *, register_new: bool) -> None:
        self.archive = archive
        self.source = source
        self.register_new = register_new
        self.places = archive.places()
        self.actors = archive.actors()
        # What this file registers, beside what the archive knows: place -> entry, and names.
        self.new_places: dict[str, dict[str, Any]] = {}
        self.new_place_names: dict[str, list[str]] = {}
        self.actor_names: dict[str, str] = {}
        for name, entry in self.actors.entries.items():
            for spelling in (name, *entry["aliases"]):
                self.actor_names.setdefault(period_key(spelling), name)
        self.known: dict[str, Known | None] = {}
        self.items: list[Record | Problem] = []
        self.tally = Tally()

    _skip = "\x00no such area"  # an admin level the gazetteer lacks, looked past

    def read(self, text: str) -> list[Record | Problem]:
        rows, problems = read_rows(text, self.source)
        order, undecided = day_order(rows)
        self.items.extend([*problems, *undecided])
        if undecided:
            return self.items
        for row in rows:
            self.row(row, order)
        return self.items

    def row(self, row: Row, order: str | None) -> None:
        """Emit the records for one row, or its problems."""
        wrong: list[tuple[str, str]] = []
        report_id, timestamp = self._id_and_time(row, wrong)
        sub_event = row["sub_event_type"]
        status = TERRITORIAL.get(sub_event)
        if status is None:
            self.tally.not_territorial[f"{row['event_type']}: {sub_event}"] += 1
            if not wrong:
                self._no_longer_territorial(row, report_id, timestamp)
            return
        claims = self._claims(row, status, order, wrong)
        if wrong:
            self.items.extend(Problem(row.where, f, m) for f, m in dict.fromkeys(wrong))
            return
        known = self._known(report_id)
        if known is None:
            self._file(row, report_id, timestamp, claims)
            self.tally.new += 1
        elif known.withdrawn or timestamp <= known.timestamp:
            self.tally.unchanged += 1
        else:
            self._revise(row, report_id, known, claims, timestamp)

    # Reading fields ------------------------------------------------------

    def _id_and_time(self, row: Row, wrong: list[tuple[str, str]]) -> tuple[str, int]:
        event_id = row["event_id_cnty"]
        if not EVENT_ID.match(event_id):
            wrong.append(
                (
                    "event_id_cnty",
                    f"'{event_id}' is not an ACLED event id (letters and digits, e.g. SYR12345)",
                )
            )
        try:
            timestamp = unix_time(row["timestamp"])
        except ValueError as error:
            wrong.append(("timestamp", str(error)))
            timestamp = 0
        return PREFIX + event_id, timestamp

    def _claims(
        self, row: Row, status: str, order: str | None, wrong: list[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        when, grade = "", 6
        try:
            when = valid_date(event_day(row["event_date"], order), row.get("time_precision"))
        except ValueError as error:
            wrong.append(("event_date", str(error)))
        except Rejected as rejected:
            wrong.append((rejected.field, rejected.message))
        try:
            grade = credibility(row.get("geo_precision"), row.get("time_precision"))
        except Rejected as rejected:
            wrong.append((rejected.field, rejected.message))
        place = self._place(row, wrong)
        sides = [("actor1", row["actor1"])]
        if row["sub_event_type"] == CLASH and row["actor2"] and key(row["actor2"]) != key(row["actor1"]):
            sides.append(("actor2", row["actor2"]))
        actors = [self._actor(row, column, name, wrong) for column, name in sides]
        if wrong or place is None:
            return []
        return [claim_values(row, place, actor, status, when, grade) for actor in actors if actor]

    # Places --------------------------------------------------------------

    def _place(self, row: Row, wrong: list[tuple[str, str]]) -> str | None:
        """The place a row is about: its location under country, admin1 and admin2.

        With geo_precision 3 ACLED knows only the region, so the claim is about
        the admin2 (or admin1) area, not the town it names.
        """
        if not row["location"]:
            wrong.append(("location", "is empty; give the place's name"))
            return None
        if not row["country"]:
            return self._by_name(row, wrong)
        parent: str | None = None
        levels = [
            ("country", row["country"], "country"),
            ("admin1", row["admin1"], "governorate"),
            ("admin2", row["admin2"], "district"),
        ]
        for column, name, kind in levels:
            if name:
                found = self._area(row, column, name, kind, parent, wrong)
                if found is None:
                    return None
                parent = None if found == self._skip else found
        if parent is None:  # not even the country is known: the place by its name alone
            return self._by_name(row, wrong)
        if row.get("geo_precision") == "3":
            return parent
        return self._location(row, parent, wrong)

    def _area(
        self, row: Row, column: str, name: str, kind: str, parent: str | None, wrong: list[tuple[str, str]]
    ) -> str | None:
        spellings_of = (
            [name, f"{name} Governorate", f"{name} Province"]
            if kind == "governorate"
            else [name, f"{name} District"]
            if kind == "district"
            else [name]
        )
        for spelling in spellings_of:
            found = [
                p
                for p in self._named(spelling)
                if self._entry(p)["within"] == parent
                and (kind != "district" or self._entry(p).get("kind") in ("district", None))
            ]
            if found:
                return found[0]
        if not self.register_new:  # a gazetteer without this level: look further in
            return parent if parent is not None else self._skip
        clash = any(self._entry(p)["within"] == parent for p in self._named(name))
        return self._register(row, column, f"{name} District" if clash else name, kind, parent, wrong)

    def _location(self, row: Row, parent: str | None, wrong: list[tuple[str, str]]) -> str | None:
        """A known place of that name inside the row's admin levels, or a new one under them."""
        name = row["location"]
        inside = [
            p
            for p in self._named(name)
            if self._entry(p).get("kind") not in AREAS
            and (parent is None or self._within(p, self._top_area(parent)))
        ]
        if inside:
            closest = [p for p in inside if self._entry(p)["within"] == parent]
            return (closest or inside)[0]
        return self._register(row, "location", name, None, parent, wrong, coordinates(row, wrong))

    def _by_name(self, row: Row, wrong: list[tuple[str, str]]) -> str | None:
        """Without a country column: the one place of that name, as older imports did."""
        found = self._named(row["location"])
        if len(found) == 1:
            return found[0]
        if found:
            wrong.append(("location", self.places.ambiguous(row["location"], found)))
            return None
        return self._register(row, "location", row["location"], None, None, wrong, coordinates(row, wrong))

    def _register(
        self,
        row: Row,
        column: str,
        name: str,
        kind: str | None,
        parent: str | None,
        wrong: list[tuple[str, str]],
        point: dict[str, float] | None = None,
    ) -> str | None:
        name = " ".join(name.split())
        if not self.register_new:
            known = [*self.places.all_names(), *self.new_place_names]
            wrong.append(
                (
                    column,
                    f"unknown place '{name}'"
                    f"{did_you_mean(name, known, self.places.name_entries())}; "
                    'add it (or an alias) with a {"type": "place"} record, '
                    "or import with --register-new",
                )
            )
            return None
        place = place_id(name, parent)
        record: dict[str, Any] = {"type": "place", "name": name}
        if kind is not None:
            record["kind"] = kind
        record.update(point or {})
        if parent is not None:
            record["within"] = parent
        self.new_places[place] = {"name": name, "aliases": [], "kind": kind, "within": parent}
        self.new_place_names.setdefault(key(name), []).append(place)
        self.items.extend(check(record, row.where))
        return place

    def _named(self, name: str) -> list[str]:
        return [*self.places.matches(name), *self.new_place_names.get(key(name), [])]

    def _entry(self, place: str) -> dict[str, Any]:
        return self.places.entries.get(place) or self.new_places[place]

    def _within(self, place: str, ancestor: str) -> bool:
        current = self._entry(place)["within"]
        for _ in range(32):
            if current is None:
                return False
            if current == ancestor:
                return True
            current = self._entry(current)["within"]
        return False

    def _top_area(self, place: str) -> str:
        """The admin1 area (or the country) a row's admin levels start from."""
        entry = self._entry(place)
        if entry.get("kind") == "district" and entry["within"] is not None:
            return str(entry["within"])
        return place

    # Actors --------------------------------------------------------------

    def _actor(self, row: Row, column: str, name: str, wrong: list[tuple[str, str]]) -> str | None:
        """The archive's actor for an ACLED name, registering it (under its side) when allowed."""
        if not name:
            wrong.append((column, "is empty; give the actor's name"))
            return None
        for spelling in spellings(name):
            found = self.actors.lookup(spelling) or self.actor_names.get(period_key(spelling))
            if found is not None:
                return found
        if not self.register_new:
            known = [*self.actors.all_names(), *self.actor_names.values()]
            wrong.append(
                (
                    column,
                    f"unknown actor '{name}'"
                    f"{did_you_mean(name, known, self.actors.name_entries())}; "
                    'add it (or an alias) with a {"type": "actor"} record, '
                    "or import with --register-new",
                )
            )
            return None
        return self._register_actor(row, " ".join(name.split()))

    def _register_actor(self, row: Row, name: str) -> str:
        force = state_force(name)
        part_of = None
        if force is not None:
            part_of = self._ensure(row, force.parent, lambda: self._ensure_force(row, force))
            name = force.name
        record: dict[str, Any] = {"type": "actor", "name": name, "part_of": part_of}
        self.actor_names[period_key(name)] = name
        self.items.extend(check(record, row.where))
        return name

    def _ensure(self, row: Row, name: str, make: Callable[[], str]) -> str:
        found = self.actors.lookup(name) or self.actor_names.get(period_key(name))
        return found if found is not None else make()

    def _ensure_force(self, row: Row, force: Any) -> str:
        """The force a unit belongs to, or the government a force serves, registered if new."""
        if force.unit is not None:  # a unit: its force, under the government
            government = self._ensure(
                row, force.government, lambda: self._register_plain(row, force.government, None)
            )
            return self._register_plain(row, force.force, government)
        return self._register_plain(row, force.government, None)

    def _register_plain(self, row: Row, name: str, part_of: str | None) -> str:
        self.actor_names[period_key(name)] = name
        self.items.extend(check({"type": "actor", "name": name, "part_of": part_of}, row.where))
        return name

    # Emitting records ---------------------------------------------------

    def _known(self, report_id: str) -> Known | None:
        if report_id not in self.known:
            self.known[report_id] = known_report(self.archive, report_id)
        return self.known[report_id]

    def _emit(self, where: str, record: dict[str, Any]) -> None:
        self.items.extend(check(record, where))

    def _file(self, row: Row, report_id: str, timestamp: int, claims: list[dict[str, Any]]) -> None:
        self._emit(
            row.where,
            {
                "type": "report",
                "id": report_id,
                "source": SOURCE,
                "published": rfc3339(timestamp),
                "reliability": RELIABILITY,
                "title": f"ACLED event {row['event_id_cnty']}",
                "note": "Imported from an ACLED CSV export: ACLED's sources are each claim's "
                "attribution, its notes the quote, its own fields under `acled`.",
                "claims": claims,
                "acled": acled_fields(row),
            },
        )
        self.known[report_id] = Known([dict(c) for c in claims], set(), False, timestamp)

    def _revise(
        self, row: Row, report_id: str, known: Known, claims: list[dict[str, Any]], timestamp: int
    ) -> None:
        """Correct the claims that changed, retract those gone, file those new."""
        reason = REVISION.format(timestamp)
        before = len(self.items)
        fields = acled_fields(row)
        for number, (old, new) in enumerate(zip(known.claims, claims, strict=False), start=1):
            changes = {f: new.get(f) for f in CLAIM_FIELDS if new.get(f) != old.get(f)}
            if changes and number not in known.retracted:
                self._emit(
                    row.where,
                    {
                        "type": "correction",
                        "report": report_id,
                        "claim": number,
                        "set": changes,
                        "reason": reason,
                        "acled": fields,
                    },
                )
                known.claims[number - 1] = dict(new)
        for number in range(len(claims) + 1, len(known.claims) + 1):
            if number not in known.retracted:
                self._emit(
                    row.where,
                    {
                        "type": "retraction",
                        "report": report_id,
                        "claim": number,
                        "reason": f"{reason}: no longer part of the event",
                    },
                )
                known.retracted.add(number)
        if len(claims) > len(known.claims):
            self._emit(
                row.where,
                {
                    "type": "report",
                    "id": f"{report_id}-{timestamp}",
                    "source": SOURCE,
                    "published": rfc3339(timestamp),
                    "reliability": RELIABILITY,
                    "title": f"{reason}: claims added to {report_id}",
                    "claims": claims[len(known.claims) :],
                },
            )
        if len(self.items) == before:
            self.tally.unchanged += 1
        else:
            self.tally.revised += 1
        known.timestamp = timestamp

    def _no_longer_territorial(self, row: Row, report_id: str, timestamp: int) -> None:
        known = self._known(report_id)
        if known is None or known.withdrawn or timestamp <= known.timestamp:
            return
        reason = REVISION.format(timestamp)
        self._emit(
            row.where,
            {
                "type": "retraction",
                "report": report_id,
                "reason": f"{reason}: no longer a territorial event, now "
                f"{row['event_type']}: {row['sub_event_type']}",
            },
        )
        known.withdrawn = True
        known.timestamp = timestamp
        self.tally.revised += 1

    # Deletions -----------------------------------------------------------

    def deletion(self, row: Row) -> str | None:
        """Retract the report of an event ACLED deleted; the event id when it is unknown."""
        event_id = row["event_id_cnty"]
        try:
            timestamp = unix_time(row["deleted_timestamp"])
        except ValueError as error:
            self.items.append(Problem(row.where, "deleted_timestamp", str(error)))
            return None
        if not EVENT_ID.match(event_id):
            self.items.append(
                Problem(
                    row.where,
                    "event_id_cnty",
                    f"'{event_id}' is not an ACLED event id (letters and digits, e.g. SYR12345)",
                )
            )
            return None
        known = self._known(PREFIX + event_id)
        if known is None:
            return event_id
        if not known.withdrawn:
            self._emit(
                row.where,
                {"type": "retraction", "report": PREFIX + event_id, "reason": DELETION.format(timestamp)},
            )
            known.withdrawn = True
            self.tally.revised += 1
        else:
            self.tally.unchanged += 1
        return None


def acled_fields(row: Row) -> dict[str, str]:
    """ACLED's own columns of a row, as written (empty ones left out), kept with the report."""
    return {c: row[c] for c in COLUMNS if row[c]}


def valid_date(day: str, time_precision: str | None) -> str:
    """The claim's date as ACLED's time precision means it: the day, the week, or the month.

    With precision 2 ACLED knows only the week and codes the middle of it, so the
    claim spans the three days either side; with 3 it knows only the month.
    """
    if time_precision in (None, "", "1"):
        return day
    if time_precision == "2":
        middle = date.fromisoformat(day)
        return f"{middle - timedelta(days=3)}/{middle + timedelta(days=3)}"
    if time_precision == "3":
        return day[:7]
    raise Rejected("time_precision", f"'{time_precision}' is not an ACLED precision code; use 1, 2 or 3")


def claim_values(row: Row, place: str, actor: str, status: str, when: str, grade: int) -> dict[str, Any]:
    """One claim as the importer stores it, so a revision can be compared field by field."""
    note = f"ACLED {row['event_type']}: {row['sub_event_type']}"
    if row["actor2"]:
        note += f"; actor2: {row['actor2']}"
    precision = [f"{c} {row[c]}" for c in ("geo_precision", "time_precision") if row.get(c)]
    if precision:
        note += "; " + ", ".join(precision)
    claim: dict[str, Any] = {
        "place": place,
        "actor": actor,
        "status": status,
        "date": when,
        "credibility": grade,
    }
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
    return Known(
        [dict(c) for c in report.claims],
        set(report.retracted_claims),
        report.retraction is not None,
        max(times),
    )


def unix_time(text: str) -> int:
    """ACLED's timestamp (Unix seconds), or an RFC 3339 time, as Unix seconds."""
    if text.isascii() and text.isdigit():
        seconds = int(text)
        if seconds > LATEST_TIMESTAMP:
            raise ValueError(
                f"'{text[:30]}' is not a Unix time in seconds that a calendar "
                "can show (it lies after the year 9999); ACLED writes e.g. "
                "1733702400"
            )
        return seconds
    try:
        return int(clock.parse_timestamp(text)[0].timestamp())
    except ValueError:
        raise ValueError(
            f"'{text[:30]}' is not a Unix time in seconds, as ACLED writes it (e.g. 1733702400)"
        ) from None


def rfc3339(timestamp: int) -> str:
    """A Unix time as RFC 3339 in UTC; `unix_time` keeps it within the years 1970-9999."""
    return datetime.fromtimestamp(min(max(timestamp, 0), LATEST_TIMESTAMP), UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


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


def coordinates(row: Row, wrong: list[tuple[str, str]]) -> dict[str, float]:
    found: dict[str, float] = {}
    for column, name, limit in (("latitude", "lat", 90), ("longitude", "lon", 180)):
        text = row.get(column)
        if not text:
            return {}
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not -limit <= value <= limit:
            wrong.append((column, f"'{text}' is not a {column} in degrees (-{limit} to {limit})"))
            return {}
        found[name] = value
    return found
