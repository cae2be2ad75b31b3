"""Private keys on disk, and the rule for which key signs an archivist's events.

Keys live in a directory beside the archive (`<db>.keys/`, or `WARLOG_KEYS`),
one PEM file each, created with mode 0600 and never overwritten. The public
halves are events in the log (`domain.Keys`). Once the archive has a key,
every event is signed: by its archivist's own key when one is registered,
otherwise by the archive's key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from warlog.canonical import signed_bytes
from warlog.checkpoint import load_private_key, private_key_to_pem, public_key_bytes
from warlog.domain import Keys
from warlog.errors import WarlogError


def archive_key_file(keys_dir: Path) -> Path:
    return keys_dir / "archive.pem"


def archivist_key_file(keys_dir: Path, archivist: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", archivist) or "_"
    return keys_dir / f"archivist-{slug}.pem"


def write_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Write a new private key readable by its owner only; an existing file is never replaced."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WarlogError(f"{path} already exists; a key file is never overwritten") from None
    with os.fdopen(handle, "wb") as file:
        file.write(private_key_to_pem(key))


def read_key(path: Path, expected_public_hex: str, whose: str) -> Ed25519PrivateKey:
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


def public_key(hex_key: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


def signer_of(event: Any, archive_signs: bool, keyed: Collection[str]) -> tuple[str, str]:
    """Who must sign an event: ("none", ""), ("self", ""), ("archive", "") or ("archivist", name).

    Registering a key is authorised by the archive's key once there is one (the
    very first archive key signs its own registration), so nobody with only
    database access can slip in a key of their own. Any other event is signed by
    its archivist's key when registered, else by the archive's key.
    """
    if type(event).__qualname__ in ("Keys.ArchiveKeyRegistered", "Keys.ArchivistKeyRegistered"):
        return ("archive", "") if archive_signs else ("self", "")
    if not archive_signs:
        return ("none", "")
    name = event.__dict__.get("archivist", "")
    return ("archivist", name) if name in keyed else ("archive", "")


class Signer:
    """Signs one command's pending events, by the rule, with the keys as they were before it."""

    def __init__(self, keys: Keys | None, keys_dir: Path,
                 own_key: Ed25519PrivateKey | None = None) -> None:
        self.archive_key = None if keys is None else keys.archive_key
        self.archivist_keys = {} if keys is None else dict(keys.archivist_keys)
        self.keys_dir = keys_dir
        self.own_key = own_key
        self.loaded: dict[tuple[str, str], Ed25519PrivateKey] = {}

    def sign(self, events: list[Any]) -> None:
        for event in events:
            who = signer_of(event, self.archive_key is not None, self.archivist_keys)
            if who[0] != "none":
                key = self.key(who)
                event.__dict__["signature"] = key.sign(signed_bytes(event)).hex()

    def key(self, who: tuple[str, str]) -> Ed25519PrivateKey:
        if who[0] == "self":
            if self.own_key is None:
                raise WarlogError("a key registration must be signed by the new key")
            return self.own_key
        if who not in self.loaded:
            if who[0] == "archivist":
                self.loaded[who] = read_key(archivist_key_file(self.keys_dir, who[1]),
                                            self.archivist_keys[who[1]],
                                            f"archivist {who[1]}'s")
            else:
                assert self.archive_key is not None
                self.loaded[who] = read_key(archive_key_file(self.keys_dir), self.archive_key,
                                            "the archive's")
        return self.loaded[who]
