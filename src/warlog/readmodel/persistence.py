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
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from eventsourcing.persistence import Tracking, TrackingRecorder

from warlog import clock
from warlog.resolution import Claim, ClaimRef
from warlog.results import Change

TABLES = ("warlog_claims", "warlog_reports", "warlog_history", "warlog_log")
CLAIM_COLUMNS = (
    "report, claim, place, actor, status, day, credibility, reliability, "
    "attributed_to, quote, note, recorded_from, position_from, recorded_to"
)


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
    date: str
    credibility: int
    reliability: str
    attributed_to: str | None
    quote: str | None
    note: str | None
    recorded_from: str
    position: int
    recorded_to: str | None

    def as_claim(self) -> Claim:
        return Claim(ClaimRef(self.report, self.claim), self.actor, self.status, self.date)


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


class ReadModel(TrackingRecorder, ABC):
    """What every backend's read model does; SQL shared, connections and DDL per backend."""

    application_name = "warlog"

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

    @abstractmethod
    def drop(self) -> None:
        """Drop the read model's tables and its tracking position (for a rebuild)."""

    # Writing ------------------------------------------------------------

    def project(self, events: Sequence[tuple[int, Any]], tracking: Tracking) -> None:
        """Write the rows of these (position, domain event) pairs and the new tracking position."""
        with self._transaction(commit=True) as c:
            self._advance_tracking(c, events[0][0], tracking.notification_id)
            for position, domain_event in events:
                self._project_one(c, position, domain_event)

    def _advance_tracking(self, c: Cursor, first: int, last: int) -> None:
        """Compare-and-set: only a process whose batch starts after the tracking position wins.

        The first write of the transaction takes the write lock (SQLite) or the
        row lock (PostgreSQL), so two processes can never both project a batch.
        """
        table = self._tracking_table
        c.execute(
            self._sql(f"UPDATE {table} SET notification_id=? "
                      "WHERE application_name=? AND notification_id<?"),
            (last, self.application_name, first),
        )
        if self._rowcount(c) == 1:
            return
        c.execute(
            self._sql(f"INSERT INTO {table} (application_name, notification_id) VALUES (?, ?) "
                      "ON CONFLICT (application_name) DO NOTHING"),
            (self.application_name, last),
        )
        if self._rowcount(c) != 1:
            raise StaleTracking(first)

    def _project_one(self, c: Cursor, position: int, e: Any) -> None:
        at = clock.format_time(e.timestamp)
        c.execute(self._sql("INSERT INTO warlog_log VALUES (?,?,?)"),
                  (position, at, getattr(e, "archivist", "")))
        kind = type(e).__qualname__
        if kind == "Report.Filed":
            self._file(c, position, at, e)
        elif kind == "Report.ClaimCorrected":
            self._correct(c, position, at, e)
        elif kind == "Report.ClaimRetracted":
            report = self._report_id(c, e.originator_id)
            self._close(c, position, at, report, e.claim, e.reason, e.archivist)
        elif kind == "Report.Retracted":
            report = self._report_id(c, e.originator_id)
            self._close(c, position, at, report, None, e.reason, e.archivist)
            c.execute(
                self._sql("UPDATE warlog_reports SET retracted_at=? WHERE report=?"), (at, report)
            )
        elif kind in ("Places.Registered", "Places.AliasesAdded"):
            what = "registered" if kind.endswith("Registered") else "aliases added"
            self._history(c, position, at, e.archivist, what, None, None, e.name, None,
                          None, {"aliases": e.aliases})
        elif kind in ("Actors.Registered", "Actors.AliasesAdded"):
            what = "registered" if kind.endswith("Registered") else "aliases added"
            self._history(c, position, at, e.archivist, what, None, None, None, None,
                          None, {"actor": e.name, "aliases": e.aliases})

    def _file(self, c: Cursor, position: int, at: str, e: Any) -> None:
        c.execute(
            self._sql("INSERT INTO warlog_reports VALUES (?,?,?,?,?,?,?,?,?,?,?)"),
            (e.originator_id.hex, e.report_id, e.source, e.published, e.reliability,
             e.url, e.title, at, position, e.archivist, None),
        )
        for number, claim in enumerate(e.claims, start=1):
            self._insert_version(c, e.report_id, number, claim, e.reliability, at, position)
            self._history(c, position, at, e.archivist, "reported", e.report_id, number,
                          claim["place"], None, None, claim)

    def _correct(self, c: Cursor, position: int, at: str, e: Any) -> None:
        report = self._report_id(c, e.originator_id)
        current = self._current_version(c, report, e.claim)
        reliability = current.pop("reliability")
        before = {k: current.get(k) for k in e.changes}
        after = {**current, **e.changes}
        self._end_version(c, report, e.claim, at, position)
        self._insert_version(c, report, e.claim, after, reliability, at, position)
        self._history(c, position, at, e.archivist, "corrected", report, e.claim,
                      current["place"], e.reason, before, dict(e.changes))
        if after["place"] != current["place"]:
            self._history(c, position, at, e.archivist, "corrected", report, e.claim,
                          after["place"], e.reason, before, dict(e.changes))

    def _close(
        self, c: Cursor, position: int, at: str, report: str, claim: int | None, reason: str,
        archivist: str,
    ) -> None:
        where = "report=? AND recorded_to IS NULL" + ("" if claim is None else " AND claim=?")
        params: tuple[Any, ...] = (report,) if claim is None else (report, claim)
        c.execute(self._sql(f"SELECT claim, place FROM warlog_claims WHERE {where}"), params)
        for number, place in [tuple(row) for row in c.fetchall()]:
            self._end_version(c, report, number, at, position)
            self._history(c, position, at, archivist, "retracted", report, number, place,
                          reason, None, None)

    def _report_id(self, c: Cursor, originator_id: Any) -> str:
        c.execute(self._sql("SELECT report FROM warlog_reports WHERE id=?"), (originator_id.hex,))
        row = c.fetchone()
        return str(row[0])

    def _current_version(self, c: Cursor, report: str, claim: int) -> dict[str, Any]:
        c.execute(
            self._sql(
                "SELECT place, actor, status, day, credibility, attributed_to, quote, note, "
                "reliability FROM warlog_claims "
                "WHERE report=? AND claim=? AND recorded_to IS NULL"
            ),
            (report, claim),
        )
        row = c.fetchone()
        names = ("place", "actor", "status", "date", "credibility", "attributed_to", "quote",
                 "note", "reliability")
        return {k: v for k, v in zip(names, tuple(row), strict=True) if v is not None}

    def _insert_version(
        self, c: Cursor, report: str, number: int, claim: dict[str, Any], reliability: str,
        at: str, position: int,
    ) -> None:
        c.execute(
            self._sql("INSERT INTO warlog_claims VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
            (report, number, claim["place"], claim["actor"], claim["status"], claim["date"],
             claim["credibility"], reliability, claim.get("attributed_to"), claim.get("quote"),
             claim.get("note"), at, position, None, None),
        )

    def _end_version(self, c: Cursor, report: str, claim: int, at: str, position: int) -> None:
        c.execute(
            self._sql(
                "UPDATE warlog_claims SET recorded_to=?, position_to=? "
                "WHERE report=? AND claim=? AND recorded_to IS NULL"
            ),
            (at, position, report, claim),
        )

    def _history(
        self, c: Cursor, position: int, at: str, archivist: str, kind: str, report: str | None,
        claim: int | None, place: str | None, reason: str | None,
        before: dict[str, Any] | None, after: dict[str, Any] | None,
    ) -> None:
        c.execute(
            self._sql("INSERT INTO warlog_history VALUES (?,?,?,?,?,?,?,?,?,?)"),
            (position, at, archivist, kind, report, claim, place, reason,
             None if before is None else orjson.dumps(before).decode(),
             None if after is None else orjson.dumps(after).decode()),
        )

    # Reading ------------------------------------------------------------

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
            statement += " AND day <= ?"
            params.append(until)
        statement += " ORDER BY place, day, report, claim"
        with self._transaction(commit=False) as c:
            c.execute(self._sql(statement), params)
            return [ClaimRow(*row) for row in c.fetchall()]

    def all_claim_versions(self) -> Iterator[ClaimRow]:
        with self._transaction(commit=False) as c:
            c.execute(self._sql(f"SELECT {CLAIM_COLUMNS} FROM warlog_claims "
                                "ORDER BY position_from, report, claim"))
            rows = c.fetchall()
        return (ClaimRow(*row) for row in rows)

    def history(
        self, *, place: str | None = None, report: str | None = None,
        since: str | None = None, until: str | None = None,
    ) -> list[Change]:
        statement = "SELECT * FROM warlog_history WHERE 1=1"
        params: list[Any] = []
        for column, value, op in (("place", place, "="), ("report", report, "="),
                                  ("recorded_at", since, ">="), ("recorded_at", until, "<")):
            if value is not None:
                statement += f" AND {column} {op} ?"
                params.append(value)
        statement += " ORDER BY position, claim"
        with self._transaction(commit=False) as c:
            c.execute(self._sql(statement), params)
            rows = [tuple(r) for r in c.fetchall()]
        return [
            Change(position=r[0], recorded_at=r[1], archivist=r[2], kind=r[3], report=r[4],
                   claim=r[5], place=r[6], reason=r[7],
                   before=None if r[8] is None else orjson.loads(r[8]),
                   after=None if r[9] is None else orjson.loads(r[9]))
            for r in rows
        ]

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


CREATE_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS warlog_claims ("
    "report TEXT NOT NULL, claim INTEGER NOT NULL, place TEXT NOT NULL, actor TEXT NOT NULL, "
    "status TEXT NOT NULL, day TEXT NOT NULL, credibility INTEGER NOT NULL, "
    "reliability TEXT NOT NULL, attributed_to TEXT, quote TEXT, note TEXT, "
    "recorded_from TEXT NOT NULL, position_from BIGINT NOT NULL, "
    "recorded_to TEXT, position_to BIGINT)",
    "CREATE INDEX IF NOT EXISTS warlog_claims_place ON warlog_claims (place, day)",
    "CREATE INDEX IF NOT EXISTS warlog_claims_report ON warlog_claims (report, claim)",
    "CREATE TABLE IF NOT EXISTS warlog_reports ("
    "id TEXT PRIMARY KEY, report TEXT NOT NULL UNIQUE, source TEXT NOT NULL, "
    "published TEXT NOT NULL, reliability TEXT NOT NULL, url TEXT, title TEXT, "
    "recorded_at TEXT NOT NULL, position BIGINT NOT NULL, archivist TEXT NOT NULL, "
    "retracted_at TEXT)",
    "CREATE TABLE IF NOT EXISTS warlog_history ("
    "position BIGINT NOT NULL, recorded_at TEXT NOT NULL, archivist TEXT NOT NULL, "
    "kind TEXT NOT NULL, report TEXT, claim INTEGER, place TEXT, reason TEXT, "
    "before TEXT, after TEXT)",
    "CREATE INDEX IF NOT EXISTS warlog_history_place ON warlog_history (place, position)",
    "CREATE INDEX IF NOT EXISTS warlog_history_report ON warlog_history (report, position)",
    "CREATE INDEX IF NOT EXISTS warlog_history_time ON warlog_history (recorded_at)",
    "CREATE TABLE IF NOT EXISTS warlog_log ("
    "position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, archivist TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS warlog_log_time ON warlog_log (recorded_at)",
)
