"""A deliberately plain second reading of the resolution rule and of the log.

The tests compare the archive against these: `rule_state` re-implements the
README's rule with sets and dicts, and `fold_log` rebuilds the effective
claims from the raw stored events, with no read model involved.
"""

from __future__ import annotations

from typing import Any

from warlog import clock
from warlog.archive import Archive
from warlog.domain import Report
from warlog.resolution import Claim, ClaimRef, state_on

Visible = tuple[str, str | None, tuple[str, ...], tuple[str, ...]]


def rule_state(claims: list[dict[str, Any]], day: str) -> tuple[Visible, str] | None:
    """(status, controller, contested_by, candidates) and since, on `day`, from claim dicts."""
    dated = [c for c in claims if c["date"] <= day]
    if not dated:
        return None
    controller: str | None = None
    candidates: set[str] = set()
    pressure: dict[str, str] = {}
    walk: list[tuple[str, Visible]] = []
    for date in sorted({c["date"] for c in dated}):
        today = [c for c in dated if c["date"] == date]
        controlling = {c["actor"] for c in today if c["status"] == "controlled"}
        if len(controlling) >= 2:
            controller, candidates, pressure = None, set(controlling), {}
        elif len(controlling) == 1:
            controller, candidates, pressure = next(iter(controlling)), set(), {}
        for c in today:
            if c["status"] == "withdrawn":
                if not controlling and c["actor"] == controller:
                    controller = None
                pressure.pop(c["actor"], None)
        for c in today:
            if c["status"] in ("contested", "besieged"):
                actor = c["actor"]
                if actor == controller or actor in candidates:
                    continue
                strongest = "contested" in (c["status"], pressure.get(actor))
                pressure[actor] = "contested" if strongest else "besieged"
        if candidates:
            status = "disputed"
        elif "contested" in pressure.values():
            status = "contested"
        elif pressure:
            status = "besieged"
        elif controller is not None:
            status = "controlled"
        else:
            status = "unknown"
        walk.append((date, (status, controller, tuple(sorted(pressure)),
                            tuple(sorted(candidates)))))
    since = walk[-1][0]
    for date, visible in reversed(walk):
        if visible != walk[-1][1]:
            break
        since = date
    return walk[-1][1], since


def fold_log(
    archive: Archive, known_at: str, min_reliability: str = "F", min_credibility: int = 6
) -> dict[str, list[Claim]]:
    """Effective claims per place at record time `known_at`, straight from the stored events."""
    reports: dict[Any, dict[str, Any]] = {}
    for notification in archive.recorder.select_notifications(start=1, limit=10**9):
        event = archive.mapper.to_domain_event(notification)
        if clock.format_time(event.timestamp) > known_at:
            break
        if isinstance(event, Report.Filed):
            reports[event.originator_id] = {
                "id": event.report_id,
                "reliability": event.reliability,
                "claims": {n: dict(c) for n, c in enumerate(event.claims, start=1)},
            }
        elif isinstance(event, Report.ClaimCorrected):
            claim = reports[event.originator_id]["claims"][event.claim]
            claim.update(event.changes)
        elif isinstance(event, Report.ClaimRetracted):
            del reports[event.originator_id]["claims"][event.claim]
        elif isinstance(event, Report.Retracted):
            reports[event.originator_id]["claims"].clear()
    by_place: dict[str, list[Claim]] = {}
    for report in reports.values():
        if report["reliability"] > min_reliability:
            continue
        for number, c in report["claims"].items():
            if c["credibility"] > min_credibility:
                continue
            by_place.setdefault(c["place"], []).append(
                Claim(ClaimRef(report["id"], number), c["actor"], c["status"], c["date"])
            )
    return by_place


def folded_state(archive: Archive, day: str, known_at: str, **filters: Any) -> dict[str, Any]:
    """What `state` must answer, computed from the raw log: place -> PlaceState-like dict."""
    answer: dict[str, Any] = {}
    for place, claims in sorted(fold_log(archive, known_at, **filters).items()):
        step = state_on(claims, day)
        if step is not None:
            answer[place] = {
                "status": step.status,
                "controller": step.controller,
                "contested_by": list(step.contested_by),
                "candidates": list(step.candidates),
                "since": step.since,
                "claims": sorted((r.report, r.claim) for r in step.claims),
            }
    return answer
