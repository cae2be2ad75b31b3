"""A witness: cosigns a log's checkpoint only if it extends the last one it cosigned.

The witness keeps, per log origin, the size and root of the latest checkpoint
it cosigned (C2SP tlog-witness). A new checkpoint is cosigned only with a
consistency proof from exactly that size; a smaller size (a rollback), the
same size with another root, or a proof that does not verify (a fork or a
rewrite) is refused and the state is left as it was. The state is updated on
disk, under a lock, before the cosignature is handed out, so two requests can
never both be cosigned from the same old size.

The proof is read in the tlog-witness request form — ``old <size>`` then one
base64 hash per line — which is what ``warlog consistency-proof`` writes, or
computed from a mirror's tiles (which the witness need not trust: a wrong
hash only makes the proof fail).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from warlog.audit import merkle
from warlog.audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    generate_key,
    load_private_key,
    open_signed_note,
    parse_vkey,
    split_note,
)
from warlog.audit.cosignature import add_cosignature, cosign, cosigner_vkey
from warlog.audit.keyring import write_key
from warlog.audit.tiles import TileDirectory, TileHashes
from warlog.errors import WarlogError

MAX_PROOF_LINES = 63
STATE_VERSION = 1


@dataclass(frozen=True)
class ConsistencyProof:
    """A consistency proof from ``old_size`` to whatever size it is checked against."""

    old_size: int
    hashes: list[bytes]

    def text(self) -> str:
        """The tlog-witness request form: ``old N`` and one base64 hash per line."""
        lines = [f"old {self.old_size}"] + [base64.b64encode(h).decode() for h in self.hashes]
        return "\n".join(lines) + "\n"


def parse_proof(text: str, where: str) -> ConsistencyProof:
    """Read the proof lines of a tlog-witness request (anything after a blank line is ignored)."""
    head = text.split("\n\n", 1)[0]
    lines = head.rstrip("\n").split("\n")
    if not lines[0].startswith("old ") or not lines[0][4:].isdigit() or not lines[0][4:].isascii():
        raise WarlogError(
            f"{where}: the first line must be 'old <size>' (as 'warlog consistency-proof' writes)"
        )
    if len(lines[0]) > 5 and lines[0][4] == "0":
        raise WarlogError(f"{where}: the old size has a leading zero")
    hashes = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            value = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            value = b""
        if len(value) != merkle.HASH_SIZE or base64.b64encode(value).decode() != line:
            raise WarlogError(f"{where}:{number}: not a base64 32-byte hash")
        hashes.append(value)
    if len(hashes) > MAX_PROOF_LINES:
        raise WarlogError(f"{where}: more than {MAX_PROOF_LINES} proof lines")
    return ConsistencyProof(int(lines[0][4:]), hashes)


@dataclass(frozen=True)
class Cosignature:
    """The outcome of a cosigning: the note with the new line, and the sizes it went between."""

    note: str
    line: str
    origin: str
    old_size: int
    size: int


class Witness:
    """One witness: its name, its key file, and its state file of what it cosigned per log."""

    def __init__(self, state_path: Path) -> None:
        self.state_path = state_path

    @staticmethod
    def key_path_for(state_path: Path) -> Path:
        return state_path.with_name(state_path.name + ".key")

    def init(self, name: str, key_path: Path | None = None) -> str:
        """Make the witness's key and empty state; returns its verifier key to publish."""
        if self.state_path.exists():
            raise WarlogError(f"{self.state_path} already exists; a witness's state is never replaced")
        key_path = key_path or self.key_path_for(self.state_path)
        key = generate_key()
        published = cosigner_vkey(name, key.public_key())  # checks the name first
        write_key(key_path, key)
        state = {"version": STATE_VERSION, "name": name, "key": str(key_path), "vkey": published, "logs": {}}
        self._write(state)
        return published

    def state(self) -> dict[str, Any]:
        try:
            state = orjson.loads(self.state_path.read_bytes())
        except FileNotFoundError:
            raise WarlogError(
                f"{self.state_path}: no witness state here; make one with 'warlog witness init'"
            ) from None
        except (OSError, orjson.JSONDecodeError) as error:
            raise WarlogError(f"{self.state_path}: not a witness state file ({error})") from None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION or "logs" not in state:
            raise WarlogError(f"{self.state_path}: not a witness state file written by 'warlog witness init'")
        return state

    def cosign(
        self,
        note: str,
        log_vkey: str,
        proof: ConsistencyProof | None = None,
        tiles: Path | None = None,
        now: int | None = None,
    ) -> Cosignature:
        """Cosign ``note`` if it is signed by ``log_vkey`` and extends what was cosigned before."""
        try:
            log_name, log_key = parse_vkey(log_vkey)
            checkpoint = open_signed_note(note, log_name, log_key)
        except CheckpointError as error:
            raise WarlogError(f"checkpoint: {error}") from None
        with self._locked():
            state = self.state()
            key = self._key(state)
            seen = state["logs"].get(checkpoint.origin)
            old_size = 0 if seen is None else int(seen["size"])
            old_root = merkle.EMPTY_ROOT if seen is None else base64.b64decode(seen["root"])
            _check_extension(checkpoint, old_size, old_root, proof, tiles)
            body = split_note(note)[0]
            line = cosign(body, state["name"], key, int(time.time()) if now is None else now)
            state["logs"][checkpoint.origin] = {
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root).decode(),
                "log_key": log_vkey,
                "checkpoint": note,
            }
            self._write(state)
        return Cosignature(add_cosignature(note, line), line, checkpoint.origin, old_size, checkpoint.size)

    def _key(self, state: dict[str, Any]) -> Any:
        path = Path(state["key"])
        try:
            mode = path.stat().st_mode
        except OSError:
            raise WarlogError(f"the witness key {path} is missing; the witness cannot cosign") from None
        if mode & 0o077:
            raise WarlogError(f"{path} can be read by other users; chmod 600 {path}")
        try:
            return load_private_key(path)
        except (OSError, CheckpointError) as error:
            raise WarlogError(f"cannot read the witness key {path}: {error}") from None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Check and update under one lock, so that no two cosignings start from one old size."""
        lock = self.state_path.with_name(self.state_path.name + ".lock")
        try:
            handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise WarlogError(f"cannot lock {lock}: {error.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)

    def _write(self, state: dict[str, Any]) -> None:
        data = orjson.dumps(state, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.state_path.parent, prefix=".witness-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.state_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _check_extension(
    checkpoint: Checkpoint,
    old_size: int,
    old_root: bytes,
    proof: ConsistencyProof | None,
    tiles: Path | None,
) -> None:
    """Refuse, with the reason, anything but a consistent extension of what was cosigned."""
    where = f"{checkpoint.origin}"
    if checkpoint.size < old_size:
        raise WarlogError(
            f"refused: {where} at size {checkpoint.size} is older than the size {old_size} this witness "
            "already cosigned (a rollback)"
        )
    if checkpoint.size == old_size:
        if checkpoint.root != old_root:
            raise WarlogError(
                f"refused: FORK of {where}: size {old_size} was cosigned with root "
                f"{base64.b64encode(old_root).decode()}, this checkpoint has "
                f"{base64.b64encode(checkpoint.root).decode()}"
            )
        return
    if proof is None:
        if tiles is None:
            raise WarlogError("give the consistency proof with --proof FILE or a mirror with --tiles DIR")
        try:
            hashes = merkle.consistency_proof_from(
                old_size, checkpoint.size, TileHashes(TileDirectory(tiles), checkpoint.size)
            )
        except WarlogError as error:
            raise WarlogError(f"refused: cannot make the consistency proof from {tiles}: {error}") from None
        proof = ConsistencyProof(old_size, hashes)
    if proof.old_size != old_size:
        raise WarlogError(
            f"refused: the proof starts at size {proof.old_size}, but this witness last cosigned {where} "
            f"at size {old_size}; ask for 'warlog consistency-proof --from {old_size} --to {checkpoint.size}'"
        )
    if not merkle.verify_consistency(old_size, checkpoint.size, old_root, checkpoint.root, proof.hashes):
        raise WarlogError(
            f"refused: FORK or rewrite of {where}: the checkpoint of size {checkpoint.size} is not a "
            f"consistent extension of the one cosigned at size {old_size}"
        )
