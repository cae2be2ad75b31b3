"""What queries return: immutable values whose `to_dict()` is exactly the CLI's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from warlog.resolution import ClaimRef, Rule, Step

DEFAULT_RULE = Rule()


class PlaceState(NamedTuple):
    """One place's state on a date. `place` and `within` together name it, uniquely and for good.

    A named tuple, not a dataclass: `state` makes one per place of the archive,
    and a tuple is built in C where a frozen dataclass sets each field in turn.
    """

    place: str
    status: str
    controller: str | None
    contested_by: tuple[str, ...]
    candidates: tuple[str, ...]
    since: str
    claims: tuple[ClaimRef, ...]
    within: tuple[str, ...] = ()
    uncertain: bool = False
    evidence_to: str | None = None
    shared: bool = False
    """Another place has the same name, so tables show the qualified form (not in the JSON)."""

    @classmethod
    def from_step(
        cls, place: str, step: Step, within: tuple[str, ...] = (), shared: bool = False
    ) -> PlaceState:
        return cls(
            place,
            step.status,
            step.controller,
            step.contested_by,
            step.candidates,
            step.since,
            step.claims,
            within,
            step.uncertain,
            step.evidence_to,
            shared,
        )

    @property
    def qualified(self) -> str:
        """The name with its parents', e.g. 'Al Arish, North Sinai, Egypt': the place's identity."""
        return ", ".join((self.place, *self.within))

    @property
    def label(self) -> str:
        """How a table names the place: the qualified form only where the name is shared."""
        return self.qualified if self.shared else self.place

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "within": list(self.within),
            "status": self.status,
            "controller": self.controller,
            "contested_by": list(self.contested_by),
            "candidates": list(self.candidates),
            "since": self.since,
            "uncertain": self.uncertain,
            "evidence_to": self.evidence_to,
            "claims": [c.to_dict() for c in self.claims],
        }


@dataclass(frozen=True)
class State:
    at: str
    known_at: str
    places: tuple[PlaceState, ...]
    rule: Rule = DEFAULT_RULE

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "known_at": self.known_at,
            **rule_dict(self.rule),
            "places": [p.to_dict() for p in self.places],
        }


def rule_dict(rule: Rule) -> dict[str, Any]:
    """The options an answer was resolved with, as its JSON says them."""
    return {
        "by": rule.by,
        "dates": rule.dates,
        "pressure_days": "unlimited" if rule.pressure_days is None else rule.pressure_days,
    }


@dataclass(frozen=True)
class Interval:
    """A stretch of valid time with one state; `end` is the day the next one begins."""

    start: str
    end: str | None
    status: str
    controller: str | None
    contested_by: tuple[str, ...]
    candidates: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start,
            "to": self.end,
            "status": self.status,
            "controller": self.controller,
            "contested_by": list(self.contested_by),
            "candidates": list(self.candidates),
        }


@dataclass(frozen=True)
class Timeline:
    place: str
    known_at: str
    intervals: tuple[Interval, ...]
    within: tuple[str, ...] = ()
    rule: Rule = DEFAULT_RULE

    @property
    def qualified(self) -> str:
        return ", ".join((self.place, *self.within))

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "within": list(self.within),
            "known_at": self.known_at,
            **rule_dict(self.rule),
            "intervals": [i.to_dict() for i in self.intervals],
        }


@dataclass(frozen=True)
class Change:
    """One event's effect on one claim, report or name, as the history shows it."""

    position: int
    recorded_at: str
    archivist: str
    kind: str
    report: str | None
    claim: int | None
    place: str | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "recorded_at": self.recorded_at,
            "archivist": self.archivist,
            "kind": self.kind,
            "report": self.report,
            "claim": self.claim,
            "place": self.place,
            "reason": self.reason,
            "before": self.before,
            "after": self.after,
            **({} if self.actor is None else {"actor": self.actor}),
        }


@dataclass(frozen=True)
class LogEntry:
    """One stored event as the log holds it."""

    position: int
    recorded_at: str
    archivist: str
    event: str
    subject: str
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "recorded_at": self.recorded_at,
            "archivist": self.archivist,
            "event": self.event,
            "subject": self.subject,
            "data": self.data,
        }


@dataclass(frozen=True)
class Entry:
    """A place or actor in a registry."""

    name: str
    aliases: tuple[str, ...]
    details: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "aliases": list(self.aliases), **self.details}


@dataclass(frozen=True)
class PolicyChange:
    """One recorded change of a policy, with who made it, when, and why."""

    recorded_at: str
    archivist: str
    name: str
    value: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "recorded_at": self.recorded_at,
            "archivist": self.archivist,
            "name": self.name,
            "value": "unlimited" if self.value is None else self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PolicyView:
    """The policies in force at a record time (defaults where never set) and their history."""

    known_at: str
    values: dict[str, int | None]
    changes: tuple[PolicyChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "known_at": self.known_at,
            "policy": {k: "unlimited" if v is None else v for k, v in self.values.items()},
            "changes": [c.to_dict() for c in self.changes],
        }
