"""Signed checkpoints: the log's signed word on its own size and root.

A checkpoint says "my first N events hash to this root", signed with the
log's Ed25519 key. Readers keep the last one they trusted and demand a
consistency proof before accepting the next, so a log that rewrote history
would have to sign two incompatible checkpoints, and anyone holding both can
prove it.

The wire format is C2SP's (c2sp.org/signed-note, c2sp.org/tlog-checkpoint),
byte for byte, so that stock verifiers and witnesses from the transparency
ecosystem can check our checkpoints without knowing anything about warlog.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ED25519 = 0x01
"""Signature type byte that C2SP signed-note assigns to Ed25519."""

ROOT_SIZE = 32
MAX_SIGNATURES = 100
"""The spec asks verifiers to cap signatures but to accept at least 16."""

_SIG_PREFIX = "\u2014 "  # em dash, space
_SIZE_RE = re.compile(r"0|[1-9][0-9]*")  # [0-9], not \d: only ASCII digits


class CheckpointError(ValueError):
    """A note or checkpoint that must not be trusted, with a one-line reason."""


def _has_control(text: str) -> bool:
    return any(c < " " and c != "\n" for c in text)


def _valid_key_name(key_name: str) -> bool:
    return bool(key_name) and not any(c == "+" or c.isspace() or c < " " for c in key_name)


def _check_key_name(key_name: str) -> None:
    if not _valid_key_name(key_name):
        raise CheckpointError(f"key name {key_name!r} is empty or has a space, '+' or control code")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard base64, or None. Only the canonical encoding is accepted,
    so a signed value has exactly one spelling."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == text else None


@dataclass(frozen=True)
class Checkpoint:
    """Origin (the log's name), tree size, RFC 9162 root hash and any extension lines.

    C2SP tlog-checkpoint allows non-empty extension lines after the root; they are
    signed with the rest of the body, so whatever they commit to is as trustworthy
    as the root itself."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or _has_control(self.origin) or "\n" in self.origin:
            raise CheckpointError("checkpoint origin must be one non-empty line of text")
        if isinstance(self.size, bool) or not 0 <= self.size < 2**64:
            raise CheckpointError(f"checkpoint size {self.size!r} is not a 64-bit unsigned size")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise CheckpointError(f"checkpoint root must be {ROOT_SIZE} bytes")
        for line in self.extensions:
            if not line or _has_control(line) or "\n" in line:
                raise CheckpointError("checkpoint extension lines must be non-empty lines of text")

    def body(self) -> str:
        """The note text that gets signed: origin, size, base64 root, then the
        extension lines, one per line."""
        extra = "".join(f"{line}\n" for line in self.extensions)
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n{extra}"


def parse_body(text: str) -> Checkpoint:
    """The checkpoint in a note's text. Call it only on text whose signature was verified."""
    return _parse_body(text)


def _parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")
    if lines[-1] != "" or len(lines) < 4:
        raise CheckpointError("checkpoint needs origin, size and root lines")
    origin, size, root = lines[:3]
    extensions = tuple(lines[3:-1])
    if any(not line for line in extensions):
        raise CheckpointError("checkpoint has an empty extension line; C2SP allows only non-empty ones")
    if not origin:
        raise CheckpointError("checkpoint origin line is empty")
    if not _SIZE_RE.fullmatch(size):
        raise CheckpointError(f"checkpoint size line {size!r} is not a decimal tree size")
    root_bytes = _unb64(root)
    if root_bytes is None or len(root_bytes) != ROOT_SIZE:
        raise CheckpointError(f"checkpoint root line {root!r} is not a base64 {ROOT_SIZE}-byte hash")
    return Checkpoint(origin, int(size), root_bytes, extensions)


# --- keys -------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32-byte RFC 8032 encoding, which is what key IDs and vkeys are made of."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_key_to_pem(key: Ed25519PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM; protecting the file is the deployment's job."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read a key written by ``private_key_to_pem``; any other kind of key is refused
    here rather than failing later at signing time."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"cannot read a private key from {os.fspath(path)}: {e}") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{os.fspath(path)} holds a key that is not Ed25519")
    return key


def key_id(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4]: binds the name and algorithm, so a
    signature line names exactly one key."""
    _check_key_name(key_name)
    material = key_name.encode("utf-8") + b"\n" + bytes([ED25519]) + public_key_bytes(public_key)
    return hashlib.sha256(material).digest()[:4]


def vkey(key_name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key string ``<name>+<hex key ID>+<base64(0x01 ‖ pubkey)>``."""
    raw = bytes([ED25519]) + public_key_bytes(public_key)
    return f"{key_name}+{key_id(key_name, public_key).hex()}+{_b64(raw)}"


def parse_vkey(text: str) -> tuple[str, Ed25519PublicKey]:
    """Name and public key from a vkey, after checking its key ID really matches.

    The key name cannot contain '+', but base64 can, so only the first two
    '+' are separators.
    """
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("verifier key must be <name>+<key ID>+<key>")
    name, hex_id, material_b64 = parts
    _check_key_name(name)
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
        raise CheckpointError(f"verifier key ID {hex_id!r} is not 8 hex digits")
    material = _unb64(material_b64)
    if material is None or len(material) != 33 or material[0] != ED25519:
        raise CheckpointError("verifier key is not a base64 Ed25519 key (type 0x01 + 32 bytes)")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(material[1:])
    except ValueError as e:
        raise CheckpointError(f"verifier key is not a valid Ed25519 key: {e}") from e
    if key_id(name, public_key) != bytes.fromhex(hex_id):
        raise CheckpointError(f"verifier key ID {hex_id} does not match key {name!r}")
    return name, public_key


# --- signed notes -------------------------------------------------------------


def _as_text(note: str | bytes) -> str:
    if isinstance(note, bytes):
        try:
            return note.decode("utf-8")
        except UnicodeDecodeError as e:
            raise CheckpointError("malformed note: not valid UTF-8") from e
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as e:
        raise CheckpointError("malformed note: not valid UTF-8") from e
    return note


def sign_note(text: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign arbitrary note text; the result is text, a blank line, one signature line."""
    if not text.endswith("\n") or _has_control(text):
        raise CheckpointError("note text must end in a newline and hold no control characters")
    _as_text(text)
    kid = key_id(key_name, private_key.public_key())
    signature = private_key.sign(text.encode("utf-8"))
    return f"{text}\n{signature_line(key_name, kid + signature)}"


def split_note(note: str | bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """The text of a signed note and its signature lines as (key name, key ID ‖ signature).

    Nothing is verified here; this only holds the note to the signed-note
    grammar, so that every reader (the log's key, a witness's cosignature)
    parses the same bytes the same way.
    """
    note = _as_text(note)
    if _has_control(note):
        raise CheckpointError("malformed note: contains control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("malformed note: no blank line before the signatures")
    text, signatures = note[: split + 1], note[split + 2 :]
    if not signatures.endswith("\n"):
        raise CheckpointError("malformed note: signature block must end in a newline")
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    parsed: list[tuple[str, bytes]] = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise CheckpointError(f"malformed note: {line[:40]!r} is not a signature line")
        fields = line[len(_SIG_PREFIX) :].split(" ")
        blob = _unb64(fields[1]) if len(fields) == 2 else None
        if blob is None or len(blob) < 5 or not _valid_key_name(fields[0]):
            raise CheckpointError(f"malformed note: bad signature line {line[:40]!r}")
        parsed.append((fields[0], blob))
    return text, parsed


def signature_line(key_name: str, blob: bytes) -> str:
    """One signature line, ``— <name> base64(key ID ‖ signature)``, with its newline."""
    _check_key_name(key_name)
    return f"{_SIG_PREFIX}{key_name} {_b64(blob)}\n"


def open_note(note: str | bytes, key_name: str, public_key: Ed25519PublicKey) -> str:
    """Verify a signed note against one trusted key and return its text.

    Following the spec, signatures from other keys, including keys that
    share only the name or only the ID, are ignored; a signature from the
    trusted key that fails to verify condemns the whole note.
    """
    text, signatures = split_note(note)
    want_id = key_id(key_name, public_key)
    message = text.encode("utf-8")
    verified = False
    for name, blob in signatures:
        if name != key_name or blob[:4] != want_id:
            continue
        try:
            public_key.verify(blob[4:], message)
        except InvalidSignature:
            raise CheckpointError(f"bad signature by key {key_name}") from None
        verified = True
    if not verified:
        raise CheckpointError(f"note has no signature by key {key_name}+{want_id.hex()}")
    return text


def signed_note(checkpoint: Checkpoint, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """The checkpoint as a C2SP signed note, ready to publish."""
    return sign_note(checkpoint.body(), key_name, private_key)


def open_signed_note(
    note: str | bytes,
    key_name: str,
    public_key: Ed25519PublicKey,
    *,
    origin: str | None = None,
) -> Checkpoint:
    """Verify a signed checkpoint and parse it, in that order: the spec says
    unverified text must be ignored. Pass ``origin`` to also insist on which
    log the checkpoint is for."""
    checkpoint = _parse_body(open_note(note, key_name, public_key))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
