"""The resolution rule: who controls a place, from the claims about it.

This module is the only place the rule lives. It is a pure function over
already-filtered claims (the caller decides which claims are effective at a
record time and pass the grade filters), so the read model and the tests'
from-scratch fold of the log cannot disagree about what the rule says.

Three choices shape the walk, and all three are made here, not by callers:
- **sides**: an actor stands for the top of its `part_of` chain (`by="side"`),
  or for itself (`by="actor"`);
- **counting day**: a claim whose date is a month or an interval counts from
  its last possible day (`dates="latest"`) or its first (`dates="earliest"`);
- **pressure window**: a `contested`/`besieged` claim presses for
  `pressure_days` days from its own day, unless renewed; `None` never lapses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Literal, NamedTuple

from warlog.dates import Bounds, plus_days

STATUSES = ("controlled", "contested", "besieged", "withdrawn")
By = Literal["side", "actor"]
Dates = Literal["latest", "earliest"]


class ClaimRef(NamedTuple):
    """Names one claim: the report it belongs to and its number in it.

    A named tuple, not a dataclass: `state` builds one per supporting claim of
    every place, and tuples are made in C from the stored pairs.
    """

    report: str
    claim: int

    def to_dict(self) -> dict[str, object]:
        return {"report": self.report, "claim": self.claim}


@dataclass(frozen=True, slots=True)
class Rule:
    """The options of one answer: sides or actors, which bound counts, the pressure window."""

    by: By = "side"
    dates: Dates = "latest"
    pressure_days: int | None = 14


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim as the walk sees it: its actor (or side), status and counting day."""

    ref: ClaimRef
    actor: str
    status: str
    date: str  # the counting day, ISO YYYY-MM-DD; ISO dates sort as text
    exact: bool = True  # False when the source's date was a month, a year or an interval


def side_of(actor: str, parents: Mapping[str, str | None]) -> str:
    """The top of an actor's `part_of` chain: the side it fights on (itself at the top)."""
    seen = {actor}
    while (parent := parents.get(actor)) is not None and parent not in seen:
        seen.add(parent)
        actor = parent
    return actor


def counted(
    ref: ClaimRef, actor: str, status: str, when: Bounds, rule: Rule, parents: Mapping[str, str | None]
) -> Claim:
    """A stored claim as the walk counts it under `rule`."""
    return Claim(
        ref,
        side_of(actor, parents) if rule.by == "side" else actor,
        status,
        when.last if rule.dates == "latest" else when.first,
        when.exact,
    )


class Support(NamedTuple):
    """A supporting claim with what `uncertain` and `evidence_to` need of it."""

    ref: ClaimRef
    day: str
    exact: bool


@dataclass(frozen=True, slots=True)
class Step:
    """The state of a place after the claims (and lapses) of one walk day were applied.

    `since` is the first day of the run of steps whose visible state
    (status, controller, candidates, contested_by) is the same as this one.
    """

    date: str
    status: str
    controller: str | None
    contested_by: tuple[str, ...]
    candidates: tuple[str, ...]
    since: str
    claims: tuple[ClaimRef, ...]
    uncertain: bool = False
    evidence_to: str | None = None
    walk: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Everything needed to continue the walk after this day (see `steps(resume=...)`)."""

    @property
    def visible(self) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
        return (self.status, self.controller, self.contested_by, self.candidates)


class _Pressure:
    """One actor's pressure on a place: its strongest kind and the day it lapses."""

    __slots__ = ("claims", "kind", "lapses")

    def __init__(self, kind: str, lapses: str | None, claims: list[Support]) -> None:
        self.kind = kind
        self.lapses = lapses
        self.claims = claims


class _Walk:
    """The mutable state of the walk over days, with the claims behind each part."""

    def __init__(self, pressure_days: int | None) -> None:
        self.pressure_days = pressure_days
        self.controller: str | None = None
        self.controller_claims: list[Support] = []
        self.candidates: dict[str, list[Support]] = {}
        self.pressure: dict[str, _Pressure] = {}
        self.vacancy_claims: list[Support] = []  # why nobody holds the place

    def apply(self, day: str, claims: list[Claim]) -> None:
        """One day of claims, in the rule's order: (a) control, (b) withdrawals, (c) pressure, (d) lapses."""
        controlled = [c for c in claims if c.status == "controlled"]
        self._take_control(controlled)
        for claim in claims:
            if claim.status == "withdrawn":
                self._withdraw(claim, control_claimed=bool(controlled))
        for claim in claims:
            if claim.status in ("contested", "besieged"):
                self._press(claim)
        self.lapse(day)

    def _take_control(self, controlled: list[Claim]) -> None:
        actors = {c.actor for c in controlled}
        if not actors:
            return
        self.pressure.clear()
        self.vacancy_claims = []
        if len(actors) > 1:
            self.controller = None
            self.controller_claims = []
            self.candidates = {}
            for c in controlled:
                self.candidates.setdefault(c.actor, []).append(_support(c))
            return
        (actor,) = actors
        support = [_support(c) for c in controlled]
        if self.controller == actor and not self.candidates:
            self.controller_claims.extend(support)
        else:
            self.controller_claims = support
        self.controller = actor
        self.candidates = {}

    def _withdraw(self, claim: Claim, *, control_claimed: bool) -> None:
        if not control_claimed and claim.actor == self.controller:
            self.controller = None
            self.controller_claims = []
            self.vacancy_claims.append(_support(claim))
        elif not control_claimed and claim.actor in self.candidates:
            del self.candidates[claim.actor]
            if len(self.candidates) == 1:  # the dispute is over: the one left holds the place
                ((actor, support),) = self.candidates.items()
                self.controller, self.controller_claims = actor, [*support, _support(claim)]
                self.candidates = {}
        elif self.controller is None and not self.candidates:
            self.vacancy_claims.append(_support(claim))  # what is known of a place nobody holds
        self.pressure.pop(claim.actor, None)

    def _press(self, claim: Claim) -> None:
        if claim.actor == self.controller or claim.actor in self.candidates:
            return
        lapses = None if self.pressure_days is None else plus_days(claim.date, self.pressure_days)
        held = self.pressure.get(claim.actor)
        if held is None:
            self.pressure[claim.actor] = _Pressure(claim.status, lapses, [_support(claim)])
            return
        if claim.status == "contested":  # contested outranks besieged while the pressure lasts
            held.kind = "contested"
        held.lapses = lapses
        held.claims.append(_support(claim))

    def next_lapse(self) -> str | None:
        days = [p.lapses for p in self.pressure.values() if p.lapses is not None]
        return min(days) if days else None

    def lapse(self, day: str) -> None:
        """(d): pressure not renewed within the window ends on its lapse day."""
        for actor in [a for a, p in self.pressure.items() if p.lapses is not None and p.lapses <= day]:
            lapsed = self.pressure.pop(actor)
            if self.controller is None and not self.candidates:
                self.vacancy_claims.extend(lapsed.claims)

    def status(self) -> str:
        if self.candidates:
            return "disputed"
        if self.pressure:
            for pressure in self.pressure.values():
                if pressure.kind == "contested":
                    return "contested"
            return "besieged"
        if self.controller is not None:
            return "controlled"
        return "unknown"

    def supporting(self) -> list[Support]:
        if not self.candidates and not self.pressure:  # the usual day: held, or nobody holds it
            return self.controller_claims + self.vacancy_claims
        support = list(self.controller_claims)
        for actor in sorted(self.candidates):
            support.extend(self.candidates[actor])
        for actor in sorted(self.pressure):
            support.extend(self.pressure[actor].claims)
        support.extend(self.vacancy_claims)
        return support

    def step(
        self,
        day: str,
        since: str,
        keep_walk: bool,
        visible: tuple[str, str | None, tuple[str, ...], tuple[str, ...]],
    ) -> Step:
        support = self.supporting()
        return Step(
            day,
            *visible,
            since,
            tuple([ref for ref, _, _ in support]),
            not all([exact for _, _, exact in support]),
            max([d for _, d, _ in support], default=None),
            self.snapshot() if keep_walk else {},
        )

    def snapshot(self) -> dict[str, Any]:
        def rows(claims: list[Support]) -> list[list[Any]]:
            return [[report, claim, d, exact] for (report, claim), d, exact in claims]

        return {
            "controller": self.controller,
            "controller_claims": rows(self.controller_claims),
            "candidates": {a: rows(c) for a, c in self.candidates.items()} if self.candidates else {},
            "pressure": {a: [p.kind, p.lapses, rows(p.claims)] for a, p in self.pressure.items()}
            if self.pressure
            else {},
            "vacancy_claims": rows(self.vacancy_claims),
        }

    @classmethod
    def restore(cls, snapshot: dict[str, Any], pressure_days: int | None) -> _Walk:
        def rows(stored: list[list[Any]]) -> list[Support]:
            return [Support(ClaimRef(r, n), d, e) for r, n, d, e in stored]

        walk = cls(pressure_days)
        walk.controller = snapshot["controller"]
        walk.controller_claims = rows(snapshot["controller_claims"])
        walk.candidates = {a: rows(c) for a, c in snapshot["candidates"].items()}
        walk.pressure = {
            a: _Pressure(k, lapses, rows(c)) for a, (k, lapses, c) in snapshot["pressure"].items()
        }
        walk.vacancy_claims = rows(snapshot["vacancy_claims"])
        return walk


def _support(claim: Claim) -> Support:
    return Support(claim.ref, claim.date, claim.exact)


def _order(claim: Claim) -> tuple[str, str, int]:
    return (claim.date, claim.ref.report, claim.ref.claim)


def steps(
    claims: Iterable[Claim],
    pressure_days: int | None = None,
    resume: Step | None = None,
    *,
    keep_walk: bool = False,
) -> Iterator[Step]:
    """Walk the claims' counting days and the lapse days in ascending order, yielding each state.

    Claims of one day are taken in (report, claim) order, so the supporting
    claims come out the same however the caller fetched them. `resume` is a
    step produced with `keep_walk=True` and the same `pressure_days`: the walk
    continues after its day with the claims counted later, as if it had never
    stopped.
    """
    walk = _Walk(pressure_days) if resume is None else _Walk.restore(resume.walk, pressure_days)
    since = "" if resume is None else resume.since
    previous: Step | None = resume

    def emit(day: str) -> Step:
        nonlocal since, previous
        visible = (
            walk.status(),
            walk.controller,
            tuple(sorted(walk.pressure)) if walk.pressure else (),
            tuple(sorted(walk.candidates)) if walk.candidates else (),
        )
        if previous is None or previous.visible != visible:
            since = day
        previous = walk.step(day, since, keep_walk, visible)
        return previous

    for day, group in groupby(sorted(claims, key=_order), key=lambda c: c.date):
        while (lapse := walk.next_lapse()) is not None and lapse < day:
            walk.lapse(lapse)
            yield emit(lapse)
        walk.apply(day, list(group))
        yield emit(day)
    while (lapse := walk.next_lapse()) is not None:
        walk.lapse(lapse)
        yield emit(lapse)


def state_on(claims: Iterable[Claim], day: str, pressure_days: int | None = None) -> Step | None:
    """The state of a place on a valid date, or None when no claim counts on or before it."""
    last: Step | None = None
    for step in steps((c for c in claims if c.date <= day), pressure_days):
        if step.date > day:
            break
        last = step
    return last
