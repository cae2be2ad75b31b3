"""On PostgreSQL a command keeps the planner's statistics in step with what it writes.

Without them the server plans a re-walk's join of a few hundred places against
the claims as a sequential scan, and imports slow down as the archive grows; a
server whose autovacuum is off (as on the machine the benchmark ran on) never
gathers them. A table is analyzed when its size on disk (which counts the rows
of the command still being written) passes the size at its last analysis by a
tenth and 16 pages; in between, the planner scales its row count by that size.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import orjson
import psycopg
import pytest

import warlog
from conftest import POSTGRES
from warlog.archive import Archive
from warlog.readmodel.postgres import ANALYZE_PAGES, ANALYZE_SHARE

PLACES = 40


def lines(first: int, reports: int) -> list[bytes]:
    """Reports of four claims each about the same few places, numbered from `first`."""
    records = [
        {
            "type": "report",
            "id": f"r-{number:06d}",
            "source": "Wire",
            "published": f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}T12:00:00Z",
            "claims": [
                {
                    "place": f"Town {(number + k) % PLACES}",
                    "actor": ("Army", "Rebels")[(number + k) % 2],
                    "status": "controlled",
                }
                for k in range(4)
            ],
        }
        for number in range(first, first + reports)
    ]
    return [orjson.dumps(r) for r in records]


@pytest.fixture
def archive(postgres_db: str) -> Iterator[tuple[Archive, str]]:
    opened = warlog.open(postgres_db)
    registry = [orjson.dumps({"type": "place", "name": f"Town {n}"}) for n in range(PLACES)]
    registry += [orjson.dumps({"type": "actor", "name": name}) for name in ("Army", "Rebels")]
    opened.import_file(registry, "registry.jsonl", "tester")
    schema = parse_qs(urlparse(postgres_db).query)["schema"][0]
    yield opened, schema
    opened.close()


def planner_rows(schema: str, table: str) -> float:
    """How many rows the planner believes the table held when last analyzed (-1: never)."""
    with psycopg.connect(POSTGRES) as conn:
        row = conn.execute(
            "SELECT k.reltuples FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n "
            "ON n.oid = k.relnamespace WHERE n.nspname = %s AND k.relname = %s",
            (schema, table),
        ).fetchone()
    assert row is not None
    return float(row[0])


def planner_pages(schema: str, table: str, *, on_disk: bool = False) -> int:
    """The table's pages at its last analysis, or (`on_disk`) now."""
    with psycopg.connect(POSTGRES) as conn:
        row = conn.execute(
            "SELECT k.relpages, pg_catalog.pg_relation_size(k.oid) / current_setting('block_size')::int "
            "FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace "
            "WHERE n.nspname = %s AND k.relname = %s",
            (schema, table),
        ).fetchone()
    assert row is not None
    return int(row[1] if on_disk else row[0])


def claims(schema: str) -> int:
    """The claim versions stored, every one the planner should know of."""
    with psycopg.connect(POSTGRES) as conn:
        row = conn.execute(f'SELECT count(*) FROM "{schema}".warlog_claims').fetchone()
    assert row is not None
    return int(row[0])


def test_a_large_import_leaves_the_planner_knowing_how_many_claims_there_are(
    archive: tuple[Archive, str],
) -> None:
    opened, schema = archive
    opened.import_file(lines(0, 600), "reports.jsonl", "tester")  # 2,400 claims, one command
    assert planner_rows(schema, "warlog_claims") == pytest.approx(claims(schema), rel=0.05)
    # The steps are written after the command's last read; the next command looks first.
    opened.import_file(lines(600, 10), "more.jsonl", "tester")
    assert planner_rows(schema, "warlog_steps") > 0


def test_a_table_is_analyzed_again_only_once_it_has_grown_by_a_tenth(
    archive: tuple[Archive, str],
) -> None:
    opened, schema = archive
    opened.import_file(lines(0, 3000), "first.jsonl", "tester")  # 12,000 claims
    known, pages = planner_rows(schema, "warlog_claims"), planner_pages(schema, "warlog_claims")
    assert known == pytest.approx(claims(schema), rel=0.05)
    opened.import_file(lines(3000, 250), "second.jsonl", "tester")  # 1,000 more: 8% growth
    grown = planner_pages(schema, "warlog_claims", on_disk=True) - pages
    assert ANALYZE_PAGES < grown < ANALYZE_SHARE * pages  # past the floor, short of a tenth
    assert planner_rows(schema, "warlog_claims") == known
    opened.import_file(lines(3250, 1000), "third.jsonl", "tester")  # 4,000 more
    assert planner_rows(schema, "warlog_claims") == pytest.approx(claims(schema), rel=0.05)
