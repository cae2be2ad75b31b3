"""Redaction by crypto-shredding: destroy a field's key, record who, when and why.

Nothing in the log changes: the events keep the sealed bytes their leaves and
signatures cover, so `verify`, old checkpoints and old proofs still hold. What
goes is the key, from the key store beside the archive, and with a sensitive
file its sealed copy too; from then on every reader shows `[redacted]`, and a
dump taken afterwards has nothing that opens the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warlog import text
from warlog.errors import WarlogError
from warlog.evidence.attachments import _report, attachment_slot
from warlog.evidence.seal import REPORT_LEVEL, SENSITIVE, slot

if TYPE_CHECKING:
    from warlog.archive import Archive
    from warlog.domain import Report


@dataclass(frozen=True)
class Redaction:
    report: str
    claim: int | None
    fields: tuple[str, ...]
    attachment: str | None
    keys_destroyed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "claim": self.claim,
            "fields": list(self.fields),
            "attachment": self.attachment,
            "keys_destroyed": self.keys_destroyed,
        }


def redact(
    archive: Archive,
    report_id: str,
    claim: int | None,
    fields: list[str],
    reason: str | None,
    archivist: str,
    attachment: str | None = None,
) -> Redaction:
    """Record the redaction, then destroy the keys of those fields (and the file's sealed copy)."""
    archive.catch_up()
    if not reason or not reason.strip():
        raise WarlogError("--reason: say why the text is redacted (it is recorded; the text is not)")
    if (wrong := text.problem(reason, "free")) is not None:
        raise WarlogError(f"--reason: {wrong}")
    unknown = [f for f in fields if f not in SENSITIVE]
    if unknown:
        raise WarlogError(
            f"--field: '{unknown[0]}' is not a sealed field; redact {', '.join(SENSITIVE)} "
            "(or a sensitive file with --attachment SHA256)"
        )
    if not fields and attachment is None:
        raise WarlogError("say what to redact: --field attributed_to|quote|note, or --attachment SHA256")
    report = _report(archive, report_id)
    if report.acled is not None:
        raise WarlogError(
            f"report '{report_id}' was imported from ACLED, whose public row it keeps in clear "
            "under 'acled'; its text is not sealed and cannot be redacted"
        )
    slots = _slots(report, claim, fields, attachment)
    held = archive.field_keys.held(report_id)
    doomed = sorted(s for s in slots if s in held)
    if not doomed:
        what = f"claim {claim} of " if claim is not None else ""
        raise WarlogError(
            f"{what}report '{report_id}' has no sealed {' or '.join(fields) or 'file'} left to redact "
            "(never given, or already redacted)"
        )
    sha = None if attachment is None else attachment.strip().lower()
    report.redact(claim, sorted(set(fields)), sha, reason.strip(), archivist)
    archive._save([report])
    archive.catch_up()
    destroyed = archive.field_keys.destroy(report_id, doomed)
    if sha is not None:
        for record in report.attachments:
            if record["sha256"] == sha and record["stored_as"] is not None:
                archive.evidence_files.remove(record["stored_as"])
    archive.__dict__.pop("opener", None)  # what it had opened is gone now
    return Redaction(report_id, claim, tuple(sorted(set(fields))), sha, destroyed)


def _slots(report: Report, claim: int | None, fields: list[str], attachment: str | None) -> list[str]:
    count = len(report.filed_claims)
    if claim is not None and not 1 <= claim <= count:
        raise WarlogError(
            f"report '{report.report_id}' has no claim {claim}; its claims are numbered 1 to {count}"
        )
    numbers = [claim] if claim is not None else list(range(1, count + 1))
    slots = [slot(n, f) for n in numbers for f in fields]
    if claim is None and "note" in fields:
        slots.append(slot(REPORT_LEVEL, "note"))
    if attachment is not None:
        sha = attachment.strip().lower()
        found = [a for a in report.attachments if a["sha256"] == sha]
        if not found:
            raise WarlogError(f"report '{report.report_id}' has no attachment with SHA-256 {sha}")
        if all(a["stored_as"] is None for a in found):
            raise WarlogError(
                f"attachment {sha} of report '{report.report_id}' was stored in clear (not --sensitive); "
                "only a sensitive file is sealed and can be redacted"
            )
        slots.append(attachment_slot(sha))
    return slots
