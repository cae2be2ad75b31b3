"""ACLED exports as they sit on researchers' disks: one table, whatever wrote it.

Exports come from ACLED's site and API, re-saved by Excel (a byte-order mark,
CRLF, `9-May-20` dates, semicolons in European locales), written by R's
`write.csv` (every cell quoted, `NA` for empty) or by pandas (tabs, `NULL`).
This module turns any of them into rows of stripped text keyed by column, with
one line per problem. The separator is chosen by the header itself: the one of
comma, tab and semicolon that yields the most of ACLED's required columns.
(The standard library's `csv.Sniffer` guesses from character frequencies and
picks the wrong separator on ACLED's notes, which are full of commas and
semicolons; the header is the one line whose shape is known.)

Dates are read once the whole file is known, because `5/6/2020` means 5 June
or 6 May depending on who saved it: a file is read day-first or month-first
by the dates that only one order can read, and refused, with both readings,
when none decides.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from warlog.errors import Problem, WarlogError

REQUIRED = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "timestamp",
)
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
"""ACLED's current export, in its order; older exports have fewer, the API more (ignored)."""
EMPTY = frozenset({"", "NA", "NULL", "null", "N/A", "NaN"})
SEPARATORS = (",", "\t", ";")
NAMED_FORMATS = (
    "%Y-%m-%d",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%B-%Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%B %d, %Y",
    "%Y/%m/%d",
)
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")


@dataclass(frozen=True)
class Row:
    """One data row: where it is in the file and its cells by column (empty cells as '')."""

    where: str
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")

    def get(self, column: str, default: str = "") -> str:
        return self.cells.get(column, default)


def decode(lines: Iterable[bytes], source: str) -> str:
    try:
        return b"\n".join(lines).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WarlogError(
            f"{source}: not UTF-8 text ({error.reason} at byte {error.start}); "
            "save the ACLED export as UTF-8 CSV"
        ) from None


def separator(header_line: str) -> str:
    """The separator under which the header names the most of ACLED's required columns."""

    def found(sep: str) -> tuple[int, int]:
        fields = next(csv.reader([header_line], delimiter=sep), [])
        names = {h.strip().strip('"').lower() for h in fields}
        return sum(c in names for c in REQUIRED), len(fields)

    return max(SEPARATORS, key=found)


def read_rows(
    text: str, source: str, required: tuple[str, ...] = REQUIRED
) -> tuple[list[Row], list[Problem]]:
    """Every non-blank row of an export, or the problems that make it unreadable."""
    first = text.split("\n", 1)[0]
    sep = separator(first)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    problems: list[Problem] = []
    found: list[Row] = []
    try:
        header = [h.strip().lower() for h in next(rows, [])]
        missing = [c for c in required if c not in header]
        if missing:
            return [], [Problem(f"{source}:1", "", _not_acled(missing, sep, required))]
        line = rows.line_num + 1
        for values in rows:
            where = f"{source}:{line}"
            line = rows.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                problems.append(
                    Problem(
                        where,
                        "",
                        f"has {len(values)} fields but the header has {len(header)}; check its quoting",
                    )
                )
                continue
            cells = {
                h: ("" if v.strip() in EMPTY else v.strip()) for h, v in zip(header, values, strict=True)
            }
            found.append(Row(where, cells))
    except csv.Error as error:
        problems.append(Problem(f"{source}:{rows.line_num}", "", f"not valid CSV ({error})"))
    return found, problems


def _not_acled(missing: list[str], sep: str, required: tuple[str, ...]) -> str:
    shown = {",": "commas", "\t": "tabs", ";": "semicolons"}[sep]
    if required == REQUIRED and missing == ["sub_event_type"]:
        return (
            "an ACLED export from before 2019: it has no sub_event_type column, which "
            "says whether an event changed who holds territory; download the events "
            "again from ACLED, whose exports since 2019 have it"
        )
    return (
        f"not an ACLED export: read with {shown} between fields (the best of commas, tabs "
        f"and semicolons), the header lacks {', '.join(missing)}; an ACLED CSV starts "
        f"with the columns {', '.join(COLUMNS[:8])}, …"
    )


def day_order(rows: list[Row]) -> tuple[str | None, list[Problem]]:
    """'dmy' or 'mdy' for a file's slashed dates (None without any), or why it cannot tell."""
    firsts, seconds, example = False, False, None
    for row in rows:
        match = _SLASHED.match(row["event_date"])
        if match is None:
            continue
        a, b = int(match[1]), int(match[2])
        example = example or row
        firsts |= a > 12
        seconds |= b > 12
    if example is None:
        return None, []
    if firsts and seconds:
        return None, [
            Problem(
                example.where,
                "event_date",
                "the file's dates put the day first "
                "in some rows and the month first in others; save it again with "
                "ISO dates (YYYY-MM-DD)",
            )
        ]
    if firsts or seconds:
        return ("dmy" if firsts else "mdy"), []
    text = example["event_date"]
    readings = [_slashed(text, order).isoformat() for order in ("dmy", "mdy") if _valid(text, order)]
    return None, [
        Problem(
            example.where,
            "event_date",
            f"'{text}' could be " + " or ".join(readings) + ", and no date in the file tells day from "
            "month; save it again with ISO dates (YYYY-MM-DD)",
        )
    ]


def event_day(text: str, order: str | None = None) -> str:
    """ACLED's event_date, in any of the forms exports come in, as an ISO date."""
    match = _SLASHED.match(text)
    if match is not None and order is not None:
        try:
            return _slashed(text, order).isoformat()
        except ValueError:
            raise ValueError(f"'{text}' is not a day of the calendar") from None
    for pattern in NAMED_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(
        f"'{text}' is not a date; ACLED writes e.g. '07 December 2024', "
        "'2024-12-07' or, re-saved by Excel, '7-Dec-24'"
    )


def _slashed(text: str, order: str) -> date:
    match = _SLASHED.match(text)
    assert match is not None
    a, b, year = int(match[1]), int(match[2]), int(match[3])
    if year < 100:
        year += 2000 if year < 69 else 1900
    day, month = (a, b) if order == "dmy" else (b, a)
    return date(year, month, day)


def _valid(text: str, order: str) -> bool:
    try:
        _slashed(text, order)
    except ValueError:
        return False
    return True


def deleted_rows(text: str, source: str) -> Iterator[Row | Problem]:
    """ACLED's deleted-events file: event_id_cnty and deleted_timestamp per row."""
    rows, problems = read_rows(text, source, ("event_id_cnty", "deleted_timestamp"))
    yield from problems
    yield from rows
