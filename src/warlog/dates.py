"""Valid dates as sources give them: a day, a month, a year, or a closed interval.

Sources are rarely exact: "later", "in early December", ACLED's week and
month precision. A claim's `date` is therefore an EDTF level-0 form (ISO
8601-2, the archival standard): `2024-12-05`, `2024-12`, `2024`, or a closed
interval of two of those, `2024-12-02/2024-12-06`. What the rule needs of a
date is its bounds, the first and last day it may mean; a day is its own
bounds.

Level 0 is small and its errors must speak to the archivist (which part is
wrong, how to write it), so it is parsed here rather than through a general
EDTF library that would accept, and then have to refuse, levels 1 and 2.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

_PART = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
FORMS = "YYYY-MM-DD, YYYY-MM, YYYY or FIRST/LAST (e.g. 2024-12-02/2024-12-06)"


class Bounds(NamedTuple):
    """The first and last day a valid date may mean, as ISO text (which sorts as dates do)."""

    first: str
    last: str

    @property
    def exact(self) -> bool:
        return self.first == self.last


@lru_cache(maxsize=65536)
def bounds(text: str) -> Bounds:
    """The bounds of an EDTF level-0 date or interval; ValueError says what is wrong."""
    if "/" in text:
        start, _, end = text.partition("/")
        first, last = _part(start, text).first, _part(end, text).last
        if first > last:
            raise ValueError(f'"{text}" ends before it begins; write the earlier date first')
        return Bounds(first, last)
    return _part(text, text)


def _part(part: str, whole: str) -> Bounds:
    match = _PART.fullmatch(part)
    if match is None:
        raise ValueError(f'"{whole}" is not a date; write it as {FORMS}')
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if year < 1:
        raise ValueError(f'"{whole}": year {year:04d} is not a year of the calendar')
    if month is None:
        return Bounds(f"{year:04d}-01-01", f"{year:04d}-12-31")
    if not 1 <= month <= 12:
        raise ValueError(f'"{whole}": month {month:02d} is not a month; use 01 to 12')
    if day is None:
        length = calendar.monthrange(year, month)[1]
        return Bounds(f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{length:02d}")
    try:
        date(year, month, day)
    except ValueError:
        raise ValueError(f'"{whole}": {part} is not a day of the calendar') from None
    return Bounds(part, part)


def parse(text: str) -> str:
    """Check a valid date and return it as written (it is stored as the source gave it)."""
    bounds(text)
    return text


def plus_days(day: str, days: int) -> str:
    """The ISO day `days` after `day`; the far end of the calendar is clamped, not an error."""
    moved = date.fromisoformat(day).toordinal() + days
    return date.fromordinal(min(moved, date.max.toordinal())).isoformat()


def days_between(first: str, last: str) -> int:
    return (date.fromisoformat(last) - date.fromisoformat(first)) // timedelta(days=1)
