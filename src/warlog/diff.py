"""Diffs for auditors: how the picture changed between two record times or two dates.

An archive that never forgets can say not only what it holds but what it held:
`diff_known` compares the world on one date as known at two record times and
names the events recorded in between that touched each changed place, so a
correction is seen with its reason next to the state it moved; `diff_dates`
compares the world on two dates, as known at one time; `changes` lists what
each archivist recorded in a window of record time.

The comparisons are pure functions of two `State`s (or of history rows); the
functions taking an `Archive` only ask it the questions and hand the answers on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from warlog import clock
from warlog.archive import Archive
from warlog.errors import WarlogError
from warlog.results import Change, PlaceState, State

VISIBLE = ("status", "controller", "contested_by", "candidates", "since")
"""What a reader sees of a place's state; a change in anything else is not a change of the picture."""
CONTROL = ("status", "controller")
"""What changes hands between two dates; a new pressuring actor alone is not news of that kind."""
RULE_INPUTS = ("part of changed", "policy set")  # events that change how claims count
KINDS = ("reported", "corrected", "retracted", "registered", "aliases added", "part of changed", "policy set")
"""Kinds of history rows, in the order counts are shown; any other kind is counted after them."""


@dataclass(frozen=True)
class Visible:
    """One place's state without the supporting claims: what a diff compares and shows."""

    status: str
    controller: str | None
    contested_by: tuple[str, ...]
    candidates: tuple[str, ...]
    since: str

    @classmethod
    def of(cls, state: PlaceState) -> Visible:
        return cls(state.status, state.controller, state.contested_by, state.candidates, state.since)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "controller": self.controller,
            "contested_by": list(self.contested_by),
            "candidates": list(self.candidates),
            "since": self.since,
        }


@dataclass(frozen=True)
class PlaceDiff:
    """One place that differs; `before` or `after` is None when it has no state on that side."""

    place: str
    changed: tuple[str, ...]
    before: Visible | None
    after: Visible | None
    within: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        return ", ".join((self.place, *self.within))

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "within": list(self.within),
            "changed": list(self.changed),
            "before": None if self.before is None else self.before.to_dict(),
            "after": None if self.after is None else self.after.to_dict(),
        }


@dataclass(frozen=True)
class CausedDiff:
    """A place that differs between two record times, with the events recorded in between."""

    diff: PlaceDiff
    causes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.diff.to_dict(), "causes": [c.to_dict() for c in self.causes]}


@dataclass(frozen=True)
class KnownDiff:
    """The world on `at` as known at `known_at`, against as known at `vs`."""

    at: str
    known_at: str
    vs: str
    places: tuple[CausedDiff, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "known_at": self.known_at,
            "vs": self.vs,
            "places": [p.to_dict() for p in self.places],
        }


@dataclass(frozen=True)
class DatesDiff:
    """The world on `start` against the world on `end`, both as known at `known_at`."""

    start: str
    end: str
    known_at: str
    places: tuple[PlaceDiff, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start,
            "to": self.end,
            "known_at": self.known_at,
            "places": [p.to_dict() for p in self.places],
        }


@dataclass(frozen=True)
class ArchivistChanges:
    """What one archivist recorded in the window, in log order."""

    archivist: str
    events: tuple[Change, ...]

    def counts(self) -> dict[str, int]:
        return count_kinds(self.events)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archivist": self.archivist,
            "counts": self.counts(),
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True)
class Changes:
    """Everything recorded at or after `since` and before `until` (None: up to now)."""

    since: str
    until: str | None
    archivists: tuple[ArchivistChanges, ...]

    def counts(self) -> dict[str, int]:
        return count_kinds(e for a in self.archivists for e in a.events)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "counts": self.counts(),
            "archivists": [a.to_dict() for a in self.archivists],
        }


# Pure comparisons -----------------------------------------------------------------------------


def compare(before: State, after: State, fields: Sequence[str] = VISIBLE) -> tuple[PlaceDiff, ...]:
    """Every place whose `fields` differ between two states, or that only one of them has."""
    old = {(p.place, p.within): Visible.of(p) for p in before.places}
    new = {(p.place, p.within): Visible.of(p) for p in after.places}
    diffs = []
    for place, within in sorted(old.keys() | new.keys()):
        a, b = old.get((place, within)), new.get((place, within))
        if a is None or b is None:
            changed = tuple(fields)
        else:
            changed = tuple(f for f in fields if getattr(a, f) != getattr(b, f))
        if changed:
            diffs.append(PlaceDiff(place, changed, a, b, within))
    return tuple(diffs)


def with_causes(diffs: Iterable[PlaceDiff], rows: Iterable[Change]) -> tuple[CausedDiff, ...]:
    """Attach to each place the events among `rows` that can have changed it.

    Those are the claim events that touched the place, and every change of the
    rule's inputs: a new pressure window or a changed `part_of` re-walks places
    that no claim event touched. Registrations are left out: naming a place
    never changes who holds it.
    """
    by_place: dict[str, list[Change]] = {}
    everywhere: list[Change] = []
    for row in rows:
        if row.report is not None and row.place is not None:
            by_place.setdefault(row.place, []).append(row)
        elif row.kind in RULE_INPUTS:
            everywhere.append(row)
    return tuple(
        CausedDiff(d, tuple(sorted([*by_place.get(d.qualified, ()), *everywhere], key=lambda r: r.position)))
        for d in diffs
    )


def count_kinds(rows: Iterable[Change]) -> dict[str, int]:
    """Rows per kind: every known kind (zero if absent) in a fixed order, then any other."""
    counter = Counter(r.kind for r in rows)
    return {**{k: counter.pop(k, 0) for k in KINDS}, **dict(sorted(counter.items()))}


def by_archivist(rows: Iterable[Change]) -> tuple[ArchivistChanges, ...]:
    """Group rows by archivist (alphabetically), each in log order, one row per change.

    A correction that moves a claim to another place has a history row under
    each place; here it is one change, so the counts count what was done.
    """
    seen: set[tuple[int, str | None, int | None]] = set()
    unique = []
    for row in rows:
        key = (row.position, row.report, row.claim)
        if row.report is None or key not in seen:
            seen.add(key)
            unique.append(row)
    ordered = sorted(unique, key=lambda r: (r.archivist.casefold(), r.archivist, r.position))
    return tuple(
        ArchivistChanges(name, tuple(group)) for name, group in groupby(ordered, key=lambda r: r.archivist)
    )


# Questions to an archive ----------------------------------------------------------------------


def diff_known(
    archive: Archive,
    at: str,
    known_at: str,
    vs: str | None = None,
    *,
    place: str | None = None,
    min_reliability: str = "F",
    min_credibility: int = 6,
    **rule: Any,
) -> KnownDiff:
    """The world on `at` as known at `known_at` against as known at `vs` (default now).

    The causes of each difference are the place's claim events recorded after
    the earlier time and at or before the later one: exactly the events one
    state saw and the other did not.
    """
    day = _day(at, "at")
    first = _instant(known_at, "known_at")
    second = _instant(vs, "vs") if vs is not None else clock.format_time(clock.now())
    before, after = (
        archive.state(
            at=day,
            known_at=t,
            place=place,
            min_reliability=min_reliability,
            min_credibility=min_credibility,
            **rule,
        )
        for t in (first, second)
    )
    diffs = compare(before, after)
    rows = _recorded_between(archive, *sorted((first, second))) if diffs else []
    return KnownDiff(day, first, second, with_causes(diffs, rows))


def diff_dates(
    archive: Archive,
    start: str,
    end: str | None = None,
    known_at: str | None = None,
    *,
    place: str | None = None,
    min_reliability: str = "F",
    min_credibility: int = 6,
    **rule: Any,
) -> DatesDiff:
    """Places whose status or controller differs between the dates `start` and `end` (default today)."""
    first, second = _day(start, "start"), _day(end or clock.today(), "end")
    known = _instant(known_at, "known_at") if known_at is not None else clock.format_time(clock.now())
    before, after = (
        archive.state(
            at=d,
            known_at=known,
            place=place,
            min_reliability=min_reliability,
            min_credibility=min_credibility,
            **rule,
        )
        for d in (first, second)
    )
    return DatesDiff(first, second, known, compare(before, after, CONTROL))


def changes(archive: Archive, since: str, until: str | None = None) -> Changes:
    """What each archivist recorded at or after `since` and before `until`, like `history`."""
    start = _instant(since, "since")
    end = None if until is None else _instant(until, "until")
    archive.catch_up()
    rows = map(archive.opener.change, archive.view.history(since=start, until=end))  # sealed text opened
    return Changes(start, end, by_archivist(rows))


def _recorded_between(archive: Archive, first: str, second: str) -> list[Change]:
    """History rows with first < recorded_at <= second, from the half-open `history` query.

    Record times are whole microseconds, so one microsecond later turns the
    query's `>=` and `<` into the `>` and `<=` that the two states differ by.
    """
    rows = archive.view.history(since=_later(first), until=_later(second))
    return [archive.opener.change(row) for row in rows]  # sealed text opened


def _later(instant: str) -> str:
    """One microsecond later; the calendar's last instant has nothing after it, so it stays."""
    moment = clock.parse_timestamp(instant)[0]
    if moment.replace(tzinfo=None) == datetime.max:
        return instant
    return clock.format_time(moment + timedelta(microseconds=1))


def _instant(text: str, name: str) -> str:
    """A record time in the archive's fixed-width form, so that it compares as text."""
    try:
        return clock.format_time(clock.parse_timestamp(text)[0])
    except ValueError as error:
        raise WarlogError(f"{name}: {error}") from None


def _day(text: str, name: str) -> str:
    try:
        return clock.parse_date(text)
    except ValueError as error:
        raise WarlogError(f"{name}: {error}") from None
