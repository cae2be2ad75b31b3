"""The archive: an eventsourcing Application whose methods are warlog's commands and queries.

Commands go through one path: records are checked by `records` and `importer`,
the touched aggregates are saved in one transaction with one pinned record
time, and the read model catches up. Queries catch the read model up, then
read it and apply the resolution rule; none replays the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Transcoder

from warlog import clock
from warlog.domain import (
    ACTORS_ID,
    KEYS_ID,
    PLACES_ID,
    Actors,
    Keys,
    Places,
    Recorded,
    Registry,
    Report,
    report_uuid,
)
from warlog.errors import Conflict, Contention, InvalidInput, NotFound, Problem, WarlogError
from warlog.importer import Importer, ImportResult
from warlog.names import did_you_mean
from warlog.projection import StateProjection, catch_up
from warlog.readmodel.persistence import ClaimRow, ReadModel
from warlog.records import Record, check, read_records
from warlog.resolution import Step, state_on, steps
from warlog.results import Change, Entry, Interval, LogEntry, PlaceState, State, Timeline
from warlog.transcoder import OrjsonTranscoder

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warlog.keyring import Signer

R = TypeVar("R", bound=Recorded)
DATA = Path(__file__).parent / "data"


def read_model_class(persistence_module: str) -> type[ReadModel]:
    if persistence_module == "eventsourcing.postgres":
        from warlog.readmodel.postgres import PostgresReadModel

        return PostgresReadModel
    from warlog.readmodel.sqlite import SQLiteReadModel

    return SQLiteReadModel


class Archive(Application[UUID]):
    """An append-only log of reports, corrections and names, and the read model over it."""

    name = "warlog"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Places: 500, Actors: 500}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        view_class = read_model_class(self.env.get("PERSISTENCE_MODULE", ""))
        self.view: ReadModel = self.factory.tracking_recorder(view_class)  # type: ignore[assignment]
        self.projection = StateProjection(self.view)

    def construct_transcoder(self) -> Transcoder:
        """orjson in place of the library's JSON encoder, with the same transcodings."""
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    # Commands -----------------------------------------------------------

    def start(self, archivist: str, *, bare: bool = False) -> bool:
        """Create the registries (with the starter gazetteer unless bare); False if they exist."""
        if self._registry(Places, PLACES_ID) is not None:
            return False
        self.import_records([], archivist, bare=bare)
        return True

    def import_records(
        self, items: Iterable[Record | Problem], archivist: str, *, bare: bool = False,
        skip_repeats: bool = True,
    ) -> ImportResult:
        """Check every record, then append all of them in one transaction, or nothing.

        With `skip_repeats` (imports), a correction or retraction identical to one
        already recorded is skipped, so a file imported twice appends nothing; a
        command given by hand (`correct`, `retract`) is always taken as new.
        """
        importer = self._importer(archivist, bare=bare)
        importer.skip_repeats = skip_repeats
        importer.add_all(items)
        if importer.problems:
            raise InvalidInput(importer.problems)
        self._save(importer.touched())
        self.catch_up()
        return importer.result

    def import_file(self, lines: Iterable[str | bytes], source: str, archivist: str) -> ImportResult:
        return self.import_records(read_records(lines, source), archivist)

    def correct(
        self, report: str, claim: int, changes: dict[str, Any], reason: str | None,
        archivist: str,
    ) -> ImportResult:
        """Correct fields of one claim; the reason is required."""
        record = _present(type="correction", report=report, claim=claim, set=changes,
                          reason=reason)
        return self.import_records(check(record, "correction"), archivist, skip_repeats=False)

    def retract(
        self, report: str, claim: int | None, reason: str | None, archivist: str
    ) -> ImportResult:
        """Retract one claim, or the whole report when claim is None; the reason is required."""
        record = _present(type="retraction", report=report, claim=claim, reason=reason)
        return self.import_records(check(record, "retraction"), archivist, skip_repeats=False)

    # Keys ---------------------------------------------------------------

    @property
    def keys_dir(self) -> Path:
        return Path(self.env.get("WARLOG_KEYS") or "warlog.keys")

    def keys(self) -> Keys | None:
        return self._registry(Keys, KEYS_ID)

    def archive_key(self) -> Ed25519PrivateKey:
        from warlog.keyring import archive_key_file, read_key

        keys = self.keys()
        if keys is None or keys.archive_key is None:
            raise WarlogError("the archive has no key yet; make one with 'warlog keygen'")
        return read_key(archive_key_file(self.keys_dir), keys.archive_key, "the archive's")

    def keygen(self, archivist: str, for_archivist: str | None = None) -> tuple[Path, str]:
        """Make the archive's signing key, or an archivist's; returns (key file, public key)."""
        from warlog.checkpoint import generate_key, public_key_bytes
        from warlog.keyring import Signer, archive_key_file, archivist_key_file, write_key

        keys = self.keys() or Keys(archivist=archivist)
        if for_archivist is None and keys.archive_key is not None:
            raise WarlogError(f"the archive already has a key: {keys.archive_key}")
        key = generate_key()
        public = public_key_bytes(key).hex()
        signer = Signer(keys, self.keys_dir, own_key=key)  # by the rule as it was before
        if for_archivist is None:
            keys.register_archive_key(f"warlog.archive/{public[:16]}", public, archivist)
            path = archive_key_file(self.keys_dir)
        else:
            keys.register_archivist_key(for_archivist, public, archivist)
            path = archivist_key_file(self.keys_dir, for_archivist)
        write_key(path, key)
        self._save([keys], signer)
        self.catch_up()
        return path, public

    def revoke_key(self, name: str, reason: str, archivist: str) -> None:
        keys = self.keys()
        if keys is None or name not in keys.archivist_keys:
            raise NotFound(f"archivist '{name}' has no key to revoke")
        keys.revoke_archivist_key(name, reason, archivist)
        self._save([keys])
        self.catch_up()

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Project what the read model has not seen yet; returns how many events."""
        return catch_up(self, self.projection, progress)

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read model and project the whole log again."""
        self.view.drop()
        return self.catch_up(progress)

    def _importer(self, archivist: str, *, bare: bool) -> Importer:
        places = self._registry(Places, PLACES_ID)
        actors = self._registry(Actors, ACTORS_ID)
        importer = Importer(
            places or Places(archivist=archivist),
            actors or Actors(archivist=archivist),
            self._report,
            self.view.report_ids,
            archivist,
        )
        if places is None and not bare:
            importer.add_all(starter_records())
            importer.result.added.clear()
        return importer

    def _save(self, aggregates: list[Recorded], signer: Signer | None = None) -> None:
        """Stamp, sign and append one command's events in one transaction.

        The record time is when the archive appends, not when the command began
        checking its input; every event of the command gets the same one.
        """
        events = [e for a in aggregates for e in a.pending_events]
        appended = clock.now()
        for event in events:
            event.__dict__["timestamp"] = appended
        if signer is None:
            keys = self.keys()
            if keys is not None and keys.archive_key is not None:
                from warlog.keyring import Signer  # cryptography loads only for signing archives

                signer = Signer(keys, self.keys_dir)
        if signer is not None:
            signer.sign(events)
        first_versions = {a.id: a.pending_events[0].originator_version for a in aggregates}
        try:
            self.save(*aggregates)
        except IntegrityError:
            for aggregate in aggregates:
                if isinstance(aggregate, Report) and self._moved_on(
                        aggregate.id, first_versions[aggregate.id]):
                    raise Conflict(
                        f"another archivist changed report '{aggregate.report_id}' at the same "
                        "moment; nothing was written: look at it again and re-run the command"
                    ) from None
            raise Contention(
                "another archivist added names at the same moment; nothing was written"
            ) from None

    def _moved_on(self, aggregate_id: UUID, first: int) -> bool:
        """Whether the stored aggregate reached the version this command meant to write."""
        stored = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return bool(stored) and stored[0].originator_version >= first

    def report(self, report_id: str) -> Report | None:
        """The report aggregate as the log has it now (filing, corrections, retractions)."""
        return self._report(report_id)

    def _report(self, report_id: str) -> Report | None:
        """One indexed read: reports are short-lived aggregates, never snapshotted."""
        report: Any = None
        for stored in self.recorder.select_events(report_uuid(report_id)):
            event: Any = self.mapper.to_domain_event(stored)
            report = event.mutate(report)
        return cast(Report | None, report)

    def _registry(self, cls: type[R], aggregate_id: UUID) -> R | None:
        try:
            registry: R = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return registry

    # Queries ------------------------------------------------------------

    def places(self) -> Places:
        return self._registry(Places, PLACES_ID) or Places(archivist="")

    def actors(self) -> Actors:
        return self._registry(Actors, ACTORS_ID) or Actors(archivist="")

    def place_name(self, name: str) -> str:
        """The canonical name of a place as typed (read model caught up by the caller)."""
        found = self.view.lookup_name("place", name)
        if found is None:
            suggestion = did_you_mean(name, self.places().all_names())
            raise NotFound(f"unknown place '{name}'{suggestion}; 'warlog places' lists them")
        return found

    def state(
        self,
        at: str | None = None,
        known_at: str | None = None,
        place: str | None = None,
        min_reliability: str = "F",
        min_credibility: int = 6,
    ) -> State:
        """The state of control on valid date `at`, as the archive knew it at `known_at`."""
        day = at or clock.today()
        known = known_at or clock.format_time(clock.now())
        self.catch_up()
        canonical = None if place is None else self.place_name(place)
        if (min_reliability, min_credibility) == ("F", 6):
            return State(day, known, tuple(sorted(self.view.states(known, day, canonical),
                                                  key=lambda s: s.place)))
        rows = self.view.claims(known, place=canonical, until=day,
                                min_reliability=min_reliability, min_credibility=min_credibility)
        states = []
        for name, group in _by_place(rows):
            step = state_on((r.as_claim() for r in group), day)
            if step is not None:
                states.append(PlaceState.from_step(name, step))
        return State(day, known, tuple(sorted(states, key=lambda s: s.place)))

    def timeline(
        self,
        place: str,
        known_at: str | None = None,
        min_reliability: str = "F",
        min_credibility: int = 6,
    ) -> Timeline:
        """The intervals of one place's state over valid time, as known at `known_at`."""
        self.catch_up()
        canonical = self.place_name(place)
        known = known_at or clock.format_time(clock.now())
        rows = self.view.claims(known, place=canonical, min_reliability=min_reliability,
                                min_credibility=min_credibility)
        return Timeline(canonical, known, intervals(steps(r.as_claim() for r in rows)))

    def history(
        self, subject: str, since: str | None = None, until: str | None = None
    ) -> tuple[Change, ...]:
        """Every event that touched a place or a report, in log order."""
        self.catch_up()
        place = self.view.lookup_name("place", subject)
        if place is not None:
            return tuple(self.view.history(place=place, since=since, until=until))
        if self.view.report(subject) is not None:
            return _once_per_claim(self.view.history(report=subject, since=since, until=until))
        choices = [*self.places().all_names(), *self.view.report_ids()]
        raise NotFound(f"'{subject}' is neither a place nor a report{did_you_mean(subject, choices)}")

    def log(  # type: ignore[override]  # the library's `log` is a deprecated alias
        self, since: str | None = None, limit: int | None = None
    ) -> Iterator[LogEntry]:
        """The stored events themselves, in log order, from record time `since`."""
        self.catch_up()
        start = 1
        if since is not None:
            first = self.view.first_position_at_or_after(since)
            if first is None:
                return
            start = first
        remaining = limit
        while remaining is None or remaining > 0:
            page = 500 if remaining is None else min(500, remaining)
            notifications = self.recorder.select_notifications(start=start, limit=page)
            if not notifications:
                return
            for n in notifications:
                event = self.mapper.to_domain_event(n)
                yield log_entry(n.id, event, self.view.report_of(event.originator_id))
            start = notifications[-1].id + 1
            if remaining is not None:
                remaining -= len(notifications)

    # Auditors' questions, answered by their own modules ------------------

    def diff(self, at: str, known_at: str, vs: str | None = None, **filters: Any) -> Any:
        """Places whose state on `at` differs between record times `known_at` and `vs`."""
        from warlog.diff import diff_known

        return diff_known(self, at, known_at, vs, **filters)

    def diff_dates(self, start: str, end: str | None = None, known_at: str | None = None,
                   **filters: Any) -> Any:
        """Places whose status or controller changed between two valid dates."""
        from warlog.diff import diff_dates

        return diff_dates(self, start, end, known_at, **filters)

    def changes(self, since: str, until: str | None = None) -> Any:
        """What each archivist recorded, corrected or retracted in a record-time window."""
        from warlog.diff import changes

        return changes(self, since, until)

    def registry_entries(self, registry: Registry) -> tuple[Entry, ...]:
        return tuple(
            Entry(e["name"], tuple(e["aliases"]),
                  {k: _coordinate(k, v) for k, v in e.items() if k not in ("name", "aliases")})
            for e in sorted(registry.entries.values(), key=lambda e: str(e["name"]).casefold())
        )


def intervals(walk: Iterable[Step]) -> tuple[Interval, ...]:
    """Merge the walk's steps into intervals of unchanged visible state."""
    merged: list[Interval] = []
    for step in walk:
        if merged and merged[-1].start == step.since:
            continue
        if merged:
            merged[-1] = Interval(merged[-1].start, step.since, *_visible(merged[-1]))
        merged.append(Interval(step.since, None, *step.visible))
    return tuple(merged)


def _visible(i: Interval) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
    return (i.status, i.controller, i.contested_by, i.candidates)


def _by_place(rows: list[ClaimRow]) -> Iterator[tuple[str, Iterator[ClaimRow]]]:
    return groupby(rows, key=lambda r: r.place)


def _once_per_claim(rows: list[Change]) -> tuple[Change, ...]:
    """A correction that moves a claim is indexed under both places; a report shows it once."""
    seen: set[tuple[int, int | None]] = set()
    once = []
    for row in rows:
        if (row.position, row.claim) not in seen:
            seen.add((row.position, row.claim))
            once.append(row)
    return tuple(once)


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _coordinate(name: str, value: Any) -> Any:
    return float(value) if name in ("lat", "lon") and value is not None else value


def log_entry(position: int, event: Any, report: str | None = None) -> LogEntry:
    data = {k: v for k, v in event.__dict__.items()
            if k not in ("originator_id", "originator_version", "timestamp", "originator_topic")}
    archivist = data.pop("archivist", "")
    cls = type(event)
    subject = report or getattr(event, "name", None) or ""
    return LogEntry(position, clock.format_time(event.timestamp), archivist,
                    cls.__qualname__, str(subject), data)


def starter_records() -> Iterator[Record | Problem]:
    """The shipped gazetteer of Syria and its actors, as import records."""
    for name in ("places.jsonl", "actors.jsonl"):
        yield from read_records((DATA / name).read_bytes().splitlines(), name)
