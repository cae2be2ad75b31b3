"""Why an answer is empty, in one line on stderr, and record times a question cannot mean.

An empty table alone misleads: before the first record time nothing is
known, a place may have no claim at all, or none dated early enough, or the
grade filters may have left none; a record-time window may be after the last
event. Each empty answer names the reason and what the archive does hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from warlog import clock
from warlog.cli.terminal import shown
from warlog.errors import WarlogError

if TYPE_CHECKING:
    from warlog.archive import Archive
    from warlog.results import State, Timeline


def note(text: str) -> None:
    typer.echo(shown(text), err=True)


def known_at(value: str | None, option: str = "--known-at") -> str | None:
    """A record time to answer as of: checked, never in the future; a hint for today's bare date."""
    if value is None:
        return None
    try:
        moment, _ = clock.parse_timestamp(value)
    except ValueError as error:
        raise WarlogError(f"{option}: {error}") from None
    given, now = clock.format_time(moment), clock.format_time(clock.now())
    if given > now:
        raise WarlogError(
            f"{option}: {value.strip()} is in the future (now is {now}); the archive can say only "
            f"what it knew up to now: give an earlier record time, or leave {option} out"
        )
    if value.strip() == clock.today():
        note(
            f"note: {option} {value.strip()} means {given}, the start of today (UTC), before "
            f"anything recorded today; leave {option} out to ask as of now"
        )
    return given


def _entry(archive: Archive, position: int) -> str | None:
    from warlog.archive import log_entry

    found = archive.recorder.select_notifications(start=position, limit=1)
    if not found:
        return None
    return log_entry(found[0].id, archive.mapper.to_domain_event(found[0])).recorded_at


def first_record_time(archive: Archive) -> str | None:
    """When the archive's first event was recorded; None for an empty archive."""
    return _entry(archive, 1)


def last_record_time(archive: Archive) -> str | None:
    top = archive.recorder.max_notification_id()
    return None if not top else _entry(archive, top)


def _before_anything(archive: Archive, known: str) -> str | None:
    first = first_record_time(archive)
    if first is None:
        return "the archive is empty: nothing has been recorded; import reports with 'warlog import FILE'"
    if known < first:
        return f"nothing was recorded yet at {known}: the first record time is {first}"
    return None


def _graded(filters: dict[str, Any]) -> str:
    grades = {"min_reliability": "F", "min_credibility": 6}  # the defaults: no filter
    asked = [f"--{k.replace('_', '-')} {v}" for k, v in filters.items() if grades.get(k, v) != v]
    return f" with {' '.join(asked)}" if asked else ""


def empty_state(archive: Archive, result: State, place: str | None, **filters: Any) -> None:
    """Say why `state` found no place, once it has printed its (empty) table."""
    why = _before_anything(archive, result.known_at)
    if why is None and place is not None:
        line = archive.timeline(place, known_at=result.known_at, **filters)
        name = line.qualified
        if not line.intervals:
            why = f"no claim about {name} as known at {result.known_at}{_graded(filters)}"
        else:
            why = (
                f"no claim about {name} is dated on or before {result.at}{_graded(filters)}; "
                f"the first is dated {line.intervals[0].start}"
            )
    if why is None:
        why = f"no place has a claim dated on or before {result.at} as known at {result.known_at}"
        why += _graded(filters)
    note(why)


def empty_timeline(archive: Archive, result: Timeline, **filters: Any) -> None:
    why = _before_anything(archive, result.known_at)
    note(why or f"no claim about {result.qualified} as known at {result.known_at}{_graded(filters)}")


def empty_history(archive: Archive, subject: str, since: str | None, until: str | None) -> None:
    window = " ".join(
        part for part in (f"at or after {since}" if since else "", f"before {until}" if until else "") if part
    )
    last = last_record_time(archive)
    if since is not None and last is not None and since > last:
        note(f"no event touched {subject} {window}: the last record time is {last}")
    else:
        note(f"no event touched {subject}" + (f" {window}" if window else ""))


def empty_log(archive: Archive, since: str | None) -> None:
    last = last_record_time(archive)
    if last is None:
        note("the log is empty: nothing has been recorded yet")
    else:
        note(f"no event was recorded at or after {since}: the last record time is {last}")
