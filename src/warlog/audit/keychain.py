"""Following the log's keys from the one an auditor pinned: who signed what, and may they have.

`verify` replays the key events in log order. Each archive key after the first
is registered by an event signed with the key before it and endorsed by the new
key itself, so the archive keys form one chain, and a key the auditor pinned
anywhere in it vouches for all of it. A pinned key that is not in the chain
means the keys in the database are not the ones the archive published. A key
revoked as compromised from some position leaves the events it signed from
there on untrusted, which the summary says, position range by position range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warlog.audit.keyring import (
    ARCHIVE_KEY_CHANGES,
    KeyState,
    endorses,
    first_key_of,
    public_key,
    signer_of,
)
from warlog.canonical import signed_bytes


@dataclass
class Span:
    """Positions first to last, `count` of them (not always contiguous)."""

    first: int
    last: int
    count: int = 1

    def add(self, position: int) -> None:
        self.last, self.count = position, self.count + 1

    def __str__(self) -> str:
        where = (
            f"position {self.first}"
            if self.first == self.last
            else f"positions {self.first}\u2013{self.last}"
        )
        return f"{where} ({self.count} event{'s' if self.count != 1 else ''})"

    def to_dict(self) -> dict[str, int]:
        return {"first": self.first, "last": self.last, "count": self.count}


@dataclass
class ArchiveKey:
    """One link of the chain of archive keys."""

    public: str
    position: int
    how: str
    revoked_from: int | None = None
    revoked_at: int | None = None
    signed: list[int] = field(default_factory=list)


class KeyChain:
    """The key events replayed in log order, checked against what the auditor pinned."""

    def __init__(self, pinned: str | None = None, archivists: Mapping[str, set[str]] | None = None) -> None:
        self.pinned = pinned
        self.pinned_archivists = dict(archivists or {})
        self.state = KeyState()
        self.archive_keys: list[ArchiveKey] = []
        self.signers: dict[tuple[str, str], Span] = {}
        self.unsigned: Span | None = None
        self.findings: list[tuple[int | None, str]] = []
        self.registered_archivists: set[str] = set()
        self._keys: dict[str, Ed25519PublicKey] = {}
        self.created: tuple[int, Any] | None = None
        self.covers: tuple[int, dict[str, Any]] | None = None
        """Where the first key vouched for the unsigned log before it, and that log's tree."""

    def key(self, hex_key: str) -> Ed25519PublicKey:
        if hex_key not in self._keys:
            self._keys[hex_key] = public_key(hex_key)
        return self._keys[hex_key]

    def see(self, position: int, event: Any) -> bool:
        """Check one event's signature and learn from it; True when it is validly signed.

        The key registry's creation, before any key, is signed by the key its next
        event registers (`keyring.first_key_of`), so it is judged with that event.
        """
        signed = False
        created, self.created = self.created, None
        try:
            if created is not None:
                signed = self._created(*created, event)
            if self.state.archive_key is None and type(event).__qualname__ == "Keys.Created":
                self.created = (position, event)
                return False
            signed = self._check(position, event) or signed
            self._learn(position, event)
        except (KeyError, TypeError, ValueError) as error:
            self.findings.append((position, f"key event cannot be read ({error})"))
            return False
        return signed

    def _created(self, position: int, event: Any, following: Any) -> bool:
        """The key registry's creation, now that the event after it is known."""
        first = first_key_of(event, [following])
        if first is None or not event.__dict__.get("signature"):
            self._unsigned(position)
            return False
        try:
            self.key(first).verify(bytes.fromhex(event.signature), signed_bytes(event))
        except (InvalidSignature, ValueError):
            self.findings.append((position, "signature does not verify with the archive key registered next"))
            return False
        self._signed(("archive", first), position)
        return False  # counted with the registration, which has not been seen yet

    def _unsigned(self, position: int) -> None:
        if self.unsigned is None:
            self.unsigned = Span(position, position)
        else:
            self.unsigned.add(position)

    def _signed(self, label: tuple[str, str], position: int) -> None:
        if label in self.signers:
            self.signers[label].add(position)
        else:
            self.signers[label] = Span(position, position)

    def _check(self, position: int, event: Any) -> bool:
        state = self.state
        who, name = signer_of(event, state.archive_key is not None, state.archivist_keys)
        if who == "none":
            self._unsigned(position)
            return False
        signer = {
            "self": event.__dict__.get("public_key", ""),
            "archivist": state.archivist_keys.get(name, ""),
            "archive": state.archive_key or "",
        }[who]
        signature = event.__dict__.get("signature")
        if not signature:
            self.findings.append(
                (position, "event is not signed, but the archive signs every event since its key was made")
            )
            return False
        try:
            self.key(signer).verify(bytes.fromhex(signature), signed_bytes(event))
        except (InvalidSignature, ValueError):
            archivist = event.__dict__.get("archivist", "")
            self.findings.append(
                (position, f"signature does not verify with the key valid for archivist '{archivist}'")
            )
            return False
        self._signed(("archivist " + name, signer) if who == "archivist" else ("archive", signer), position)
        if who != "archivist" and self.archive_keys and self.archive_keys[-1].public == signer:
            self.archive_keys[-1].signed.append(position)
        return True

    def _learn(self, position: int, event: Any) -> None:
        kind = type(event).__qualname__
        state = event.__dict__
        previous = self.state.archive_key
        if kind == "Keys.ArchiveKeyRegistered" and previous is None:
            self.archive_keys.append(ArchiveKey(state["public_key"], position, "registered"))
            self.archive_keys[-1].signed.append(position)
            covers = state.get("covers")
            if isinstance(covers, dict):
                self.covers = (position, covers)
        elif kind == "Keys.ArchiveKeyRegistered":
            self.findings.append(
                (
                    position,
                    f"a second archive key {state['public_key']} is registered here: the archive's "
                    "key changes only by a rotation its new key endorses",
                )
            )
            self.archive_keys.append(ArchiveKey(state["public_key"], position, "registered again"))
        elif kind in ARCHIVE_KEY_CHANGES and previous is not None and self.state.origin is not None:
            following = state["public_key"]
            if not endorses(self.state.origin, previous, following, state["endorsement"]):
                self.findings.append(
                    (
                        position,
                        f"the new archive key {following} registered here did not sign its acceptance "
                        "(its endorsement does not verify): it is no valid successor",
                    )
                )
            how = "rotated in" if kind == "Keys.ArchiveKeyRotated" else "replaced a compromised key"
            if kind == "Keys.ArchiveKeyRevoked":
                revoked_from = state["revoked_from"]
                if not isinstance(revoked_from, int) or not 1 <= revoked_from <= position:
                    self.findings.append((position, f"the revocation names position {revoked_from!r}"))
                else:
                    self.archive_keys[-1].revoked_from = revoked_from
                    self.archive_keys[-1].revoked_at = position
            self.archive_keys.append(ArchiveKey(following, position, how))
        elif kind == "Keys.ArchivistKeyRegistered":
            name, registered = state["name"], state["public_key"]
            self.registered_archivists.add(name)
            wanted = self.pinned_archivists.get(name)
            if wanted is not None and registered not in wanted:
                self.findings.append(
                    (
                        position,
                        f"archivist {name}'s key registered here is {registered}, not the pinned "
                        f"key {' or '.join(sorted(wanted))}: this key in the log is not theirs",
                    )
                )
        self.state.learn(event)

    def finish(self) -> list[tuple[int | None, str]]:
        """The findings, with those about the pinned keys, once the whole log was seen."""
        if self.created is not None:
            self._unsigned(self.created[0])
            self.created = None
        if self.pinned is not None:
            chain = [k.public for k in self.archive_keys]
            if not chain:
                self.findings.append(
                    (
                        None,
                        f"--key pins the archive key {self.pinned}, but the log registers no "
                        "archive key: nothing in it is signed",
                    )
                )
            elif self.pinned not in chain:
                first = self.archive_keys[0]
                self.findings.append(
                    (
                        first.position,
                        f"the archive key registered here is {first.public}, not the pinned key "
                        f"{self.pinned}: the archive's key in the log was replaced, or --key names "
                        "another archive",
                    )
                )
        for name in sorted(set(self.pinned_archivists) - self.registered_archivists):
            self.findings.append(
                (None, f"--archivist-key pins a key for {name}, but the log registers no key for {name}")
            )
        return self.findings

    @property
    def trusted_archive_keys(self) -> list[Ed25519PublicKey]:
        """The keys checkpoints may be signed with: the chain when the pin is in it (or nothing
        is pinned), else only the pinned key."""
        chain = [k.public for k in self.archive_keys]
        if self.pinned is not None and self.pinned not in chain:
            return [self.key(self.pinned)]
        return [self.key(k) for k in chain]

    def untrusted(self) -> list[tuple[ArchiveKey, Span]]:
        """For each key revoked as compromised, the events it signed after the position named."""
        spans = []
        for key in self.archive_keys:
            if key.revoked_from is None:
                continue
            late = [p for p in key.signed if p >= key.revoked_from]
            if late:
                spans.append((key, Span(late[0], late[-1], len(late))))
        return spans

    def summary(self) -> list[str]:
        """Which key signed what, and what no signature protects, one line each."""
        lines = []
        if self.unsigned is not None:
            some = self.unsigned.count > 1
            protected = "only checkpoints protect them" if some else "only checkpoints protect it"
            if self.covers is not None and self.unsigned.last < self.covers[0]:
                protected = (
                    f"the archive key registered at position {self.covers[0]} vouches for "
                    f"the root of the first {self.covers[1].get('size')} events"
                )
            lines.append(f"{self.unsigned} {'are' if some else 'is'} unsigned: {protected}")
        for (who, hex_key), span in self.signers.items():
            mark = " (pinned)" if hex_key == self.pinned else ""
            if who == "archive":
                link = next((k for k in self.archive_keys if k.public == hex_key), None)
                how = "" if link is None or link.how == "registered" else f", {link.how} at {link.position}"
                lines.append(f"archive key {hex_key}{mark}{how}: {span}")
            else:
                lines.append(f"{who}'s key {hex_key}{mark}: {span}")
        for key, span in self.untrusted():
            lines.append(
                f"warning: {span} signed by archive key {key.public} after it was compromised "
                f"(revoked from position {key.revoked_from} at position {key.revoked_at}): do not trust them"
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "unsigned": None if self.unsigned is None else self.unsigned.to_dict(),
            "signers": [
                {"signer": who, "public_key": hex_key, "pinned": hex_key == self.pinned, **span.to_dict()}
                for (who, hex_key), span in self.signers.items()
            ],
            "archive_keys": [
                {
                    "public_key": k.public,
                    "position": k.position,
                    "how": k.how,
                    "revoked_from": k.revoked_from,
                    "revoked_at": k.revoked_at,
                }
                for k in self.archive_keys
            ],
            "untrusted": [{"public_key": k.public, **span.to_dict()} for k, span in self.untrusted()],
        }
