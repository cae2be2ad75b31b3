"""How evidence events appear in a report's history: attached, custody, redacted."""

from __future__ import annotations

from typing import Any

EVIDENCE_EVENTS = frozenset({"Report.Attached", "Report.CustodyRecorded", "Report.Redacted"})

HistoryRow = tuple[str, str, int | None, None, str | None, None, dict[str, Any]]
"""(kind, report, claim, place, reason, before, after), as `warlog_history` takes them."""


def evidence_change(kind: str, report: str, e: Any) -> HistoryRow:
    """The history row of an evidence event; sealed values stay sealed, as in the event."""
    if kind == "Report.Attached":
        after = {
            k: getattr(e, k)
            for k in ("sha256", "kind", "media_type", "size", "collected_by", "collected_at", "origin")
            if getattr(e, k) is not None
        }
        return "attached", report, None, None, None, None, after
    if kind == "Report.CustodyRecorded":
        return "custody", report, None, None, e.reason, None, {"event": e.action}
    after = {"fields": e.fields, **({"attachment": e.attachment} if e.attachment else {})}
    return "redacted", report, e.claim, None, e.reason, None, after
