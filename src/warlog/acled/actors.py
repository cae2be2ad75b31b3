"""ACLED's actor names as ACLED means them: forces of a government, their units, other groups.

ACLED names a state's forces by the government they served: `Military Forces
of Syria (2000-)` are the forces of the government in power from 2000, and
when that government's period closes ACLED writes `(2000-2024)` for the same
force. A different start is a different government's forces: `Military
Forces of Syria (2024-)` are not Assad's army. Units are written after the
force (`Military Forces of Syria (2000-) 5th Assault Corps`), police as
`Police Forces of Syria (2000-)`. All of them are part of one side, the
government of that period, `Government of Syria (2000-)`, so they never
contest one another. Other groups are often written `ABBR: Name`
(`HTS: Hayat Tahrir al Sham`), and sources and archives use either part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from warlog.names import key

_STATE = re.compile(
    r"^(?P<kind>Military|Police) Forces of (?P<country>.+?) \((?P<start>\d{4})-(?P<end>\d{4})?\)"
    r"(?:\s+(?P<unit>.+))?$"
)
_ABBREVIATED = re.compile(r"^(?P<abbr>[A-Za-z0-9'&.-]{2,12}):\s*(?P<name>.+)$")
STATE_INTER = frozenset({"1", "State forces"})
"""inter1/inter2 codes for a state's forces: the number in older exports, words in newer."""


@dataclass(frozen=True)
class Force:
    """A state force as ACLED names it, reduced to what identifies it."""

    kind: str  # Military or Police
    country: str
    start: str
    unit: str | None

    @property
    def government(self) -> str:
        return f"Government of {self.country} ({self.start}-)"

    @property
    def force(self) -> str:
        return f"{self.kind} Forces of {self.country} ({self.start}-)"

    @property
    def name(self) -> str:
        return self.force if self.unit is None else f"{self.force} {self.unit}"

    @property
    def parent(self) -> str:
        """What this force is part of: the unit's force, or the force's government."""
        return self.government if self.unit is None else self.force


def state_force(name: str) -> Force | None:
    match = _STATE.match(" ".join(name.split()))
    if match is None:
        return None
    return Force(match["kind"], match["country"], match["start"], match["unit"])


def spellings(name: str) -> Iterator[str]:
    """The names an ACLED actor may be registered under, most exact first.

    A closed period is the open one (`(2000-2024)` is `(2000-)`), and
    `ABBR: Name` may be registered as either part.
    """
    text = " ".join(name.split())
    yield text
    force = state_force(text)
    if force is not None and force.name != text:
        yield force.name
    abbreviated = _ABBREVIATED.match(text)
    if abbreviated is not None:
        yield abbreviated["name"]
        yield abbreviated["abbr"]


def period_key(name: str) -> str:
    """A lookup key under which every period spelling of one force is the same."""
    force = state_force(name)
    return key(force.name if force is not None else name)


def is_state(inter: str) -> bool:
    return inter.strip() in STATE_INTER
