"""Tampering with a real store, restores that fail, foreign topics, damaged tracking, exit codes.

Every test runs against a real SQLite file and the real PostgreSQL; the store
is altered with plain SQL, as someone with database access would.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from typer.testing import Result

import warlog
from clirun import cli, ok
from conftest import POSTGRES

SAMPLE = Path(warlog.__file__).parent / "data" / "sample.jsonl"


def is_postgres(db: str) -> bool:
    return db.startswith("postgresql://")


def schema_of(db: str) -> str:
    return db.rsplit("schema=", 1)[1]


def events_table(db: str) -> str:
    return "warlog_events" if is_postgres(db) else "stored_events"


def tracking_table(db: str) -> str:
    return "warlog_tracking" if is_postgres(db) else "tracking"


def position_column(db: str) -> str:
    return "notification_id" if is_postgres(db) else "rowid"


def sql(db: str, *statements: str) -> None:
    """Run statements on the archive's store directly, as its operator could."""
    if is_postgres(db):
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema_of(db)}"')
            for statement in statements:
                conn.execute(statement.encode())
        return
    with sqlite3.connect(db) as conn:
        for statement in statements:
            conn.execute(statement)


def last_position(db: str) -> int:
    statement = f"SELECT MAX({position_column(db)}) FROM {events_table(db)}"
    if is_postgres(db):
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'SET search_path TO "{schema_of(db)}"')
            row = conn.execute(statement.encode()).fetchone()
    else:
        with sqlite3.connect(db) as conn:
            row = conn.execute(statement).fetchone()
    assert row is not None
    return int(row[0])


def tables_in(db: str) -> set[str]:
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON "
            "n.oid = c.relnamespace WHERE n.nspname = %s",
            (schema_of(db),),
        ).fetchall()
    return {r[0] for r in rows}


def lines_of(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


@pytest.fixture
def sample(db: str) -> str:
    ok(db, "import", str(SAMPLE), archivist="ana")
    return db


# verify covers the read model and the positions -----------------------------------


def test_an_untouched_archive_verifies_with_its_read_model(sample: str) -> None:
    assert ok(sample, "verify").output.strip().splitlines()[-1].startswith("ok:")


def test_verify_names_the_read_model_table_someone_updated(sample: str) -> None:
    sql(sample, "UPDATE warlog_steps SET controller='Russia'")
    result = cli(sample, "verify")
    assert result.exit_code == 1
    assert "read model table warlog_steps differs from a replay of the log" in result.output
    assert "'Russia'" in result.output
    assert ok(sample, "verify", "--no-read-model").exit_code == 0  # the log itself is intact


def test_verify_names_a_removed_event(sample: str) -> None:
    sql(sample, f"DELETE FROM {events_table(sample)} WHERE {position_column(sample)} = 40")
    result = cli(sample, "verify")
    assert result.exit_code == 1
    assert "FAIL position 40:" in result.output


def test_a_gap_in_the_positions_is_named_even_after_a_forced_rebuild(sqlite_db: str) -> None:
    ok(sqlite_db, "import", str(SAMPLE), archivist="ana")
    sql(sqlite_db, "DELETE FROM stored_events WHERE rowid = 40")
    ok(sqlite_db, "rebuild", "--force")
    result = cli(sqlite_db, "verify")
    assert result.exit_code == 1
    assert "FAIL position 40: position 40 is missing from the log" in result.output


def test_rebuild_refuses_a_tampered_log_and_a_forced_one_stays_flagged(sample: str) -> None:
    # One event now names another archivist than the one who appended it.
    tampered = (
        "UPDATE {t} SET state = CAST(REPLACE(CAST(state AS TEXT), "
        '\'"archivist":"ana"\', \'"archivist":"bob"\') AS {b}) WHERE {p} = 70'
    )
    binary = "BYTEA" if is_postgres(sample) else "BLOB"
    if is_postgres(sample):
        tampered = (
            "UPDATE {t} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            '\'"archivist":"ana"\', \'"archivist":"bob"\'), \'UTF8\') WHERE {p} = 70'
        )
    sql(sample, tampered.format(t=events_table(sample), b=binary, p=position_column(sample)))
    assert "stored event differs" in cli(sample, "verify").output

    refused = cli(sample, "rebuild")
    assert refused.exit_code == 1
    assert "FAIL position 70: stored event differs from the one recorded" in refused.output
    assert "the log fails verification" in refused.output and "--force" in refused.output

    forced = ok(sample, "rebuild", "--force")
    assert "warning: rebuilding over 1 verification problem(s)" in forced.output
    after = cli(sample, "verify")
    assert after.exit_code == 1
    assert "a rebuild was forced" in after.output and "position 70" in after.output
    assert cli(sample, "rebuild").exit_code == 1  # the finding does not go away


# a damaged tracking table --------------------------------------------------------


@pytest.mark.parametrize("damage", ["delete", "behind", "ahead", "drop"])
def test_a_damaged_tracking_table_is_reported_and_rebuild_repairs_it(sample: str, damage: str) -> None:
    table = tracking_table(sample)
    statement = {
        "delete": f"DELETE FROM {table} WHERE application_name = 'warlog'",
        "behind": f"UPDATE {table} SET notification_id = 5 WHERE application_name = 'warlog'",
        "ahead": f"UPDATE {table} SET notification_id = 100000 WHERE application_name = 'warlog'",
        "drop": f"DROP TABLE {table}",
    }[damage]
    sql(sample, statement)
    for command in (("state",), ("import", str(SAMPLE), "--archivist", "ana")):
        result = cli(sample, *command)
        assert result.exit_code == 1
        assert lines_of(result)[-1].startswith("error: the read model is out of step with the log")
        assert "run 'warlog rebuild'" in result.output
    ok(sample, "rebuild")
    ok(sample, "state", "--place", "Homs")
    ok(
        sample,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-09",
        "--claim",
        "Homs:opposition:controlled",
        archivist="ana",
    )
    ok(sample, "verify")


# exit codes: written but not projected -------------------------------------------


def test_events_written_but_not_projected_exit_3_and_the_next_command_completes(db: str) -> None:
    ok(db, "init", archivist="ana")
    if is_postgres(db):
        sql(
            db,
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'database or disk is full'; END $$",
            "CREATE TRIGGER boom BEFORE INSERT ON warlog_log FOR EACH ROW EXECUTE FUNCTION boom()",
        )
    else:
        sql(
            db,
            "CREATE TRIGGER boom BEFORE INSERT ON warlog_log "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
        )
    result = cli(db, "import", str(SAMPLE), archivist="ana")
    assert result.exit_code == 3
    (line,) = lines_of(result)
    assert line.startswith("warning: the events were written (positions ")
    assert "but the read model could not be updated: " in line
    assert line.endswith("the next command will complete it")

    sql(db, "DROP TRIGGER boom ON warlog_log" if is_postgres(db) else "DROP TRIGGER boom")
    assert ok(db, "state", "--place", "Homs", "--at", "2024-12-07").output
    again = ok(db, "import", str(SAMPLE), archivist="ana")
    assert "added: nothing" in again.output
    ok(db, "verify")


def test_input_that_is_refused_exits_1(sample: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "nothing"}\n')
    assert cli(sample, "import", str(bad), archivist="ana").exit_code == 1


# foreign topics ------------------------------------------------------------------


@pytest.fixture
def booby_trap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A module that leaves a marker file behind if anything ever imports it."""
    name = f"warlog_trap_{uuid4().hex[:8]}"
    marker = tmp_path / "imported"
    (tmp_path / "trap").mkdir()
    (tmp_path / "trap" / f"{name}.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\nclass Boom: pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "trap"))
    yield name, marker
    sys.modules.pop(name, None)


def dump_with_topic(source_db: str, tmp_path: Path, topic: str, line: int = 5) -> Path:
    ok(source_db, "dump", "-o", str(tmp_path / "good.dump"), "--force")
    lines = (tmp_path / "good.dump").read_text().splitlines()
    record = json.loads(lines[line])
    record["topic"] = topic
    lines[line] = json.dumps(record)
    bad = tmp_path / "bad.dump"
    bad.write_text("\n".join(lines) + "\n")
    return bad


def assert_target_untouched(db: str) -> None:
    if is_postgres(db):
        assert tables_in(db) == set()
    else:
        assert not Path(db).exists()
        assert [p.name for p in Path(db).parent.iterdir() if p.name.startswith(".")] == []


def test_restore_refuses_a_dump_with_a_foreign_topic(
    db: str, tmp_path: Path, booby_trap: tuple[str, Path]
) -> None:
    module, marker = booby_trap
    source = str(tmp_path / "source.db")
    ok(source, "import", str(SAMPLE), archivist="ana")
    for topic in (f"{module}:Boom", "os:system", "this:s"):
        result = cli(db, "restore", str(dump_with_topic(source, tmp_path, topic)))
        assert result.exit_code == 1
        (line,) = lines_of(result)
        assert ":6: topic: position 5: " in line and f"'{topic}'" in line
        assert_target_untouched(db)
    assert not marker.exists()
    ok(db, "restore", str(tmp_path / "good.dump"))  # the target can be used as if nothing happened
    ok(db, "verify")


def test_restore_refuses_a_filing_that_names_a_foreign_aggregate(
    db: str, tmp_path: Path, booby_trap: tuple[str, Path]
) -> None:
    module, marker = booby_trap
    source = str(tmp_path / "source.db")
    ok(source, "import", str(SAMPLE), archivist="ana")
    ok(source, "dump", "-o", str(tmp_path / "good.dump"))
    lines = (tmp_path / "good.dump").read_text().splitlines()
    record = json.loads(lines[1])
    state = json.loads(base64.b64decode(record["state"]))
    state["originator_topic"] = f"{module}:Boom"
    record["state"] = base64.b64encode(json.dumps(state).encode()).decode()
    lines[1] = json.dumps(record)
    (tmp_path / "bad.dump").write_text("\n".join(lines) + "\n")
    result = cli(db, "restore", str(tmp_path / "bad.dump"))
    assert result.exit_code == 1
    assert f"'{module}:Boom' is not one of warlog's event types" in result.output
    assert_target_untouched(db)
    assert not marker.exists()


def test_a_failed_restore_leaves_nothing_behind_and_can_be_retried(db: str, tmp_path: Path) -> None:
    source = str(tmp_path / "source.db")
    ok(source, "import", str(SAMPLE), archivist="ana")
    ok(source, "dump", "-o", str(tmp_path / "good.dump"))
    text = (tmp_path / "good.dump").read_text()
    (tmp_path / "cut.dump").write_text(text + '{"position": "x"}\n')
    result = cli(db, "restore", str(tmp_path / "cut.dump"))
    assert result.exit_code == 1
    assert_target_untouched(db)
    ok(db, "restore", str(tmp_path / "good.dump"))
    ok(db, "verify")


def test_a_foreign_topic_in_the_store_is_refused_and_never_imported(
    sample: str, booby_trap: tuple[str, Path], tmp_path: Path
) -> None:
    module, marker = booby_trap
    topic = f"{module}:Boom"
    position = last_position(sample) + 1
    if is_postgres(sample):
        sql(
            sample,
            "INSERT INTO warlog_events (originator_id, originator_version, topic, state) "
            f"VALUES ('{uuid4()}', 1, '{topic}', convert_to('{{}}', 'UTF8'))",
        )
    else:
        sql(
            sample,
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            f"VALUES ('{uuid4().hex}', 1, '{topic}', X'7B7D')",
        )
    before = ok(sample, "dump").output
    extra = tmp_path / "more.jsonl"
    extra.write_text(
        '{"type": "report", "source": "Wire", "published": "2024-12-09", '
        '"claims": [{"place": "Homs", "actor": "rebels", "status": "controlled"}]}\n'
    )
    for command in (("state",), ("log",), ("import", str(extra), "--archivist", "ana"), ("export", "claims")):
        result = cli(sample, *command)
        assert result.exit_code == 1, command
        (line,) = lines_of(result)
        assert line.startswith(f"error: position {position}: the stored event's type")
        assert f"'{topic}' is not one of warlog's events" in line
    assert ok(sample, "dump").output == before  # nothing was imported
    verified = cli(sample, "verify")
    assert verified.exit_code == 1
    assert f"FAIL position {position}:" in verified.output and topic in verified.output
    assert not marker.exists()


def test_the_allowed_topics_are_warlogs_own_classes() -> None:
    from eventsourcing.utils import get_topic

    from warlog import domain
    from warlog.topics import allowed

    assert get_topic(domain.Report.Filed) in allowed()  # type: ignore[attr-defined]
    assert get_topic(domain.Places) in allowed()
    assert all(t.startswith(("warlog.domain:", "eventsourcing.domain:Snapshot")) for t in allowed())


def test_rebuild_refuses_when_the_last_event_was_removed(sample: str) -> None:
    last = last_position(sample)
    sql(sample, f"DELETE FROM {events_table(sample)} WHERE {position_column(sample)} = {last}")
    refused = cli(sample, "rebuild")
    assert refused.exit_code == 1
    assert f"the log ends 1 event(s) short of what was recorded (up to position {last})" in refused.output
    assert cli(sample, "verify").exit_code == 1


def indexes_of(db: str) -> set[str]:
    if is_postgres(db):
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT indexname FROM pg_catalog.pg_indexes WHERE schemaname = %s", (schema_of(db),)
            ).fetchall()
    else:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {str(r[0]) for r in rows}


def test_a_rebuild_builds_the_query_indexes_at_its_end_and_a_stopped_one_gets_them_back(sample: str) -> None:
    from warlog.readmodel.persistence import READER_INDEXES

    before = indexes_of(sample)
    assert set(READER_INDEXES) <= before
    ok(sample, "rebuild")
    assert indexes_of(sample) == before
    archive = warlog.open(sample)
    archive.view.drop()  # as a rebuild stopped half-way leaves the read model
    archive.view.drop_reader_indexes()
    archive.close()
    assert not set(READER_INDEXES) & indexes_of(sample)
    assert "Homs" in ok(sample, "history", "Homs").output  # the next command's catch-up makes them
    assert indexes_of(sample) == before
