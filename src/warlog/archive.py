"""The archive: an eventsourcing Application whose methods are warlog's commands and queries.

Commands go through one path: records are checked by `records` and `importer`,
the touched aggregates are saved in one transaction with one pinned record
time, and the read model catches up. Queries catch the read model up, then
read it and apply the resolution rule; none replays the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache, cached_property
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper, Transcoder

from warlog import clock
from warlog.errors import Conflict, Contention, InvalidInput, NotFound, Problem, WarlogError
from warlog.ids import ACTORS_ID, CHECKPOINTS_ID, KEYS_ID, PLACES_ID, POLICIES, POLICY_ID, report_uuid
from warlog.integrity import check_in_step
from warlog.names import did_you_mean
from warlog.projection import StateProjection, catch_up, whole_commands
from warlog.readmodel.persistence import ClaimRow, ReadModel
from warlog.resolution import By, Dates, Rule, Step, state_on, steps
from warlog.results import (
    Change,
    Entry,
    Interval,
    LogEntry,
    PlaceState,
    PolicyChange,
    PolicyView,
    State,
    Timeline,
)
from warlog.topics import GuardedMapper
from warlog.transcoder import OrjsonTranscoder

if TYPE_CHECKING:
    # A query reads the read model: it needs none of these. The event classes (`warlog.domain`,
    # some 30 ms to build) load when a command runs or an event is decoded, the mapper importing
    # them by their stored topic; the checks of input, sealing and the evidence stores with
    # the commands that use them.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warlog.audit.keyring import Signer
    from warlog.domain import Actors, Keys, Places, Recorded, Registry, Report
    from warlog.evidence.blobs import FileStore
    from warlog.evidence.keys import FieldKeys
    from warlog.evidence.seal import Opener, Sealer
    from warlog.importer import Importer, ImportResult
    from warlog.records import Record

R = TypeVar("R", bound="Recorded")
DATA = Path(__file__).parent / "data"
PressureDays = int | Literal["unlimited", "policy"]
"""A query's pressure window: days, never lapsing, or the archive's policy as known then."""


def record_time(value: str | None, what: str = "known_at") -> str:
    """A record time read as the CLI reads it: RFC 3339, a bare date its start (UTC); None is now.

    Stored record times are fixed-width text with microseconds; a time given
    as `…T21:51:55Z` must compare as the instant it names, not as text (which
    would put it after every event of that second).
    """
    if value is None:
        return clock.format_time(clock.now())
    try:
        return clock.format_time(clock.parse_timestamp(value)[0])
    except ValueError as error:
        raise WarlogError(f"{what}: {error}") from None


def read_model_class(persistence_module: str) -> type[ReadModel]:
    if persistence_module == "eventsourcing.postgres":
        from warlog.readmodel.postgres import PostgresReadModel

        return PostgresReadModel
    from warlog.readmodel.sqlite import SQLiteReadModel

    return SQLiteReadModel


class Archive(Application[UUID]):
    """An append-only log of reports, corrections and names, and the read model over it."""

    name = "warlog"
    is_snapshotting_enabled = True  # the registries, every 500 events (`snapshotting_intervals`)
    written: tuple[int, int] | None = None
    fresh: list[tuple[int, Any]] = []  # noqa: RUF012  # replaced, never changed in place
    """The (position, event) pairs this archive object just appended, to project from memory."""
    sealer: Sealer | None = None
    """Seals the sensitive text of the command being checked; its new keys are kept on saving."""
    """The first and last log positions this archive object appended, once it has appended."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        view_class = read_model_class(self.env.get("PERSISTENCE_MODULE", ""))
        self.view: ReadModel = self.factory.tracking_recorder(view_class)  # type: ignore[assignment]
        self.projection = StateProjection(self.view)
        self._windows: list[tuple[str, str | None, int | None]] = []
        self._windows_at: int | None = None

    @property
    def snapshotting_intervals(self) -> dict[type[Any], int]:  # type: ignore[override]  # a class variable
        """Which aggregates are snapshotted, how often; read by the library as it saves.

        A property, so that the event classes load with the first save, not
        with the archive (`is_snapshotting_enabled` makes the snapshot store).
        """
        return _snapshotting_intervals()

    @cached_property
    def field_keys(self) -> FieldKeys:
        """The keys of sealed text, outside the log (see `warlog.evidence.keys`)."""
        from warlog.evidence.keys import for_archive

        return for_archive(self.env)

    @cached_property
    def evidence_files(self) -> FileStore:
        """The content-addressed store of attached files (see `warlog.evidence.blobs`)."""
        from warlog.evidence.blobs import for_archive

        return for_archive(self.env)

    @cached_property
    def opener(self) -> Opener:
        """Opens sealed text for readers; `[redacted]` where its key was destroyed."""
        from warlog.evidence.seal import Opener

        return Opener(lambda: self.field_keys)

    def close(self) -> None:
        for store in ("field_keys", "evidence_files"):
            if store in self.__dict__:
                self.__dict__.pop(store).close()
        super().close()

    def construct_transcoder(self) -> Transcoder:
        """orjson in place of the library's JSON encoder, with the same transcodings."""
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_mapper(self) -> Mapper[UUID]:
        """The library's mapper, but one that imports only warlog's own event classes."""
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=GuardedMapper)

    # Commands -----------------------------------------------------------

    def start(self, archivist: str, *, bare: bool = False, key: Ed25519PrivateKey | None = None) -> bool:
        """Create the registries (with the starter gazetteer unless bare); False if they exist.

        With `key`, the archive's key is registered first, in the same transaction,
        so that every event of the archive, the starter gazetteer included, is signed.
        """
        from warlog.domain import Keys, Places

        if self._registry(Places, PLACES_ID) is not None:
            return False
        if key is None:
            self.import_records([], archivist, bare=bare)
            return True
        from warlog.audit.checkpoint import public_key_bytes
        from warlog.audit.keyring import Signer

        self.catch_up()
        keys = self.keys() or Keys(archivist=archivist)
        if keys.archive_key is not None:
            raise WarlogError(f"the archive already has a key: {keys.archive_key}")
        public = public_key_bytes(key).hex()
        keys.register_archive_key(archive_origin(public), public, archivist)
        importer = self._importer(archivist, bare=bare)
        self._save([keys, *importer.touched()], Signer(None, self.keys_dir, in_hand=[key]))
        self.catch_up()
        return True

    def import_records(
        self,
        items: Iterable[Record | Problem],
        archivist: str,
        *,
        bare: bool = False,
        skip_repeats: bool = True,
    ) -> ImportResult:
        """Check every record, then append all of them in one transaction, or nothing.

        With `skip_repeats` (imports), a correction or retraction identical to one
        already recorded is skipped, so a file imported twice appends nothing; a
        command given by hand (`correct`, `retract`) is always taken as new.
        """
        self.catch_up()  # an event the read model cannot take is refused before anything is added
        importer = self._importer(archivist, bare=bare)
        importer.skip_repeats = skip_repeats
        importer.add_all(items)
        if importer.problems:
            raise InvalidInput(importer.problems)
        self._save(importer.touched())
        result = importer.result
        del importer  # the reports it loaded and built, no longer needed while the read model catches up
        self.catch_up()
        return result

    def import_file(self, lines: Iterable[str | bytes], source: str, archivist: str) -> ImportResult:
        from warlog.records import read_records

        return self.import_records(read_records(lines, source), archivist)

    def correct(
        self,
        report: str,
        claim: int,
        changes: dict[str, Any],
        reason: str | None,
        archivist: str,
    ) -> ImportResult:
        """Correct fields of one claim; the reason is required."""
        from warlog.records import check

        record = _present(type="correction", report=report, claim=claim, set=changes, reason=reason)
        return self.import_records(check(record, "correction"), archivist, skip_repeats=False)

    def retract(self, report: str, claim: int | None, reason: str | None, archivist: str) -> ImportResult:
        """Retract one claim, or the whole report when claim is None; the reason is required."""
        from warlog.records import check

        record = _present(type="retraction", report=report, claim=claim, reason=reason)
        return self.import_records(check(record, "retraction"), archivist, skip_repeats=False)

    # Keys ---------------------------------------------------------------

    @property
    def keys_dir(self) -> Path:
        return Path(self.env.get("WARLOG_KEYS") or "warlog.keys")

    def keys(self) -> Keys | None:
        from warlog.domain import Keys

        return self._registry(Keys, KEYS_ID)

    def archive_key(self) -> Ed25519PrivateKey:
        from warlog.audit.keyring import archive_key_file, read_key

        keys = self.keys()
        if keys is None or keys.archive_key is None:
            raise WarlogError("the archive has no key yet; make one with 'warlog keygen'")
        return read_key(archive_key_file(self.keys_dir, keys.archive_key), keys.archive_key, "the archive's")

    def keygen(
        self, archivist: str, for_archivist: str | None = None, public_key: str | None = None
    ) -> tuple[Path | None, str]:
        """Make the archive's signing key, or an archivist's; returns (key file, public key).

        An archivist's private key goes to the current user's own keys folder,
        not beside the archive; with `public_key`, the archivist made the key
        pair themselves and only its public half is registered (no file).
        """
        from warlog.audit.checkpoint import generate_key, public_key_bytes
        from warlog.audit.keyring import (
            Signer,
            archivist_key_file,
            archivist_keys_dir,
            checked_public_key,
            new_archive_key_file,
            write_key,
        )
        from warlog.domain import Keys

        keys = self.keys() or Keys(archivist=archivist)
        if for_archivist is None and keys.archive_key is not None:
            raise WarlogError(
                f"the archive already has a key: {keys.archive_key}; "
                "'warlog rotate-key --reason …' replaces it"
            )
        if public_key is not None and for_archivist is None:
            raise WarlogError("--public-key registers an archivist's key; use it with --for NAME")
        if for_archivist is not None and keys.archive_key is None:
            raise WarlogError(
                "the archive has no key yet, and it is what vouches for "
                "archivists' keys; make it first with 'warlog keygen'"
            )
        key = None if public_key is not None else generate_key()
        public = public_key_bytes(key).hex() if key is not None else checked_public_key(public_key or "")
        signer = Signer(keys, self.keys_dir, in_hand=[] if key is None else [key])
        path: Path | None
        if for_archivist is None:
            keys.register_archive_key(archive_origin(public), public, archivist, self._unsigned_tree())
            path = new_archive_key_file(self.keys_dir, public)
        else:
            keys.register_archivist_key(for_archivist, public, archivist)
            path = archivist_key_file(archivist_keys_dir(keys.origin), for_archivist)
        if key is None:
            path = None
        else:
            assert path is not None
            write_key(path, key)
        self._save([keys], signer)
        self.catch_up()
        return path, public

    def _unsigned_tree(self) -> dict[str, Any] | None:
        """The size and root of the log a first key comes after, for the key to vouch for."""
        import base64

        from warlog.audit.merkle import root_from

        self.catch_up()
        size = self.view.tree_size()
        if size == 0:
            return None
        return {"size": size, "root": base64.b64encode(root_from(size, self.view.subtree_hash)).decode()}

    def revoke_key(self, name: str, reason: str, archivist: str) -> None:
        keys = self.keys()
        if keys is None or name not in keys.archivist_keys:
            raise NotFound(f"archivist '{name}' has no key to revoke")
        keys.revoke_archivist_key(name, reason, archivist)
        self._save([keys])
        self.catch_up()

    def rotate_archive_key(
        self, reason: str, archivist: str, revoked_from: int | None = None
    ) -> tuple[Path, str]:
        """Replace the archive's key by a new one; returns (new key file, new public key).

        The old key signs the event (it authorises its successor) and the new key
        endorses it. With `revoked_from`, the old key was compromised: its
        signatures from that log position on are not to be trusted.
        """
        from warlog.audit.checkpoint import generate_key, public_key_bytes
        from warlog.audit.keyring import Signer, endorse, new_archive_key_file, write_key
        from warlog.text import problem

        wrong = problem(reason, "free") if reason.strip() else "say why the key is replaced"
        if wrong is not None:
            raise WarlogError(f"--reason: {wrong}")
        keys = self.keys()
        if keys is None or keys.archive_key is None or keys.origin is None:
            raise WarlogError("the archive has no key yet; make one with 'warlog keygen'")
        old = keys.archive_key
        self.archive_key()  # the old key must be at hand: it authorises the new one
        if revoked_from is not None:
            last = self.recorder.max_notification_id() or 0
            if not 1 <= revoked_from <= last:
                raise WarlogError(
                    f"--from {revoked_from}: not a position of the log; give 1 to {last}, the first "
                    "position whose signature by the compromised key must not be trusted"
                )
        key = generate_key()
        public = public_key_bytes(key).hex()
        endorsement = endorse(keys.origin, old, key)
        signer = Signer(keys, self.keys_dir, in_hand=[key])  # by the rule as it was before
        if revoked_from is None:
            keys.rotate_archive_key(public, endorsement, reason, archivist)
        else:
            keys.revoke_archive_key(public, endorsement, revoked_from, reason, archivist)
        path = new_archive_key_file(self.keys_dir, public)
        write_key(path, key)
        self._save([keys], signer)
        self.catch_up()
        return path, public

    def record_checkpoint(self, size: int, root: str, note: str, archivist: str) -> None:
        """Keep a signed checkpoint in the log itself, where it cannot be forgotten quietly."""
        from warlog.domain import Checkpoints

        checkpoints = self._registry(Checkpoints, CHECKPOINTS_ID) or Checkpoints(archivist=archivist)
        checkpoints.sign(size, root, note, archivist)
        self._save([checkpoints])
        self.catch_up()

    def signed_checkpoints(self) -> list[Any]:
        """The events of every checkpoint the archive recorded, in the order it signed them."""
        stored = self.recorder.select_events(CHECKPOINTS_ID)
        events = (self.mapper.to_domain_event(s) for s in stored)
        return [e for e in events if type(e).__qualname__ == "Checkpoints.Signed"]

    def set_policy(self, name: str, value: int | None, reason: str | None, archivist: str) -> None:
        """Change how the archive resolves claims, from now on; answers as known before stay."""
        from warlog.domain import Policy
        from warlog.text import problem

        if name not in POLICIES:
            raise WarlogError(
                f"unknown policy '{name}'{did_you_mean(name, POLICIES)}; "
                f"the policies are {', '.join(POLICIES)}"
            )
        if not reason or not reason.strip():
            raise WarlogError("--reason: say why the policy changes")
        if (wrong := problem(reason, "free")) is not None:
            raise WarlogError(f"--reason: {wrong}")
        if value is not None and value < 1:
            raise WarlogError(f"{value} is not a number of days; give 1 or more, or 'unlimited'")
        policy = self._registry(Policy, POLICY_ID) or Policy(archivist=archivist)
        if policy.values.get(name) == value:
            raise WarlogError(f"{name} is already {_policy_text(value)}; nothing to change")
        policy.set(name, value, reason, archivist)
        self._save([policy])
        self.catch_up()

    def policy(self, known_at: str | None = None) -> PolicyView:
        """The policies in force at a record time, and every change to them in log order."""
        known = record_time(known_at)
        changes = []
        for stored in self.recorder.select_events(POLICY_ID):
            event: Any = self.mapper.to_domain_event(stored)
            if type(event).__qualname__ == "Policy.Set":
                changes.append(
                    PolicyChange(
                        clock.format_time(event.timestamp),
                        event.archivist,
                        event.name,
                        event.value,
                        event.reason,
                    )
                )
        values: dict[str, int | None] = dict(POLICIES)
        for change in changes:
            if change.recorded_at <= known:
                values[change.name] = change.value
        return PolicyView(known, values, tuple(changes))

    def rule(
        self, known_at: str, by: By = "side", dates: Dates = "latest", pressure_days: PressureDays = "policy"
    ) -> Rule:
        """The options of an answer as known at `known_at`, the window from the policy then."""
        if by not in ("side", "actor"):
            raise WarlogError(f"--by: '{by}' is not a way to resolve; use side or actor")
        if dates not in ("latest", "earliest"):
            raise WarlogError(f"--dates: '{dates}' is not a bound; use latest or earliest")
        if pressure_days == "policy":
            window = self.pressure_window(known_at)
        elif pressure_days == "unlimited":
            window = None
        elif isinstance(pressure_days, int) and pressure_days >= 1:
            window = pressure_days
        else:
            raise WarlogError(
                f"--pressure-days: '{pressure_days}' is not a number of days; give 1 or more, or 'unlimited'"
            )
        return Rule(by, dates, window)

    def default_rule(self, known_at: str) -> Rule:
        """The rule the read model's stored steps follow at `known_at`."""
        return self.rule(known_at)

    def pressure_window(self, known_at: str) -> int | None:
        """The policy's window as known at `known_at`, asked of the read model once per time.

        The policy's history is read once for each position the read model
        reaches (it changes only with new events), then asked in memory.
        """
        seen = self.projection.position
        if seen is None or self._windows_at != seen:
            self._windows = self.view.policy_history("pressure-days")
            self._windows_at = seen
        for recorded_from, recorded_to, value in self._windows:
            if recorded_from <= known_at and (recorded_to is None or recorded_to > known_at):
                return value
        return POLICIES["pressure-days"]

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Project what the read model has not seen yet; returns how many events.

        A damaged tracking position is refused rather than projected from: it
        would write rows twice, or silently stop projecting.
        """
        position = check_in_step(self.view)
        fresh, self.fresh = self.fresh, []
        done = catch_up(self, self.projection, progress, position, known=True, fresh=fresh)
        if done > len(fresh):
            # Events read back from the log: perhaps the rest of a rebuild that was
            # stopped before it built the indexes only queries use.
            self.view.create_table()
        return done

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop the read model and project the whole log again."""
        self.view.drop()
        self.view.drop_reader_indexes()
        try:
            projected = [0]
            last = self.recorder.max_notification_id()
            if last is not None:
                self.view.project_whole(self._batches(last, progress, projected), self.name, last)
            self.fresh = []
            return projected[0] + self.catch_up(progress)  # and whatever was appended meanwhile
        finally:
            self.view.create_table()  # the indexes only queries use, built once over the whole table

    def _batches(
        self, last: int, progress: Callable[[int], None] | None, counted: list[int]
    ) -> Iterator[list[tuple[int, Any]]]:
        """The log's events up to position `last`, decoded, a batch at a time (`counted[0]`: how many)."""
        start = 1
        while start <= last:
            events = whole_commands(self, start, last)
            if not events:
                return
            yield events
            counted[0] += len(events)
            if progress is not None:
                progress(len(events))
            start = events[-1][0] + 1

    def _importer(self, archivist: str, *, bare: bool) -> Importer:
        from warlog.domain import Actors, Places
        from warlog.evidence.seal import Sealer
        from warlog.importer import Importer

        places = self._registry(Places, PLACES_ID)
        actors = self._registry(Actors, ACTORS_ID)
        importer = Importer(
            places or Places(archivist=archivist),
            actors or Actors(archivist=archivist),
            self._report,
            self.view.report_ids,
            archivist,
        )
        importer.reports_present = self.view.present_reports
        importer.load_reports = self._reports
        self.sealer = Sealer(self.field_keys)
        importer.seal_report, importer.seal_changes = self.sealer.report, self.sealer.changes
        if places is None and not bare:
            importer.add_all(starter_records())
            importer.result.added.clear()
        return importer

    def _save(self, aggregates: list[Recorded], signer: Signer | None = None) -> None:
        """Stamp, sign and append one command's events in one transaction.

        The record time is when the archive appends, not when the command began
        checking its input; every event of the command gets the same one.
        """
        from warlog.domain import Report

        events = [e for a in aggregates for e in a.pending_events]
        if self.sealer is not None:
            self.sealer.persist()  # the keys are kept before any event sealed with them
            self.sealer = None
        appended = clock.now()
        for event in events:
            event.__dict__["timestamp"] = appended
        if signer is None:
            keys = self.keys()
            if keys is not None and keys.archive_key is not None:
                from warlog.audit.keyring import Signer  # cryptography loads only for signing archives

                signer = Signer(keys, self.keys_dir)
        if signer is not None:
            signer.sign(events)
        first_versions = {a.id: a.pending_events[0].originator_version for a in aggregates}
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            for aggregate in aggregates:
                if isinstance(aggregate, Report) and self._moved_on(
                    aggregate.id, first_versions[aggregate.id]
                ):
                    raise Conflict(
                        f"another archivist changed report '{aggregate.report_id}' at the same "
                        "moment; nothing was written: look at it again and re-run the command"
                    ) from None
            raise Contention(
                "another archivist added names at the same moment; nothing was written"
            ) from None
        if recordings:
            self.written = (recordings[0].notification.id, recordings[-1].notification.id)
            self.fresh = [(r.notification.id, r.domain_event) for r in recordings]

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
        return cast("Report | None", report)

    def _reports(self, report_ids: list[str]) -> dict[str, Report]:
        """Several reports at once: one read of their events, where the recorder offers it."""
        select = getattr(self.recorder, "select_events_of", None)
        if select is None:
            return {r: found for r in report_ids if (found := self._report(r)) is not None}
        ids = {report_uuid(r): r for r in report_ids}
        reports: dict[str, Any] = {}
        for stored in select(list(ids)):
            event: Any = self.mapper.to_domain_event(stored)
            report_id = ids[event.originator_id]
            reports[report_id] = event.mutate(reports.get(report_id))
        return reports

    def _registry(self, cls: type[R], aggregate_id: UUID) -> R | None:
        try:
            registry: R = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return registry

    # Queries ------------------------------------------------------------

    def places(self) -> Places:
        from warlog.domain import Places

        return self._registry(Places, PLACES_ID) or Places(archivist="")

    def actors(self) -> Actors:
        from warlog.domain import Actors

        return self._registry(Actors, ACTORS_ID) or Actors(archivist="")

    def place_name(self, name: str) -> str:
        """The place a typed name stands for (read model caught up by the caller).

        A name shared by several places is refused with the choices; 'NAME,
        PARENT' picks one.
        """
        found = self.view.lookup_names("place", name, self.projection.position)
        if not found and "," in name:
            found = self.view.qualified_place(name)
        if len(found) == 1:
            return found[0]
        places = self.places()
        if found:
            raise NotFound(places.ambiguous(name, found))
        raise NotFound(f"unknown place '{name}'{places.did_you_mean(name)}; 'warlog places' lists them")

    def state(
        self,
        at: str | None = None,
        known_at: str | None = None,
        place: str | None = None,
        min_reliability: str = "F",
        min_credibility: int = 6,
        *,
        by: By = "side",
        dates: Dates = "latest",
        pressure_days: PressureDays = "policy",
    ) -> State:
        """The state of control on valid date `at`, as the archive knew it at `known_at`."""
        day = at or clock.today()
        known = record_time(known_at)
        self.catch_up()
        canonical = None if place is None else self.place_name(place)
        rule = self.rule(known, by, dates, pressure_days)
        # The stored steps follow the default rule with the policy's window as known then.
        policy = rule if pressure_days == "policy" else self.default_rule(known)
        if rule == Rule("side", "latest", policy.pressure_days) and (min_reliability, min_credibility) == (
            "F",
            6,
        ):
            return State(day, known, _sorted(self.view.states(known, day, canonical)), rule)
        rows = self.view.claims(
            known,
            place=canonical,
            until=day,
            min_reliability=min_reliability,
            min_credibility=min_credibility,
        )
        parents = self.view.parents(known) if rule.by == "side" else {}
        info = self.view.place_info(canonical)
        states = []
        for place_id, group in _by_place(rows):
            step = state_on((r.counted(rule, parents) for r in group), day, rule.pressure_days)
            if step is not None:
                named = info[place_id]
                states.append(PlaceState.from_step(named.name, step, named.within, named.shared))
        return State(day, known, _sorted(states), rule)

    def timeline(
        self,
        place: str,
        known_at: str | None = None,
        min_reliability: str = "F",
        min_credibility: int = 6,
        *,
        by: By = "side",
        dates: Dates = "latest",
        pressure_days: PressureDays = "policy",
    ) -> Timeline:
        """The intervals of one place's state over valid time, as known at `known_at`."""
        self.catch_up()
        canonical = self.place_name(place)
        known = record_time(known_at)
        rule = self.rule(known, by, dates, pressure_days)
        return Timeline(*self._walk(canonical, known, rule, min_reliability, min_credibility), rule=rule)

    def _walk(
        self, place: str, known: str, rule: Rule, min_reliability: str = "F", min_credibility: int = 6
    ) -> tuple[str, str, tuple[Interval, ...], tuple[str, ...]]:
        """The default rule reads the stored walk; any other walks the claims as known then."""
        named = self.view.place_info(place)[place]
        if rule == self.default_rule(known) and (min_reliability, min_credibility) == ("F", 6):
            return named.name, known, intervals(self.view.stored_steps(place, known)), named.within
        rows = self.view.claims(
            known, place=place, min_reliability=min_reliability, min_credibility=min_credibility
        )
        return named.name, known, intervals(self.walk(rows, known, rule)), named.within

    def walk(self, rows: Iterable[Any], known: str, rule: Rule) -> Iterator[Step]:
        """The steps of one place's claims (rows with `counted`) under `rule` as known then."""
        parents = self.view.parents(known) if rule.by == "side" else {}
        return steps((r.counted(rule, parents) for r in rows), rule.pressure_days)

    def history(self, subject: str, since: str | None = None, until: str | None = None) -> tuple[Change, ...]:
        """Every event that touched a place, a report or an actor, in log order, sealed text opened."""
        return tuple(map(self.opener.change, self._history(subject, since, until)))

    def _history(self, subject: str, since: str | None, until: str | None) -> tuple[Change, ...]:
        since = None if since is None else record_time(since, "since")
        until = None if until is None else record_time(until, "until")
        self.catch_up()
        places = self.view.lookup_names("place", subject)
        if len(places) > 1:
            raise NotFound(self.places().ambiguous(subject, places))
        if places or ("," in subject and self.places().matches(subject)):
            place = places[0] if places else self.place_name(subject)
            return tuple(self.view.history(place=place, since=since, until=until))
        if self.view.report(subject) is not None:
            return _once_per_claim(self.view.history(report=subject, since=since, until=until))
        actor = self.view.lookup_name("actor", subject)
        if actor is not None:
            return tuple(self.view.history(actor=actor, since=since, until=until))
        choices = [*self.places().all_names(), *self.actors().all_names(), *self.view.report_ids()]
        raise NotFound(f"'{subject}' is not a place, a report or an actor{did_you_mean(subject, choices)}")

    def log(  # type: ignore[override]  # the library's `log` is a deprecated alias
        self, since: str | None = None, limit: int | None = None
    ) -> Iterator[LogEntry]:
        """The stored events themselves, in log order, from record time `since`."""
        self.catch_up()
        start = 1
        if since is not None:
            first = self.view.first_position_at_or_after(record_time(since, "since"))
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
                yield self.opener.log_entry(log_entry(n.id, event, self.view.report_of(event.originator_id)))
            start = notifications[-1].id + 1
            if remaining is not None:
                remaining -= len(notifications)

    # Auditors' questions, answered by their own modules ------------------

    def diff(self, at: str, known_at: str, vs: str | None = None, **filters: Any) -> Any:
        """Places whose state on `at` differs between record times `known_at` and `vs`."""
        from warlog.diff import diff_known

        return diff_known(self, at, known_at, vs, **filters)

    def diff_dates(
        self, start: str, end: str | None = None, known_at: str | None = None, **filters: Any
    ) -> Any:
        """Places whose status or controller changed between two valid dates."""
        from warlog.diff import diff_dates

        return diff_dates(self, start, end, known_at, **filters)

    def changes(self, since: str, until: str | None = None) -> Any:
        """What each archivist recorded, corrected or retracted in a record-time window."""
        from warlog.diff import changes

        return changes(self, since, until)

    def registry_entries(self, registry: Registry) -> tuple[Entry, ...]:
        """The entries of a registry as `places`/`actors` show them; a place's parents by name."""
        from warlog.domain import Places

        entries = []
        for entry_id, e in registry.entries.items():
            details = {k: _coordinate(k, v) for k, v in e.items() if k not in ("name", "aliases")}
            if isinstance(registry, Places):
                details["within"] = registry.parents(entry_id)
            entries.append(Entry(e["name"], tuple(e["aliases"]), details))
        return tuple(sorted(entries, key=lambda e: (e.name.casefold(), e.details.get("within") or [])))


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


def _sorted(states: Iterable[PlaceState]) -> tuple[PlaceState, ...]:
    return tuple(sorted(states, key=lambda s: (s.place, s.within)))


def _policy_text(value: int | None) -> str:
    return "unlimited" if value is None else f"{value} days"


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
    data = {
        k: v
        for k, v in event.__dict__.items()
        if k not in ("originator_id", "originator_version", "timestamp", "originator_topic")
    }
    archivist = data.pop("archivist", "")
    cls = type(event)
    subject = report or getattr(event, "name", None) or ""
    return LogEntry(
        position, clock.format_time(event.timestamp), archivist, cls.__qualname__, str(subject), data
    )


def archive_origin(public_key: str) -> str:
    """The log's name in its checkpoints, after its first key; it stays when the key changes."""
    return f"warlog.archive/{public_key[:16]}"


def starter_records() -> Iterator[Record | Problem]:
    """The shipped gazetteer of Syria and its actors, as import records."""
    from warlog.records import read_records

    for name in ("places.jsonl", "actors.jsonl"):
        yield from read_records((DATA / name).read_bytes().splitlines(), name)


@cache
def _snapshotting_intervals() -> dict[type[Any], int]:
    from warlog.domain import Actors, Places

    return {Places: 500, Actors: 500}
