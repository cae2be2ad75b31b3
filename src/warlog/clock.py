"""The two clocks: valid dates (what a claim is about) and record times (when the archive learned it).

Record times are UTC and written as fixed-width ISO text so that they compare
correctly as strings, in SQL as in Python. All events appended by one command
share one record time, so a `--known-at` never sees half of a command.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(Z|z|[+-]\d{2}:\d{2})$"
)


def now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """Fixed-width UTC text, e.g. 2024-12-08T12:00:00.000000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_date(text: str) -> str:
    """Check an ISO calendar date and return it; ValueError says what is wrong."""
    if not _DATE.match(text):
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2024-12-07")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a day of the calendar") from None
    return text


def parse_published(text: str) -> str:
    """A report's publication: an ISO date or an RFC 3339 date-time; returns its calendar date."""
    if _DATE.match(text):
        return parse_date(text)
    return parse_timestamp(text, bare_date=False)[1]


def parse_timestamp(text: str, *, bare_date: bool = True) -> tuple[datetime, str]:
    """Parse RFC 3339 (or a bare date meaning its start, UTC) into (UTC moment, local date)."""
    if bare_date and _DATE.match(text):
        parse_date(text)
        return datetime.fromisoformat(text).replace(tzinfo=UTC), text
    match = _TIMESTAMP.match(text)
    if not match:
        raise ValueError(
            f"'{text}' is not an RFC 3339 timestamp; write e.g. 2024-12-08T12:00:00Z"
        )
    day, clock_time, offset = match.groups()
    parse_date(day)
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        moment = datetime.fromisoformat(f"{day}T{clock_time}{offset}")
    except ValueError:
        raise ValueError(f"'{text}' is not a valid time of day") from None
    return moment.astimezone(UTC), day


def today() -> str:
    return now().date().isoformat()
