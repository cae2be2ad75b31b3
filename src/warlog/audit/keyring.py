"""Private keys on disk, and the rule for which key signs an archivist's events.

The archive's key lives where its operator keeps it: a directory beside the
archive (`<db>.keys/`, or `WARLOG_KEYS`). An archivist's key lives with the
archivist, in a folder of their own user (`WARLOG_ARCHIVIST_KEYS`, default
`~/.config/warlog/keys/<archive origin>/`), so that typing `--archivist ben`
signs as ben only for whoever holds ben's key. Folders are made with mode
0700 and key files with 0600, never overwritten; a key file that others can
read is refused. The public halves are events in the log (`domain.Keys`).
Once the archive has a key, every event is signed: by its archivist's own key
when one is registered, otherwise by the archive's key.
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

from warlog.audit.checkpoint import load_private_key, private_key_to_pem, public_key_bytes
from warlog.canonical import signed_bytes
from warlog.domain import Keys
from warlog.errors import WarlogError


def archive_key_file(keys_dir: Path) -> Path:
    return keys_dir / "archive.pem"


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

    def __init__(self, keys: Keys | None, keys_dir: Path, own_key: Ed25519PrivateKey | None = None) -> None:
        self.archive_key = None if keys is None else keys.archive_key
        self.origin = None if keys is None else keys.origin
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
                self.loaded[who] = read_key(
                    archivist_key_file(archivist_keys_dir(self.origin), who[1]),
                    self.archivist_keys[who[1]],
                    f"archivist {who[1]}'s",
                    archivist=who[1],
                )
            else:
                assert self.archive_key is not None
                self.loaded[who] = read_key(
                    archive_key_file(self.keys_dir), self.archive_key, "the archive's"
                )
        return self.loaded[who]
