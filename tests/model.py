"""A deliberately plain second reading of the resolution rule and of the log.

The tests compare the archive against these: `rule_state` re-implements the
README's rule with sets and dicts, walking every calendar day one by one, and
`fold_log` rebuilds the effective claims, the sides and the policy from the
raw stored events, with no read model involved.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from warlog import clock
from warlog.archive import Archive
from warlog.domain import POLICIES, Report
from warlog.resolution import Claim, ClaimRef, Rule, state_on

Visible = tuple[str, str | None, tuple[str, ...], tuple[str, ...]]


def first_day(text: str) -> date:
    part = text.split("/")[0]
    year, month, day = [*part.split("-"), "01", "01"][:3]
    return date(int(year), int(month), int(day))


def last_day(text: str) -> date:
    part = text.split("/")[-1]
    pieces = part.split("-")
    year = int(pieces[0])
    if len(pieces) == 1:
        return date(year, 12, 31)
    month = int(pieces[1])
    if len(pieces) == 2:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, int(pieces[2]))


def side(actor: str, parents: dict[str, str | None]) -> str:
    seen = {actor}
    while parents.get(actor) is not None and parents[actor] not in seen:
        actor = parents[actor]  # type: ignore[assignment]
        seen.add(actor)
    return actor


def rule_state(
    claims: list[dict[str, Any]],
    day: str,
    *,
    by: str = "actor",
    dates: str = "latest",
    pressure_days: int | None = None,
    parents: dict[str, str | None] | None = None,
) -> tuple[Visible, str] | None:
    """(status, controller, contested_by, candidates) and since, on `day`, from claim dicts.

    Claims are dicts with place-free fields: actor, status, date (any EDTF
    level-0 form) and, to order claims of one day, an optional `order`.
    """
    end = date.fromisoformat(day)
    counting = [
        {
            **c,
            "actor": side(c["actor"], parents or {}) if by == "side" else c["actor"],
            "day": last_day(c["date"]) if dates == "latest" else first_day(c["date"]),
        }
        for c in claims
    ]
    counting = [c for c in counting if c["day"] <= end]
    if not counting:
        return None
    counting.sort(key=lambda c: c.get("order", (0,)))
    controller: str | None = None
    candidates: set[str] = set()
    pressure: dict[str, list[Any]] = {}  # actor -> [kind, last renewal day]
    walk: list[tuple[date, Visible]] = []
    today = min(c["day"] for c in counting)
    while today <= end:
        todays = [c for c in counting if c["day"] == today]
        controlling = {c["actor"] for c in todays if c["status"] == "controlled"}
        if len(controlling) >= 2:
            controller, candidates, pressure = None, set(controlling), {}
        elif len(controlling) == 1:
            controller, candidates, pressure = next(iter(controlling)), set(), {}
        for c in todays:
            if c["status"] != "withdrawn":
                continue
            if not controlling:
                if c["actor"] == controller:
                    controller = None
                elif c["actor"] in candidates:
                    candidates.discard(c["actor"])
                    if len(candidates) == 1:
                        controller = candidates.pop()
            pressure.pop(c["actor"], None)
        for c in todays:
            if c["status"] in ("contested", "besieged"):
                actor = c["actor"]
                if actor == controller or actor in candidates:
                    continue
                if actor in pressure:
                    kind = "contested" if "contested" in (pressure[actor][0], c["status"]) else "besieged"
                    pressure[actor] = [kind, today]
                else:
                    pressure[actor] = [c["status"], today]
        if pressure_days is not None:
            pressure = {a: p for a, p in pressure.items() if today < p[1] + timedelta(days=pressure_days)}
        if candidates:
            status = "disputed"
        elif any(p[0] == "contested" for p in pressure.values()):
            status = "contested"
        elif pressure:
            status = "besieged"
        elif controller is not None:
            status = "controlled"
        else:
            status = "unknown"
        walk.append((today, (status, controller, tuple(sorted(pressure)), tuple(sorted(candidates)))))
        today += timedelta(days=1)
    since = walk[-1][0]
    for when, visible in reversed(walk):
        if visible != walk[-1][1]:
            break
        since = when
    return walk[-1][1], since.isoformat()


def fold_log(
    archive: Archive,
    known_at: str,
    min_reliability: str = "F",
    min_credibility: int = 6,
    rule: Rule | None = None,
) -> tuple[dict[str, list[Claim]], Rule]:
    """Effective claims per place at record time `known_at`, straight from the stored events.

    Sides and the pressure window are folded from the same events, as known
    then; the rule is the default one unless given (its window None means
    the archive's policy).
    """
    reports: dict[Any, dict[str, Any]] = {}
    parents: dict[str, str | None] = {}
    window: int | None = POLICIES["pressure-days"]
    for notification in archive.recorder.select_notifications(start=1, limit=10**9):
        event = archive.mapper.to_domain_event(notification)
        if clock.format_time(event.timestamp) > known_at:
            break
        kind = type(event).__qualname__
        if kind == "Actors.Registered" or kind == "Actors.PartOfChanged":
            parents[event.name] = event.part_of
        elif kind == "Policy.Set" and event.name == "pressure-days":
            window = event.value
        elif isinstance(event, Report.Filed):
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
    rule = rule or Rule("side", "latest", window)
    by_place: dict[str, list[Claim]] = {}
    for report in reports.values():
        if report["reliability"] > min_reliability:
            continue
        for number, c in report["claims"].items():
            if c["credibility"] > min_credibility:
                continue
            first, last = first_day(c["date"]).isoformat(), last_day(c["date"]).isoformat()
            actor = side(c["actor"], parents) if rule.by == "side" else c["actor"]
            by_place.setdefault(c["place"], []).append(
                Claim(
                    ClaimRef(report["id"], number),
                    actor,
                    c["status"],
                    last if rule.dates == "latest" else first,
                    first == last,
                )
            )
    return by_place, rule


def folded_state(archive: Archive, day: str, known_at: str, **filters: Any) -> dict[str, Any]:
    """What `state` must answer, computed from the raw log: place -> PlaceState-like dict."""
    answer: dict[str, Any] = {}
    by_place, rule = fold_log(archive, known_at, **filters)
    for place, claims in sorted(by_place.items()):
        step = state_on(claims, day, rule.pressure_days)
        if step is not None:
            answer[place] = {
                "status": step.status,
                "controller": step.controller,
                "contested_by": list(step.contested_by),
                "candidates": list(step.candidates),
                "since": step.since,
                "uncertain": step.uncertain,
                "evidence_to": step.evidence_to,
                "claims": sorted((r.report, r.claim) for r in step.claims),
            }
    return answer
