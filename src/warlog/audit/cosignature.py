"""Witness cosignatures on checkpoints (C2SP tlog-cosignature, Ed25519 "cosignature/v1").

A checkpoint signed by the archive alone proves only what the archive says;
an insider holding its key can sign two diverging histories and show each to a
different reader. A witness is a third party that cosigns a checkpoint only
after checking it extends the last one it cosigned, so a reader who demands K
cosignatures from witnesses they chose is shown the same history as everyone
else unless K witnesses collude.

The format is the spec's, byte for byte: the signature line is
``— <witness name> base64(key ID ‖ u64 timestamp ‖ Ed25519 signature)``, the
key ID is ``SHA-256(name ‖ "\\n" ‖ 0x04 ‖ public key)[:4]``, and the signed
message is ``"cosignature/v1\\ntime <timestamp>\\n"`` followed by the whole
checkpoint body. Witness verifier keys are vkeys with type byte 0x04.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from warlog.audit.checkpoint import (
    CheckpointError,
    _check_key_name,
    _unb64,
    public_key_bytes,
    signature_line,
    split_note,
)

COSIGNATURE_V1 = 0x04
"""Signature type byte of an Ed25519 tlog-cosignature/v1 key."""

MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ 0x04 ‖ pubkey)[:4]: the key ID of a cosignature line."""
    _check_key_name(name)
    material = name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + public_key_bytes(public_key)
    return hashlib.sha256(material).digest()[:4]


def cosigner_vkey(name: str, public_key: Ed25519PublicKey) -> str:
    """``<name>+<hex key ID>+base64(0x04 ‖ pubkey)``: what a witness publishes."""
    raw = bytes([COSIGNATURE_V1]) + public_key_bytes(public_key)
    return f"{name}+{cosigner_key_id(name, public_key).hex()}+{base64.b64encode(raw).decode()}"


def parse_cosigner_vkey(text: str) -> tuple[str, Ed25519PublicKey]:
    """Name and key of a witness vkey, after checking its type byte and key ID."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise CheckpointError("witness key must be <name>+<key ID>+<key>")
    name, hex_id, material_b64 = parts
    _check_key_name(name)
    if not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
        raise CheckpointError(f"witness key ID {hex_id!r} is not 8 hex digits")
    material = _unb64(material_b64)
    if material is None or len(material) != 33 or material[0] != COSIGNATURE_V1:
        raise CheckpointError(
            f"witness key {name!r} is not a cosignature/v1 key (base64 of type 0x04 + 32 bytes); "
            "an archive key (type 0x01) cannot stand in for a witness"
        )
    try:
        public_key = Ed25519PublicKey.from_public_bytes(material[1:])
    except ValueError as e:
        raise CheckpointError(f"witness key {name!r} is not a valid Ed25519 key: {e}") from e
    if cosigner_key_id(name, public_key) != bytes.fromhex(hex_id):
        raise CheckpointError(f"witness key ID {hex_id} does not match key {name!r}")
    return name, public_key


def signed_message(body: str, timestamp: int) -> bytes:
    """What a v1 cosignature signs: header line, time line, then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """The cosignature line for a checkpoint body, with its newline."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CheckpointError(f"cosignature timestamp {timestamp} is out of range")
    signature = private_key.sign(signed_message(body, timestamp))
    blob = cosigner_key_id(name, private_key.public_key()) + struct.pack(">Q", timestamp) + signature
    return signature_line(name, blob)


def add_cosignature(note: str, line: str) -> str:
    """The note with one more signature line; an identical line is not added twice."""
    return note if line in note.split("\n\n")[-1].splitlines(keepends=True) else note + line


@dataclass(frozen=True)
class Cosigned:
    """A witness's valid cosignature: who, and when they say they saw the checkpoint."""

    name: str
    timestamp: int


def cosignatures(
    note: str | bytes, witnesses: list[tuple[str, Ed25519PublicKey]]
) -> tuple[list[Cosigned], list[str]]:
    """Which of the given witnesses cosigned the note, and what is wrong with the others.

    Lines from unknown keys are ignored, as the spec asks; a line that names a
    given witness and its key ID but does not verify is reported, never counted.
    """
    text, signatures = split_note(note)
    valid: list[Cosigned] = []
    problems: list[str] = []
    for name, key in witnesses:
        want = cosigner_key_id(name, key)
        found = [blob for line_name, blob in signatures if line_name == name and blob[:4] == want]
        if not found:
            problems.append(f"witness {name} did not cosign it")
            continue
        good = None
        for blob in found:
            if len(blob) != 4 + 8 + 64:
                continue
            (timestamp,) = struct.unpack(">Q", blob[4:12])
            try:
                key.verify(blob[12:], signed_message(text, timestamp))
            except InvalidSignature:
                continue
            good = Cosigned(name, timestamp)
        if good is None or good.timestamp > MAX_TIMESTAMP:
            problems.append(f"witness {name}'s cosignature does not verify")
        else:
            valid.append(good)
    return valid, problems


def require_cosignatures(
    note: str | bytes, witnesses: list[tuple[str, Ed25519PublicKey]], minimum: int, where: str
) -> list[Cosigned]:
    """The valid cosignatures, or one clear error when fewer than ``minimum`` hold."""
    valid, problems = cosignatures(note, witnesses)
    if len(valid) < minimum:
        raise CheckpointError(
            f"{where}: {len(valid)} valid cosignature(s) of the {minimum} required ({'; '.join(problems)})"
        )
    return valid
