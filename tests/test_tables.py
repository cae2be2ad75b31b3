"""Tables: no word split at any width, whole short fields, plain text in a pipe, a real terminal's width."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import warlog
from clirun import ok
from warlog.archive import DATA
from warlog.cli import tables

words = st.text(alphabet="abcdefghij-حمص漢", min_size=1, max_size=14)
texts = st.lists(words, min_size=0, max_size=12).map(" ".join)


@given(texts, st.integers(min_value=1, max_value=60))
def test_folding_breaks_only_between_words(text: str, width: int) -> None:
    lines = tables.fold(text, width)
    assert " ".join(lines).split(" ") == text.split(" ")
    for line in lines:
        assert tables.width_of(line) <= width or " " not in line  # only a lone long word overflows


@settings(max_examples=60)
@given(
    st.lists(st.lists(texts, min_size=3, max_size=3), min_size=1, max_size=8),
    st.integers(min_value=20, max_value=140),
)
def test_a_laid_out_table_keeps_every_word_whole_and_fits_where_words_allow(
    rows: list[list[str]], width: int
) -> None:
    columns = ("place", "since", "reason")  # free text, a short field, free text
    lines = tables.layout(columns, rows, width)
    shown = {w for line in lines for w in line.split()}
    for row in rows:
        for cell in row:
            assert set(cell.split()) <= shown
    longest = max(tables.width_of(w) for r in rows for c in r for w in [*c.split(), "reason"])
    if max(tables.width_of(r[1]) for r in rows) + 2 * longest + 4 <= width:
        assert all(tables.width_of(line) <= width for line in lines)
    assert all(line == line.rstrip() for line in lines)


def test_short_fields_are_never_folded_even_when_the_table_must_become_blocks() -> None:
    row = ["Malouk checkpoint", "2026-12-02T03:04:24.947043Z", "news-2024-12-07-background#3"]
    lines = tables.layout(("place", "recorded at", "claim"), [row], 40)
    assert any("2026-12-02T03:04:24.947043Z" in line for line in lines)
    assert any("news-2024-12-07-background#3" in line for line in lines)


def test_plain_tables_are_aligned_without_borders_or_trailing_spaces() -> None:
    lines = tables.plain(
        ("place", "status", "controller"), [["Homs", "contested", ""], ["Al-Hamah", "x", "y"]]
    )
    assert lines == [
        "place     status     controller",
        "Homs      contested",
        "Al-Hamah  x          y",
    ]


def test_five_thousand_rows_lay_out_in_well_under_a_second() -> None:
    rows = [
        [f"Village {i}", "controlled", "Syrian government", "", "", "2024-12-05", "2024-12-05", "1"]
        for i in range(5000)
    ]
    columns = (
        "place",
        "status",
        "controller",
        "contested by",
        "candidates",
        "since",
        "evidence to",
        "claims",
    )
    started = time.perf_counter()
    tables.layout(columns, rows, 80)
    tables.plain(columns, rows)
    assert time.perf_counter() - started < 1.0


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("tables") / "warlog.db")
    archive = warlog.open(db)
    archive.import_file((DATA / "sample.jsonl").read_text("utf-8").splitlines(), "sample.jsonl", "ana")
    archive.close()
    return db


def on_terminal(db: str, columns: int, *args: str) -> str:
    """What `warlog ARGS` shows on a terminal of `columns` columns (a real pseudo-terminal)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "WARLOG_DB")}
    process = subprocess.Popen(
        [sys.executable, "-m", "warlog", *args, "--db", db],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break  # the terminal closed: the command is done
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0, shown.decode()
    return shown.decode().replace("\r\n", "\n")


WHOLE = re.compile(r"\b(controlled|contested|opposition|government|\d{4}-\d\d-\d\d(T[\d:.]+Z)?)\b")


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize(
    "args", [("state", "--at", "2024-12-07"), ("timeline", "Homs"), ("history", "news-2024-12-07-background")]
)
def test_on_a_terminal_tables_fit_its_width_and_split_no_word(
    sample_db: str, columns: int, args: tuple[str, ...]
) -> None:
    shown = on_terminal(sample_db, columns, *args)
    plain = subprocess.run(
        [sys.executable, "-m", "warlog", *args, "--db", sample_db], capture_output=True, text=True, check=True
    ).stdout
    for line in shown.splitlines():
        assert tables.width_of(line) <= columns, line
    expected = {m.group(0) for m in WHOLE.finditer(plain)}
    assert expected <= {m.group(0) for m in WHOLE.finditer(shown)}
    assert not re.search(r"\b(controlle|oppositi|2024-12-0)$", shown, re.MULTILINE)


def test_csv_holds_the_same_rows_as_json(sample_db: str) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(sample_db, "state", "--at", "2024-12-07", "--csv").stdout)))
    places = json.loads(ok(sample_db, "state", "--at", "2024-12-07", "--json").stdout)["places"]
    assert [r["place"] for r in rows] == [p["place"] for p in places]
    assert [r["controller"] for r in rows] == [p["controller"] or "" for p in places]


def test_a_piped_table_has_its_title_on_stderr_and_no_trailing_spaces(sample_db: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warlog", "history", "Homs", "--db", sample_db],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr.startswith("History of Homs, Homs Governorate, Syria")
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "position",
        "recorded",
        "at",
        "archivist",
        "kind",
        "claim",
        "reason",
        "change",
    ]
    assert all(line == line.rstrip() for line in lines)
    assert Path(sample_db).exists()
