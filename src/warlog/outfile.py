"""Writing a file a user named with `-o`: regular files only, never clobbered, never half-written.

Every command that writes a file (exports, pictures, the map, dumps,
checkpoints, proofs) goes through `target`. A FIFO, a device or a symbolic
link at that path is refused rather than replaced by a regular file or
written through; an existing file is kept unless `--force` says to replace it
(a published checkpoint or a dump is easily lost to a typo). The content goes
to a temporary file in the same folder that is renamed over the target only
once complete, so a failure leaves no half file behind. Missing folders on the
way to it are created (`-o checkpoints/2024-12-08.txt` in a new archive), and
removed again if the file cannot be written.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from warlog.errors import WarlogError

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def check(path: str, *, force: bool = False, option: str = "-o") -> Path:
    """The path, if warlog may write a file there; otherwise a one-line refusal."""
    target = Path(path)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return target
    except OSError as error:
        raise WarlogError(f"{option} {path}: cannot use it: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise WarlogError(f"{option} {path}: is a directory; give a file name")
    for test, kind in _KINDS:
        if test(mode):
            raise WarlogError(
                f"{option} {path}: is {kind}; warlog writes only regular files, give the name of a new file"
            )
    if not force:
        raise WarlogError(f"{option} {path}: already exists; pass --force to replace it")
    return target


@contextmanager
def target(path: str | None, *, binary: bool, force: bool = False, option: str = "-o") -> Iterator[IO[Any]]:
    """Standard output for None or "-", else a file that appears only once complete."""
    if path is None or path == "-":
        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    final = check(path, force=force, option=option)
    created = _folders(final.parent, path, option)
    try:
        fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    except OSError as error:
        _remove(created)
        raise WarlogError(f"{option} {path}: cannot write there: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.chmod(temporary, 0o666 & ~_umask())
        check(path, force=force, option=option)  # nothing special appeared meanwhile
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        _remove(created)
        raise


def _folders(folder: Path, path: str, option: str) -> list[Path]:
    """Create the missing folders above the file, outermost first; return those created."""
    missing = [f for f in (folder, *folder.parents) if not f.exists() and not f.is_symlink()][::-1]
    created: list[Path] = []
    for each in missing:
        try:
            each.mkdir()
        except FileExistsError:
            continue  # made meanwhile by someone else: theirs, not ours to remove
        except OSError as error:
            _remove(created)
            reason = "a file is in the way" if isinstance(error, NotADirectoryError) else error.strerror
            raise WarlogError(f"{option} {path}: cannot create the folder {each}: {reason}") from None
        created.append(each)
    return created


def _remove(created: list[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return  # something was put in it meanwhile: keep it


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
