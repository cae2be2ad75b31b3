"""The resolution rule as it was before sides, lapsing pressure and vague dates: a test oracle.

Kept verbatim so a property can show that `--by actor --pressure-days unlimited
--dates latest` on day-dated claims answers exactly as this did (outside the one
deliberate change: a candidate's withdrawal from a dispute).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

STATUSES = ("controlled", "contested", "besieged", "withdrawn")


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
class Claim:
    """A claim as the rule sees it: who, what, and on which valid date."""

    ref: ClaimRef
    actor: str
    status: str
    date: str  # ISO YYYY-MM-DD; ISO dates sort as text


@dataclass(frozen=True, slots=True)
class Step:
    """The state of a place after the claims of one valid date were applied.

    `since` is the first date of the run of steps whose visible state
    (status, controller, candidates, contested_by) is the same as this one.
    """

    date: str
    status: str
    controller: str | None
    contested_by: tuple[str, ...]
    candidates: tuple[str, ...]
    since: str
    claims: tuple[ClaimRef, ...]
    walk: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Everything needed to continue the walk after this date (see `steps(resume=...)`)."""

    @property
    def visible(self) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
        return (self.status, self.controller, self.contested_by, self.candidates)


class _Walk:
    """The mutable state of the walk over dates, with the claims behind each part."""

    def __init__(self) -> None:
        self.controller: str | None = None
        self.controller_claims: list[ClaimRef] = []
        self.candidates: dict[str, list[ClaimRef]] = {}
        self.pressure: dict[str, str] = {}
        self.pressure_claims: dict[str, list[ClaimRef]] = {}
        self.withdrawal_claims: list[ClaimRef] = []

    def apply(self, claims: list[Claim]) -> None:
        controlled = [c for c in claims if c.status == "controlled"]
        self._take_control(controlled)
        for claim in claims:
            if claim.status == "withdrawn":
                self._withdraw(claim, control_claimed=bool(controlled))
        for claim in claims:
            if claim.status in ("contested", "besieged"):
                self._press(claim)

    def _take_control(self, controlled: list[Claim]) -> None:
        actors = {c.actor for c in controlled}
        if not actors:
            return
        self.pressure.clear()
        self.pressure_claims.clear()
        self.withdrawal_claims = []
        if len(actors) > 1:
            self.controller = None
            self.controller_claims = []
            self.candidates = {}
            for c in controlled:
                self.candidates.setdefault(c.actor, []).append(c.ref)
            return
        (actor,) = actors
        refs = [c.ref for c in controlled]
        if self.controller == actor and not self.candidates:
            self.controller_claims.extend(refs)
        else:
            self.controller_claims = refs
        self.controller = actor
        self.candidates = {}

    def _withdraw(self, claim: Claim, *, control_claimed: bool) -> None:
        if not control_claimed and claim.actor == self.controller:
            self.controller = None
            self.controller_claims = []
            self.withdrawal_claims.append(claim.ref)
        elif self.controller is None and not self.candidates:
            self.withdrawal_claims.append(claim.ref)  # what is known of a place nobody holds
        self.pressure.pop(claim.actor, None)
        self.pressure_claims.pop(claim.actor, None)

    def _press(self, claim: Claim) -> None:
        if claim.actor == self.controller or claim.actor in self.candidates:
            return
        previous = self.pressure.get(claim.actor)
        self.pressure[claim.actor] = "contested" if "contested" in (previous, claim.status) else "besieged"
        self.pressure_claims.setdefault(claim.actor, []).append(claim.ref)

    def snapshot(self) -> dict[str, Any]:
        def refs(claims: list[ClaimRef]) -> list[list[Any]]:
            return [[r.report, r.claim] for r in claims]

        return {
            "controller": self.controller,
            "controller_claims": refs(self.controller_claims),
            "candidates": {a: refs(c) for a, c in self.candidates.items()},
            "pressure": dict(self.pressure),
            "pressure_claims": {a: refs(c) for a, c in self.pressure_claims.items()},
            "withdrawal_claims": refs(self.withdrawal_claims),
        }

    @classmethod
    def restore(cls, snapshot: dict[str, Any]) -> _Walk:
        def refs(pairs: list[list[Any]]) -> list[ClaimRef]:
            return [ClaimRef(r, c) for r, c in pairs]

        walk = cls()
        walk.controller = snapshot["controller"]
        walk.controller_claims = refs(snapshot["controller_claims"])
        walk.candidates = {a: refs(c) for a, c in snapshot["candidates"].items()}
        walk.pressure = dict(snapshot["pressure"])
        walk.pressure_claims = {a: refs(c) for a, c in snapshot["pressure_claims"].items()}
        walk.withdrawal_claims = refs(snapshot["withdrawal_claims"])
        return walk

    def status(self) -> str:
        if self.candidates:
            return "disputed"
        if "contested" in self.pressure.values():
            return "contested"
        if self.pressure:
            return "besieged"
        if self.controller is not None:
            return "controlled"
        return "unknown"

    def supporting_claims(self) -> tuple[ClaimRef, ...]:
        refs = list(self.controller_claims)
        for actor in sorted(self.candidates):
            refs.extend(self.candidates[actor])
        for actor in sorted(self.pressure_claims):
            refs.extend(self.pressure_claims[actor])
        refs.extend(self.withdrawal_claims)
        return tuple(refs)


def _order(claim: Claim) -> tuple[str, str, int]:
    return (claim.date, claim.ref.report, claim.ref.claim)


def steps(claims: Iterable[Claim], resume: Step | None = None, *, keep_walk: bool = False) -> Iterator[Step]:
    """Walk the claims' valid dates in ascending order, yielding the state after each.

    Claims of one date are taken in (report, claim) order, so the supporting
    claims come out the same however the caller fetched them. `resume` is a
    step produced with `keep_walk=True`: the walk continues after its date
    with the claims dated later, as if it had never stopped.
    """
    walk = _Walk() if resume is None else _Walk.restore(resume.walk)
    since = "" if resume is None else resume.since
    previous: Step | None = resume
    for date, group in groupby(sorted(claims, key=_order), key=attrgetter("date")):
        walk.apply(list(group))
        status = walk.status()
        visible = (
            status,
            walk.controller,
            tuple(sorted(walk.pressure)),
            tuple(sorted(walk.candidates)),
        )
        if previous is None or previous.visible != visible:
            since = date
        previous = Step(
            date,
            *visible,
            since=since,
            claims=walk.supporting_claims(),
            walk=walk.snapshot() if keep_walk else {},
        )
        yield previous


def state_on(claims: Iterable[Claim], day: str) -> Step | None:
    """The state of a place on a valid date, or None when no claim is dated on or before it."""
    last: Step | None = None
    for step in steps(c for c in claims if c.date <= day):
        last = step
    return last
