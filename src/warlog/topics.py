"""Which classes a stored event may name: warlog's own aggregates and events, nothing else.

eventsourcing turns the topic of a stored event (`module:Class`) back into a
class by importing the module. A store or a dump is data, and data must not
choose which code runs: a row whose topic is `os:system`, or a filing whose
`originator_topic` names some other module, would import that module on the
next read. So every topic is checked against the set derived here from the
classes in `warlog.domain` before the library resolves it, and an unknown one
is refused with a line that says where it was found.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import BaseAggregate, DomainEvent, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from warlog.errors import WarlogError


class ForbiddenTopic(WarlogError):
    """A stored event names a class that is not one of warlog's; it was not loaded."""

    def __init__(self, topic: str, where: str) -> None:
        self.topic = topic
        self.shown = _shown(topic)
        self.where = where
        super().__init__(
            f"{where}: the stored event's type '{self.shown}' is not one of warlog's events; "
            "it was not loaded (the store was altered, or restored from a foreign dump): "
            "'warlog verify' lists such events"
        )


@cache
def allowed() -> frozenset[str]:
    """The topics of every aggregate in `warlog.domain`, its events and its snapshot class.

    Asked for on the first event decoded, so a query the read model answers
    alone never builds the event classes.
    """
    from warlog import domain

    topics: set[str] = set()
    for aggregate in vars(domain).values():
        if not (
            inspect.isclass(aggregate)
            and issubclass(aggregate, BaseAggregate)
            and aggregate.__module__ == domain.__name__
        ):
            continue
        topics.add(get_topic(aggregate))
        for name in dir(aggregate):
            member = getattr(aggregate, name)
            if inspect.isclass(member) and issubclass(member, DomainEvent):
                topics.add(get_topic(member))
    return frozenset(topics)


def check(topic: str, where: str) -> None:
    """Refuse a topic that is not one of warlog's own."""
    if topic not in allowed():
        raise ForbiddenTopic(topic, where)


def located(stored: StoredEvent) -> str:
    """Where a stored event is: its log position when it is a notification, else its aggregate."""
    position = getattr(stored, "id", None)
    if position is not None:
        return f"position {position}"
    return f"aggregate {stored.originator_id} version {stored.originator_version}"


class GuardedMapper(Mapper[UUID]):
    """The library's mapper, refusing topics that are not warlog's before it imports anything.

    Besides the stored topic, two event states name a class themselves: an
    aggregate's first event (`originator_topic`, resolved when it is applied)
    and a snapshot (`topic`); both are checked before the event is handed on.
    """

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        check(stored_event.topic, located(stored_event))
        event = super().to_domain_event(stored_event)
        state = event.__dict__
        named = state.get("topic") if isinstance(event, Snapshot) else state.get("originator_topic")
        if named is not None:
            check(str(named), located(stored_event))
        return event


def _shown(topic: str) -> str:
    """The topic as it may be printed: long or odd text is cut, controls are escaped."""
    text = topic if len(topic) <= 80 else topic[:77] + "..."
    return text.encode("unicode_escape").decode("ascii")
