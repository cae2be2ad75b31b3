"""The archive driven by random commands beside a model made of plain dicts and the rule's plain reading."""

from __future__ import annotations

import copy
from contextlib import ExitStack
from typing import Any

from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import warlog
from locations import fresh
from model import rule_state
from story import (
    ACTOR_ALIASES,
    ALIASES,
    DAYS,
    PARTS,
    PLACES,
    REGISTRIES,
    SIDES,
    claim,
    correction,
)
from warlog import clock
from warlog.errors import InvalidInput, WarlogError
from warlog.records import check

Reports = dict[str, dict[str, Any]]
Parents = dict[str, str | None]


def canonical(name: str, aliases: dict[str, list[str]]) -> str:
    for canon, others in aliases.items():
        if name.casefold() in {canon.casefold(), *(o.casefold() for o in others)}:
            return canon
    raise AssertionError(name)


def model_claim(raw: dict[str, Any]) -> dict[str, Any]:
    return {**raw, "place": canonical(raw["place"], ALIASES), "actor": canonical(raw["actor"], ACTOR_ALIASES)}


def expected(reports: Reports, day: str, parents: Parents, window: int | None) -> dict[str, Any]:
    answer = {}
    for place in PLACES:
        claims = [c for r in reports.values() for c in r["claims"].values() if c["place"] == place]
        found = rule_state(claims, day, by="side", pressure_days=window, parents=parents)
        if found is not None:
            (status, controller, contested_by, candidates), since = found
            answer[place] = (status, controller, list(contested_by), list(candidates), since)
    return answer


class ArchiveMachine(RuleBasedStateMachine):
    """Rules are the archivist's commands; the invariant is the researcher's question."""

    def __init__(self, db: str) -> None:
        super().__init__()
        self.resources = ExitStack()
        self.archive = warlog.open(self.resources.enter_context(fresh(db)))
        self.resources.callback(self.archive.close)
        self.archive.start("archivist", bare=True)
        self.archive.import_records([r for rec in REGISTRIES for r in check(rec, "-")], "setup")
        self.reports: Reports = {}
        self.parents: Parents = {**dict.fromkeys(SIDES), **PARTS}
        self.window: int | None = 14
        self.past: list[tuple[str, Reports, Parents, int | None]] = []
        self.count = 0

    def teardown(self) -> None:
        self.resources.close()

    def remember(self) -> None:
        self.past.append(
            (clock.format_time(clock.now()), copy.deepcopy(self.reports), dict(self.parents), self.window)
        )

    def live(self) -> list[tuple[str, int]]:
        return [(r, n) for r, rep in self.reports.items() for n in rep["claims"]]

    @rule(claims=st.lists(claim(), min_size=1, max_size=3), published=st.sampled_from(DAYS))
    def file_report(self, claims: list[dict[str, Any]], published: str) -> None:
        self.count += 1
        report_id = f"r{self.count}"
        record = {
            "type": "report",
            "id": report_id,
            "source": "wire",
            "published": published,
            "claims": claims,
        }
        self.archive.import_records(check(record, "-"), "archivist")
        self.reports[report_id] = {"claims": {n: model_claim(c) for n, c in enumerate(claims, start=1)}}
        self.remember()

    @precondition(lambda self: bool(self.live()))
    @rule(data=st.data())
    def correct_a_claim(self, data: st.DataObject) -> None:
        report_id, number = data.draw(st.sampled_from(self.live()))
        record = data.draw(correction(report_id, number))
        self.count += 1
        record["reason"] = f"fix {self.count}"  # a repeated identical correction is a skip
        current = self.reports[report_id]["claims"][number]
        changed = model_claim({**current, **record["set"]})
        note(f"correct {report_id}#{number}: {record['set']}")
        if changed == current:
            try:
                self.archive.correct(report_id, number, record["set"], record["reason"], "a")
            except InvalidInput:
                return
            raise AssertionError("a correction that changes nothing was accepted")
        self.archive.correct(report_id, number, record["set"], record["reason"], "archivist")
        self.reports[report_id]["claims"][number] = changed
        self.remember()

    @precondition(lambda self: bool(self.live()))
    @rule(data=st.data(), whole=st.booleans())
    def retract(self, data: st.DataObject, whole: bool) -> None:
        report_id, number = data.draw(st.sampled_from(self.live()))
        self.archive.retract(report_id, None if whole else number, "unverified", "archivist")
        if whole:
            self.reports[report_id]["claims"].clear()
        else:
            del self.reports[report_id]["claims"][number]
        self.remember()

    @rule(actor=st.sampled_from(list(PARTS)), part_of=st.sampled_from([None, *SIDES]))
    def change_a_side(self, actor: str, part_of: str | None) -> None:
        self.count += 1
        record = {
            "type": "actor",
            "name": actor,
            "part_of": part_of,
            "reason": f"alliance shifted {self.count}",
        }
        note(f"{actor} part_of {part_of}")
        self.archive.import_records(check(record, "-"), "archivist")
        self.parents[actor] = part_of
        self.remember()

    @rule(window=st.sampled_from([1, 2, 3, 5, None]))
    def set_the_pressure_window(self, window: int | None) -> None:
        note(f"pressure-days {window}")
        if window == self.window:
            try:
                self.archive.set_policy("pressure-days", window, "same", "archivist")
            except WarlogError:
                return
            raise AssertionError("a policy that changes nothing was accepted")
        self.archive.set_policy("pressure-days", window, "tuning", "archivist")
        self.window = window
        self.remember()

    @rule(day=st.sampled_from(DAYS))
    def an_earlier_answer_is_unchanged(self, day: str) -> None:
        for known_at, reports, parents, window in self.past[-3:]:
            assert self.answer(day, known_at) == expected(reports, day, parents, window)

    @invariant()
    def state_follows_the_rule(self) -> None:
        for day in (DAYS[0], DAYS[3], DAYS[-1]):
            assert self.answer(day, None) == expected(self.reports, day, self.parents, self.window)

    def answer(self, day: str, known_at: str | None) -> dict[str, Any]:
        state = self.archive.state(at=day, known_at=known_at)
        return {
            p.place: (p.status, p.controller, list(p.contested_by), list(p.candidates), p.since)
            for p in state.places
        }


def test_archive_behaves_like_the_model(db: str) -> None:
    run_state_machine_as_test(
        lambda: ArchiveMachine(db),
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )
