"""The content-addressed store of attached files: bytes by their SHA-256, each stored once.

For an SQLite archive it is a folder beside the file, `<db>.evidence/`, laid
out as `sha256/ab/cdef…` (the first two hex digits a folder, so no folder
grows past 256 entries plus its share of files). A PostgreSQL archive keeps
the bytes in a table of its schema (`evidence.postgres`). The log holds only
the hash, so what is stored can be checked against it at any time.
"""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from warlog.evidence.keys import beside


class FileStore(ABC):
    """Bytes under their address (the SHA-256 of the bytes stored)."""

    @abstractmethod
    def put(self, address: str, content: bytes) -> bool:
        """Store the bytes unless they are there; True when they were new."""

    @abstractmethod
    def read(self, address: str) -> bytes | None:
        """The bytes stored under the address, as they are now (altered or not), or None."""

    @abstractmethod
    def remove(self, address: str) -> None: ...

    @abstractmethod
    def where(self, address: str) -> str:
        """Where the bytes are, for a message."""

    def close(self) -> None:  # noqa: B027  # a folder needs no closing
        """Release the connection, if any."""


class FolderFiles(FileStore):
    """Files in a folder beside the archive (or in memory for a rehearsal)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.memory: dict[str, bytes] = {}

    def path(self, address: str) -> Path:
        assert self.folder is not None
        return self.folder / "sha256" / address[:2] / address[2:]

    def put(self, address: str, content: bytes) -> bool:
        if self.folder is None:
            new = address not in self.memory
            self.memory.setdefault(address, content)
            return new
        target = self.path(address)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(name, 0o444)  # evidence is written once; a change is a fixity failure
            os.replace(name, target)
        finally:
            Path(name).unlink(missing_ok=True)
        return True

    def read(self, address: str) -> bytes | None:
        if self.folder is None:
            return self.memory.get(address)
        try:
            return self.path(address).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, address: str) -> None:
        if self.folder is None:
            self.memory.pop(address, None)
            return
        path = self.path(address)
        if path.exists():
            # Overwritten before it is unlinked: sealed bytes of a redacted file are
            # useless without their key, and this leaves less of them on the disk.
            size = path.stat().st_size
            path.chmod(0o600)
            with path.open("r+b") as stream:
                stream.write(b"\0" * size)
                stream.flush()
                os.fsync(stream.fileno())
            path.unlink()

    def where(self, address: str) -> str:
        return str(self.path(address)) if self.folder is not None else f"memory {address}"


def for_archive(env: Any) -> FileStore:
    if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
        from warlog.evidence.postgres import PostgresFiles

        return PostgresFiles(env)
    return FolderFiles(beside(env, ".evidence"))
