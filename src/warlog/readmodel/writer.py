"""Turning a batch of events into read-model rows, inside the projection's transaction.

Inserts are buffered and written with `executemany`, flushed before anything
is read back. Events are taken one command (one record time) at a time: after
each command, every place it touched has its steps recomputed from the
earliest valid date it touched, resuming the walk from the step before. Steps
that came out different are closed at that record time and the new ones
inserted, so `warlog_steps` holds the resolved state of every place as
bitemporal rows (valid date by record-time interval).

The stored steps answer the default question: by side, counting a vague date
from its last day, with the archive's pressure window. Sides and the window
are themselves recorded facts (`warlog_actors`, `warlog_policy`, both
bitemporal), so a command that changes either re-walks the places it affects
from their first claim, at its own record time: what was known before it
stays as it was.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from typing import Any, Literal

import orjson

from warlog import clock
from warlog.audit import merkle
from warlog.canonical import leaf
from warlog.dates import Bounds, bounds
from warlog.evidence.changes import EVIDENCE_EVENTS, evidence_change
from warlog.names import key
from warlog.readmodel.persistence import CLAIM_NAMES
from warlog.resolution import Claim, ClaimRef, Rule, Step, counted, side_of, steps

AMENDMENTS = ("Report.ClaimCorrected", "Report.ClaimRetracted", "Report.Retracted")
INSERT = {
    "warlog_log": "INSERT INTO warlog_log VALUES (?,?,?)",
    "warlog_reports": "INSERT INTO warlog_reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "warlog_claims": "INSERT INTO warlog_claims VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "warlog_history": "INSERT INTO warlog_history VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "warlog_places": "INSERT INTO warlog_places VALUES (?,?,?,?)",
    "warlog_names": "INSERT INTO warlog_names VALUES (?,?,?) ON CONFLICT DO NOTHING",
    "warlog_actors": "INSERT INTO warlog_actors VALUES (?,?,?,?)",
    "warlog_policy": "INSERT INTO warlog_policy VALUES (?,?,?,?)",
    "warlog_steps": "INSERT INTO warlog_steps VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    "warlog_walks": "INSERT INTO warlog_walks VALUES (?,?,?) "
    "ON CONFLICT (place, day) DO UPDATE SET walk = excluded.walk",
    "warlog_leaves": "INSERT INTO warlog_leaves VALUES (?,?)",
    "warlog_nodes": "INSERT INTO warlog_nodes VALUES (?,?,?)",
}
STEP_COLUMNS = "day, status, controller, contested_by, candidates, since, claims, uncertain, evidence_to"
EVERYTHING = ""  # a touched day before every day: re-walk the place from its first claim
STEP_COLUMNS_OF_S = ", ".join(f"s.{c}" for c in STEP_COLUMNS.split(", ")) + ", w.walk"
WITH_WALK = "JOIN warlog_walks w ON w.place = s.place AND w.day = s.day "
"""The walk to resume from lives beside the step, out of the rows that queries read."""
RESTEP_CHUNK = 400
STATISTICS_EVERY = 2_000
"""Rows written between two looks at whether the planner's statistics are out of date."""
Statistics = Callable[[Any], None]
"""A backend's hook that brings the planner's statistics up to date, given the cursor."""
LAST_DAY = "9999-12-31"  # after every valid date: a walk that never stops early
HORIZON_DAYS = 45  # a walk mostly rejoins its stored steps within a pressure window or two
FLUSH_ROWS = 5000


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def step_from_row(row: Sequence[Any]) -> Step:
    day, status, controller, contested_by, candidates, since, claims, uncertain, evidence, walk = row
    return Step(
        day,
        status,
        controller,
        tuple(orjson.loads(contested_by)),
        tuple(orjson.loads(candidates)),
        since,
        tuple(ClaimRef(r, n) for r, n in orjson.loads(claims)),
        uncertain=bool(uncertain),
        evidence_to=evidence,
        walk=orjson.loads(walk) if walk else {},
    )


@dataclass(frozen=True, slots=True)
class Command:
    """One command's re-walk, kept by a rebuild to do after every event is in, place by place."""

    at: str
    touched: dict[str, str]  # place -> earliest valid date touched (EVERYTHING: all of it)
    latest: dict[str, str]  # place -> latest valid date touched
    parents: dict[str, str | None]  # the sides in force after the command
    pressure_days: int | None


class Writer:
    """Projects events through one cursor; `sql` adapts statements to the backend.

    With `deferred`, a list, the steps are not walked command by command: each
    command's re-walk is kept there, for `restep_deferred` to do once every
    event is in (a rebuild), with each place's claims and steps in memory.
    """

    def __init__(
        self,
        cursor: Any,
        sql: Callable[[str], Any],
        deferred: list[Command] | None = None,
        statistics: Statistics | None = None,
    ) -> None:
        self.c = cursor
        self.sql = sql
        self.deferred = deferred
        # Rows written since `statistics` last looked: it looks before the first read,
        # then before a read that follows STATISTICS_EVERY rows written.
        self.statistics = statistics
        self.unlooked = STATISTICS_EVERY
        self._parents_kept: dict[str, str | None] | None = None  # the sides as last kept in `deferred`
        self.pending: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.parents: dict[str, str | None] = {}
        self.pressure_days: int | None = 14
        self.places: dict[str, tuple[str, list[str]]] = {}  # place -> name, parents' names
        self.rewalk: set[str] | None = set()  # actors whose side changed; None: every place
        self.loaded = False
        self.report_ids: dict[str, str] = {}  # report aggregate id (hex) -> report id
        # The current version of each claim of the reports this batch amends or files:
        # report -> claim number -> its values and the report's reliability.
        self.current_claims: dict[str, dict[int, dict[str, Any]]] = {}
        # The claims of reports filed in this batch, as filed: made current claims only if amended.
        self.filed_claims: dict[str, tuple[list[dict[str, Any]], str]] = {}
        self.closing: list[tuple[str, int, str, int, int]] = []  # claim versions to close

    def load(self) -> None:
        """The sides and the pressure window in force, for walking the default way."""
        self.parents = dict(
            self.execute("SELECT actor, part_of FROM warlog_actors WHERE recorded_to IS NULL", ()).fetchall()
        )
        row = self.execute(
            "SELECT value FROM warlog_policy WHERE name='pressure-days' AND recorded_to IS NULL", ()
        ).fetchone()
        if row is not None:
            self.pressure_days = None if row[0] is None else int(row[0])
        self.loaded = True

    @property
    def rule(self) -> Rule:
        return Rule("side", "latest", self.pressure_days)

    # Plumbing -----------------------------------------------------------

    def insert(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.pending[table]
        rows.append(row)
        if len(rows) >= FLUSH_ROWS:  # keep memory flat in a long command
            self.write(table, rows)
            rows.clear()

    def flush(self) -> None:
        for table, rows in self.pending.items():
            if rows:
                self.write(table, rows)
        self.pending.clear()

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        self.c.executemany(self.sql(INSERT[table]), rows)
        self.unlooked += len(rows)

    def execute(self, statement: str, params: Sequence[Any]) -> Any:
        self.flush()
        if self.statistics is not None and self.unlooked >= STATISTICS_EVERY:
            self.statistics(self.c)
            self.unlooked = 0
        self.c.execute(self.sql(statement), params)
        return self.c

    # Events -------------------------------------------------------------

    def project(self, events: Sequence[tuple[int, Any]]) -> None:
        tree = self.tree()
        if not self.loaded:
            self.load()
        for timestamp, command in groupby(events, key=lambda pair: pair[1].timestamp):
            at = clock.format_time(timestamp)
            touched: dict[str, str] = {}
            latest: dict[str, str] = {}
            self.rewalk = set()
            command_events = list(command)
            self.prefetch_amended(command_events)
            for position, event in command_events:
                self.insert("warlog_log", (position, at, getattr(event, "archivist", "")))
                self.insert("warlog_leaves", (tree.size, position))
                for start, stop, node in tree.append(merkle.leaf_hash(leaf(position, event))):
                    self.insert("warlog_nodes", (start, stop, node.hex()))
                for place, day in self.event(position, at, event):
                    touched[place] = min(day, touched.get(place, day))
                    latest[place] = max(day, latest.get(place, day))
            self.flush()
            self.close_versions()
            for place in self.rewalked_places():
                touched[place] = EVERYTHING
            if self.deferred is None:
                self.restep(touched, at, latest)
            elif touched:
                # Batches hold whole commands (`projection.whole_commands`): one entry per record time.
                self.deferred.append(Command(at, touched, latest, self.kept_parents(), self.pressure_days))
        self.flush()

    def kept_parents(self) -> dict[str, str | None]:
        """The sides in force, one copy for every command until they change (commands are many)."""
        if self._parents_kept != self.parents:
            self._parents_kept = dict(self.parents)
        return self._parents_kept

    def forget(self) -> None:
        """Drop what one batch kept of the reports it filed and amended (a rebuild reads many)."""
        self.report_ids.clear()
        self.current_claims.clear()
        self.filed_claims.clear()

    def prefetch_amended(self, events: Sequence[tuple[int, Any]]) -> None:
        """Read, once for a command, the reports it amends and their current claims.

        Corrections and retractions then work from memory, however many there are.
        """
        later = [e for _, e in events if _amends_report(type(e).__qualname__)]
        ids = {e.originator_id.hex for e in later} - self.report_ids.keys()
        for chunk in _chunks(sorted(ids)):
            marks = ",".join("?" * len(chunk))
            self.report_ids.update(
                self.execute(f"SELECT id, report FROM warlog_reports WHERE id IN ({marks})", chunk).fetchall()
            )
        # A report filed earlier in this command is not stored yet: `filed` keeps its claims.
        amended = {
            self.report_ids[e.originator_id.hex]
            for e in later
            if type(e).__qualname__ in AMENDMENTS and e.originator_id.hex in self.report_ids
        }
        reports = sorted(amended - self.current_claims.keys() - self.filed_claims.keys())
        for report in reports:
            self.current_claims[report] = {}
        for chunk in _chunks(reports):
            marks = ",".join("?" * len(chunk))
            for row in self.execute(
                f"SELECT report, claim, {', '.join(CLAIM_NAMES)}, reliability FROM warlog_claims "
                f"WHERE report IN ({marks}) AND recorded_to IS NULL",
                chunk,
            ).fetchall():
                values = zip((*CLAIM_NAMES, "reliability"), tuple(row)[2:], strict=True)
                self.current_claims[row[0]][row[1]] = {k: v for k, v in values if v is not None}

    def close_versions(self) -> None:
        """End the claim versions this command superseded or retracted, in log order.

        Each closes the version that was current before its event's position, so
        the versions the command itself wrote (all flushed first) stay open.
        """
        if self.closing:
            self.flush()
            self.c.executemany(
                self.sql(
                    "UPDATE warlog_claims SET recorded_to=?, position_to=? WHERE report=? AND claim=? "
                    "AND recorded_to IS NULL AND position_from < ?"
                ),
                self.closing,
            )
            self.closing.clear()

    def rewalked_places(self) -> list[str]:
        """Places whose claims' sides or window changed in this command: walked again from the start."""
        if self.rewalk is None:
            query, params = "SELECT DISTINCT place FROM warlog_claims WHERE recorded_to IS NULL", []
        elif self.rewalk:
            actors = sorted(self.rewalk)
            query = (
                "SELECT DISTINCT place FROM warlog_claims WHERE recorded_to IS NULL "
                f"AND actor IN ({','.join('?' for _ in actors)})"
            )
            params = actors
        else:
            return []
        return [str(r[0]) for r in self.execute(query, params).fetchall()]

    def tree(self) -> merkle.CompactRange:
        """The Merkle tree's right edge so far, from the stored perfect subtrees."""
        size = int(self.execute("SELECT COUNT(*) FROM warlog_leaves", ()).fetchone()[0])
        edge, start = [], 0
        for bit in reversed(range(size.bit_length())):
            if size >> bit & 1:
                row = self.execute(
                    "SELECT hash FROM warlog_nodes WHERE start=? AND stop=?", (start, start + (1 << bit))
                ).fetchone()
                edge.append(bytes.fromhex(row[0]))
                start += 1 << bit
        return merkle.CompactRange.from_list(size, edge)

    def event(self, position: int, at: str, e: Any) -> list[tuple[str, str]]:
        """Write one event's rows; return the (place, valid date) pairs whose state may change."""
        kind = type(e).__qualname__
        if kind == "Report.Filed":
            return self.filed(position, at, e)
        if kind == "Report.ClaimCorrected":
            return self.corrected(position, at, e)
        if kind == "Report.ClaimRetracted":
            return self.close(position, at, self.report_id(e.originator_id), e.claim, e)
        if kind == "Report.Retracted":
            report = self.report_id(e.originator_id)
            self.execute("UPDATE warlog_reports SET retracted_at=? WHERE report=?", (at, report))
            return self.close(position, at, report, None, e)
        if kind in EVIDENCE_EVENTS:
            self.history(
                position, at, e.archivist, *evidence_change(kind, self.report_id(e.originator_id), e)
            )
            return []
        if kind == "Places.Registered":
            place = e.name if e.within is None else f"{e.name}, {e.within}"
            within = [] if e.within is None else [*self.place(e.within)]
            self.places[place] = (e.name, within)
            self.insert("warlog_places", (place, e.name, key(e.name), dumps(within)))
            self.names("place", place, [e.name, *e.aliases])
            self.history(
                position, at, e.archivist, "registered", None, None, place, None, None, {"aliases": e.aliases}
            )
        elif kind == "Places.AliasesAdded":
            self.names("place", e.name, e.aliases)
            self.history(
                position,
                at,
                e.archivist,
                "aliases added",
                None,
                None,
                e.name,
                None,
                None,
                {"aliases": e.aliases},
            )
        elif kind in ("Actors.Registered", "Actors.AliasesAdded"):
            if kind == "Actors.Registered":
                self.parents[e.name] = e.part_of
                self.insert("warlog_actors", (e.name, e.part_of, at, None))
            self.names("actor", e.name, ([e.name] if kind == "Actors.Registered" else []) + e.aliases)
            self.history(
                position,
                at,
                e.archivist,
                _registry_kind(kind),
                None,
                None,
                None,
                None,
                None,
                {"actor": e.name, "aliases": e.aliases},
                e.name,
            )
        elif kind == "Actors.PartOfChanged":
            self.part_of_changed(position, at, e)
        elif kind == "Policy.Set":
            self.policy_set(position, at, e)
        elif kind.startswith("Keys.") and kind != "Keys.Created":
            self.history(
                position,
                at,
                e.archivist,
                "key " + kind.rsplit("Key", 1)[1].lower(),
                None,
                None,
                None,
                getattr(e, "reason", None),
                None,
                {k: v for k, v in e.__dict__.items() if k in ("origin", "name", "public_key")},
            )
        return []

    def names(self, registry: str, entry: str, names: list[str]) -> None:
        """Every name and alias, by its lookup key: one indexed read resolves what a user typed."""
        for alias in names:
            self.insert("warlog_names", (registry, key(alias), entry))

    def place(self, place: str) -> list[str]:
        """A place's name and its parents' names, nearest first."""
        if place not in self.places:
            row = self.execute("SELECT name, within FROM warlog_places WHERE place=?", (place,)).fetchone()
            self.places[place] = (str(row[0]), orjson.loads(row[1]))
        name, within = self.places[place]
        return [name, *within]

    def part_of_changed(self, position: int, at: str, e: Any) -> None:
        """A new side for the actor and everything under it, from this record time."""
        before = {a: side_of(a, self.parents) for a in self.parents}
        previous = self.parents.get(e.name)
        self.execute(
            "UPDATE warlog_actors SET recorded_to=? WHERE actor=? AND recorded_to IS NULL", (at, e.name)
        )
        self.insert("warlog_actors", (e.name, e.part_of, at, None))
        self.parents[e.name] = e.part_of
        if self.rewalk is not None:
            self.rewalk |= {a for a in self.parents if side_of(a, self.parents) != before[a]}
        self.history(
            position,
            at,
            e.archivist,
            "part of changed",
            None,
            None,
            None,
            e.reason,
            {"part_of": previous},
            {"part_of": e.part_of},
            e.name,
        )

    def policy_set(self, position: int, at: str, e: Any) -> None:
        """A new pressure window: every place is walked again, from this record time."""
        row = self.execute(
            "SELECT value FROM warlog_policy WHERE name=? AND recorded_to IS NULL", (e.name,)
        ).fetchone()
        before = self.pressure_days if row is None else row[0]
        self.execute(
            "UPDATE warlog_policy SET recorded_to=? WHERE name=? AND recorded_to IS NULL", (at, e.name)
        )
        self.insert("warlog_policy", (e.name, e.value, at, None))
        if e.name == "pressure-days":
            self.pressure_days = e.value
            self.rewalk = None
        self.history(
            position,
            at,
            e.archivist,
            "policy set",
            None,
            None,
            None,
            e.reason,
            {e.name: before},
            {e.name: e.value},
        )

    def filed(self, position: int, at: str, e: Any) -> list[tuple[str, str]]:
        acled = getattr(e, "acled", None)
        self.insert(
            "warlog_reports",
            (
                e.originator_id.hex,
                e.report_id,
                e.source,
                e.published,
                e.reliability,
                e.url,
                e.title,
                at,
                position,
                e.archivist,
                None,
                None if acled is None else dumps(acled),
            ),
        )
        self.report_ids[e.originator_id.hex] = e.report_id
        self.filed_claims[e.report_id] = (e.claims, e.reliability)
        self.current_claims.pop(e.report_id, None)
        for number, claim in enumerate(e.claims, start=1):
            self.version(e.report_id, number, claim, e.reliability, at, position)
            self.history(
                position, at, e.archivist, "reported", e.report_id, number, claim["place"], None, None, None
            )  # the claim as reported is its first version in warlog_claims: `history` reads it there
        return [(c["place"], bounds(c["date"]).last) for c in e.claims]

    def corrected(self, position: int, at: str, e: Any) -> list[tuple[str, str]]:
        report = self.report_id(e.originator_id)
        if getattr(e, "acled", None) is not None:
            self.execute("UPDATE warlog_reports SET acled=? WHERE report=?", (dumps(e.acled), report))
        current = dict(self.current(report)[e.claim])
        reliability = current.pop("reliability")
        before = {k: current.get(k) for k in e.changes}
        after = {k: v for k, v in {**current, **e.changes}.items() if v is not None}
        self.end_version(report, e.claim, at, position)
        self.version(report, e.claim, after, reliability, at, position)
        self.current_claims[report][e.claim] = {**after, "reliability": reliability}
        for place in dict.fromkeys((current["place"], after["place"])):
            self.history(
                position,
                at,
                e.archivist,
                "corrected",
                report,
                e.claim,
                place,
                e.reason,
                before,
                dict(e.changes),
            )
        return [
            (current["place"], bounds(current["date"]).last),
            (after["place"], bounds(after["date"]).last),
        ]

    def close(self, position: int, at: str, report: str, claim: int | None, e: Any) -> list[tuple[str, str]]:
        current = self.current(report)
        numbers = sorted(current) if claim is None else [claim] if claim in current else []
        rows = [(n, current[n]["place"], bounds(current[n]["date"]).last) for n in numbers]
        for number in numbers:
            del current[number]
        for number, place, _ in rows:
            self.end_version(report, number, at, position)
            self.history(position, at, e.archivist, "retracted", report, number, place, e.reason, None, None)
        return [(place, day) for _, place, day in rows]

    def current(self, report: str) -> dict[int, dict[str, Any]]:
        """The current version of each claim of a report this batch amends, by number."""
        filed = self.filed_claims.pop(report, None)
        if filed is not None:
            claims, reliability = filed
            self.current_claims[report] = {
                n: {**claim, "reliability": reliability} for n, claim in enumerate(claims, start=1)
            }
        return self.current_claims[report]

    # Rows ---------------------------------------------------------------

    def report_id(self, originator_id: Any) -> str:
        """The report id of a report's later event (read for the whole command by `prefetch_amended`)."""
        found = self.report_ids.get(originator_id.hex)
        if found is None:
            row = self.execute("SELECT report FROM warlog_reports WHERE id=?", (originator_id.hex,))
            found = self.report_ids[originator_id.hex] = str(row.fetchone()[0])
        return found

    def version(
        self, report: str, number: int, claim: dict[str, Any], reliability: str, at: str, position: int
    ) -> None:
        when = bounds(claim["date"])
        self.insert(
            "warlog_claims",
            (
                report,
                number,
                claim["place"],
                claim["actor"],
                claim["status"],
                when.last,
                when.first,
                claim["date"],
                claim["credibility"],
                reliability,
                claim.get("attributed_to"),
                claim.get("quote"),
                claim.get("note"),
                at,
                position,
                None,
                None,
            ),
        )

    def end_version(self, report: str, claim: int, at: str, position: int) -> None:
        self.closing.append((at, position, report, claim, position))

    def history(
        self,
        position: int,
        at: str,
        archivist: str,
        kind: str,
        report: str | None,
        claim: int | None,
        place: str | None,
        reason: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        actor: str | None = None,
    ) -> None:
        self.insert(
            "warlog_history",
            (
                position,
                at,
                archivist,
                kind,
                report,
                claim,
                place,
                reason,
                None if before is None else dumps(before),
                None if after is None else dumps(after),
                actor,
            ),
        )

    # Steps --------------------------------------------------------------

    def restep(self, touched: dict[str, str], at: str, latest: dict[str, str] | None = None) -> None:
        """Recompute each touched place's steps from its earliest touched date on.

        The walk resumes from the place's last step before that date, so a report
        about today costs a step or two, not a replay of the place's history; it
        stops where it rejoins the stored steps after the latest date touched
        (`latest`), as nothing after that can come out different. Claims and
        stored steps are read up to a horizon past that date first, and beyond
        it only for the places whose walk has not rejoined by then. Places go
        in chunks, three queries a chunk; the steps replaced are closed together.
        """
        places = sorted(touched.items())
        latest = latest or {}
        for start in range(0, len(places), RESTEP_CHUNK):
            chunk = places[start : start + RESTEP_CHUNK]
            last = {p: LAST_DAY if d == EVERYTHING else latest.get(p, LAST_DAY) for p, d in chunk}
            window = [(p, d, _horizon(last[p])) for p, d in chunk]
            resume, claims, old = self.fetch_steps_and_claims(window)
            ended: list[tuple[str, str]] = []
            fresh: list[tuple[str, tuple[Any, ...]]] = []
            beyond: dict[str, Step | None] = {}
            for place, _, horizon in window:
                walked = self.restep_place(
                    place, resume.get(place), claims[place], old[place], fresh, ended, last[place], horizon
                )
                if walked is not False:
                    beyond[place] = walked
            if beyond:
                rest = [(p, _next_day(h), LAST_DAY) for p, _, h in window if p in beyond]
                _, claims, old = self.fetch_steps_and_claims(rest, resume_too=False)
                for place, _, _ in rest:
                    self.restep_place(place, beyond[place], claims[place], old[place], fresh, ended)
            self.end_steps(ended, at)  # before the new rows go in, so they stay open
            rewritten = {(place, row[0]) for place, row in fresh}
            gone = [ended_step for ended_step in ended if ended_step not in rewritten]
            if gone:  # a step no longer there takes its walk with it
                self.flush()
                self.c.executemany(self.sql("DELETE FROM warlog_walks WHERE place=? AND day=?"), gone)
            for place, row in fresh:
                self.insert("warlog_steps", (place, row[0], at, None, *row[1:-1]))
                self.insert("warlog_walks", (place, row[0], row[-1]))

    def fetch_steps_and_claims(
        self, chunk: list[tuple[str, str, str]], *, resume_too: bool = True
    ) -> tuple[dict[str, Step], dict[str, list[Claim]], dict[str, dict[str, tuple[Any, ...]]]]:
        """Per (place, from, to): the step to resume from, the claims and stored steps dated in between."""
        values = ",".join("(?,?,?)" for _ in chunk)
        params = [v for triple in chunk for v in triple]
        touched = f"WITH t(place, day, last) AS (VALUES {values}) "
        resume = {}
        if resume_too:
            resume = {
                r[0]: step_from_row(tuple(r[1:]))
                for r in self.execute(
                    touched + f"SELECT s.place, {STEP_COLUMNS_OF_S} FROM t JOIN warlog_steps s "
                    "ON s.place = t.place AND s.recorded_to IS NULL AND s.day = ("
                    "SELECT x.day FROM warlog_steps x WHERE x.place = t.place AND x.day < t.day "
                    f"AND x.recorded_to IS NULL ORDER BY x.day DESC LIMIT 1) {WITH_WALK}",
                    params,
                ).fetchall()
            }
        claims: dict[str, list[Claim]] = defaultdict(list)
        rule, parents = self.rule, self.parents
        for place, r, n, actor, status, last, first in self.execute(
            touched + "SELECT c.place, c.report, c.claim, c.actor, c.status, c.day, "
            "c.first_day FROM t JOIN warlog_claims c ON c.place = t.place AND c.day >= t.day "
            "AND c.day <= t.last AND c.recorded_to IS NULL",
            params,
        ).fetchall():
            claims[place].append(counted(ClaimRef(r, n), actor, status, Bounds(first, last), rule, parents))
        old: dict[str, dict[str, tuple[Any, ...]]] = defaultdict(dict)
        for row in self.execute(
            touched + f"SELECT s.place, {STEP_COLUMNS_OF_S} FROM t JOIN warlog_steps s "
            "ON s.place = t.place AND s.day >= t.day AND s.day <= t.last AND s.recorded_to IS NULL "
            f"{WITH_WALK}",
            params,
        ).fetchall():
            old[row[0]][row[1]] = tuple(row[1:])
        return resume, claims, old

    def restep_place(
        self,
        place: str,
        resume: Step | None,
        claims: list[Claim],
        old: dict[str, tuple[Any, ...]],
        fresh: list[tuple[str, tuple[Any, ...]]],
        ended: list[tuple[str, str]],
        latest: str = "",
        horizon: str = LAST_DAY,
        pressure_days: int | Literal["in force"] | None = "in force",
    ) -> Step | Literal[False] | None:
        """Walk one place on over the claims and stored steps read up to `horizon`.

        New step rows go to `fresh`, the (place, day) of stored steps to close to
        `ended`. After the latest day touched, a step equal to the stored one
        (walk included) means every later one is too: the walk stops there and
        the stored steps after it stay; it returns False then, or when it walked
        everything. Otherwise the walk needs what lies past the horizon: it
        returns the last step it could trust (None: none), to resume from.
        """
        kept = ""
        trusted = resume
        window = self.pressure_days if pressure_days == "in force" else pressure_days
        for step in steps(claims, window, resume, keep_walk=True):
            if step.date > horizon:  # a lapse that a claim past the horizon may come before
                break
            trusted = step
            row = step_row(step)
            previous = old.pop(step.date, None)
            if previous == row:
                if step.date >= latest:
                    kept = step.date
                    break
                continue
            if previous is not None:
                ended.append((place, step.date))
            fresh.append((place, row))
        ended += [(place, day) for day in old if not kept or day < kept]
        if kept or horizon == LAST_DAY:
            return False
        return trusted

    def end_steps(self, ended: list[tuple[str, str]], at: str) -> None:
        """Close replaced steps, in one statement run for each."""
        if ended:
            self.flush()
            self.c.executemany(
                self.sql(
                    "UPDATE warlog_steps SET recorded_to=? WHERE place=? AND day=? AND recorded_to IS NULL"
                ),
                [(at, place, day) for place, day in ended],
            )

    # A rebuild's steps, place by place ------------------------------------

    def restep_deferred(self, commands: list[Command]) -> None:
        """Walk each place through the commands that touched it, in order, in memory.

        The rows come out as the commands would have written them one by one
        (`restep`), without reading steps back: each place's claim versions are
        read once, the claims in force at each command's record time follow from
        their record-time intervals, and a step is written once, closed or open.
        """
        touching: dict[str, list[Command]] = defaultdict(list)
        for command in commands:
            for place in command.touched:
                touching[place].append(command)
        places = sorted(touching)
        for start in range(0, len(places), RESTEP_CHUNK):
            chunk = places[start : start + RESTEP_CHUNK]
            versions: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
            for row in self.execute(
                "SELECT place, recorded_from, recorded_to, day, report, claim, actor, status, first_day "
                f"FROM warlog_claims WHERE place IN ({','.join('?' * len(chunk))}) "
                "ORDER BY place, recorded_from",
                chunk,
            ).fetchall():
                versions[row[0]].append(tuple(row)[1:])
            for place in chunk:
                self.restep_alone(place, touching[place], versions[place])

    def restep_alone(self, place: str, commands: list[Command], versions: list[tuple[Any, ...]]) -> None:
        """One place's steps through its commands; `versions` by record time, from first to last."""
        in_force: list[tuple[str, str, int, str, str, str]] = []  # (day, report, claim, actor, status, first)
        closing: list[tuple[str, tuple[str, str, int, str, str, str]]] = []  # (recorded_to, claim)
        held: dict[str, tuple[tuple[Any, ...], str]] = {}  # day -> step row, recorded from
        days: list[str] = []
        following = 0
        for command in commands:
            at = command.at
            while following < len(versions) and versions[following][0] <= at:
                recorded_to, (day, report, number, actor, status, first) = (
                    versions[following][1],
                    versions[following][2:],
                )
                following += 1
                if recorded_to is not None and recorded_to <= at:
                    continue  # written and superseded before this command ended
                version = (day, report, number, actor, status, first)
                insort(in_force, version)
                if recorded_to is not None:
                    closing.append((recorded_to, version))
            if closing:
                ended_claims = [v for t, v in closing if t <= at]
                if ended_claims:
                    closing = [(t, v) for t, v in closing if t > at]
                    for version in ended_claims:
                        del in_force[bisect_left(in_force, version)]
            touched = command.touched[place]
            rule = Rule("side", "latest", command.pressure_days)
            claims = [
                counted(ClaimRef(r, n), actor, status, Bounds(first, day), rule, command.parents)
                for day, r, n, actor, status, first in in_force[bisect_left(in_force, (touched,)) :]
            ]
            lo = bisect_left(days, touched)
            resume = step_from_row(held[days[lo - 1]][0]) if lo else None
            old = {day: held[day][0] for day in days[lo:]}
            fresh: list[tuple[str, tuple[Any, ...]]] = []
            ended: list[tuple[str, str]] = []
            last = LAST_DAY if touched == EVERYTHING else command.latest.get(place, LAST_DAY)
            self.restep_place(place, resume, claims, old, fresh, ended, last, LAST_DAY, command.pressure_days)
            for _, day in ended:
                row, recorded_from = held.pop(day)
                del days[bisect_left(days, day)]
                self.insert("warlog_steps", (place, day, recorded_from, at, *row[1:-1]))
            for _, row in fresh:
                held[row[0]] = (row, at)
                insort(days, row[0])
        for day in days:
            row, recorded_from = held[day]
            self.insert("warlog_steps", (place, day, recorded_from, None, *row[1:-1]))
            self.insert("warlog_walks", (place, day, row[-1]))


def step_row(step: Step) -> tuple[Any, ...]:
    """A step as stored: comparable with a row read back, column for column."""
    return (
        step.date,
        step.status,
        step.controller,
        dumps(step.contested_by),
        dumps(step.candidates),
        step.since,
        dumps([[r.report, r.claim] for r in step.claims]),
        int(step.uncertain),
        step.evidence_to,
        dumps(step.walk),
    )


def _horizon(latest: str) -> str:
    """How far past the latest touched day claims and steps are read before the walk is tried."""
    if latest >= LAST_DAY[:4]:
        return LAST_DAY
    return (date.fromisoformat(latest) + timedelta(days=HORIZON_DAYS)).isoformat()


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _amends_report(kind: str) -> bool:
    """Whether an event is a later event of a filed report (a correction, retraction, evidence)."""
    return kind.startswith("Report.") and kind != "Report.Filed"


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    """Values in lists short enough for one statement's parameters."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def _registry_kind(kind: str) -> str:
    return "registered" if kind.endswith("Registered") else "aliases added"
