"""The chain of custody: each step an event in the report's own log, in order, with who and when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warlog import text
from warlog.errors import WarlogError
from warlog.evidence.attachments import _report

if TYPE_CHECKING:
    from warlog.archive import Archive


def record_custody(
    archive: Archive, report_id: str, action: str | None, reason: str | None, archivist: str
) -> None:
    """Append one custody step (received, transferred, copied for translation, handed to a court…)."""
    archive.catch_up()
    for option, value in (("--event", action), ("--reason", reason)):
        if not value or not value.strip():
            raise WarlogError(f"{option}: say what happened and why, e.g. --event 'handed to the court'")
        if (wrong := text.problem(value, "free")) is not None:
            raise WarlogError(f"{option}: {wrong}")
    assert action is not None and reason is not None
    report = _report(archive, report_id)
    report.record_custody(action.strip(), reason.strip(), archivist)
    archive._save([report])
    archive.catch_up()
