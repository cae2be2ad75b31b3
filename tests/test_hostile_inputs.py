"""Hostile input: every case of the corpus in `tests/hostile/` on both backends.

Each case in `tests/hostile/cases.json` names an input file in
`tests/hostile/inputs/` (or builds one too big to keep, from `repeat`), the
command to run on it, the exit code and the exact lines expected on stderr:
literal text where `{file}` is the input's path and `{...}` stands for any
text. For every case the test asserts those lines and nothing else (no
traceback), that the store is unchanged — the SQLite file byte for byte, the
PostgreSQL log row for row — and that `warlog verify` still says ok.

One archive per backend serves the whole corpus: a case that wrote anything
would fail its own comparison, so sharing it costs no isolation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from typer.testing import CliRunner, Result

from conftest import BACKENDS, POSTGRES, _unreachable
from warlog.cli.app import app

HOSTILE = Path(__file__).parent / "hostile"
runner = CliRunner()
CLEAN_ENV: dict[str, str | None] = {
    "WARLOG_DB": None,
    "WARLOG_ARCHIVIST": None,
    "WARLOG_KEYS": None,
    "COLUMNS": "200",
}
BASE = [
    {
        "type": "report",
        "id": "base",
        "source": "Base wire",
        "published": "2024-12-01",
        "claims": [
            {"place": "Homs", "actor": "government", "status": "controlled"},
            {"place": "Hama", "actor": "government", "status": "controlled"},
        ],
    },
]


@dataclass(frozen=True)
class Case:
    """One hostile input and what warlog must answer."""

    name: str
    args: list[str]
    code: int
    stderr: list[str]
    file: str | None = None
    repeat: list[Any] | None = None
    stdin: bool = False
    stdout: str | None = None


def cases() -> list[Case]:
    loaded = json.loads((HOSTILE / "cases.json").read_text(encoding="utf-8"))
    return [Case(**entry) for entry in loaded]


CASES = cases()


@dataclass
class Store:
    """An archive made for the corpus: `warlog init` and one base report."""

    location: str
    schema: str | None = None

    def state(self) -> Any:
        """What must not change: the SQLite file's bytes, or PostgreSQL's stored events."""
        if self.schema is None:
            # The -shm file is an index of the -wal, and an empty -wal holds nothing: what a
            # connection left open (until the test's process collects it) leaves behind.
            files = [Path(self.location), Path(self.location + "-wal")]
            return {
                f.name: hashlib.sha256(f.read_bytes()).hexdigest()
                for f in files
                if f.exists() and f.stat().st_size > 0
            }
        with psycopg.connect(POSTGRES) as conn:
            return conn.execute(
                f'SELECT * FROM "{self.schema}".warlog_events ORDER BY notification_id'
            ).fetchall()


def invoke(args: list[str], stdin: bytes | None = None) -> Result:
    return runner.invoke(app, args, input=stdin, env=CLEAN_ENV, catch_exceptions=False)


@pytest.fixture(scope="module", params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if request.param == "sqlite":
        made = Store(str(tmp_path_factory.mktemp("hostile") / "warlog.db"))
        _fill(made)
        yield made
        return
    if (error := _unreachable()) is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    schema = f"t_{uuid4().hex}"
    # A PostgreSQL archive keeps its key in WARLOG_KEYS (by default ./warlog.keys):
    # the corpus's archive keeps it in a folder of its own, for the module's tests.
    CLEAN_ENV["WARLOG_KEYS"] = str(tmp_path_factory.mktemp("hostile-keys"))
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            made = Store(f"{POSTGRES}?schema={schema}", schema)
            _fill(made)
            yield made
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            CLEAN_ENV["WARLOG_KEYS"] = None


def _fill(store: Store) -> None:
    assert invoke(["init", "--db", store.location]).exit_code == 0
    lines = "".join(json.dumps(r) + "\n" for r in BASE).encode()
    done = invoke(["import", "-", "--db", store.location], stdin=lines)
    assert done.exit_code == 0, done.output


def expected(pattern: str, where: dict[str, str]) -> re.Pattern[str]:
    """A line of the manifest as a regular expression: literal text, `{...}` any text."""
    for name, value in where.items():
        pattern = pattern.replace("{" + name + "}", value)
    return re.compile(".*".join(re.escape(part) for part in pattern.split("{...}")), re.DOTALL)


def prepare(case: Case, tmp_path: Path) -> tuple[list[str], bytes | None, dict[str, str]]:
    """The command line, stdin and placeholders for one case."""
    path = str(tmp_path / "input.jsonl")
    if case.file is not None:
        path = str(HOSTILE / "inputs" / case.file)
    elif case.repeat is not None:
        prefix, chunk, times, suffix = case.repeat
        Path(path).write_bytes((prefix + chunk * times + suffix).encode("utf-8"))
    where = {"file": path, "dir": str(tmp_path), "out": str(tmp_path / "map.html")}
    stdin = Path(path).read_bytes() if case.stdin else None
    args = []
    for arg in case.args:
        for name, value in where.items():
            arg = arg.replace("{" + name + "}", value)
        args.append(arg)
    return args, stdin, where


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_one_clear_line_per_problem_and_changes_nothing(
    case: Case, store: Store, tmp_path: Path
) -> None:
    args, stdin, where = prepare(case, tmp_path)
    if "--db" not in args:
        args += ["--db", store.location]
    before = store.state()
    result = invoke(args, stdin)
    where["file"] = where["file"] if not case.stdin else "-"
    assert "Traceback" not in result.output
    assert result.exit_code == case.code, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    wanted = [expected(p, where) for p in case.stderr]
    assert len(lines) == len(wanted), lines
    for line, pattern in zip(lines, wanted, strict=True):
        assert pattern.fullmatch(line), (line, pattern.pattern)
    if case.stdout is not None:
        assert result.stdout.splitlines()[0] == case.stdout
    assert store.state() == before
    assert not (tmp_path / "map.html").exists()
    checked = invoke(["verify", "--db", store.location])
    assert checked.exit_code == 0, checked.output


def test_the_corpus_is_large_and_covers_every_kind_of_record() -> None:
    assert len(CASES) >= 150
    text = (HOSTILE / "cases.json").read_text(encoding="utf-8")
    for kind in ("place", "actor", "report", "correction", "retraction", "acled"):
        assert kind in text


def test_input_over_the_size_limit_stops_with_one_line(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warlog.cli import progress

    monkeypatch.setattr(progress, "MAX_INPUT_BYTES", 3 * progress.CHUNK_BYTES)
    path = tmp_path / "big.jsonl"
    path.write_bytes((b" " * 1023 + b"\n") * (4 * progress.CHUNK_BYTES // 1024))
    before = store.state()
    for args, stdin in ((["import", str(path)], None), (["import", "-"], path.read_bytes())):
        result = invoke([*args, "--db", store.location], stdin)
        assert result.exit_code == 1
        source = "-" if stdin else str(path)
        (line,) = result.stderr.splitlines()
        assert re.fullmatch(
            rf"{re.escape(source)}:\d+: more than 3 MiB of input; split it into "
            "several files and import them one by one",
            line,
        ), line
    assert store.state() == before
