"""The archive's promises, checked on random stories of reports, corrections and retractions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import warlog
from locations import fresh
from model import fold_log, folded_state
from story import DAYS, GRADES, PARTS, REGISTRIES, SIDES, correction, report
from warlog import clock
from warlog.archive import Archive, intervals
from warlog.errors import InvalidInput, WarlogError
from warlog.records import check
from warlog.resolution import steps

SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextmanager
def new_archive(db: str) -> Iterator[Archive]:
    with fresh(db) as location:
        archive = warlog.open(location)
        try:
            archive.start("tester", bare=True)
            archive.import_records([r for rec in REGISTRIES for r in check(rec, "registry")], "tester")
            yield archive
        finally:
            archive.close()


@dataclass
class Story:
    """What the test knows about what it appended, to draw valid corrections and retractions."""

    claims: dict[str, int] = field(default_factory=dict)
    retracted: set[tuple[str, int]] = field(default_factory=set)
    known_at: list[str] = field(default_factory=list)
    counter: int = 0

    def live(self) -> list[tuple[str, int]]:
        return [
            (r, n)
            for r, count in self.claims.items()
            for n in range(1, count + 1)
            if (r, n) not in self.retracted and (r, 0) not in self.retracted
        ]


def append_something(data: st.DataObject, archive: Archive, story: Story) -> None:
    """Draw one import of a few records and append it (or see it refused, writing nothing)."""
    records: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(1, 3))):
        live = story.live()
        kind = data.draw(
            st.sampled_from(
                ["report", "correction", "retraction", "side", "policy"]
                if live
                else ["report", "side", "policy"]
            )
        )
        if kind == "policy":
            window = data.draw(st.sampled_from([1, 2, 4, None]))
            with suppress(WarlogError):  # the same window again changes nothing: refused
                archive.set_policy("pressure-days", window, "tuning the window", "tester")
                story.known_at.append(clock.format_time(clock.now()))
            continue
        if kind == "side":
            actor = data.draw(st.sampled_from(list(PARTS)))
            records.append(
                {
                    "type": "actor",
                    "name": actor,
                    "part_of": data.draw(st.sampled_from([None, *SIDES])),
                    "reason": "the alliance shifted",
                }
            )
        elif kind == "report":
            story.counter += 1
            records.append(data.draw(report(story.counter)))
        elif kind == "correction":
            report_id, number = data.draw(st.sampled_from(live))
            records.append(data.draw(correction(report_id, number)))
        else:
            report_id, number = data.draw(st.sampled_from(live))
            whole = data.draw(st.booleans())
            records.append(
                {
                    "type": "retraction",
                    "report": report_id,
                    "reason": "withdrawn",
                    **({} if whole else {"claim": number}),
                }
            )
    try:
        archive.import_records([r for rec in records for r in check(rec, "-")], "tester")
    except InvalidInput:
        return  # e.g. a correction that changes nothing: refused whole, nothing written
    for report_id in archive.view.report_ids():
        filed = archive._report(report_id)
        assert filed is not None
        story.claims[report_id] = len(filed.claims)
        story.retracted |= {(report_id, n) for n in filed.retracted_claims}
        if filed.retraction is not None:
            story.retracted.add((report_id, 0))
    story.known_at.append(clock.format_time(clock.now()))


def state_answer(archive: Archive, day: str, known_at: str, **filters: Any) -> dict[str, Any]:
    result = archive.state(at=day, known_at=known_at, **filters).to_dict()
    return {
        ", ".join([p.pop("place"), *p.pop("within")]): {
            **p,
            "claims": sorted((c["report"], c["claim"]) for c in p["claims"]),
        }
        for p in result["places"]
    }


def stored_events(archive: Archive) -> list[tuple[int, str, bytes]]:
    return [(n.id, n.topic, n.state) for n in archive.recorder.select_notifications(start=1, limit=10**9)]


@SETTINGS
@given(data=st.data())
def test_read_model_state_equals_a_fold_of_the_raw_log(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(1, 5))):
            append_something(data, archive, story)
        for known_at in [*story.known_at[-3:], clock.format_time(clock.now())]:
            day = data.draw(st.sampled_from(DAYS))
            filters = {
                "min_reliability": data.draw(st.sampled_from(GRADES)),
                "min_credibility": data.draw(st.integers(1, 6)),
            }
            assert state_answer(archive, day, known_at, **filters) == folded_state(
                archive, day, known_at, **filters
            )
        now = clock.format_time(clock.now())
        by_place, rule = fold_log(archive, now)
        for place, claims in by_place.items():
            walked = intervals(steps(claims, rule.pressure_days))
            assert archive.timeline(place, known_at=now).intervals == walked


@contextmanager
def horizon_of(days: int) -> Iterator[None]:
    """Restep reading claims and steps only `days` past the latest touched day at first."""
    from warlog.readmodel import writer

    kept = writer.HORIZON_DAYS
    writer.HORIZON_DAYS = days
    try:
        yield
    finally:
        writer.HORIZON_DAYS = kept


@settings(SETTINGS, max_examples=10)
@given(data=st.data(), days=st.sampled_from([0, 1, 2]))
def test_stored_steps_equal_a_fold_when_walks_read_past_a_short_horizon(
    db: str, data: st.DataObject, days: int
) -> None:
    with horizon_of(days), new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(1, 5))):
            append_something(data, archive, story)
        for known_at in [*story.known_at[-2:], clock.format_time(clock.now())]:
            for day in DAYS:
                assert state_answer(archive, day, known_at) == folded_state(archive, day, known_at)
        now = clock.format_time(clock.now())
        by_place, rule = fold_log(archive, now)
        for place, claims in by_place.items():
            assert archive.timeline(place, known_at=now).intervals == intervals(
                steps(claims, rule.pressure_days)
            )
        incremental = read_model_rows(archive)
        archive.rebuild()
        assert read_model_rows(archive) == incremental


@SETTINGS
@given(data=st.data())
def test_appending_never_changes_an_earlier_event(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        story = Story()
        before = stored_events(archive)
        for _ in range(data.draw(st.integers(1, 5))):
            append_something(data, archive, story)
            after = stored_events(archive)
            assert after[: len(before)] == before
            assert [p for p, _, _ in after] == sorted({p for p, _, _ in after})
            before = after


@SETTINGS
@given(data=st.data())
def test_what_was_known_at_a_time_never_changes_afterwards(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        story = Story()
        answers: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
        for _ in range(data.draw(st.integers(2, 5))):
            append_something(data, archive, story)
            if story.known_at:
                day = data.draw(st.sampled_from(DAYS))
                known_at = story.known_at[-1]
                timeline = archive.timeline("Homs", known_at=known_at).to_dict()
                answers.append((day, known_at, state_answer(archive, day, known_at), timeline))
        for day, known_at, state, timeline in answers:
            assert state_answer(archive, day, known_at) == state
            assert archive.timeline("Homs", known_at=known_at).to_dict() == timeline


@SETTINGS
@given(data=st.data())
def test_importing_the_same_file_twice_appends_nothing(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        lines = [orjson.dumps(data.draw(report(n))) for n in range(data.draw(st.integers(1, 4)))]
        lines += [orjson.dumps(r) for r in REGISTRIES]
        archive.import_file(lines, "file.jsonl", "tester")
        count = len(stored_events(archive))
        again = archive.import_file(lines, "file.jsonl", "tester")
        assert not again.added
        assert len(stored_events(archive)) == count


DAY_DATED = st.lists(
    st.fixed_dictionaries(
        {
            "actor": st.sampled_from(["Syrian government", "opposition", "SDF", "Hayat Tahrir al-Sham"]),
            "status": st.sampled_from(["controlled", "contested", "besieged", "withdrawn"]),
            "date": st.sampled_from(DAYS),
        }
    ),
    max_size=10,
)


def withdraws_from_a_dispute(specs: list[dict[str, Any]], day: str) -> bool:
    """Whether a candidate withdraws while the place is disputed: the one deliberate change."""
    candidates: set[str] = set()
    for date in sorted({c["date"] for c in specs if c["date"] <= day}):
        todays = [c for c in specs if c["date"] == date]
        controlling = {c["actor"] for c in todays if c["status"] == "controlled"}
        if controlling:
            candidates = controlling if len(controlling) > 1 else set()
        elif any(c["status"] == "withdrawn" and c["actor"] in candidates for c in todays):
            return True
    return False


@SETTINGS
@given(specs=DAY_DATED, day=st.sampled_from(DAYS))
def test_by_actor_unlimited_latest_on_day_dates_answers_as_the_old_rule_did(
    db: str,
    specs: list[dict[str, Any]],
    day: str,
) -> None:
    from hypothesis import assume

    import legacy_resolution as legacy

    assume(not withdraws_from_a_dispute(specs, day))
    with new_archive(db) as archive:
        if specs:
            archive.import_records(
                check(
                    {
                        "type": "report",
                        "id": "r",
                        "source": "wire",
                        "published": "2024-12-01",
                        "claims": [{**c, "place": "Homs"} for c in specs],
                    },
                    "-",
                ),
                "tester",
            )
        state = archive.state(at=day, by="actor", pressure_days="unlimited", dates="latest")
        old = legacy.state_on(
            [
                legacy.Claim(legacy.ClaimRef("r", n), c["actor"], c["status"], c["date"])
                for n, c in enumerate(specs, start=1)
            ],
            day,
        )
        if old is None:
            assert state.places == ()
            return
        (homs,) = state.places
        assert (
            homs.status,
            homs.controller,
            homs.contested_by,
            homs.candidates,
            homs.since,
            homs.claims,
        ) == (old.status, old.controller, old.contested_by, old.candidates, old.since, old.claims)


def read_model_rows(archive: Archive) -> dict[str, list[tuple[Any, ...]]]:
    from warlog.readmodel.persistence import TABLES

    rows = {}
    with archive.view._transaction(commit=False) as c:
        for table in TABLES:
            c.execute(archive.view._sql(f"SELECT * FROM {table}"))
            rows[table] = sorted((tuple(r) for r in c.fetchall()), key=repr)
    return rows


@SETTINGS
@given(data=st.data())
def test_a_rebuild_writes_exactly_the_rows_the_commands_wrote(db: str, data: st.DataObject) -> None:
    with new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(1, 5))):
            append_something(data, archive, story)
        incremental = read_model_rows(archive)
        archive.rebuild()
        assert read_model_rows(archive) == incremental


def every_answer(archive: Archive, known_at: str) -> list[Any]:
    """State on each day and every place's timeline, as known at `known_at`."""
    answers: list[Any] = [state_answer(archive, day, known_at) for day in DAYS]
    answers += [
        archive.timeline(p, known_at=known_at).to_dict()
        for p in ("Homs", "Hama", "Douma")
        if archive.view.lookup_name("place", p) is not None
        and archive.view.claims(known_at, place=archive.place_name(p))
    ]
    return answers


@SETTINGS
@given(data=st.data(), window=st.sampled_from([1, 3, None]))
def test_a_policy_change_never_changes_an_answer_at_an_earlier_known_at(
    db: str,
    data: st.DataObject,
    window: int | None,
) -> None:
    with new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(1, 4))):
            append_something(data, archive, story)
        before = clock.format_time(clock.now())
        answers = every_answer(archive, before)
        with suppress(WarlogError):
            archive.set_policy("pressure-days", window, "a shorter window", "tester")
        assert every_answer(archive, before) == answers
        now = clock.format_time(clock.now())
        for day in DAYS:
            assert state_answer(archive, day, now) == folded_state(archive, day, now)


@SETTINGS
@given(data=st.data(), actor=st.sampled_from(list(PARTS)), part_of=st.sampled_from([None, *SIDES]))
def test_a_part_of_change_is_invisible_before_its_record_time(
    db: str,
    data: st.DataObject,
    actor: str,
    part_of: str | None,
) -> None:
    with new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(1, 4))):
            append_something(data, archive, story)
        before = clock.format_time(clock.now())
        answers = every_answer(archive, before)
        archive.import_records(
            check(
                {"type": "actor", "name": actor, "part_of": part_of, "reason": "the alliance shifted"}, "-"
            ),
            "tester",
        )
        assert every_answer(archive, before) == answers
        now = clock.format_time(clock.now())
        for day in DAYS:
            assert state_answer(archive, day, now) == folded_state(archive, day, now)


@SETTINGS
@given(data=st.data(), batch=st.integers(1, 4))
def test_rows_are_the_same_however_the_log_is_cut_into_batches(
    db: str, data: st.DataObject, batch: int
) -> None:
    """A command longer than a batch is projected whole: no step is recorded and closed at once."""
    from unittest.mock import patch

    from warlog import projection

    with new_archive(db) as archive:
        story = Story()
        for _ in range(data.draw(st.integers(1, 4))):
            append_something(data, archive, story)
        incremental = read_model_rows(archive)
        with patch.object(projection, "BATCH", batch):
            archive.rebuild()
            rebuilt = read_model_rows(archive)
            archive.view.drop()  # and read back from the log by a plain catch-up, in small batches
            archive.catch_up()
        assert rebuilt == incremental
        assert read_model_rows(archive) == incremental
        assert not [s for s in incremental["warlog_steps"] if s[2] == s[3]]
