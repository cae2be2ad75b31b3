"""The read model: claim versions with both clocks, reports, and a history of changes.

It is a `TrackingRecorder` from the eventsourcing library, so every batch of
events is written together with the position it reached, in one transaction:
each event is projected exactly once, and dropping the tables rebuilds it from
the log. The SQL is written once here with `?` placeholders; the backend files
say how to connect, create tables and guard the tracking position.

A claim version is a claim as it stood between two record times: filed or
corrected at `recorded_from`, superseded or retracted at `recorded_to` (NULL
while current). "Effective at record time T" is then one indexed range test.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from eventsourcing.persistence import Tracking, TrackingRecorder

from warlog.dates import Bounds
from warlog.names import key, qualified
from warlog.readmodel.exports import ExportQueries
from warlog.resolution import Claim, ClaimRef, Rule, Step, counted
from warlog.results import Change, PlaceState

if TYPE_CHECKING:
    from warlog.readmodel.writer import Statistics

TABLES = (
    "warlog_claims",
    "warlog_reports",
    "warlog_history",
    "warlog_log",
    "warlog_places",
    "warlog_names",
    "warlog_actors",
    "warlog_policy",
    "warlog_steps",
    "warlog_walks",
    "warlog_leaves",
    "warlog_nodes",
)
CLAIM_COLUMNS = (
    "report, claim, place, actor, status, first_day, day, date, credibility, reliability, "
    "attributed_to, quote, note, recorded_from, position_from, recorded_to"
)


NAMES_KEPT = 10_000  # name lookups kept per read-model position


class StaleTracking(Exception):
    """Another process projected these events first; read the log again from its position."""


class Cursor(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchall(self) -> Any: ...
    def fetchone(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One version of one claim, with the grades and the record-time interval it held."""

    report: str
    claim: int
    place: str
    actor: str
    status: str
    first_day: str
    last_day: str
    date: str  # as the source gave it: a day, a month, a year or an interval
    credibility: int
    reliability: str
    attributed_to: str | None
    quote: str | None
    note: str | None
    recorded_from: str
    position: int
    recorded_to: str | None

    def counted(self, rule: Rule, parents: Mapping[str, str | None]) -> Claim:
        return counted(
            ClaimRef(self.report, self.claim),
            self.actor,
            self.status,
            Bounds(self.first_day, self.last_day),
            rule,
            parents,
        )


@dataclass(frozen=True, slots=True)
class ReportRow:
    report: str
    source: str
    published: str
    reliability: str
    url: str | None
    title: str | None
    recorded_at: str
    archivist: str
    retracted_at: str | None


class ReadModel(ExportQueries, TrackingRecorder, ABC):
    """What every backend's read model does; SQL shared, connections and DDL per backend."""

    application_name = "warlog"
    _kept_names_at: int | None = None  # the position the kept name lookups hold for
    _kept_names: dict[tuple[str, str], tuple[str, ...]]  # the kept lookups, made on first use

    # Backend hooks -------------------------------------------------------

    @abstractmethod
    def _transaction(self, *, commit: bool) -> AbstractContextManager[Cursor]: ...

    @abstractmethod
    def _sql(self, statement: str) -> Any:
        """Adapt a `?`-placeholder statement naming warlog_* tables to the backend."""

    @property
    @abstractmethod
    def _tracking_table(self) -> str: ...

    @abstractmethod
    def _rowcount(self, c: Cursor) -> int: ...

    def _statistics(self) -> Statistics | None:
        """How a command keeps the planner's statistics in step with what it writes (None: no need).

        SQLite plans these statements from the indexes alone.
        """
        return None

    @abstractmethod
    def drop(self) -> None:
        """Drop the read model's tables and its tracking position (for a rebuild)."""

    @abstractmethod
    def create_table(self) -> None:
        """Create what is missing of the read model's tables and indexes."""

    def drop_reader_indexes(self) -> None:
        """Drop the indexes only queries use, for a rebuild to build them once at its end.

        Building an index over a finished table is faster than growing it row by
        row. `create_table` makes them again at the rebuild's end, and after a
        catch-up from the log, so a rebuild stopped half-way leaves none missing.
        """
        with self._transaction(commit=True) as c:
            for name in READER_INDEXES:
                c.execute(self._sql(f"DROP INDEX IF EXISTS {name}"))

    # Writing ------------------------------------------------------------

    def project(self, events: Sequence[tuple[int, Any]], tracking: Tracking, expected: int | None) -> None:
        """Write these (position, domain event) pairs' rows and move tracking on from `expected`.

        `expected` is the tracking position the caller read before it read the
        events (None: there was none). If another process moved it meanwhile, or a
        rebuild dropped it, nothing is written and `StaleTracking` says to re-read.
        """
        with self._transaction(commit=True) as c:
            self._advance_tracking(c, expected, tracking.notification_id)
            from warlog.readmodel.writer import Writer  # only a command or a catch-up writes

            Writer(c, self._sql, statistics=self._statistics()).project(events)

    def project_whole(
        self, batches: Iterable[Sequence[tuple[int, Any]]], application_name: str, last: int
    ) -> None:
        """Project the whole log up to position `last` into an empty read model, in one transaction.

        A rebuild: every event's rows go in batch by batch, then each place's
        steps are walked through the commands that touched it, in memory
        (`Writer.restep_deferred`), and tracking moves to `last` with them. The
        rows are those the commands wrote one by one; nothing is read back.
        """
        from warlog.readmodel.writer import Command, Writer

        with self._transaction(commit=True) as c:
            self._advance_tracking(c, None, last)
            commands: list[Command] = []
            writer = Writer(c, self._sql, deferred=commands, statistics=self._statistics())
            for batch in batches:
                writer.project(batch)
                writer.forget()
            writer.restep_deferred(commands)
            writer.flush()

    def _advance_tracking(self, c: Cursor, expected: int | None, last: int) -> None:
        """Compare-and-set on the tracking row, as the transaction's first write.

        The first write takes the write lock (SQLite) or the row lock (PostgreSQL,
        which re-checks the condition against the committed row after waiting), so
        two processes can never both project a batch, nor one project past a rebuild.
        """
        table = self._tracking_table
        if expected is None:
            c.execute(
                self._sql(
                    f"INSERT INTO {table} (application_name, notification_id) "
                    "VALUES (?, ?) ON CONFLICT (application_name) DO NOTHING"
                ),
                (self.application_name, last),
            )
        else:
            c.execute(
                self._sql(
                    f"UPDATE {table} SET notification_id=? WHERE application_name=? AND notification_id=?"
                ),
                (last, self.application_name, expected),
            )
        if self._rowcount(c) != 1:
            raise StaleTracking(last)

    # Reading ------------------------------------------------------------

    def _states_query(self, known_at: str, day: str, place: str | None) -> tuple[str, list[Any]]:
        """Per place, its last step on or before the day, as known then.

        The derived table and CROSS JOIN make SQLite go place by place: one index
        seek for the step's day, then one for its row. (PostgreSQL says the same
        with LATERAL; see its backend.)
        """
        statement = (
            f"SELECT m.name, m.within, m.name_key, {STATE_COLUMNS_OF_S} FROM (SELECT p.place, "
            "p.name, p.within, p.name_key, (SELECT x.day FROM warlog_steps x "
            "WHERE x.place = p.place AND x.day <= ? AND x.recorded_from <= ? "
            "AND (x.recorded_to IS NULL OR x.recorded_to > ?) ORDER BY x.day DESC LIMIT 1) AS day "
            "FROM warlog_places p{where}) m CROSS JOIN warlog_steps s "
            "WHERE s.place = m.place AND s.day = m.day AND s.recorded_from <= ? "
            "AND (s.recorded_to IS NULL OR s.recorded_to > ?)"
        )
        params: list[Any] = [day, known_at, known_at, *([] if place is None else [place]), known_at, known_at]
        return statement.format(where="" if place is None else " WHERE p.place = ?"), params

    def states(self, known_at: str, day: str, place: str | None = None) -> list[PlaceState]:
        """Default state of every place (or one) from the bitemporal steps: one row each."""
        statement, params = self._states_query(known_at, day, place)
        with self._transaction(commit=False) as c:
            c.execute(self._sql(statement), params)
            rows = c.fetchall()
            shared = self._shared_keys(c, rows[0][2] if place is not None else None) if rows else set()
        make = ClaimRef._make
        return [
            PlaceState(
                r[0],
                r[4],
                r[5],
                _names(r[6]),
                _names(r[7]),
                r[8],
                tuple(map(make, orjson.loads(r[9]))),
                _names(r[1]),
                bool(r[10]),
                r[11],
                r[2] in shared,
            )
            for r in rows
        ]

    def stored_steps(self, place: str, known_at: str) -> list[Step]:
        """One place's stored steps (the default rule's walk) as known at `known_at`, by day."""
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql(
                    "SELECT day, status, controller, contested_by, candidates, since FROM warlog_steps "
                    "WHERE place = ? AND recorded_from <= ? AND (recorded_to IS NULL OR "
                    "recorded_to > ?) ORDER BY day"
                ),
                (place, known_at, known_at),
            )
            rows = c.fetchall()
        return [Step(r[0], r[1], r[2], _names(r[3]), _names(r[4]), r[5], ()) for r in rows]

    def _shared_keys(self, c: Cursor, name_key: str | None = None) -> set[str]:
        """The name keys more than one place has (of all, or just whether `name_key` is)."""
        if name_key is not None:
            c.execute(self._sql("SELECT COUNT(*) FROM warlog_places WHERE name_key=?"), (name_key,))
            return {name_key} if int(c.fetchone()[0]) > 1 else set()
        c.execute(self._sql("SELECT name_key FROM warlog_places GROUP BY name_key HAVING COUNT(*) > 1"))
        return {str(r[0]) for r in c.fetchall()}

    def place_info(self, place: str | None = None) -> dict[str, PlaceInfo]:
        """Every place's (or one's) name, parents and whether its name is shared, by place."""
        with self._transaction(commit=False) as c:
            if place is None:
                c.execute(self._sql("SELECT place, name, within, name_key FROM warlog_places"))
                rows = c.fetchall()
                shared = self._shared_keys(c)
            else:
                c.execute(
                    self._sql(
                        "SELECT p.place, p.name, p.within, (SELECT COUNT(*) FROM warlog_places q "
                        "WHERE q.name_key = p.name_key) FROM warlog_places p WHERE p.place = ?"
                    ),
                    (place,),
                )
                rows = [(r[0], r[1], r[2], r[3] > 1) for r in c.fetchall()]
                return {r[0]: PlaceInfo(r[1], _names(r[2]), bool(r[3])) for r in rows}
        return {r[0]: PlaceInfo(r[1], _names(r[2]), r[3] in shared) for r in rows}

    def parents(self, known_at: str) -> dict[str, str | None]:
        """Each actor's `part_of` as the archive knew it at `known_at`."""
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql(
                    "SELECT actor, part_of FROM warlog_actors WHERE recorded_from <= ? "
                    "AND (recorded_to IS NULL OR recorded_to > ?)"
                ),
                (known_at, known_at),
            )
            return {str(r[0]): r[1] for r in c.fetchall()}

    def policy_history(self, name: str) -> list[tuple[str, str | None, int | None]]:
        """Every value a policy had, with the record-time interval it held."""
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql("SELECT recorded_from, recorded_to, value FROM warlog_policy WHERE name = ?"),
                (name,),
            )
            return [(str(r[0]), r[1], None if r[2] is None else int(r[2])) for r in c.fetchall()]

    def policy(self, known_at: str) -> dict[str, int | None]:
        """The archive's policies set by `known_at` (those never set are left out)."""
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql(
                    "SELECT name, value FROM warlog_policy WHERE recorded_from <= ? "
                    "AND (recorded_to IS NULL OR recorded_to > ?)"
                ),
                (known_at, known_at),
            )
            return {str(r[0]): None if r[1] is None else int(r[1]) for r in c.fetchall()}

    def claims(
        self,
        known_at: str,
        *,
        place: str | None = None,
        until: str | None = None,
        min_reliability: str = "F",
        min_credibility: int = 6,
    ) -> list[ClaimRow]:
        """Claim versions effective at record time `known_at`, dated on or before `until`."""
        statement = (
            f"SELECT {CLAIM_COLUMNS} FROM warlog_claims "
            "WHERE recorded_from <= ? AND (recorded_to IS NULL OR recorded_to > ?) "
            "AND reliability <= ? AND credibility <= ?"
        )
        params: list[Any] = [known_at, known_at, min_reliability, min_credibility]
        if place is not None:
            statement += " AND place = ?"
            params.append(place)
        if until is not None:
            statement += " AND first_day <= ?"  # counted on or before `until` by either bound
            params.append(until)
        statement += " ORDER BY place, day, report, claim"
        with self._transaction(commit=False) as c:
            c.execute(self._sql(statement), params)
            return [ClaimRow(*row) for row in c.fetchall()]

    def history(
        self,
        *,
        place: str | None = None,
        report: str | None = None,
        actor: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Change]:
        # A claim as reported is not copied into its history row: it is the claim's
        # first version, written by the same event (rows from before kept the copy).
        statement = (
            f"SELECT h.*, {', '.join('c.' + n for n in CLAIM_NAMES)} FROM warlog_history h "
            "LEFT JOIN warlog_claims c ON h.kind = 'reported' AND h.after IS NULL "
            "AND c.report = h.report AND c.claim = h.claim AND c.position_from = h.position WHERE 1=1"
        )
        params: list[Any] = []
        for column, value, op in (
            ("place", place, "="),
            ("report", report, "="),
            ("actor", actor, "="),
            ("recorded_at", since, ">="),
            ("recorded_at", until, "<"),
        ):
            if value is not None:
                statement += f" AND h.{column} {op} ?"
                params.append(value)
        statement += " ORDER BY h.position, h.claim"
        with self._transaction(commit=False) as c:
            c.execute(self._sql(statement), params)
            rows = [tuple(r) for r in c.fetchall()]
        return [
            Change(
                position=r[0],
                recorded_at=r[1],
                archivist=r[2],
                kind=r[3],
                report=r[4],
                claim=r[5],
                place=r[6],
                reason=r[7],
                before=None if r[8] is None else orjson.loads(r[8]),
                after=_reported(r[11:]) if r[9] is None else orjson.loads(r[9]),
                actor=r[10],
            )
            for r in rows
        ]

    def tree_size(self) -> int:
        with self._transaction(commit=False) as c:
            c.execute(self._sql("SELECT COUNT(*) FROM warlog_leaves"))
            return int(c.fetchone()[0])

    def subtree_hash(self, start: int, stop: int) -> bytes:
        """A perfect subtree's hash, as the projection stored it when the tree grew."""
        with self._transaction(commit=False) as c:
            c.execute(self._sql("SELECT hash FROM warlog_nodes WHERE start=? AND stop=?"), (start, stop))
            row = c.fetchone()
        if row is None:
            raise LookupError(f"no stored subtree [{start}, {stop})")
        return bytes.fromhex(row[0])

    def recorded_leaves(self, start: int, limit: int) -> list[tuple[int, int, bytes]]:
        """(leaf index, log position, leaf hash) as recorded when each event was projected."""
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql(
                    "SELECT l.leaf_index, l.position, n.hash FROM warlog_leaves l JOIN warlog_nodes n "
                    "ON n.start = l.leaf_index AND n.stop = l.leaf_index + 1 "
                    "WHERE l.leaf_index >= ? ORDER BY l.leaf_index LIMIT ?"
                ),
                (start, limit),
            )
            return [(int(r[0]), int(r[1]), bytes.fromhex(r[2])) for r in c.fetchall()]

    def leaf_index(self, position: int) -> int | None:
        with self._transaction(commit=False) as c:
            c.execute(self._sql("SELECT leaf_index FROM warlog_leaves WHERE position=?"), (position,))
            row = c.fetchone()
        return None if row is None else int(row[0])

    def report(self, report_id: str) -> ReportRow | None:
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql(
                    "SELECT report, source, published, reliability, url, title, recorded_at, "
                    "archivist, retracted_at FROM warlog_reports WHERE report=?"
                ),
                (report_id,),
            )
            row = c.fetchone()
        return None if row is None else ReportRow(*row)

    def lookup_name(self, registry: str, name: str) -> str | None:
        """The one entry a typed name or alias stands for in a registry, or None."""
        found = self.lookup_names(registry, name)
        return found[0] if len(found) == 1 else None

    def lookup_names(self, registry: str, name: str, position: int | None = None) -> list[str]:
        """Every entry a typed name or alias stands for in a registry.

        With `position`, the tracking position the caller has just seen, answers
        are kept until it moves: names change only with new events.
        """
        lookup = (registry, key(name))
        if position is not None:
            if self._kept_names_at != position:
                self._kept_names_at, self._kept_names = position, {}
            if lookup in self._kept_names:
                return list(self._kept_names[lookup])
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql("SELECT name FROM warlog_names WHERE registry=? AND name_key=? ORDER BY name"),
                lookup,
            )
            found = [str(r[0]) for r in c.fetchall()]
        if position is not None and self._kept_names_at == position and len(self._kept_names) < NAMES_KEPT:
            self._kept_names[lookup] = tuple(found)
        return found

    def qualified_place(self, name: str) -> list[str]:
        """The places a name with a comma stands for: a place's own qualified name, or 'NAME, PARENT'.

        Answered from the read model as the registry answers it (`names.qualified`),
        so naming a place by its parents needs no replay of the gazetteer.
        """
        with self._transaction(commit=False) as c:
            c.execute(self._sql("SELECT place, name FROM warlog_places WHERE place=?"), (name,))
            if c.fetchone() is not None:
                return [name]
            if ", " not in name:
                return []
            c.execute(self._sql("SELECT place, name FROM warlog_places"))
            within = {str(p): (str(p)[len(n) + 2 :] or None) for p, n in c.fetchall()}
            c.execute(self._sql("SELECT name, name_key FROM warlog_names WHERE registry='place'"))
            keys: dict[str, set[str]] = {}
            for entry, name_key in c.fetchall():
                keys.setdefault(str(entry), set()).add(str(name_key))

        def ancestor_keys(place: str) -> list[set[str]]:
            chain: list[set[str]] = []
            current = within.get(place)
            while current is not None and current in within and len(chain) < 64:
                chain.append(keys.get(current, set()))
                current = within[current]
            return chain

        return qualified(name, lambda base: self.lookup_names("place", base), ancestor_keys)

    def report_of(self, aggregate_id: Any) -> str | None:
        """The report id of a report aggregate, None for other aggregates."""
        with self._transaction(commit=False) as c:
            c.execute(self._sql("SELECT report FROM warlog_reports WHERE id=?"), (aggregate_id.hex,))
            row = c.fetchone()
        return None if row is None else str(row[0])

    def present_reports(self, report_ids: Sequence[str]) -> set[str]:
        """Which of these report ids are filed, in one query per 500 ids."""
        present: set[str] = set()
        with self._transaction(commit=False) as c:
            for start in range(0, len(report_ids), 500):
                chunk = report_ids[start : start + 500]
                c.execute(
                    self._sql(
                        f"SELECT report FROM warlog_reports WHERE report IN ({','.join('?' * len(chunk))})"
                    ),
                    chunk,
                )
                present.update(str(r[0]) for r in c.fetchall())
        return present

    def report_ids(self, limit: int = 100_000) -> list[str]:
        with self._transaction(commit=False) as c:
            c.execute(self._sql("SELECT report FROM warlog_reports LIMIT ?"), (limit,))
            return [str(row[0]) for row in c.fetchall()]

    def first_position_at_or_after(self, recorded_at: str) -> int | None:
        with self._transaction(commit=False) as c:
            c.execute(
                self._sql("SELECT MIN(position) FROM warlog_log WHERE recorded_at >= ?"),
                (recorded_at,),
            )
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])


def _reported(values: Sequence[Any]) -> dict[str, Any] | None:
    """A claim as reported, from the columns of its first version (None: not a report's claim)."""
    if values[0] is None:
        return None
    return {name: value for name, value in zip(CLAIM_NAMES, values, strict=True) if value is not None}


def _names(stored: str) -> tuple[str, ...]:
    return () if stored == "[]" else tuple(orjson.loads(stored))


STATE_COLUMNS_OF_S = (
    "s.day, s.status, s.controller, s.contested_by, s.candidates, s.since, "
    "s.claims, s.uncertain, s.evidence_to"
)


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    """How a place is named in answers: its name, its parents' names, and whether its name is shared."""

    name: str
    within: tuple[str, ...]
    shared: bool


CLAIM_NAMES = ("place", "actor", "status", "date", "credibility", "attributed_to", "quote", "note")
"""A claim's fields, as `warlog_claims` has a column for each."""

READER_INDEXES = (
    "warlog_history_place",
    "warlog_history_report",
    "warlog_history_actor",
    "warlog_history_time",
    "warlog_log_time",
)
"""Indexes the writer never reads by: a rebuild builds them after the rows are in."""

CREATE_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS warlog_claims ("
    "report TEXT NOT NULL, claim INTEGER NOT NULL, place TEXT NOT NULL, actor TEXT NOT NULL, "
    "status TEXT NOT NULL, day TEXT NOT NULL, first_day TEXT NOT NULL, date TEXT NOT NULL, "
    "credibility INTEGER NOT NULL, "
    "reliability TEXT NOT NULL, attributed_to TEXT, quote TEXT, note TEXT, "
    "recorded_from TEXT NOT NULL, position_from BIGINT NOT NULL, "
    "recorded_to TEXT, position_to BIGINT)",
    "CREATE INDEX IF NOT EXISTS warlog_claims_place ON warlog_claims (place, day)",
    "CREATE INDEX IF NOT EXISTS warlog_claims_report ON warlog_claims (report, claim)",
    "CREATE INDEX IF NOT EXISTS warlog_claims_actor ON warlog_claims (actor)",
    "CREATE TABLE IF NOT EXISTS warlog_reports ("
    "id TEXT PRIMARY KEY, report TEXT NOT NULL UNIQUE, source TEXT NOT NULL, "
    "published TEXT NOT NULL, reliability TEXT NOT NULL, url TEXT, title TEXT, "
    "recorded_at TEXT NOT NULL, position BIGINT NOT NULL, archivist TEXT NOT NULL, "
    "retracted_at TEXT, acled TEXT)",
    "CREATE TABLE IF NOT EXISTS warlog_history ("
    "position BIGINT NOT NULL, recorded_at TEXT NOT NULL, archivist TEXT NOT NULL, "
    "kind TEXT NOT NULL, report TEXT, claim INTEGER, place TEXT, reason TEXT, "
    "before TEXT, after TEXT, actor TEXT)",
    "CREATE INDEX IF NOT EXISTS warlog_history_place ON warlog_history (place, position)",
    "CREATE INDEX IF NOT EXISTS warlog_history_report ON warlog_history (report, position)",
    "CREATE INDEX IF NOT EXISTS warlog_history_actor ON warlog_history (actor, position)",
    "CREATE INDEX IF NOT EXISTS warlog_history_time ON warlog_history (recorded_at)",
    "CREATE TABLE IF NOT EXISTS warlog_log ("
    "position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, archivist TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS warlog_log_time ON warlog_log (recorded_at)",
    "CREATE TABLE IF NOT EXISTS warlog_places ("
    "place TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL, within TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS warlog_places_key ON warlog_places (name_key)",
    "CREATE TABLE IF NOT EXISTS warlog_names ("
    "registry TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, "
    "PRIMARY KEY (registry, name_key, name))",
    "CREATE TABLE IF NOT EXISTS warlog_actors ("
    "actor TEXT NOT NULL, part_of TEXT, recorded_from TEXT NOT NULL, recorded_to TEXT)",
    "CREATE INDEX IF NOT EXISTS warlog_actors_actor ON warlog_actors (actor, recorded_from)",
    "CREATE TABLE IF NOT EXISTS warlog_policy ("
    "name TEXT NOT NULL, value BIGINT, recorded_from TEXT NOT NULL, recorded_to TEXT)",
    "CREATE TABLE IF NOT EXISTS warlog_steps ("
    "place TEXT NOT NULL, day TEXT NOT NULL, recorded_from TEXT NOT NULL, recorded_to TEXT, "
    "status TEXT NOT NULL, controller TEXT, contested_by TEXT NOT NULL, "
    "candidates TEXT NOT NULL, since TEXT NOT NULL, claims TEXT NOT NULL, "
    "uncertain INTEGER NOT NULL, evidence_to TEXT)",
    "CREATE INDEX IF NOT EXISTS warlog_steps_place ON warlog_steps (place, day, recorded_from)",
    "CREATE TABLE IF NOT EXISTS warlog_walks ("
    "place TEXT NOT NULL, day TEXT NOT NULL, walk TEXT NOT NULL, PRIMARY KEY (place, day))",
    "CREATE TABLE IF NOT EXISTS warlog_leaves ("
    "leaf_index BIGINT PRIMARY KEY, position BIGINT NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS warlog_nodes ("
    "start BIGINT NOT NULL, stop BIGINT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (start, stop))",
)
