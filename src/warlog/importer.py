"""The second gate: records checked against what the archive knows, then turned into events.

Records apply in file order against in-memory copies of the aggregates, so a
correction can refer to a report filed three lines earlier. Every problem is
collected with its line; the caller saves the touched aggregates in one
transaction only when there was none, so a bad file writes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

from warlog import clock, dates
from warlog.domain import CLAIM_FIELDS, Actors, ClaimValues, Places, Recorded, Report
from warlog.errors import Problem, Rejected
from warlog.links import check_url
from warlog.names import did_you_mean, key
from warlog.records import Record

ReportLoader = Callable[[str], Report | None]
LOOKAHEAD = 2000  # records read ahead to ask the archive about their report ids at once


@dataclass
class ImportResult:
    """What one import appended and what it found already present."""

    added: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    reports: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": dict(self.added),
            "skipped": dict(self.skipped),
            "reports": self.reports,
            "already_present": self.present,
        }


class Importer:
    """Applies records to aggregates in memory, collecting problems instead of stopping."""

    def __init__(
        self,
        places: Places,
        actors: Actors,
        load_report: ReportLoader,
        known_report_ids: Callable[[], Iterable[str]],
        archivist: str,
        skip_repeats: bool = True,
    ) -> None:
        self.skip_repeats = skip_repeats  # a file imported again skips what it already recorded
        self.places = places
        self.actors = actors
        self.load_report = load_report
        self.known_report_ids = known_report_ids
        self.archivist = archivist
        self.reports: dict[str, Report | None] = {}
        # Report ids in the order the file first names them: events are saved in that
        # order, whatever order the look-ahead loaded the reports in.
        self.named: dict[str, None] = {}
        self.failed_reports: set[str] = set()
        self.problems: list[Problem] = []
        self.result = ImportResult()
        # Which of some report ids the archive holds, in one query; None: load each to see.
        self.reports_present: Callable[[list[str]], set[str]] | None = None
        # Several reports' aggregates in one read of the log; None: load each alone.
        self.load_reports: Callable[[list[str]], dict[str, Report]] | None = None
        # Where sensitive text is sealed on its way into an event (warlog.evidence.seal).
        self.seal_report: Callable[[str, dict[str, Any], Report | None], dict[str, Any]] = lambda _, c, __: c
        self.seal_changes: Callable[[Report, int, ClaimValues, str | None], ClaimValues]
        self.seal_changes = lambda _, __, changes, ___: changes

    def touched(self) -> list[Recorded]:
        """The aggregates with events still to be saved."""
        reports = (self.reports.get(report_id) for report_id in self.named)
        candidates: list[Recorded | None] = [self.places, self.actors, *reports]
        return [a for a in candidates if a is not None and a.pending_events]

    def add_all(self, items: Iterable[Record | Problem]) -> None:
        """Apply records in file order, asking the archive which reports exist a chunk at a time."""
        pending = iter(items)
        while chunk := list(islice(pending, LOOKAHEAD)):
            self._look_up_reports(chunk)
            for item in chunk:
                if isinstance(item, Problem):
                    self.problems.append(item)
                else:
                    self.add(item)

    def _look_up_reports(self, chunk: list[Record | Problem]) -> None:
        """One query for every report id the chunk names; those absent need no loading at all."""
        if self.reports_present is None:
            return
        named = {
            value
            for item in chunk
            if isinstance(item, Record) and item.valid
            for value in (item.fields.get("id") if item.type == "report" else item.fields.get("report"),)
            if isinstance(value, str) and value not in self.reports
        }
        if named:
            present = self.reports_present(sorted(named))
            self.reports.update((report_id, None) for report_id in named - present)
            if present and self.load_reports is not None:
                self.reports.update(self.load_reports(sorted(present)))

    def add(self, record: Record) -> None:
        if not record.valid:
            self.problems.extend(Problem(record.where, f, m) for f, m in self._names_only(record))
            return
        handler = {
            "place": self._place,
            "actor": self._actor,
            "report": self._report,
            "correction": self._correction,
            "retraction": self._retraction,
        }[record.type]
        try:
            problems = handler(record.fields)
        except Rejected as rejected:
            problems = [(rejected.field, rejected.message)]
        self.problems.extend(Problem(record.where, f, m) for f, m in problems)

    def _names_only(self, record: Record) -> list[tuple[str, str]]:
        """Unknown names in a record the schema already refused, so one pass reports all."""
        named: list[tuple[str, Any]] = []
        if record.type == "report" and isinstance(record.fields.get("claims"), list):
            for number, raw in enumerate(record.fields["claims"]):
                if isinstance(raw, dict):
                    named += [(f"claims[{number}].{k}", raw.get(k)) for k in ("place", "actor")]
        elif record.type == "correction" and isinstance(record.fields.get("set"), dict):
            named += [(f"set.{k}", record.fields["set"].get(k)) for k in ("place", "actor")]
        problems = []
        for path, value in named:
            if isinstance(value, str) and value.strip():
                try:
                    self._field_value(path.rsplit(".", 1)[1], value)
                except Rejected as rejected:
                    problems.append((path, rejected.message))
        return problems

    # Registries ---------------------------------------------------------

    def _place(self, f: dict[str, Any]) -> list[tuple[str, str]]:
        within = f.get("within")
        parent = within and self.places.resolve(within, "within")
        names = _names(f)
        entries = self.places.entries
        # Under a named parent, a name means that parent's place; without one, any place.
        accept = None if within is None else (lambda p: entries[p]["within"] == parent)
        if within is None and len(same := self.places.matches(names[0])) > 1:
            raise Rejected(
                "name",
                self.places.ambiguous(names[0], same).replace(
                    "write the place as NAME, PARENT", "say which with 'within'"
                ),
            )
        existing = self.places.existing_entry(names, accept)
        if existing is None:
            fresh = _unique(names)
            self.places.register(
                fresh[0],
                fresh[1:],
                f.get("kind"),
                _coordinate(f.get("lat")),
                _coordinate(f.get("lon")),
                parent,
                self.archivist,
            )
            self.result.added["place"] += 1
            return []
        return self._aliases(self.places, existing, names, "place")

    def _actor(self, f: dict[str, Any]) -> list[tuple[str, str]]:
        names = _names(f)
        existing = self.actors.existing_entry(names)
        part_of = f.get("part_of")
        parent = part_of and self.actors.resolve(part_of, "part_of")
        if existing is None:
            self.actors.register(names[0], self.actors.new_names(names)[1:], parent, self.archivist)
            self.result.added["actor"] += 1
            return []
        problems = self._aliases(self.actors, existing, names, "actor")
        if "part_of" in f and parent != self.actors.entries[existing]["part_of"]:
            if not f.get("reason"):
                return [
                    (
                        "reason",
                        f"changes what '{existing}' is part of (to "
                        f'{_shown(parent)}); say why with a "reason"',
                    )
                ]
            cycle = self._cycle(existing, parent)
            if cycle:
                return [
                    (
                        "part_of",
                        f"'{existing}' cannot be part of {_shown(parent)}: "
                        f"{cycle}; an actor cannot be part of itself",
                    )
                ]
            self.actors.change_part_of(existing, parent, f["reason"], self.archivist)
            self.result.added["part_of"] += 1
        return problems

    def _cycle(self, actor: str, parent: str | None) -> str:
        """The chain that would lead from `parent` back to `actor`, or '' when there is none."""
        chain, current = [actor], parent
        while current is not None:
            chain.append(current)
            if current == actor:
                return " is part of ".join(f"'{c}'" for c in reversed(chain))
            current = self.actors.entries[current]["part_of"]
        return ""

    def _aliases(
        self, registry: Places | Actors, existing: str, names: list[str], kind: str
    ) -> list[tuple[str, str]]:
        fresh = registry.new_names(names, existing)
        if fresh:
            registry.add_aliases(existing, fresh, self.archivist)
            self.result.added["alias"] += len(fresh)
        else:
            self.result.skipped[kind] += 1
        return []

    # Reports ------------------------------------------------------------

    def _report(self, f: dict[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        try:
            published_day = clock.parse_published(f["published"])
        except ValueError as error:
            problems.append(("published", str(error)))
            published_day = None
        if "url" in f and (wrong_url := check_url(f["url"])) is not None:
            problems.append(("url", f"{wrong_url}; give the address where the report can be read"))
        claims: list[ClaimValues] = []
        for number, raw in enumerate(f["claims"]):
            values, wrong = self._claim_values(raw, published_day)
            claims.append(values)
            problems.extend((f"claims[{number}].{name}", message) for name, message in wrong)
        if problems:
            if "id" in f:
                self.failed_reports.add(f["id"])
            return problems
        content = {
            "source": f["source"],
            "published": f["published"],
            "reliability": f.get("reliability", "F"),
            "url": f.get("url"),
            "title": f.get("title"),
            "note": f.get("note"),
            "claims": claims,
            **({"acled": f["acled"]} if "acled" in f else {}),
        }
        report_id = f.get("id") or derived_id(content, published_day or "")
        existing = self._find_report(report_id)
        content = self.seal_report(report_id, content, existing)
        if existing is not None:
            if existing.content() != content:
                return [
                    (
                        "id",
                        f"report '{report_id}' already exists with different content; "
                        "to change it, send a correction or a retraction",
                    )
                ]
            self.result.skipped["report"] += 1
            self.result.present.append(report_id)
            return []
        self.reports[report_id] = Report(report_id=report_id, archivist=self.archivist, **content)
        self.result.added["report"] += 1
        self.result.added["claim"] += len(claims)
        self.result.reports.append(report_id)
        return []

    def _claim_values(
        self, raw: dict[str, Any], default_day: str | None
    ) -> tuple[ClaimValues, list[tuple[str, str]]]:
        """Resolve names and defaults of one claim; problems are (field, message)."""
        values: ClaimValues = {}
        problems: list[tuple[str, str]] = []
        for name in CLAIM_FIELDS:
            if name not in raw:
                continue
            try:
                values[name] = self._field_value(name, raw[name])
            except Rejected as rejected:
                problems.append((name, rejected.message))
        values.setdefault("credibility", 6)
        if "date" not in raw and default_day is not None:
            values["date"] = default_day
        return {k: v for k, v in values.items() if v is not None}, problems

    def _field_value(self, name: str, value: Any) -> Any:
        if name == "place":
            return self.places.resolve(value, "place")
        if name == "actor":
            return self.actors.resolve(value, "actor")
        if name == "date":
            try:
                return dates.parse(value)
            except ValueError as error:
                raise Rejected("date", str(error)) from None
        if name == "credibility":
            return int(value)  # JSON Schema counts 2.0 as an integer; stored events hold no floats
        return value

    # Corrections and retractions ---------------------------------------

    def _correction(self, f: dict[str, Any]) -> list[tuple[str, str]]:
        f = {**f, "claim": int(f["claim"])}
        changes: ClaimValues = {}
        problems: list[tuple[str, str]] = []
        for name, value in f["set"].items():
            try:
                changes[name] = None if value is None else self._field_value(name, value)
            except Rejected as rejected:
                problems.append((f"set.{name}", rejected.message))
        try:
            report = self._existing_report(f["report"])
        except Rejected as rejected:
            return [*problems, (rejected.field, rejected.message)]
        if problems:
            return problems
        changes = self.seal_changes(report, f["claim"], changes, f["reason"] if self.skip_repeats else None)
        if self.skip_repeats and report.has_correction(f["claim"], changes, f["reason"]):
            self.result.skipped["correction"] += 1
            return []
        report.correct(f["claim"], changes, f["reason"], self.archivist, f.get("acled"))
        self.result.added["correction"] += 1
        return []

    def _retraction(self, f: dict[str, Any]) -> list[tuple[str, str]]:
        report = self._existing_report(f["report"])
        claim = None if f.get("claim") is None else int(f["claim"])
        if self.skip_repeats and report.has_retraction(claim, f["reason"]):
            self.result.skipped["retraction"] += 1
            return []
        report.withdraw(claim, f["reason"], self.archivist)
        self.result.added["retraction"] += 1
        return []

    def _find_report(self, report_id: str) -> Report | None:
        self.named.setdefault(report_id)
        if report_id not in self.reports:
            self.reports[report_id] = self.load_report(report_id)
        return self.reports[report_id]

    def _existing_report(self, report_id: str) -> Report:
        report = self._find_report(report_id)
        if report is not None:
            return report
        if report_id in self.failed_reports:
            raise Rejected(
                "report", f"report '{report_id}' was not filed because of the problems above; fix those first"
            )
        known = [*self.known_report_ids(), *(k for k, v in self.reports.items() if v)]
        raise Rejected(
            "report",
            f"unknown report '{report_id}'{did_you_mean(report_id, known)}; "
            "file the report before correcting or retracting it",
        )


def derived_id(content: dict[str, Any], published_day: str) -> str:
    """An id from the content itself, so importing the same report twice files it once."""
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", content["source"].lower()).strip("-")[:40] or "report"
    return f"{slug}-{published_day}-{digest[:10]}"


def _names(f: dict[str, Any]) -> list[str]:
    return [" ".join(f["name"].split()), *(" ".join(a.split()) for a in f.get("aliases", []))]


def _unique(names: list[str]) -> list[str]:
    """Names with repeats (by lookup key) left out, the first spelling kept."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(key(name), name)
    return list(seen.values())


def _shown(actor: str | None) -> str:
    return "no larger actor" if actor is None else f"'{actor}'"


def _coordinate(value: float | int | None) -> str | None:
    """Coordinates are stored as decimal text: stored events hold no floats."""
    return None if value is None else str(value)
