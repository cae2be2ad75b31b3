"""The two clocks: valid dates (what a claim is about) and record times (when the archive learned it).

Record times are UTC and written as fixed-width ISO text so that they compare
correctly as strings, in SQL as in Python. All events appended by one command
share one record time, so a `--known-at` never sees half of a command.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

# [0-9], not \d: Python's \d also matches other scripts' digits, which no calendar reads.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(Z|z|[+-][0-9]{2}:[0-9]{2})?"
)
EXAMPLE = "write e.g. 2024-12-08T12:00:00Z"


def now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """Fixed-width UTC text, e.g. 2024-12-08T12:00:00.000000Z (years below 1000 zero-padded)."""
    utc = moment.astimezone(UTC).isoformat(timespec="microseconds")
    return utc.removesuffix("+00:00") + "Z"


def parse_date(text: str) -> str:
    """Check an ISO calendar date and return it; ValueError says what is wrong."""
    if not _DATE.fullmatch(text):
        raise ValueError(f"{_shown(text)} is not a date; write it as YYYY-MM-DD, e.g. 2024-12-07")
    if text.startswith("0000"):
        raise ValueError(f"{_shown(text)} is not a day of the calendar: years start at 0001")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{_shown(text)} is not a day of the calendar") from None
    return text


def parse_published(text: str) -> str:
    """A report's publication: an ISO date or an RFC 3339 date-time; returns its calendar date."""
    if _DATE.fullmatch(text):
        return parse_date(text)
    return parse_timestamp(text, bare_date=False)[1]


def parse_timestamp(text: str, *, bare_date: bool = True) -> tuple[datetime, str]:
    """Parse RFC 3339 (or a bare date meaning its start, UTC) into (UTC moment, local date).

    Lowercase `t` and `z` are RFC 3339 too; fractions finer than a microsecond
    are cut to microseconds, the archive's resolution. An instant that UTC
    would put outside the years 0001-9999 is refused rather than overflowing.
    """
    if bare_date and _DATE.fullmatch(text):
        parse_date(text)
        return datetime.fromisoformat(text).replace(tzinfo=UTC), text
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        raise ValueError(f"{_shown(text)} is not an RFC 3339 timestamp; {EXAMPLE}")
    day, hours, minutes, seconds, fraction, offset = match.groups()
    try:
        parse_date(day)
    except ValueError as error:
        raise ValueError(str(error).replace(_shown(day), _shown(text), 1)) from None
    if offset is None:
        raise ValueError(
            f"{_shown(text)} has no UTC offset; add Z (UTC) or one like +02:00, e.g. 2024-12-08T12:00:00Z"
        )
    if int(hours) > 23 or int(minutes) > 59 or int(seconds) > 59:
        leap = " (leap seconds are not accepted; write :59)" if seconds == "60" else ""
        raise ValueError(
            f"{_shown(text)} is not a time of day: hours run 00-23, minutes and seconds 00-59{leap}"
        )
    offset = "+00:00" if offset in ("Z", "z") else offset
    if int(offset[1:3]) > 23 or int(offset[4:6]) > 59:
        raise ValueError(
            f"{_shown(text)} has an impossible UTC offset {offset}; offsets run from -23:59 to +23:59"
        )
    micro = (fraction or "").ljust(6, "0")[:6]
    local = datetime.fromisoformat(f"{day}T{hours}:{minutes}:{seconds}.{micro}{offset}")
    try:
        return local.astimezone(UTC), day
    except OverflowError:
        raise ValueError(f"{_shown(text)} is outside the years 0001-9999 once converted to UTC") from None


def today() -> str:
    return now().date().isoformat()


def _shown(text: str) -> str:
    """A value in a message: quoted, and cut short when long."""
    return repr(text) if len(text) <= 60 else repr(text[:59] + "…")
