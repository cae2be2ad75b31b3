"""The aggregates of the archive and the events they record.

A `Report` is one source document with its numbered claims; corrections and
retractions are further events on it, so the original filing stays in the log
untouched. `Places` and `Actors` are the two registries of names. Every event
carries the archivist who appended it and, as its timestamp, the record time
the archive stamps on all of a command's events as it appends them.

Event attributes are plain JSON values (text, integers, lists, objects) so the
stored events have one canonical byte form; coordinates are kept as decimal
text for the same reason.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from warlog.errors import Rejected
from warlog.names import did_you_mean, key

NAMESPACE = uuid5(NAMESPACE_URL, "https://warlog.example/")
CLAIM_FIELDS = ("place", "actor", "status", "date", "credibility", "attributed_to", "quote", "note")
RELIABILITY = ("A", "B", "C", "D", "E", "F")

ClaimValues = dict[str, Any]
PLACES_ID = uuid5(NAMESPACE, "registry:places")
ACTORS_ID = uuid5(NAMESPACE, "registry:actors")


def report_uuid(report_id: str) -> UUID:
    return uuid5(NAMESPACE, "report:" + report_id)


class Recorded(Aggregate):
    """Base of every aggregate; `Archive._save` stamps its events with the record time."""


class Report(Recorded):
    """One source document and the claims it makes, with their later corrections."""

    @event("Filed")
    def __init__(
        self,
        report_id: str,
        source: str,
        published: str,
        reliability: str,
        url: str | None,
        title: str | None,
        note: str | None,
        claims: list[ClaimValues],
        archivist: str,
    ) -> None:
        self.report_id = report_id
        self.source = source
        self.published = published
        self.reliability = reliability
        self.url = url
        self.title = title
        self.note = note
        # The event's own list, never changed: corrections replace items of `claims`, a
        # second list over the same (flat, never mutated) claim objects.
        self.filed_claims = claims
        self.claims = list(claims)
        self.retracted_claims: dict[int, str] = {}
        self.retraction: str | None = None
        self.corrections: list[tuple[int, ClaimValues, str]] = []

    @staticmethod
    def create_id(report_id: str, **_: Any) -> UUID:
        return report_uuid(report_id)

    def content(self) -> dict[str, Any]:
        """What was filed, for telling a re-import from a clash of ids."""
        return {
            "source": self.source,
            "published": self.published,
            "reliability": self.reliability,
            "url": self.url,
            "title": self.title,
            "note": self.note,
            "claims": self.filed_claims,
        }

    def current_claim(self, number: int) -> ClaimValues:
        """The claim as corrected so far; refuses missing and retracted claims."""
        if self.retraction is not None:
            raise Rejected("report", f"report '{self.report_id}' was retracted ({self.retraction})")
        if not 1 <= number <= len(self.claims):
            raise Rejected(
                "claim",
                f"report '{self.report_id}' has no claim {number}; "
                f"its claims are numbered 1 to {len(self.claims)}",
            )
        if number in self.retracted_claims:
            raise Rejected(
                "claim",
                f"claim {number} of report '{self.report_id}' was retracted "
                f"({self.retracted_claims[number]}); file a new report instead",
            )
        return self.claims[number - 1]

    def has_correction(self, claim: int, changes: ClaimValues, reason: str) -> bool:
        return (claim, changes, reason) in self.corrections

    def correct(self, claim: int, changes: ClaimValues, reason: str, archivist: str) -> None:
        current = self.current_claim(claim)
        if all(current.get(name) == value for name, value in changes.items()):
            listed = ", ".join(f"{n}={v!r}" for n, v in changes.items())
            raise Rejected(
                "set", f"changes nothing: claim {claim} already has {listed}; drop the correction"
            )
        self.correct_claim(claim, changes, reason, archivist)

    @event("ClaimCorrected")
    def correct_claim(self, claim: int, changes: ClaimValues, reason: str, archivist: str) -> None:
        corrected = {**self.claims[claim - 1], **changes}
        self.claims[claim - 1] = {k: v for k, v in corrected.items() if v is not None}
        self.corrections.append((claim, dict(changes), reason))

    def has_retraction(self, claim: int | None, reason: str) -> bool:
        if claim is None:
            return self.retraction == reason
        return self.retracted_claims.get(claim) == reason

    def withdraw(self, claim: int | None, reason: str, archivist: str) -> None:
        """Retract one claim, or the whole report when no claim is named."""
        if claim is None:
            if self.retraction is not None:
                raise Rejected(
                    "report", f"report '{self.report_id}' was already retracted ({self.retraction})"
                )
            self.retract(reason, archivist)
        else:
            self.current_claim(claim)
            self.retract_claim(claim, reason, archivist)

    @event("ClaimRetracted")
    def retract_claim(self, claim: int, reason: str, archivist: str) -> None:
        self.retracted_claims[claim] = reason

    @event("Retracted")
    def retract(self, reason: str, archivist: str) -> None:
        self.retraction = reason


class Registry(Recorded):
    """Names and aliases, looked up case-insensitively, each alias naming one entry."""

    kind = "entry"

    def __init__(self, archivist: str) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.index: dict[str, str] = {}

    def lookup(self, name: str) -> str | None:
        """The canonical name for a name or alias, or None."""
        return self.index.get(key(name))

    def resolve(self, name: str, field: str) -> str:
        found = self.lookup(name)
        if found is None:
            raise Rejected(
                field,
                f"unknown {self.kind} '{name}'{did_you_mean(name, self.all_names())}; "
                f"register it with a {{\"type\": \"{self.kind}\"}} record first",
            )
        return found

    def all_names(self) -> list[str]:
        return [n for entry in self.entries.values() for n in (entry["name"], *entry["aliases"])]

    def existing_entry(self, names: list[str]) -> str | None:
        """The one entry these names already point at, if any; two entries is an error."""
        hits: dict[str, str] = {}
        for name in names:
            found = self.lookup(name)
            if found is not None:
                hits.setdefault(found, name)
        if len(hits) > 1:
            clash = " and ".join(f"'{n}' names '{entry}'" for entry, n in hits.items())
            raise Rejected(
                "aliases",
                f"{clash}: an alias can name only one {self.kind}; remove one of them",
            )
        return next(iter(hits), None)

    def new_names(self, names: list[str]) -> list[str]:
        fresh: dict[str, str] = {}
        for name in names:
            if self.lookup(name) is None:
                fresh.setdefault(key(name), name)
        return list(fresh.values())

    def _index(self, name: str, aliases: list[str]) -> None:
        for alias in (name, *aliases):
            self.index[key(alias)] = name


class Places(Registry):
    """The gazetteer."""

    kind = "place"

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return PLACES_ID

    @event("Registered")
    def register(
        self,
        name: str,
        aliases: list[str],
        kind: str | None,
        lat: str | None,
        lon: str | None,
        within: str | None,
        archivist: str,
    ) -> None:
        self.entries[name] = {
            "name": name,
            "aliases": list(aliases),
            "kind": kind,
            "lat": lat,
            "lon": lon,
            "within": within,
        }
        self._index(name, aliases)

    @event("AliasesAdded")
    def add_aliases(self, name: str, aliases: list[str], archivist: str) -> None:
        self.entries[name]["aliases"].extend(aliases)
        self._index(name, aliases)


class Actors(Registry):
    """The actors who can hold, contest, besiege or leave a place."""

    kind = "actor"

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return ACTORS_ID

    @event("Registered")
    def register(self, name: str, aliases: list[str], part_of: str | None, archivist: str) -> None:
        self.entries[name] = {"name": name, "aliases": list(aliases), "part_of": part_of}
        self._index(name, aliases)

    @event("AliasesAdded")
    def add_aliases(self, name: str, aliases: list[str], archivist: str) -> None:
        self.entries[name]["aliases"].extend(aliases)
        self._index(name, aliases)


KEYS_ID = uuid5(NAMESPACE, "registry:keys")


class Keys(Recorded):
    """The public keys that sign checkpoints (the archive's) and events (each archivist's).

    Keys are events like everything else, so which key was valid at which
    position is itself in the tamper-evident log.
    """

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return KEYS_ID

    def __init__(self, archivist: str) -> None:
        self.origin: str | None = None
        self.archive_key: str | None = None
        self.archivist_keys: dict[str, str] = {}

    @event("ArchiveKeyRegistered")
    def register_archive_key(self, origin: str, public_key: str, archivist: str) -> None:
        self.origin = origin
        self.archive_key = public_key

    @event("ArchivistKeyRegistered")
    def register_archivist_key(self, name: str, public_key: str, archivist: str) -> None:
        self.archivist_keys[name] = public_key

    @event("ArchivistKeyRevoked")
    def revoke_archivist_key(self, name: str, reason: str, archivist: str) -> None:
        self.archivist_keys.pop(name, None)
