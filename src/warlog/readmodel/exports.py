"""Streaming reads of the read model for exports, maps and plots.

Exports must work on archives far larger than memory, so these queries never
`fetchall`: rows come from `fetchmany` batches of one cursor held open while
the caller writes them out. SQLite's cursor steps through the result lazily,
so the plain read transaction streams. A PostgreSQL client cursor would pull
the whole result into the client at `execute`, so its read model overrides
the one hook, `_streaming_cursor`, with a server-side (named) cursor; see
`PostgresExportQueries`.

The SQL is portable (joins, `NOT EXISTS`, `CASE`), written once with `?`
placeholders and adapted by the backend's `_sql`, as in `persistence`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import uuid4

from warlog.dates import Bounds
from warlog.resolution import Claim, ClaimRef, Rule, counted

BATCH = 1000
T = TypeVar("T")
Rows = Generator[T, None, None]
"""Rows read lazily; `close()` ends the read transaction early."""

_COLUMNS = (
    "c.report, c.claim, c.place, c.actor, c.status, c.date, c.credibility, c.reliability, "
    "c.attributed_to, c.quote, c.note, r.recorded_at, c.recorded_from, "
    "CASE WHEN c.position_from > r.position THEN c.recorded_from END, "
    "CASE WHEN c.recorded_to <= ? THEN c.recorded_to END, "
    "r.source, r.published, r.url, r.title, c.first_day, c.day, r.acled"
)
_FROM = "FROM warlog_claims c JOIN warlog_reports r ON r.report = c.report "

# The latest version of each claim recorded by `known_at`: live when it has not
# ended by then, retracted when it has (a correction would have left a newer one).
_AS_KNOWN = (
    f"SELECT {_COLUMNS} {_FROM}"
    "WHERE c.recorded_from <= ? AND NOT EXISTS ("
    "SELECT 1 FROM warlog_claims n WHERE n.report = c.report AND n.claim = c.claim "
    "AND n.position_from > c.position_from AND n.recorded_from <= ?) "
    "ORDER BY c.report, c.claim"
)

# The versions in effect at `known_at`, as `ReadModel.claims` selects and orders them,
# so that timelines built from them agree with `Archive.timeline`.
_EFFECTIVE = (
    f"SELECT {_COLUMNS} {_FROM}"
    "WHERE c.recorded_from <= ? AND (c.recorded_to IS NULL OR c.recorded_to > ?) "
    "AND c.reliability <= ? AND c.credibility <= ?"
)


class StreamingCursor(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchmany(self, size: int = ...) -> Any: ...


@dataclass(frozen=True, slots=True)
class ExportedClaim:
    """One claim as the archive knew it at a record time, with its report and both clocks.

    `recorded_at` is when this version was recorded: the filing, or the latest
    correction; `corrected_at` is set only when that was a correction.
    `retracted_at` is set when the claim (or its report) was retracted by then.
    """

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
    first_recorded_at: str
    recorded_at: str
    corrected_at: str | None
    retracted_at: str | None
    source: str
    published: str
    url: str | None
    title: str | None
    first_day: str
    last_day: str
    acled: str | None  # the ACLED row the report came from, as JSON, or None

    @property
    def ref(self) -> ClaimRef:
        return ClaimRef(self.report, self.claim)

    @property
    def grade(self) -> str:
        """The Admiralty grade, source then claim, e.g. "B2"."""
        return f"{self.reliability}{self.credibility}"

    def counted(self, rule: Rule, parents: Mapping[str, str | None]) -> Claim:
        return counted(
            self.ref, self.actor, self.status, Bounds(self.first_day, self.last_day), rule, parents
        )


class ExportQueries:
    """Read-model queries that stream; a mixin for `ReadModel`, whose hooks it uses."""

    if TYPE_CHECKING:

        def _sql(self, statement: str) -> Any: ...

        def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]: ...

    def _streaming_cursor(self) -> AbstractContextManager[StreamingCursor]:
        """Hook: a cursor inside a read transaction whose `fetchmany` reads lazily."""
        return self._transaction(commit=False)

    def _rows(self, statement: str, params: Sequence[Any]) -> Rows[tuple[Any, ...]]:
        with self._streaming_cursor() as c:
            c.execute(self._sql(statement), tuple(params))
            while batch := c.fetchmany(BATCH):
                for row in batch:
                    yield tuple(row)

    def claims_as_known(self, known_at: str) -> Rows[ExportedClaim]:
        """Every claim filed by `known_at`, in its latest version then, retracted ones too."""
        for row in self._rows(_AS_KNOWN, (known_at, known_at, known_at)):
            yield ExportedClaim(*row)

    def effective_claims(
        self,
        known_at: str,
        *,
        place: str | None = None,
        min_reliability: str = "F",
        min_credibility: int = 6,
    ) -> Rows[ExportedClaim]:
        """The claim versions in effect at `known_at` that pass the grades, by place and date."""
        statement = _EFFECTIVE
        params: list[Any] = [known_at, known_at, known_at, min_reliability, min_credibility]
        if place is not None:
            statement += " AND c.place = ?"
            params.append(place)
        statement += " ORDER BY c.place, c.day, c.report, c.claim"
        for row in self._rows(statement, params):
            yield ExportedClaim(*row)


class PostgresExportQueries(ExportQueries):
    """PostgreSQL's streaming hook: a named cursor, so rows stay on the server until fetched."""

    if TYPE_CHECKING:
        datastore: Any

    @contextmanager
    def _streaming_cursor(self) -> Iterator[StreamingCursor]:
        from psycopg.rows import tuple_row

        with (
            self.datastore.get_connection() as conn,
            conn.transaction(force_rollback=True),
            conn.cursor(name=f"warlog_export_{uuid4().hex}", row_factory=tuple_row) as c,
        ):
            yield c
