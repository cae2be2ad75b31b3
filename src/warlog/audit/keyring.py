"""Private keys on disk, and the rule for which key signs an archivist's events.

The archive's key lives where its operator keeps it: a directory beside the
archive (`<db>.keys/`, or `WARLOG_KEYS`). An archivist's key lives with the
archivist, in a folder of their own user (`WARLOG_ARCHIVIST_KEYS`, default
`~/.config/warlog/keys/<archive origin>/`), so that typing `--archivist ben`
signs as ben only for whoever holds ben's key. Folders are made with mode
0700 and key files with 0600, never overwritten; a key file that others can
read is refused. The public halves are events in the log (`domain.Keys`).
Once the archive has a key, every event is signed: by its archivist's own key
when one is registered, otherwise by the archive's key. A new archive key
(a rotation, or the replacement of a compromised one) is authorised by the old
key, which signs the event, and accepts the succession with its own signature
(the event's `endorsement`), so a key that is only named cannot be slipped into
the chain, and a pinned key anywhere in the chain vouches for all of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from warlog.audit.checkpoint import load_private_key, private_key_to_pem, public_key_bytes
from warlog.canonical import canonical, signed_bytes
from warlog.domain import Keys
from warlog.errors import WarlogError

SUCCESSION_CONTEXT = b"warlog archive key succession v1\n"
KEY_REGISTRATIONS = ("Keys.ArchiveKeyRegistered", "Keys.ArchivistKeyRegistered")
ARCHIVE_KEY_CHANGES = ("Keys.ArchiveKeyRotated", "Keys.ArchiveKeyRevoked")


def archive_key_file(keys_dir: Path, public_hex: str | None = None) -> Path:
    """Where the archive key with this public half is kept: its own file, else `archive.pem`."""
    if public_hex is not None:
        own = keys_dir / f"archive-{public_hex[:16]}.pem"
        if own.exists():
            return own
    return keys_dir / "archive.pem"


def new_archive_key_file(keys_dir: Path, public_hex: str) -> Path:
    """Where a new archive key goes: `archive.pem` for the first in this folder, else a file
    named after the key, so rotated keys and other archives' keys never collide."""
    first = keys_dir / "archive.pem"
    return keys_dir / f"archive-{public_hex[:16]}.pem" if first.exists() else first


def archivist_key_file(keys_dir: Path, archivist: str) -> Path:
    return keys_dir / f"archivist-{_slug(archivist)}.pem"


def archivist_keys_dir(origin: str | None) -> Path:
    """The current user's folder of archivists' keys for the archive named `origin`."""
    chosen = os.environ.get("WARLOG_ARCHIVIST_KEYS")
    if chosen:
        return Path(chosen)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "warlog" / "keys" / _slug(origin or "unkeyed")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".") or "_"


def write_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write a new private key readable by its owner only; an existing file is never replaced."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WarlogError(f"{path} already exists; a key file is never overwritten") from None
    with os.fdopen(handle, "wb") as file:
        file.write(private_key_to_pem(key))


def read_key(
    path: Path, expected_public_hex: str, whose: str, archivist: str | None = None
) -> Ed25519PrivateKey:
    """Load a private key that is the registered one and readable by its owner only."""
    if archivist is not None and not path.is_file():
        raise WarlogError(
            f"no signing key for archivist '{archivist}' here; nothing is signed in their name "
            f"without it (looked for {path}; WARLOG_ARCHIVIST_KEYS names another folder): "
            "record as yourself with --archivist, or ask for a key of your own"
        )
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0
    if mode & 0o077:
        raise WarlogError(
            f"{path} can be read by other users (mode {mode & 0o777:o}); a private "
            f"key must be readable by its owner only: chmod 600 {path}"
        )
    try:
        key = load_private_key(path)
    except (OSError, ValueError) as error:
        raise WarlogError(
            f"this archive signs every event, and {whose} key is not readable at {path} ({error}); "
            "point WARLOG_KEYS at the directory that holds it"
        ) from None
    if public_key_bytes(key).hex() != expected_public_hex:
        raise WarlogError(f"{path} does not hold {whose} registered key")
    return key


def checked_public_key(text: str) -> str:
    """A public key given by hand: 64 hex digits of an Ed25519 key, returned in lower case."""
    cleaned = text.strip().lower()
    try:
        public_key(cleaned)
    except ValueError:
        raise WarlogError(
            "--public-key: not an Ed25519 public key; give its 32 bytes as 64 hex digits"
        ) from None
    return cleaned


def public_key(hex_key: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


def signer_of(event: Any, archive_signs: bool, keyed: Collection[str]) -> tuple[str, str]:
    """Who must sign an event: ("none", ""), ("self", ""), ("archive", "") or ("archivist", name).

    Registering a key is authorised by the archive's key once there is one (the
    very first archive key signs its own registration), so nobody with only
    database access can slip in a key of their own; so is a new archive key,
    signed by the one it replaces. Any other event is signed by its archivist's
    key when registered, else by the archive's key.
    """
    kind = type(event).__qualname__
    if kind in KEY_REGISTRATIONS:
        return ("archive", "") if archive_signs else ("self", "")
    if not archive_signs:
        return ("none", "")
    if kind in ARCHIVE_KEY_CHANGES:
        return ("archive", "")
    name = event.__dict__.get("archivist", "")
    return ("archivist", name) if name in keyed else ("archive", "")


def first_key_of(event: Any, following: list[Any]) -> str | None:
    """The key that signs the key registry's creation: the archive key its next event registers.

    The registry's first event comes before any key, so it is signed by the key
    registered right after it, in the same command; an archive whose key came
    later (made by an older warlog) left it unsigned.
    """
    if type(event).__qualname__ != "Keys.Created" or not following:
        return None
    registered = following[0]
    if type(registered).__qualname__ != "Keys.ArchiveKeyRegistered":
        return None
    return str(registered.__dict__.get("public_key"))


class KeyState:
    """The public keys in force, as the key events so far leave them (hex, as stored)."""

    def __init__(self, keys: Keys | None = None) -> None:
        self.archive_key = None if keys is None else keys.archive_key
        self.origin = None if keys is None else keys.origin
        self.archivist_keys: dict[str, str] = {} if keys is None else dict(keys.archivist_keys)

    def learn(self, event: Any) -> None:
        kind = type(event).__qualname__
        state = event.__dict__
        if kind == "Keys.ArchiveKeyRegistered":
            self.archive_key, self.origin = state["public_key"], state["origin"]
        elif kind in ARCHIVE_KEY_CHANGES:
            self.archive_key = state["public_key"]
        elif kind == "Keys.ArchivistKeyRegistered":
            self.archivist_keys[state["name"]] = state["public_key"]
        elif kind == "Keys.ArchivistKeyRevoked":
            self.archivist_keys.pop(state["name"], None)


def succession(origin: str, previous: str, following: str) -> bytes:
    """What a new archive key signs to accept taking over from the previous one."""
    return SUCCESSION_CONTEXT + canonical({"origin": origin, "previous": previous, "next": following})


def endorse(origin: str, previous: str, new_key: Ed25519PrivateKey) -> str:
    return new_key.sign(succession(origin, previous, public_key_bytes(new_key).hex())).hex()


def endorses(origin: str, previous: str, following: str, endorsement: str) -> bool:
    """Whether the new key really accepted the succession (it holds its private half)."""
    try:
        public_key(following).verify(bytes.fromhex(endorsement), succession(origin, previous, following))
    except (InvalidSignature, ValueError):
        return False
    return True


class Signer:
    """Signs one command's pending events by the rule, learning from its own key events.

    `in_hand` are private keys the command has just made (a first or a new archive
    key): they sign without a file, so a command that makes a key can sign all its
    events, its key's own registration included, in one transaction.
    """

    def __init__(
        self, keys: Keys | None, keys_dir: Path, in_hand: Collection[Ed25519PrivateKey] = ()
    ) -> None:
        self.state = KeyState(keys)
        self.keys_dir = keys_dir
        self.in_hand = {public_key_bytes(k).hex(): k for k in in_hand}
        self.loaded: dict[tuple[str, str], Ed25519PrivateKey] = {}

    def sign(self, events: list[Any]) -> None:
        for at, event in enumerate(events):
            state = self.state
            who = signer_of(event, state.archive_key is not None, state.archivist_keys)
            if who[0] != "none":
                key = self.key(who, event)
                event.__dict__["signature"] = key.sign(signed_bytes(event)).hex()
            elif (first := first_key_of(event, events[at + 1 : at + 2])) in self.in_hand:
                event.__dict__["signature"] = self.in_hand[first].sign(signed_bytes(event)).hex()
            state.learn(event)

    def key(self, who: tuple[str, str], event: Any) -> Ed25519PrivateKey:
        state = self.state
        if who[0] == "self":
            own = self.in_hand.get(event.__dict__["public_key"])
            if own is None:
                raise WarlogError("a key registration must be signed by the new key")
            return own
        if who[0] == "archivist":
            if who not in self.loaded:
                self.loaded[who] = read_key(
                    archivist_key_file(archivist_keys_dir(state.origin), who[1]),
                    state.archivist_keys[who[1]],
                    f"archivist {who[1]}'s",
                    archivist=who[1],
                )
            return self.loaded[who]
        assert state.archive_key is not None
        if state.archive_key in self.in_hand:
            return self.in_hand[state.archive_key]
        slot = ("archive", state.archive_key)
        if slot not in self.loaded:
            self.loaded[slot] = read_key(
                archive_key_file(self.keys_dir, state.archive_key), state.archive_key, "the archive's"
            )
        return self.loaded[slot]
