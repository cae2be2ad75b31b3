"""Keeping the read model up to date with the log, exactly once per event.

The archive's commands catch the read model up synchronously after they
append, and every query catches up before it reads, so a crash between the
two is repaired by the next command. Batches are written with their tracking
position in one transaction; a batch another process projected first is
detected by the tracking position and simply re-read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from itertools import takewhile
from typing import Any

from eventsourcing.persistence import OperationalError, Tracking
from eventsourcing.projection import Projection

from warlog.readmodel.persistence import ReadModel, StaleTracking

BATCH = 20_000
RETRIES = 50


class StateProjection(Projection[ReadModel]):
    """Projects report, correction, retraction and registry events into the read model."""

    name = "warlog"
    position: int | None = None  # the tracking position the last catch-up left

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        expected = self.view.max_tracking_id(tracking.application_name)
        self.view.project([(tracking.notification_id, domain_event)], tracking, expected)

    def process_batch(
        self, events: Sequence[tuple[int, Any]], application_name: str, expected: int | None
    ) -> None:
        self.view.project(events, Tracking(application_name, events[-1][0]), expected)


def catch_up(
    app: Any,
    projection: StateProjection,
    progress: Callable[[int], None] | None = None,
    position: int | None = None,
    known: bool = False,
    fresh: Sequence[tuple[int, Any]] = (),
) -> int:
    """Project every event after the read model's tracking position; returns how many.

    `known`: the caller has just read the tracking position (`position`), so
    the first round need not read it again. `fresh`: (position, event) pairs
    the caller has just appended; when they follow the tracking position
    directly, they are projected as they are, not read back and decoded (the
    rows are the same: a rebuild, which reads the log, writes them too).
    `projection.position` is where the read model stands afterwards.
    """
    done = 0
    failures = 0
    if known and fresh and position == fresh[0][0] - 1 and _contiguous(fresh):
        try:  # one command's events: one batch, however many (see `whole_commands`)
            projection.process_batch(fresh, app.name, position)
            position = fresh[-1][0]
            done += len(fresh)
            if progress is not None:
                progress(len(fresh))
        except (StaleTracking, OperationalError):
            known = False  # another process got there first, or the file was busy: read the log
    while True:
        if not known:
            position = projection.view.max_tracking_id(app.name)
        known = False
        events = whole_commands(app, (position or 0) + 1)
        if not events:
            projection.position = position
            return done
        try:
            projection.process_batch(events, app.name, position)
        except StaleTracking:
            continue  # another process made progress (or a rebuild began): read again
        except OperationalError:
            failures += 1  # e.g. SQLite's busy snapshot: back off and read again
            if failures > RETRIES:
                raise
            time.sleep(0.01 * failures)
            continue
        done += len(events)
        if progress is not None:
            progress(len(events))


def whole_commands(app: Any, start: int, stop: int | None = None) -> list[tuple[int, Any]]:
    """About a batch of decoded events from `start` (up to `stop`), ending where a command ends.

    A command is the events of one record time. Walked in two batches, its
    places would be walked twice at that record time, leaving steps recorded
    and closed in the same instant; every batch therefore holds whole commands
    (a command longer than a batch is read on to its end), so that the read
    model's rows are the same however the log was read.
    """
    notifications = app.recorder.select_notifications(start=start, limit=BATCH, stop=stop)
    events = [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
    if len(notifications) < BATCH:
        return events  # the log ends here
    ending = events[-1][1].timestamp
    cut = len(events)
    while cut and events[cut - 1][1].timestamp == ending:
        cut -= 1
    if cut:
        return events[:cut]  # the last command starts again with the next batch
    while True:  # one command longer than a batch
        more = app.recorder.select_notifications(start=events[-1][0] + 1, limit=BATCH, stop=stop)
        decoded = [(n.id, app.mapper.to_domain_event(n)) for n in more]
        same = list(takewhile(lambda pair: pair[1].timestamp == ending, decoded))
        events += same
        if len(same) < len(decoded) or len(more) < BATCH:
            return events


def _contiguous(events: Sequence[tuple[int, Any]]) -> bool:
    """Whether the positions follow one another with no gap (no other writer in between)."""
    return events[-1][0] - events[0][0] == len(events) - 1
