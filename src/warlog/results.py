"""What queries return: immutable values whose `to_dict()` is exactly the CLI's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warlog.resolution import ClaimRef, Step


@dataclass(frozen=True)
class PlaceState:
    place: str
    status: str
    controller: str | None
    contested_by: tuple[str, ...]
    candidates: tuple[str, ...]
    since: str
    claims: tuple[ClaimRef, ...]

    @classmethod
    def from_step(cls, place: str, step: Step) -> PlaceState:
        return cls(place, step.status, step.controller, step.contested_by, step.candidates,
                   step.since, step.claims)

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "status": self.status,
            "controller": self.controller,
            "contested_by": list(self.contested_by),
            "candidates": list(self.candidates),
            "since": self.since,
            "claims": [c.to_dict() for c in self.claims],
        }


@dataclass(frozen=True)
class State:
    at: str
    known_at: str
    places: tuple[PlaceState, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "known_at": self.known_at,
                "places": [p.to_dict() for p in self.places]}


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

    def to_dict(self) -> dict[str, Any]:
        return {"place": self.place, "known_at": self.known_at,
                "intervals": [i.to_dict() for i in self.intervals]}


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
