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

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from warlog.errors import Rejected
from warlog.ids import ACTORS_ID as ACTORS_ID
from warlog.ids import CHECKPOINTS_ID as CHECKPOINTS_ID
from warlog.ids import KEYS_ID as KEYS_ID
from warlog.ids import PLACES_ID as PLACES_ID
from warlog.ids import POLICIES as POLICIES
from warlog.ids import POLICY_ID as POLICY_ID
from warlog.ids import report_uuid as report_uuid
from warlog.names import did_you_mean, key, qualified

CLAIM_FIELDS = ("place", "actor", "status", "date", "credibility", "attributed_to", "quote", "note")
RELIABILITY = ("A", "B", "C", "D", "E", "F")

ClaimValues = dict[str, Any]


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
        acled: dict[str, str] | None = None,
    ) -> None:
        self.report_id = report_id
        self.source = source
        self.published = published
        self.reliability = reliability
        self.url = url
        self.title = title
        self.note = note
        self.acled = acled  # the ACLED row it was imported from, kept to write it back
        # The event's own list, never changed: corrections replace items of `claims`, a
        # second list over the same (flat, never mutated) claim objects.
        self.filed_claims = claims
        self.claims = list(claims)
        self.retracted_claims: dict[int, str] = {}
        self.retraction: str | None = None
        self.corrections: list[tuple[int, ClaimValues, str]] = []
        self.attachments: list[dict[str, Any]] = []  # evidence files by hash; see warlog.evidence
        self.redactions: list[dict[str, Any]] = []

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
            **({} if self.acled is None else {"acled": self.acled}),
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

    def correct(
        self,
        claim: int,
        changes: ClaimValues,
        reason: str,
        archivist: str,
        acled: dict[str, str] | None = None,
    ) -> None:
        current = self.current_claim(claim)
        if all(current.get(name) == value for name, value in changes.items()):
            listed = ", ".join(f"{n}={_shown_value(v)}" for n, v in changes.items())
            raise Rejected("set", f"changes nothing: claim {claim} already has {listed}; drop the correction")
        if acled is None:
            self.correct_claim(claim, changes, reason, archivist)
        else:
            self.correct_claim(claim, changes, reason, archivist, acled=acled)

    @event("ClaimCorrected")
    def correct_claim(
        self,
        claim: int,
        changes: ClaimValues,
        reason: str,
        archivist: str,
        acled: dict[str, str] | None = None,
    ) -> None:
        """`acled`: with an ACLED revision, the revised row, which an export then writes."""
        corrected = {**self.claims[claim - 1], **changes}
        self.claims[claim - 1] = {k: v for k, v in corrected.items() if v is not None}
        self.corrections.append((claim, dict(changes), reason))
        if acled is not None:
            self.acled = acled

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

    @event("Attached")
    def attach(
        self,
        sha256: str,
        size: int,
        media_type: str,
        name: str,
        kind: str,
        collected_by: str,
        collected_at: str,
        origin: str | None,
        stored_as: str | None,
        archivist: str,
    ) -> None:
        """A file the report rests on, by its hash; `stored_as`: the sealed copy's address, if sensitive."""
        self.attachments.append(
            {
                "sha256": sha256,
                "size": size,
                "media_type": media_type,
                "name": name,
                "kind": kind,
                "collected_by": collected_by,
                "collected_at": collected_at,
                "origin": origin,
                "stored_as": stored_as,
            }
        )

    @event("CustodyRecorded")
    def record_custody(self, action: str, reason: str, archivist: str) -> None:
        """A step in the chain of custody (received, transferred, handed to a court…)."""

    @event("Redacted")
    def redact(
        self, claim: int | None, fields: list[str], attachment: str | None, reason: str, archivist: str
    ) -> None:
        """Sealed text made unreadable: who, when and why are kept, never the text."""
        self.redactions.append({"claim": claim, "fields": list(fields), "attachment": attachment})


def _shown_value(value: Any) -> str:
    """A value in a message; sealed text (see warlog.evidence.seal) is not printed."""
    if isinstance(value, str) and value.startswith("\x1esealed:"):
        return "that same text"
    return repr(value)


class Registry(Recorded):
    """Names and aliases, looked up by their keys (see `names.key`)."""

    kind = "entry"

    def __init__(self, archivist: str) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.index: dict[str, list[str]] = {}

    def lookup(self, name: str) -> str | None:
        """The one entry a name or alias stands for, or None (also when it names several)."""
        found = self.matches(name)
        return found[0] if len(found) == 1 else None

    def matches(self, name: str) -> list[str]:
        """Every entry a name or alias stands for."""
        return list(self.index.get(key(name), ()))

    def resolve(self, name: str, field: str) -> str:
        found = self.matches(name)
        if len(found) == 1:
            return found[0]
        if found:
            raise Rejected(field, self.ambiguous(name, found))
        raise Rejected(
            field,
            f"unknown {self.kind} '{name}'{self.did_you_mean(name)}; "
            f'register it with a {{"type": "{self.kind}"}} record first',
        )

    def ambiguous(self, name: str, found: list[str]) -> str:
        return f"'{name}' names {len(found)} {self.kind}s: " + " or ".join(f"'{f}'" for f in found)

    def did_you_mean(self, name: str) -> str:
        return did_you_mean(name, self.all_names(), self.name_entries())

    def all_names(self) -> list[str]:
        return [n for entry in self.entries.values() for n in (entry["name"], *entry["aliases"])]

    def name_entries(self) -> dict[str, str]:
        return {
            n: entry_id
            for entry_id, entry in self.entries.items()
            for n in (entry["name"], *entry["aliases"])
        }

    def existing_entry(self, names: list[str], accept: Callable[[str], bool] | None = None) -> str | None:
        """The one entry these names already point at (that `accept`s, if given); two is an error."""
        hits: dict[str, str] = {}
        for name in names:
            for found in self.matches(name):
                if accept is None or accept(found):
                    hits.setdefault(found, name)
        if len(hits) > 1:
            clash = " and ".join(f"'{n}' names '{entry}'" for entry, n in hits.items())
            raise Rejected(
                "aliases",
                f"{clash}: a record can describe only one {self.kind}; remove one of them",
            )
        return next(iter(hits), None)

    def new_names(self, names: list[str], entry: str | None = None) -> list[str]:
        """The names not yet known as names of `entry` (of any entry when None)."""
        fresh: dict[str, str] = {}
        for name in names:
            found = self.matches(name)
            if (entry not in found) if entry is not None else not found:
                fresh.setdefault(key(name), name)
        return list(fresh.values())

    def _index(self, entry_id: str, names: list[str]) -> None:
        for alias in names:
            ids = self.index.setdefault(key(alias), [])
            if entry_id not in ids:
                ids.append(entry_id)


def place_id(name: str, within: str | None) -> str:
    """A place's identity: its name qualified by its parents', e.g. 'Homs, Homs Governorate, Syria'.

    Two places of one name under different parents are different places; the
    id never changes, because neither a name nor a parent does.
    """
    return name if within is None else f"{name}, {within}"


class Places(Registry):
    """The gazetteer: places under their parents, keyed by their qualified names."""

    kind = "place"

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return PLACES_ID

    def matches(self, name: str) -> list[str]:
        """Places a name stands for; 'NAME, PARENT[, PARENT…]' narrows by any ancestors, in order."""
        if name in self.entries:  # a place's own qualified name is that place
            return [name]
        found = super().matches(name)
        if found or ", " not in name:
            return found
        return qualified(name, super().matches, self.ancestor_keys)

    def ancestor_keys(self, place: str) -> list[set[str]]:
        """For each ancestor, nearest first, the keys of its name and aliases."""
        chain: list[set[str]] = []
        current = self.entries[place]["within"]
        while current is not None and current in self.entries and len(chain) < 64:
            entry = self.entries[current]
            chain.append({key(n) for n in (entry["name"], *entry["aliases"])})
            current = entry["within"]
        return chain

    def parents(self, place: str) -> list[str]:
        """The names of a place's parents, nearest first."""
        names: list[str] = []
        current = self.entries[place]["within"] if place in self.entries else None
        while current is not None and current in self.entries and len(names) < 64:
            names.append(self.entries[current]["name"])
            current = self.entries[current]["within"]
        return names

    def ambiguous(self, name: str, found: list[str]) -> str:
        return (
            f"'{name}' names {len(found)} places: "
            + " or ".join(f"'{f}'" for f in found)
            + "; write the place as NAME, PARENT"
        )

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
        place = place_id(name, within)
        self.entries[place] = {
            "name": name,
            "aliases": list(aliases),
            "kind": kind,
            "lat": lat,
            "lon": lon,
            "within": within,
        }
        self._index(place, [name, *aliases])

    @event("AliasesAdded")
    def add_aliases(self, name: str, aliases: list[str], archivist: str) -> None:
        self.entries[name]["aliases"].extend(aliases)
        self._index(name, aliases)


class Actors(Registry):
    """The actors who can hold, contest, besiege or leave a place, and the sides they are part of."""

    kind = "actor"

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return ACTORS_ID

    def parents(self) -> dict[str, str | None]:
        return {name: entry["part_of"] for name, entry in self.entries.items()}

    @event("Registered")
    def register(self, name: str, aliases: list[str], part_of: str | None, archivist: str) -> None:
        self.entries[name] = {"name": name, "aliases": list(aliases), "part_of": part_of}
        self._index(name, [name, *aliases])

    @event("AliasesAdded")
    def add_aliases(self, name: str, aliases: list[str], archivist: str) -> None:
        self.entries[name]["aliases"].extend(aliases)
        self._index(name, aliases)

    @event("PartOfChanged")
    def change_part_of(self, name: str, part_of: str | None, reason: str, archivist: str) -> None:
        """Alliances shift and archivists fix mistakes; the side changes from this record time."""
        self.entries[name]["part_of"] = part_of


class Policy(Recorded):
    """How the archive resolves claims, changed only by events so answers as known stay put."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return POLICY_ID

    def __init__(self, archivist: str) -> None:
        self.values: dict[str, int | None] = dict(POLICIES)

    @event("Set")
    def set(self, name: str, value: int | None, reason: str, archivist: str) -> None:
        self.values[name] = value


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
    def register_archive_key(
        self, origin: str, public_key: str, archivist: str, covers: dict[str, Any] | None = None
    ) -> None:
        """`covers`: when the log already had unsigned events, their tree's size and
        base64 root, which the new key vouches for by signing this event."""
        self.origin = origin
        self.archive_key = public_key

    @event("ArchivistKeyRegistered")
    def register_archivist_key(self, name: str, public_key: str, archivist: str) -> None:
        self.archivist_keys[name] = public_key

    @event("ArchivistKeyRevoked")
    def revoke_archivist_key(self, name: str, reason: str, archivist: str) -> None:
        self.archivist_keys.pop(name, None)

    @event("ArchiveKeyRotated")
    def rotate_archive_key(self, public_key: str, endorsement: str, reason: str, archivist: str) -> None:
        """A new archive key, authorised by the old one (this event's signature) and
        accepting the succession itself (`endorsement`, made with the new key)."""
        self.archive_key = public_key

    @event("ArchiveKeyRevoked")
    def revoke_archive_key(
        self, public_key: str, endorsement: str, revoked_from: int, reason: str, archivist: str
    ) -> None:
        """The archive key was compromised: its signatures from log position `revoked_from`
        on are not to be trusted, and `public_key` takes over, as in a rotation."""
        self.archive_key = public_key


class Checkpoints(Recorded):
    """Every checkpoint the archive signed, so that it can refuse to sign a fork of its own log.

    The signed note is kept whole, so an auditor reading the log can check each
    one's signature, root and report index against the events before it.
    """

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return CHECKPOINTS_ID

    def __init__(self, archivist: str) -> None:
        self.count = 0

    @event("Signed")
    def sign(self, size: int, root: str, note: str, archivist: str) -> None:
        """`root` is the tree's root in base64, as in the note."""
        self.count += 1
