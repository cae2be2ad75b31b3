"""Splitting input into lines: one rule (LF, CRLF, lone CR) for files and stdin, in bounded reads."""

from __future__ import annotations

import io

import pytest

from warlog.cli import progress
from warlog.errors import InvalidInput

TEXT = b"one\ntwo\r\nthree\rfour\r\r\nsix"
LINES = [b"one", b"two", b"three", b"four", b"", b"six"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1024])
def test_every_line_ending_ends_one_line_wherever_a_read_stops(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "CHUNK_BYTES", chunk)
    assert list(progress.split_lines(io.BytesIO(TEXT), "t", 100)) == LINES


def test_the_rule_is_python_s_own_for_bytes() -> None:
    assert list(progress.split_lines(io.BytesIO(TEXT), "t", 100)) == TEXT.splitlines()


def test_a_line_over_the_limit_stops_the_reading_with_its_line_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "CHUNK_BYTES", 4)
    endless = io.BytesIO(b"ok\n" + b"x" * 100)
    with pytest.raises(InvalidInput) as raised:
        list(progress.split_lines(endless, "t", 10))
    (problem,) = raised.value.problems
    assert str(problem).startswith("t:2: the line is longer than")
