"""Exports for researchers: the state on a date, every claim, every timeline, as files.

Each export streams to a text stream, row by row, so the claims of a large
archive never sit in memory together: the rows come from `ExportQueries`, which
reads with `fetchmany`. `destination` writes a named file through a temporary
file renamed into place, so a failed export never leaves half a file behind.

CSV cells hold one value; lists (contesting actors, candidates, claims) are
joined with "; ". JSON and JSON Lines keep lists as lists and are the same
documents the CLI's `--json` prints.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from itertools import groupby
from typing import IO, Any, BinaryIO, TextIO, cast

import orjson

from warlog import acled, clock, outfile
from warlog.archive import Archive, intervals
from warlog.cells import safe_row
from warlog.domain import Places
from warlog.errors import WarlogError
from warlog.names import did_you_mean
from warlog.readmodel.exports import ExportedClaim, ExportQueries, Rows
from warlog.results import PlaceState, State, Timeline

STATE_FORMATS = ("csv", "json", "geojson")
CLAIM_FORMATS = ("csv", "jsonl", "acled")
TIMELINE_FORMATS = ("csv", "jsonl")

STATE_COLUMNS = (
    "place",
    "within",
    "status",
    "controller",
    "contested_by",
    "candidates",
    "since",
    "uncertain",
    "evidence_to",
    "lat",
    "lon",
    "claims",
    "at",
    "known_at",
)
CLAIM_COLUMNS = (
    "report",
    "claim",
    "place",
    "actor",
    "status",
    "date",
    "source",
    "published",
    "reliability",
    "credibility",
    "attributed_to",
    "quote",
    "note",
    "first_recorded_at",
    "recorded_at",
    "corrected",
    "corrected_at",
    "retracted",
    "retracted_at",
    "url",
    "title",
    "fatalities",
    "acled_event",
    "known_at",
)
TIMELINE_COLUMNS = (
    "place",
    "within",
    "from",
    "to",
    "status",
    "controller",
    "contested_by",
    "candidates",
    "known_at",
)


def choice(value: str, choices: Sequence[str], option: str) -> str:
    """Check an option's value against its choices; a user error names them."""
    if value in choices:
        return value
    raise WarlogError(f"{option}: '{value}' is not one of {', '.join(choices)}{did_you_mean(value, choices)}")


def queries(archive: Archive) -> ExportQueries:
    """The archive's read model, caught up, as the streaming queries exports need."""
    archive.catch_up()
    return archive.view


def known(known_at: str | None) -> str:
    return known_at or clock.format_time(clock.now())


# Writing --------------------------------------------------------------


@contextmanager
def destination(path: str | None, *, force: bool = False) -> Iterator[TextIO]:
    """Standard output for None or "-", else a UTF-8 file that appears only once complete."""
    with _target(path, binary=False, force=force) as stream:
        yield cast(TextIO, stream)


@contextmanager
def binary_destination(path: str | None, *, force: bool = False) -> Iterator[BinaryIO]:
    """Like `destination`, for pictures."""
    with _target(path, binary=True, force=force) as stream:
        yield cast(BinaryIO, stream)


def _target(path: str | None, *, binary: bool, force: bool = False) -> AbstractContextManager[IO[Any]]:
    """Regular files only, an existing one only with --force; see `outfile`."""
    return outfile.target(path, binary=binary, force=force)


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(safe_row(row))  # formulas neutralised unless --raw-csv
        count += 1
    return count


def write_jsonl(out: TextIO, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        out.write(orjson.dumps(row).decode() + "\n")
        count += 1
    return count


def joined(values: Iterable[str]) -> str:
    return "; ".join(values)


# The state on a date ----------------------------------------------------


def coordinates(places: Places) -> dict[str, tuple[float, float] | None]:
    """Each place's (lon, lat), GeoJSON's order, or None when the gazetteer has none."""
    found: dict[str, tuple[float, float] | None] = {}
    for name, entry in places.entries.items():
        lat, lon = entry.get("lat"), entry.get("lon")
        found[name] = None if lat is None or lon is None else (float(lon), float(lat))
    return found


def export_state(out: TextIO, fmt: str, state: State, places: Places) -> int:
    """Write the state in csv, json (as `warlog state --json`) or geojson; returns places."""
    choice(fmt, STATE_FORMATS, "--format")
    where = coordinates(places)
    if fmt == "json":
        out.write(orjson.dumps(state.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
        return len(state.places)
    if fmt == "geojson":
        out.write(orjson.dumps(geojson(state, where), option=orjson.OPT_INDENT_2).decode() + "\n")
        return len(state.places)
    return write_csv(out, STATE_COLUMNS, (state_row(state, p, where.get(p.qualified)) for p in state.places))


def state_row(state: State, p: PlaceState, point: tuple[float, float] | None) -> dict[str, Any]:
    lon, lat = point or (None, None)
    return {
        **p.to_dict(),
        "place": p.label,
        "within": ", ".join(p.within),
        "contested_by": joined(p.contested_by),
        "candidates": joined(p.candidates),
        "claims": joined(f"{c.report}#{c.claim}" for c in p.claims),
        "lon": lon,
        "lat": lat,
        "at": state.at,
        "known_at": state.known_at,
    }


def geojson(state: State, where: dict[str, tuple[float, float] | None]) -> dict[str, Any]:
    """A FeatureCollection, one Point per place (null geometry without coordinates).

    `at` and `known_at` are in every feature's properties as well as on the
    collection, since GIS tools drop a collection's foreign members.
    """
    features = []
    for p in state.places:
        point = where.get(p.qualified)
        features.append(
            {
                "type": "Feature",
                "id": p.qualified,
                "geometry": None if point is None else {"type": "Point", "coordinates": list(point)},
                "properties": {**p.to_dict(), "at": state.at, "known_at": state.known_at},
            }
        )
    return {"type": "FeatureCollection", "at": state.at, "known_at": state.known_at, "features": features}


# Every claim ----------------------------------------------------------


def claim_row(claim: ExportedClaim, known_at: str) -> dict[str, Any]:
    return {
        "report": claim.report,
        "claim": claim.claim,
        "place": claim.place,
        "actor": claim.actor,
        "status": claim.status,
        "date": claim.date,
        "source": claim.source,
        "published": claim.published,
        "reliability": claim.reliability,
        "credibility": claim.credibility,
        "attributed_to": claim.attributed_to,
        "quote": claim.quote,
        "note": claim.note,
        "first_recorded_at": claim.first_recorded_at,
        "recorded_at": claim.recorded_at,
        "corrected": claim.corrected_at is not None,
        "corrected_at": claim.corrected_at,
        "retracted": claim.retracted_at is not None,
        "retracted_at": claim.retracted_at,
        "url": claim.url,
        "title": claim.title,
        **acled_columns(claim),
        "known_at": known_at,
    }


def acled_columns(claim: ExportedClaim) -> dict[str, Any]:
    """Fatalities and the event id of a claim imported from ACLED (empty otherwise)."""
    if claim.acled is None:
        return {"fatalities": None, "acled_event": None}
    fields = orjson.loads(claim.acled)
    return {"fatalities": fields.get("fatalities"), "acled_event": fields.get("event_id_cnty")}


def export_claims(
    archive: Archive, out: TextIO, fmt: str, known_at: str | None = None, *, include_sensitive: bool = False
) -> int:
    """Write one row per claim as known at `known_at`, streaming; returns rows written.

    Sensitive fields (`attributed_to`, `quote`, `note`) are left empty unless
    `include_sensitive`, when sealed text is opened (`[redacted]` once its key is gone).
    """
    choice(fmt, CLAIM_FORMATS, "--format")
    moment = known(known_at)
    places, actors = archive.places(), archive.actors()
    with closing(queries(archive).claims_as_known(moment)) as stored:
        claims = archive.opener.claims(stored, include_sensitive)
        if fmt == "acled":
            return write_csv(out, acled.COLUMNS, acled.rows(claims, places, actors))
        rows = (claim_row(c, moment) for c in claims)
        if fmt == "jsonl":
            return write_jsonl(out, rows)
        return write_csv(out, CLAIM_COLUMNS, rows)


# Every timeline -------------------------------------------------------


def timelines(
    archive: Archive,
    known_at: str | None = None,
    min_reliability: str = "F",
    min_credibility: int = 6,
    **options: Any,
) -> Rows[Timeline]:
    """Every place's timeline, as `Archive.timeline` gives it, one place in memory at a time."""
    moment = known(known_at)
    rule = archive.rule(moment, **options)
    info = archive.view.place_info()
    claims = queries(archive).effective_claims(
        moment, min_reliability=min_reliability, min_credibility=min_credibility
    )
    with closing(claims):
        for place, group in groupby(claims, key=lambda c: c.place):
            named = info[place]
            yield Timeline(
                named.name, moment, intervals(archive.walk(group, moment, rule)), named.within, rule
            )


def export_timelines(
    archive: Archive,
    out: TextIO,
    fmt: str,
    known_at: str | None = None,
    min_reliability: str = "F",
    min_credibility: int = 6,
    **options: Any,
) -> int:
    """Write every interval (csv) or every place's timeline (jsonl); returns rows written."""
    choice(fmt, TIMELINE_FORMATS, "--format")
    with closing(timelines(archive, known_at, min_reliability, min_credibility, **options)) as places:
        if fmt == "jsonl":
            return write_jsonl(out, (t.to_dict() for t in places))
        rows = (
            {
                **i.to_dict(),
                "place": t.place,
                "within": ", ".join(t.within),
                "contested_by": joined(i.contested_by),
                "candidates": joined(i.candidates),
                "known_at": t.known_at,
            }
            for t in places
            for i in t.intervals
        )
        return write_csv(out, TIMELINE_COLUMNS, rows)
