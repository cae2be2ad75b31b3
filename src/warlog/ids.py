"""The fixed ids of the archive's aggregates, and the policies a new archive starts with.

Apart from `warlog.domain`, whose event classes take tens of milliseconds to
build: a query names an aggregate or reads a policy's default without them.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

NAMESPACE = uuid5(NAMESPACE_URL, "https://warlog.example/")
PLACES_ID = uuid5(NAMESPACE, "registry:places")
ACTORS_ID = uuid5(NAMESPACE, "registry:actors")
POLICY_ID = uuid5(NAMESPACE, "registry:policy")
KEYS_ID = uuid5(NAMESPACE, "registry:keys")
CHECKPOINTS_ID = uuid5(NAMESPACE, "registry:checkpoints")

POLICIES = {"pressure-days": 14}
"""The archive's policies and the value a new archive starts with (None: unlimited)."""


def report_uuid(report_id: str) -> UUID:
    return uuid5(NAMESPACE, "report:" + report_id)
