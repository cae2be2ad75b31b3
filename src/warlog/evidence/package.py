"""Evidence packages: a BagIt bag (RFC 8493) with a report, its files, its custody and its proof.

The bag is written with the Library of Congress's `bagit` library, so any
BagIt validator checks its fixity. Its payload (`data/`):

- `report.json`: the report with its claims as they stand, and its history
  (filing, corrections, retractions, attachments, custody, redactions);
- `custody.json`: the chain of custody alone, in order;
- `attachments.json` and `attachments/<sha256>`: the attached files;
- `proof.json` and `checkpoint.txt`: inclusion proofs of every event of the
  report (`warlog prove`) under a signed checkpoint.

`verify-package` needs no database: the bag's manifests, the proof under the
checkpoint with the verifier key, and every attached file against the hash
in a proven event. Sensitive text and sensitive files are left out unless
asked for (the proof covers their sealed bytes either way).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from warlog.audit import ledger
from warlog.errors import WarlogError
from warlog.evidence.attachments import _report, attachments, content
from warlog.evidence.seal import REDACTED, is_sealed

if TYPE_CHECKING:
    from warlog.archive import Archive

CHECKSUMS = ["sha256", "sha512"]
logging.getLogger("bagit").addHandler(logging.NullHandler())  # its findings become our one-line errors
logging.getLogger("bagit").propagate = False
FORMAT = "warlog-evidence-package"


@dataclass(frozen=True)
class Written:
    files: int
    attachments: int


def write_package(
    archive: Archive,
    report_id: str,
    out: Path,
    checkpoint_text: str | None = None,
    *,
    force: bool = False,
    include_sensitive: bool = False,
) -> Written:
    """Build the bag in a scratch folder beside `out`, then move it (or its zip) into place."""
    import bagit

    archive.catch_up()
    report = _report(archive, report_id)
    if out.exists() or out.is_symlink():
        if not force:
            raise WarlogError(f"-o {out}: already exists; choose another name or pass --force")
        if out.is_symlink() or not (out.is_dir() or out.is_file()):
            raise WarlogError(f"-o {out}: not a regular file or folder; choose another name")
    note = checkpoint_text if checkpoint_text is not None else ledger.checkpoint(archive)
    proof = ledger.prove(archive, report_id, note)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part"))
    try:
        bag_dir = scratch / "bag"
        (bag_dir / "attachments").mkdir(parents=True)
        sealed_history = archive._history(report_id, None, None)  # as stored: sealed text still sealed
        history = [_masked(c.to_dict(), include_sensitive, archive) for c in sealed_history]
        claims = [_masked(dict(c), include_sensitive, archive) for c in report.claims]
        _json(
            bag_dir / "report.json",
            {
                "format": FORMAT,
                "report": report_id,
                "source": report.source,
                "published": report.published,
                "reliability": report.reliability,
                "url": report.url,
                "title": report.title,
                "note": _masked(report.note, include_sensitive, archive),
                "retracted": report.retraction,
                "claims": claims,
                "history": history,
                "sensitive_text": "included" if include_sensitive else "left out",
            },
        )
        _json(bag_dir / "custody.json", [c for c in history if c["kind"] == "custody"])
        listed = []
        for a in attachments(archive, report_id):
            item = a.to_dict()
            if a.sensitive and (a.redacted or not include_sensitive):
                item.update(file=None, name=None, origin=None)  # sealed in the log: left out here too
                item["left_out"] = "redacted" if a.redacted else "sensitive"
            else:
                data = content(archive, a.sha256, report_id)
                item["file"] = f"attachments/{a.sha256}"
                (bag_dir / item["file"]).write_bytes(data)
            listed.append(item)
        _json(bag_dir / "attachments.json", listed)
        (bag_dir / "proof.json").write_bytes(proof)
        (bag_dir / "checkpoint.txt").write_text(note, "utf-8")
        vkey = orjson.loads(proof)["vkey"]
        bag = bagit.make_bag(
            str(bag_dir),
            {
                "External-Identifier": report_id,
                "External-Description": f"Evidence package of report {report_id} from a warlog archive",
                "Warlog-Verifier-Key": vkey,
                "Bag-Group-Identifier": vkey.split("+", 1)[0],
            },
            checksums=CHECKSUMS,
        )
        files = len(list(bag.payload_files()))
        if out.suffix.lower() == ".zip":
            made = scratch / "package.zip"
            _zip(bag_dir, made, out.stem)
        else:
            made = bag_dir
        _replace(made, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Written(files, sum(1 for i in listed if i["file"] is not None))


def _masked(value: Any, include_sensitive: bool, archive: Archive) -> Any:
    """Sealed values opened (`[redacted]` once their key is gone), or left out (None)."""
    if isinstance(value, dict):
        return {k: _masked(v, include_sensitive, archive) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, include_sensitive, archive) for v in value]
    if is_sealed(value):
        return archive.opener.text(value) if include_sensitive else None
    return value


def _json(path: Path, value: Any) -> None:
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


def _zip(bag_dir: Path, target: Path, top: str) -> None:
    """A zip holding the bag under one top folder, as BagIt's serialization advises."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive_zip:
        for path in sorted(bag_dir.rglob("*")):
            if path.is_file():
                archive_zip.write(path, f"{top}/{path.relative_to(bag_dir).as_posix()}")


def _replace(made: Path, out: Path) -> None:
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    made.rename(out)


@dataclass(frozen=True)
class PackageCheck:
    report: str
    files: int
    events: int
    size: int
    vkey: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "report": self.report,
            "payload_files": self.files,
            "events": self.events,
            "checkpoint_size": self.size,
            "vkey": self.vkey,
        }


def check_package(package: Path, trusted_vkey: str | None = None) -> PackageCheck:
    """Verify a package offline; any failure is a WarlogError naming what does not hold."""
    if not package.exists():
        raise WarlogError(f"{package}: no such folder or file")
    if package.is_dir():
        return _check_bag(package, trusted_vkey)
    with tempfile.TemporaryDirectory(prefix="warlog-package-") as scratch:
        try:
            with zipfile.ZipFile(package) as archive_zip:
                for member in archive_zip.namelist():
                    if member.startswith("/") or ".." in Path(member).parts:
                        raise WarlogError(f"{package}: the zip names a path outside itself: {member!r}")
                archive_zip.extractall(scratch)
        except (zipfile.BadZipFile, OSError) as error:
            raise WarlogError(f"{package}: not a readable zip ({error})") from None
        tops = list(Path(scratch).iterdir())
        bag_dir = tops[0] if len(tops) == 1 and tops[0].is_dir() else Path(scratch)
        return _check_bag(bag_dir, trusted_vkey)


def _check_custody(bag_dir: Path, data: Path, events: dict[int, dict[str, Any]]) -> None:
    """Every custody step the package lists is a proven event saying the same (the bag alone
    could have been rebuilt around an edited list)."""
    try:
        custody = orjson.loads((data / "custody.json").read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise WarlogError(f"{bag_dir}: not a warlog evidence package ({error})") from None
    for step in custody:
        event = events.get(step.get("position"))
        if event is None or not _same_step(step, event):
            raise WarlogError(
                f"{bag_dir}: custody step at position {step.get('position')} is not the one in the proven log"
            )


def _same_step(step: dict[str, Any], event: dict[str, Any]) -> bool:
    said = event["data"]
    return (
        event["type"].endswith("Report.CustodyRecorded")
        and (said.get("action"), said.get("reason")) == (step["after"]["event"], step["reason"])
        and (event["archivist"], event["recorded_at"]) == (step["archivist"], step["recorded_at"])
    )


def _check_bag(bag_dir: Path, trusted_vkey: str | None) -> PackageCheck:
    import bagit

    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate()
    except (bagit.BagError, bagit.BagValidationError) as error:
        details = [str(d) for d in getattr(error, "details", None) or []] or [str(error)]
        raise WarlogError(
            "\n".join(f"{bag_dir}: the bag does not validate: {d}" for d in sorted(set(details))[:20])
        ) from None
    data = bag_dir / "data"
    try:
        proof = (data / "proof.json").read_bytes()
        note = (data / "checkpoint.txt").read_text("utf-8")
        listed = orjson.loads((data / "attachments.json").read_bytes())
    except (OSError, UnicodeDecodeError, orjson.JSONDecodeError) as error:
        raise WarlogError(f"{bag_dir}: not a warlog evidence package ({error})") from None
    checked = ledger.verify_proof(proof, note, trusted_vkey)
    events = {item["event"]["position"]: item["event"] for item in orjson.loads(proof)["events"]}
    proven = {e["data"].get("sha256") for e in events.values() if e["type"].endswith("Report.Attached")}
    _check_custody(bag_dir, data, events)
    for item in listed:
        if item.get("file") is None:
            continue
        digest = hashlib.sha256((data / item["file"]).read_bytes()).hexdigest()
        if digest != item["sha256"] or digest not in proven:
            raise WarlogError(
                f"{bag_dir}: {item['file']} is not the file attached in the proven log "
                f"(its SHA-256 is {digest})"
            )
    return PackageCheck(
        checked.report, len(list(bag.payload_files())), checked.events, checked.size, checked.vkey
    )


__all__ = ["REDACTED", "check_package", "write_package"]
