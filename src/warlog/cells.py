"""CSV cells that a spreadsheet will not run: formula injection neutralised as OWASP recommends.

A quote or a note beginning `=`, `+`, `-` or `@` (or a tab or carriage
return, which some spreadsheets skip before looking) is read by Excel,
LibreOffice and Google Sheets as a formula, which can fetch URLs or run
commands when the file is opened. Every text cell that starts so is written
with a leading single quote, which spreadsheets take as "this is text".

Numbers are left alone: values that are numbers (longitudes, grades, counts)
are not text, and a text cell that is a plain number such as `-3.5` cannot be
a formula. `--raw-csv` turns this off for trusted pipelines that need the
bytes exactly as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_raw: ContextVar[bool] = ContextVar("warlog_raw_csv", default=False)


def neutralised(value: Any) -> Any:
    """The cell as it may be written: text that a spreadsheet would run gets a leading quote."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: dict[str, Any]) -> dict[str, Any]:
    """Every cell of a CSV row neutralised, unless raw cells were asked for."""
    if _raw.get():
        return row
    return {column: neutralised(value) for column, value in row.items()}


@contextmanager
def raw_cells(raw: bool) -> Iterator[None]:
    """Within this block, CSV cells are written exactly as stored (`--raw-csv`)."""
    token = _raw.set(raw)
    try:
        yield
    finally:
        _raw.reset(token)
