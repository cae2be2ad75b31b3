"""Attaching files to reports, listing and reading them back, and checking their fixity.

As the Berkeley Protocol asks, each item is hashed when it is collected and
kept with its provenance: who collected it, when, from where, and what it
is (the original, a copy, a translation, a screenshot, a web capture such as
a WACZ). The event holds the hash, size and media type; the bytes go to the
content-addressed store beside the archive, so a file attached twice is
stored once. A sensitive file is stored sealed under a key of its own (its
name and origin sealed in the event), which `redact --attachment` destroys.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from warlog import clock, text
from warlog.domain import Report
from warlog.errors import NotFound, WarlogError
from warlog.evidence.seal import REDACTED, Sealer, is_sealed, open_bytes, seal_bytes, seal_text
from warlog.links import check_url

if TYPE_CHECKING:
    from warlog.archive import Archive

KINDS = ("original", "copy", "translation", "screenshot", "capture")
MAX_BYTES = 1024**3
MEDIA_TYPES = {".wacz": "application/wacz", ".warc": "application/warc", ".jsonl": "application/jsonl"}
MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


def attachment_slot(sha256: str) -> str:
    return f"attachment.{sha256}"


@dataclass(frozen=True)
class Attachment:
    """One attached file as readers see it: sealed name and origin opened, or `[redacted]`."""

    report: str
    sha256: str
    size: int
    media_type: str
    name: str
    kind: str
    collected_by: str
    collected_at: str
    origin: str | None
    sensitive: bool
    redacted: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def media_type(name: str, content: bytes) -> str:
    """What the file is: from its first bytes for common formats, else from its name."""
    for magic, kind in MAGIC:
        if content.startswith(magic):
            return kind
    suffix = Path(name).suffix.lower()
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def attach(
    archive: Archive,
    report_id: str,
    path: Path,
    archivist: str,
    *,
    kind: str = "original",
    collected_by: str | None = None,
    collected_at: str | None = None,
    origin: str | None = None,
    sensitive: bool = False,
) -> Attachment:
    """Store the file's bytes, then record the attachment event; returns what was recorded."""
    archive.catch_up()
    report = _report(archive, report_id)
    if kind not in KINDS:
        raise WarlogError(f"--kind: '{kind}' is not a kind of evidence; use one of {', '.join(KINDS)}")
    collector = collected_by or archivist
    if (wrong := text.problem(collector, "name")) is not None:
        raise WarlogError(f"--collected-by: the name {wrong}")
    try:
        collected = clock.format_time(clock.parse_timestamp(collected_at)[0]) if collected_at else None
    except ValueError as error:
        raise WarlogError(f"--collected-at: {error}") from None
    if origin is not None and (wrong_url := check_url(origin)) is not None:
        raise WarlogError(f"--from: {wrong_url}; give the address the file was collected from")
    content = _read(path)
    name = path.name
    if (wrong := text.problem(name, "text")) is not None:
        raise WarlogError(f"{path}: the file name {wrong}; rename the file")
    sha256 = hashlib.sha256(content).hexdigest()
    stored_as = None
    shown_name, shown_origin = name, origin
    if sensitive:
        sealer = Sealer(archive.field_keys)
        kid, key = sealer.live_key(report_id, attachment_slot(sha256))
        sealed = seal_bytes(key, kid, content)
        stored_as = hashlib.sha256(sealed).hexdigest()
        shown_name = seal_text(key, kid, name)
        shown_origin = None if origin is None else seal_text(key, kid, origin)
        sealer.persist()
        archive.evidence_files.put(stored_as, sealed)
    else:
        archive.evidence_files.put(sha256, content)
    report.attach(
        sha256,
        len(content),
        media_type(name, content),
        shown_name,
        kind,
        collector,
        collected or clock.format_time(clock.now()),
        shown_origin,
        stored_as,
        archivist,
    )
    archive._save([report])
    archive.catch_up()
    return attachments(archive, report_id)[-1]


def _report(archive: Archive, report_id: str) -> Report:
    report = archive.report(report_id)
    if report is None:
        from warlog.names import did_you_mean

        raise NotFound(
            f"unknown report '{report_id}'{did_you_mean(report_id, archive.view.report_ids())}; "
            "'warlog log' lists the reports"
        )
    return report


def _read(path: Path) -> bytes:
    try:
        if not path.is_file():
            raise WarlogError(f"{path}: not a regular file; attach a file")
        if path.stat().st_size > MAX_BYTES:
            raise WarlogError(f"{path}: larger than 1 GiB; split it or keep it elsewhere and attach a copy")
        return path.read_bytes()
    except OSError as error:
        raise WarlogError(f"cannot read {path}: {error.strerror}") from None


def attachments(archive: Archive, report_id: str) -> list[Attachment]:
    """The report's attachments in the order they were recorded."""
    report = _report(archive, report_id)
    redacted = {r["attachment"] for r in report.redactions if r.get("attachment")}
    return [_shown(archive, report_id, a, a["sha256"] in redacted) for a in report.attachments]


def _shown(archive: Archive, report_id: str, a: dict[str, Any], redacted: bool) -> Attachment:
    opener = archive.opener
    return Attachment(
        report_id,
        a["sha256"],
        a["size"],
        a["media_type"],
        REDACTED if redacted and is_sealed(a["name"]) else opener.text(a["name"]),
        a["kind"],
        a["collected_by"],
        a["collected_at"],
        REDACTED if redacted and is_sealed(a["origin"]) else opener.text(a["origin"]),
        a["stored_as"] is not None,
        redacted,
    )


def content(archive: Archive, sha256: str, report_id: str | None = None) -> bytes:
    """The bytes of an attached file, checked against its hash before they are handed out."""
    wanted = sha256.strip().lower()
    if report_id is not None:
        report = _report(archive, report_id)
        found = [a for a in report.attachments if a["sha256"] == wanted]
        if not found:
            raise NotFound(f"report '{report_id}' has no attachment with SHA-256 {wanted}")
        record = found[-1]
        if record["stored_as"] is not None:
            return _opened(archive, report_id, record)
    data = archive.evidence_files.read(wanted)
    if data is None:
        raise NotFound(
            f"no file with SHA-256 {wanted} in the evidence store; a sensitive file is read "
            "with --report REPORT, and 'warlog attachments REPORT' lists a report's files"
        )
    if hashlib.sha256(data).hexdigest() != wanted:
        raise WarlogError(
            f"the stored file {wanted} was altered: its bytes no longer match its hash; "
            "'warlog verify --attachments' checks them all"
        )
    return data


def _opened(archive: Archive, report_id: str, record: dict[str, Any]) -> bytes:
    live = archive.field_keys.live(report_id, attachment_slot(record["sha256"]))
    sealed = archive.evidence_files.read(record["stored_as"])
    if live is None:
        raise WarlogError(f"attachment {record['sha256']} of report '{report_id}' was redacted")
    if sealed is None or hashlib.sha256(sealed).hexdigest() != record["stored_as"]:
        raise WarlogError(
            f"the stored file {record['sha256']} was altered or removed; 'warlog verify --attachments' "
            "checks them all"
        )
    return open_bytes(live[1], live[0], sealed)


@dataclass(frozen=True)
class FixityProblem:
    report: str
    sha256: str
    message: str

    def __str__(self) -> str:
        return f"FAIL report {self.report}: attachment {self.sha256} {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"report": self.report, "sha256": self.sha256, "message": self.message}


@dataclass(frozen=True)
class Fixity:
    checked: int
    redacted: int
    problems: tuple[FixityProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "redacted": self.redacted,
            "problems": [p.to_dict() for p in self.problems],
        }


def attached_events(archive: Archive) -> Iterator[tuple[str, Any]]:
    """(report id, Attached event) for every attachment in the log, read by topic alone."""
    topic = get_topic(Report.Attached)  # type: ignore[attr-defined]
    start = 1
    while page := archive.recorder.select_notifications(start=start, limit=1000, topics=[topic]):
        for n in page:
            event = archive.mapper.to_domain_event(n)
            yield archive.view.report_of(event.originator_id) or event.originator_id.hex, event
        start = page[-1].id + 1


def count_attached(archive: Archive) -> int:
    return sum(1 for _ in attached_events(archive))


def check_fixity(archive: Archive, progress: Callable[[int], None] = lambda _: None) -> Fixity:
    """Rehash every stored file against the hash recorded when it was attached."""
    archive.catch_up()
    checked = redacted_count = 0
    problems: list[FixityProblem] = []
    redactions: dict[str, set[str]] = {}
    for report_id, event in attached_events(archive):
        progress(1)
        if report_id not in redactions:
            report = archive.report(report_id)
            gone = {r["attachment"] for r in report.redactions} if report else set()
            redactions[report_id] = {g for g in gone if g}
        sealed = event.stored_as is not None
        if sealed and event.sha256 in redactions[report_id]:
            redacted_count += 1
            continue
        address = event.stored_as or event.sha256
        data = archive.evidence_files.read(address)
        checked += 1
        where = archive.evidence_files.where(address)
        if data is None:
            problems.append(FixityProblem(report_id, event.sha256, f"is missing from {where}"))
        elif hashlib.sha256(data).hexdigest() != address:
            problems.append(
                FixityProblem(
                    report_id,
                    event.sha256,
                    f"was altered: {where} now hashes to {hashlib.sha256(data).hexdigest()}",
                )
            )
        elif sealed:
            live = archive.field_keys.live(report_id, attachment_slot(event.sha256))
            opened = None if live is None else open_bytes(live[1], live[0], data)
            if opened is None or hashlib.sha256(opened).hexdigest() != event.sha256:
                problems.append(FixityProblem(report_id, event.sha256, "does not open with its key"))
    return Fixity(checked, redacted_count, tuple(problems))
