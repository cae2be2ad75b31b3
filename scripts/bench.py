#!/usr/bin/env python3
"""Benchmark warlog on a synthetic archive shaped like real data, against a raw-SQLite floor.

    python scripts/bench.py [--small] [--claims N] [--backends sqlite,postgres] [--out results.json]

The archive is generated deterministically from a seed: places registered with
coordinates in a few regions, actors with a few active per region (so places
change hands now and then), reports of 1-10 claims published in order over
2022-01-01..2024-12-31 with claims dated on or a few days before publication,
weighted statuses and skewed Admiralty grades; then 5% of the claims corrected
and 1% retracted in later files. It is written as JSON Lines, streaming, and
imported through the public API only (`warlog.open`, `import_file`, `state`,
`timeline`, `rebuild`) and the CLI, so it keeps working while the internals change.

Each backend is measured in one run, on an archive signed as real ones are
(`warlog keygen` before the first import): import rate (in a subprocess, for its
peak RSS), corrections and retractions, `state` of all places at random (date,
known-at), one place, `timeline`, `warlog state --place X` and `warlog state --at D`
(a table, not on a terminal) as processes, bytes on disk per claim (after closing,
the WAL checkpointed into the file), the rebuild rate, and `state` of all places at
10k, 100k and 1M claims (taken between import files, with the places answered).

The same files are then written by each rung of a ladder, in the same run: the
floor, raw `sqlite3` `executemany` in one transaction of the stored event rows and
one row per claim (each stamped with the record time warlog gave its report);
eventsourcing's own `Application.save` of one aggregate per report, a file per
save; the same plus the library's tracking recorder, projecting one row per claim
with its position in batches. The rebuild floor is a raw `executemany` of exactly
the read-model rows the rebuild wrote, into tables with the read model's own DDL.
Queries are asked of the floor's file in plain SQL, with the index each needs.
The tables on stdout put every figure beside its floor, the ladder with each
rung's ratio to the one below, and every target with the measured figure and its
ratio to the target; progress goes to stderr; `--out` writes the figures as JSON.
The machine may be shared: compare the ratios measured in one run, not absolute
figures across runs.

`--profile DIR` adds cProfile's top functions for the imports and for `state`.
An import that does not finish within `--import-timeout` seconds a file is
stopped and its backend reported as not measured. The run prints a digest of
the warlog source it measured and warns when that source changed during the
run; to pin one version while the tree is being edited, copy it
(`cp -rL src/warlog /tmp/snap/`) and run with `PYTHONPATH=/tmp/snap`.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import pstats
import random
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import orjson
from eventsourcing.domain import Aggregate, event
from eventsourcing.sqlite import SQLiteTrackingRecorder

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2024, 12, 31)
CHECKPOINTS = (10_000, 100_000, 1_000_000)
ARCHIVIST = "bench"
WORKER_FLAG = "--import-worker"
PROFILE_ENV = "WARLOG_BENCH_PROFILE"

# The targets, as (key, text); the checks are in `judge`.
TARGETS = {
    "import_sqlite": "import, SQLite: ≥ 25,000 claims/s and ≥ 0.8x the save+projection rung",
    "import_postgres": "import, PostgreSQL: ≥ 12,000 claims/s",
    "amendments": "corrections + retractions: ≥ 10,000 records/s",
    "rebuild": "rebuild: ≥ 0.5x the rebuild floor and ≥ 25,000 events/s",
    "state_all": "state of all places @ 1M, p50: ≤ 35 ms",
    "state_flat": "state of all places, per place returned: ≤ 1.5x from 10k to 1M",
    "state_one": "state of one place: ≤ 0.2 ms p50",
    "timeline": "timeline: ≤ 0.5 ms p50",
    "cli": "warlog state --place X as a process: ≤ 120 ms p50",
    "table": "warlog state --at D as a table: ≤ 0.5 s",
    "rss": "import peak RSS (files of 20k reports): ≤ 250 MB",
}

# The shape of the data -------------------------------------------------------

STATUSES = ("controlled", "contested", "besieged", "withdrawn")
STATUS_WEIGHTS = (50, 25, 10, 15)
CLAIMS_PER_REPORT = tuple(range(1, 11))
CLAIMS_PER_REPORT_WEIGHTS = (22, 18, 14, 11, 9, 8, 6, 5, 4, 3)
DAYS_BEFORE = (0, 1, 2, 3, 4, 5, 6)
DAYS_BEFORE_WEIGHTS = (60, 24, 9, 4, 1.5, 1, 0.5)
CREDIBILITY = (1, 2, 3, 4, 5, 6)
CREDIBILITY_WEIGHTS = {  # by the source's reliability: good sources make firmer claims
    "A": (15, 45, 25, 5, 1, 9),
    "B": (8, 35, 35, 10, 2, 10),
    "C": (4, 22, 40, 16, 4, 14),
    "D": (2, 12, 34, 26, 10, 16),
    "E": (1, 6, 20, 30, 28, 15),
    "F": (2, 12, 28, 18, 8, 32),
}
CORRECTED = 0.05
RETRACTED = 0.01
HAND_OVER = 0.015  # chance that a claim finds its place under a new controller

PREFIXES = (
    "",
    "",
    "",
    "",
    "Tal ",
    "Kafr ",
    "Deir ",
    "Ain ",
    "Khirbet ",
    "Jisr ",
    "Maarat ",
    "Beit ",
    "Umm ",
    "Qasr ",
    "Bir ",
    "Ras ",
    "Marj ",
    "Hawsh ",
    "Al-",
    "Jabal ",
    "Tell ",
)
ONSETS = (
    "b",
    "d",
    "f",
    "h",
    "j",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "q",
    "r",
    "s",
    "sh",
    "t",
    "z",
    "gh",
    "w",
    "y",
    "dh",
)
VOWELS = ("a", "a", "i", "u", "aa", "ee", "ou", "ay")
CODAS = ("", "", "", "n", "r", "l", "m", "b", "s", "t", "h")
TRANSLITERATIONS = (("ou", "u"), ("ee", "i"), ("aa", "a"), ("q", "k"), ("kh", "ch"), ("dh", "z"))
KINDS = ("city", "town", "village", "neighbourhood", "checkpoint", "base", "site")
KIND_WEIGHTS = (4, 28, 55, 5, 3, 3, 2)
ADJECTIVES = (
    "National",
    "Free",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Islamic",
    "Popular",
    "Democratic",
    "Revolutionary",
    "Unified",
    "Liberation",
    "Tribal",
    "Coastal",
    "Desert",
    "Mountain",
    "Republican",
    "Independent",
    "People's",
    "Border",
)
NOUNS = (
    "Army",
    "Front",
    "Forces",
    "Brigade",
    "Movement",
    "Legion",
    "Division",
    "Council",
    "Guard",
    "Alliance",
    "Battalions",
    "Militia",
    "Corps",
    "Union",
)
OUTLETS = (
    "News Agency",
    "Observer",
    "Post",
    "Herald",
    "Media Center",
    "Network",
    "Monitor",
    "Today",
    "Voice",
    "Daily",
    "Broadcast",
    "Press",
    "Times",
    "Tribune",
)
SOURCE_KINDS = (  # (how many, share of reports, reliability weights A..F)
    ("wire", 6, 30, (20, 70, 10, 0, 0, 0)),
    ("national", 30, 30, (2, 30, 50, 15, 0, 3)),
    ("local", 70, 22, (0, 5, 35, 35, 5, 20)),
    ("state", 20, 10, (0, 0, 5, 25, 60, 10)),
    ("social", 24, 8, (0, 0, 5, 20, 20, 55)),
)
RELIABILITY = ("A", "B", "C", "D", "E", "F")
ATTRIBUTIONS = (
    "a local resident",
    "a military source",
    "a field commander",
    "an activist network",
    "a war monitor",
    "a spokesman",
    "an official statement",
    "witnesses",
    "a medical source",
    "a journalist on the ground",
)
QUOTES = {
    "controlled": (
        "{actor} fighters are in full control of {place} after overnight fighting",
        "the situation in {place} is calm and the town is under {actor} control",
        "{actor} raised its flag over the main square of {place}",
    ),
    "contested": (
        "heavy clashes continue on the outskirts of {place}",
        "{actor} units pushed into the eastern neighbourhoods of {place}",
        "fighting for {place} went on until dawn",
    ),
    "besieged": (
        "{place} is surrounded on three sides by {actor}",
        "the last road into {place} was cut by {actor} this morning",
    ),
    "withdrawn": (
        "{actor} pulled out of {place} before dawn",
        "{actor} completed a withdrawal from {place} to new defensive lines",
    ),
}
REASONS = {
    "date": "the source later said it spoke of the day before",
    "credibility": "confirmed or contradicted by later reporting",
    "status": "the source clarified what the fighting amounted to",
    "actor": "misattributed: another force was involved",
    "place": "the source confused two places of similar names",
}
CORRECTION_KINDS = ("date", "credibility", "status", "actor", "place")
CORRECTION_WEIGHTS = (40, 25, 15, 12, 8)
RETRACTION_REASONS = (
    "could not be verified",
    "the source withdrew the report",
    "the footage turned out to be from an earlier year",
)


@dataclass
class Plan:
    claims: int
    places: int
    actors: int = 50
    regions: int = 14
    batch: int = 20_000  # reports (or corrections and retractions) per import file
    seed: int = 1

    @property
    def checkpoints(self) -> list[int]:
        return [c for c in CHECKPOINTS if c < self.claims] + [self.claims]


@dataclass
class ImportFile:
    path: str
    kind: str  # registry, reports or amendments
    records: int = 0
    claims: int = 0


@dataclass
class Segment:
    """Import files after which `state` is measured: the claims filed by then."""

    claims: int
    files: list[ImportFile] = field(default_factory=list)


@dataclass
class Archive:
    """What the generator wrote."""

    segments: list[Segment]
    places: list[str]  # canonical names of the places that get claims
    aliases: dict[str, str]  # every place name and alias, casefolded, to its canonical name
    reports: int
    claims: int
    corrections: int
    retractions: int
    bytes: int


class World:
    """The synthetic gazetteer, actors, sources and who holds what, evolving as reports come in."""

    def __init__(self, plan: Plan) -> None:
        self.rng = random.Random(plan.seed)
        self.taken: set[str] = set()
        rng = self.rng
        self.region_names = [self._place_name() for _ in range(plan.regions)]
        self.region_centres = [
            (round(rng.uniform(32.6, 36.9), 4), round(rng.uniform(35.9, 41.8), 4))
            for _ in range(plan.regions)
        ]
        self.places: list[str] = []
        self.place_region: list[int] = []
        self.aliases: list[list[str]] = []
        region_size = [rng.paretovariate(2.0) for _ in range(plan.regions)]
        for _ in range(plan.places - plan.regions):
            self.places.append(self._place_name())
            self.place_region.append(rng.choices(range(plan.regions), region_size)[0])
            self.aliases.append(self._aliases(self.places[-1]))
        self.region_places: list[list[int]] = [[] for _ in range(plan.regions)]
        for index, region in enumerate(self.place_region):
            self.region_places[region].append(index)
        # Some places are in the news far more than others.
        self.region_place_weights = [
            _cumulative([1.0 / (rank + 1) ** 0.9 for rank in range(len(members))])
            for members in self.region_places
        ]
        self.actors = self._actor_names(plan.actors)
        big = [0, 1, 2]
        locals_ = list(range(3, plan.actors))
        self.region_actors: list[list[int]] = []
        for region in range(plan.regions):
            pool = [0]
            if rng.random() < 0.75:
                pool.append(1)
            if rng.random() < 0.3:
                pool.append(2)
            pool += [a for a in locals_ if (a - 3) % plan.regions == region]
            if len(pool) < 3:
                pool.append(rng.choice([a for a in big + locals_ if a not in pool]))
            self.region_actors.append(pool)
        self.controller = [self._initial_controller(self.region_actors[r]) for r in self.place_region]
        self.sources: list[tuple[str, str]] = []
        self.source_weights: list[float] = []
        for kind, count, share, grades in SOURCE_KINDS:
            for _ in range(count):
                self.sources.append((self._source_name(kind), rng.choices(RELIABILITY, grades)[0]))
                self.source_weights.append(share / count * rng.paretovariate(1.5))
        self.source_cumulative = _cumulative(self.source_weights)
        self.region_activity = self._activity(plan.regions)

    def _initial_controller(self, pool: list[int]) -> int:
        return self.rng.choices(pool, [4 if a == 0 else 1 for a in pool])[0]

    def _activity(self, regions: int) -> list[float]:
        """Where the fighting is: a few active fronts, redrawn every couple of months."""
        return _cumulative([self.rng.paretovariate(1.1) for _ in range(regions)])

    def _unique(self, make: Callable[[], str]) -> str:
        while True:
            name = make()
            if name.casefold() not in self.taken:
                self.taken.add(name.casefold())
                return name

    def _place_name(self) -> str:
        rng = self.rng

        def make() -> str:
            syllables = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.choice((2, 2, 3))))
            return rng.choice(PREFIXES) + (syllables + rng.choice(CODAS)).capitalize()

        return self._unique(make)

    def _aliases(self, name: str) -> list[str]:
        if self.rng.random() < 0.5:
            return []
        variant = name
        for old, new in TRANSLITERATIONS:
            variant = variant.replace(old, new).replace(old.capitalize(), new.capitalize())
        if variant == name or variant.casefold() in self.taken:
            return []
        self.taken.add(variant.casefold())
        return [variant]

    def _actor_names(self, count: int) -> list[tuple[str, list[str]]]:
        actors = []
        for _ in range(count):
            name = self._unique(lambda: f"{self.rng.choice(ADJECTIVES)} {self.rng.choice(NOUNS)}")
            acronym = "".join(word[0] for word in name.split()).upper() + "F"
            aliases = []
            if acronym.casefold() not in self.taken:
                self.taken.add(acronym.casefold())
                aliases.append(acronym)
            actors.append((name, aliases))
        return actors

    def _source_name(self, kind: str) -> str:
        rng = self.rng
        if kind == "state":
            return self._unique(lambda: f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} media office")
        if kind == "social":
            return self._unique(
                lambda: (
                    f"@{rng.choice(ONSETS)}{rng.choice(VOWELS)}{rng.choice(ONSETS)}_{rng.randrange(10, 999)}"
                )
            )
        return self._unique(lambda: f"{self._place_name()} {rng.choice(OUTLETS)}")

    def registry_records(self) -> Iterator[dict[str, Any]]:
        for region, name in enumerate(self.region_names):
            lat, lon = self.region_centres[region]
            yield {"type": "place", "name": name, "kind": "governorate", "lat": lat, "lon": lon}
        rng = self.rng
        for index, name in enumerate(self.places):
            lat, lon = self.region_centres[self.place_region[index]]
            record: dict[str, Any] = {
                "type": "place",
                "name": name,
                "aliases": self.aliases[index],
                "kind": rng.choices(KINDS, KIND_WEIGHTS)[0],
                "lat": round(min(37.3, max(32.3, lat + rng.gauss(0, 0.35))), 4),
                "lon": round(min(42.3, max(35.6, lon + rng.gauss(0, 0.35))), 4),
                "within": self.region_names[self.place_region[index]],
            }
            if not record["aliases"]:
                del record["aliases"]
            yield record
        for index, (name, aliases) in enumerate(self.actors):
            # A few local forces are part of the three big coalitions, registered before them.
            part_of = self.actors[index % 3][0] if index >= 3 and index % 4 == 0 else None
            yield {"type": "actor", "name": name, "aliases": aliases, "part_of": part_of}

    def report(self, number: int, published: datetime, claims: int) -> tuple[dict[str, Any], list[int]]:
        """One report with up to `claims` claims, and the region index of each claim's place."""
        rng = self.rng
        source, reliability = self.sources[_pick(rng, self.source_cumulative)]
        region = _pick(rng, self.region_activity)
        members = self.region_places[region]
        while not members:
            region = (region + 1) % len(self.region_places)
            members = self.region_places[region]
        chosen: list[int] = []
        for _ in range(claims * 3):
            place = members[_pick(rng, self.region_place_weights[region])]
            if place not in chosen:
                chosen.append(place)
                if len(chosen) == claims:
                    break
        day = published.date()
        slug = "".join(ch if ch.isalnum() else "-" for ch in source.lower()).strip("-")[:40]
        report: dict[str, Any] = {
            "type": "report",
            "id": f"{slug}-{day.isoformat()}-{number:07d}",
            "source": source,
            "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reliability": reliability,
        }
        if rng.random() < 0.7:
            report["url"] = f"https://news.example.org/{slug}/{number}"
        if rng.random() < 0.5:
            report["title"] = f"Fighting around {self.places[chosen[0]]}"
        report["claims"] = [self._claim(place, day, reliability) for place in chosen]
        return report, [self.place_region[p] for p in chosen]

    def _claim(self, place: int, day: date, reliability: str) -> dict[str, Any]:
        rng = self.rng
        pool = self.region_actors[self.place_region[place]]
        holder = self.controller[place]
        if rng.random() < HAND_OVER:
            holder = self.controller[place] = rng.choice([a for a in pool if a != holder])
        rival = rng.choice([a for a in pool if a != holder])
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        if status == "controlled":
            actor = holder if rng.random() < 0.85 else rival
        elif status == "withdrawn":
            actor = holder if rng.random() < 0.7 else rival
        else:
            actor = rival
        name = self.places[place]
        written = self.aliases[place][0] if self.aliases[place] and rng.random() < 0.15 else name
        actor_name, actor_aliases = self.actors[actor]
        claim: dict[str, Any] = {
            "place": written,
            "actor": actor_aliases[0] if actor_aliases and rng.random() < 0.2 else actor_name,
            "status": status,
            "date": (day - timedelta(days=rng.choices(DAYS_BEFORE, DAYS_BEFORE_WEIGHTS)[0])).isoformat(),
            "credibility": rng.choices(CREDIBILITY, CREDIBILITY_WEIGHTS[reliability])[0],
        }
        if rng.random() < 0.4:
            claim["attributed_to"] = rng.choice(ATTRIBUTIONS)
        if rng.random() < 0.3:
            claim["quote"] = rng.choice(QUOTES[status]).format(actor=actor_name, place=name)
        return claim

    def amendment(self, report: dict[str, Any], number: int, region: int, retract: bool) -> dict[str, Any]:
        """A later correction or retraction of claim `number`; a correction always changes something."""
        rng = self.rng
        if retract:
            return {
                "type": "retraction",
                "report": report["id"],
                "claim": number,
                "reason": rng.choice(RETRACTION_REASONS),
            }
        claim = report["claims"][number - 1]
        kind = rng.choices(CORRECTION_KINDS, CORRECTION_WEIGHTS)[0]
        value: Any
        if kind == "date":
            value = (date.fromisoformat(claim["date"]) - timedelta(days=1)).isoformat()
        elif kind == "credibility":
            value = rng.choice([c for c in CREDIBILITY if c != claim["credibility"]])
        elif kind == "status":
            value = rng.choice([s for s in STATUSES if s != claim["status"]])
        elif kind == "actor":
            current = claim["actor"].casefold()
            value = rng.choice(
                [
                    self.actors[a][0]
                    for a in self.region_actors[region]
                    if self.actors[a][0].casefold() != current
                    and current not in (x.casefold() for x in self.actors[a][1])
                ]
            )
        else:
            others = [
                self.places[p]
                for p in self.region_places[region]
                if self.places[p].casefold() != claim["place"].casefold()
                and claim["place"] not in self.aliases[p]
            ]
            if not others:
                kind, value = "credibility", rng.choice([c for c in CREDIBILITY if c != claim["credibility"]])
            else:
                value = rng.choice(others)
        return {
            "type": "correction",
            "report": report["id"],
            "claim": number,
            "set": {kind: value},
            "reason": REASONS[kind],
        }


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return rng.choices(range(len(cumulative)), cum_weights=cumulative)[0]


class Files:
    """Writes numbered JSON Lines files, one at a time, never holding more than a line."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self.current: ImportFile | None = None
        self.handle: TextIO | None = None
        self.bytes = 0

    def start(self, kind: str) -> ImportFile:
        self.close()
        self.count += 1
        path = self.directory / f"{self.count:03d}-{kind}.jsonl"
        self.current = ImportFile(str(path), kind)
        self.handle = path.open("w", encoding="utf-8")
        return self.current

    def write(self, record: dict[str, Any], claims: int = 0) -> None:
        assert self.handle is not None and self.current is not None
        line = orjson.dumps(record).decode() + "\n"
        self.handle.write(line)
        self.bytes += len(line)
        self.current.records += 1
        self.current.claims += claims

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def generate(plan: Plan, directory: Path) -> Archive:
    """Write the archive as import files, streaming; returns where the checkpoints fall."""
    world = World(plan)
    files = Files(directory)
    amendments_path = directory / "amendments.tmp"
    segments = [Segment(0)]
    segments[0].files.append(files.start("registry"))
    for record in world.registry_records():
        files.write(record)
    checkpoints = plan.checkpoints
    span = datetime.combine(LAST_DAY + timedelta(days=1), datetime.min.time(), UTC) - datetime.combine(
        FIRST_DAY, datetime.min.time(), UTC
    )
    origin = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    done = reports = corrections = retractions = 0
    current: ImportFile | None = None
    activity_period = -1
    with amendments_path.open("w", encoding="utf-8") as amendments:
        while done < plan.claims:
            if current is None or current.records >= plan.batch:
                current = files.start("reports")
                segments[-1].files.append(current)
            published = origin + span * (done / plan.claims)
            period = (published.date() - FIRST_DAY).days // 60
            if period != activity_period:
                world.region_activity = world._activity(plan.regions)
                activity_period = period
            wanted = min(
                world.rng.choices(CLAIMS_PER_REPORT, CLAIMS_PER_REPORT_WEIGHTS)[0], plan.claims - done
            )
            report, regions = world.report(reports + 1, published, wanted)
            files.write(report, len(report["claims"]))
            reports += 1
            done += len(report["claims"])
            for number, region in enumerate(regions, start=1):
                draw = world.rng.random()
                if draw < CORRECTED + RETRACTED:
                    retract = draw >= CORRECTED
                    record = world.amendment(report, number, region, retract)
                    amendments.write(orjson.dumps(record).decode() + "\n")
                    retractions += retract
                    corrections += not retract
            if done >= checkpoints[0]:
                segments[-1].claims = done
                checkpoints.pop(0)
                current = None
                segments.append(Segment(done))
    segments[-1].claims = done
    current = None
    with amendments_path.open(encoding="utf-8") as lines:
        for line in lines:
            if current is None or current.records >= plan.batch:
                current = files.start("amendments")
                segments[-1].files.append(current)
            files.write(orjson.loads(line))
    files.close()
    amendments_path.unlink()
    if not segments[-1].files:
        segments.pop()
    aliases = {}
    for index, name in enumerate(world.places):
        for alias in (name, *world.aliases[index]):
            aliases[alias.casefold()] = name
    return Archive(segments, world.places, aliases, reports, done, corrections, retractions, files.bytes)


# Measuring ---------------------------------------------------------------------


def import_worker(db: str, paths: list[str]) -> None:
    """Run in a subprocess: import the files in order; print timings and peak RSS as JSON."""
    import warlog

    archive = warlog.open(db)
    results = []
    profile_dir = os.environ.get(PROFILE_ENV)
    for path in paths:
        profiler = cProfile.Profile() if profile_dir and "-registry" not in Path(path).name else None
        started = datetime.now(UTC)
        began = time.perf_counter()
        with open(path, "rb") as lines:
            if profiler is not None:
                profiler.enable()
            result = archive.import_file(lines, Path(path).name, archivist=ARCHIVIST)
            if profiler is not None:
                profiler.disable()
        seconds = time.perf_counter() - began
        if profiler is not None and profile_dir:
            profiler.dump_stats(Path(profile_dir) / f"import-{Path(path).stem}.prof")
        finished = datetime.now(UTC)
        results.append(
            {
                "path": path,
                "seconds": seconds,
                "started": _stamp(started),
                "finished": _stamp(finished),
                "added": dict(result.added),
            }
        )
        print(
            f"  imported {Path(path).name}: {dict(result.added)} in {seconds:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    archive.close()
    print(orjson.dumps({"files": results, "maxrss_kb": _self_peak_kb()}).decode(), flush=True)


def _self_peak_kb() -> int:
    """Peak resident set of this process: VmHWM where /proc has it, else ru_maxrss (KiB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _stamp(moment: datetime) -> str:
    """A record time as warlog writes and compares them: fixed-width UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ImportFailed(Exception):
    """An import worker failed or did not finish in time; the backend is reported as not measured."""


def _run_import(db: str, files: list[ImportFile], profile: str | None, timeout: float) -> dict[str, Any]:
    env = {**os.environ, PROFILE_ENV: profile} if profile else None
    try:
        done = subprocess.run(
            [sys.executable, __file__, WORKER_FLAG, db, *(f.path for f in files)],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
            env=env,
            timeout=timeout * len(files),
        )
    except subprocess.TimeoutExpired:
        names = ", ".join(Path(f.path).name for f in files)
        raise ImportFailed(
            f"importing {names} did not finish within {timeout:.0f} s a file "
            "(stopped; --import-timeout sets the limit)"
        ) from None
    if done.returncode != 0:
        raise ImportFailed(f"import failed (exit {done.returncode}); see the messages above")
    result: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    """Seconds per call, after one untimed warm-up call."""
    call()
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        out.append(time.perf_counter() - began)
    return out


def _state_times(archive: Any, days: list[str]) -> tuple[list[float], float]:
    """`state` of all places, known now, on each day after the first (which warms up).

    Also the mean number of places answered, so the time per place returned can
    be compared as the archive grows.
    """
    it = iter(days)
    times = timed(lambda: archive.state(at=next(it)), len(days) - 1)
    places = statistics.mean(len(archive.state(at=day).places) for day in days[1:])
    return times, places


class Draws:
    """Random (date, known-at, place) for the queries, the same for every backend and the floor."""

    def __init__(self, seed: int, places: list[str]) -> None:
        self.rng = random.Random(seed + 7)
        self.places = places

    def day(self) -> str:
        return (FIRST_DAY + timedelta(days=self.rng.randrange((LAST_DAY - FIRST_DAY).days + 1))).isoformat()

    def fractions(self, n: int) -> list[tuple[str, float, str]]:
        """n draws of (date, fraction of the import's record-time span, place)."""
        return [(self.day(), self.rng.random(), self.rng.choice(self.places)) for _ in range(n)]


def _known_at(first: datetime, last: datetime, fraction: float) -> str:
    return _stamp(first + (last - first) * fraction)


def _size_sqlite(path: str) -> int:
    """The file's size once its write-ahead log is checkpointed into it and emptied.

    Counting the WAL beside the file would count the same pages twice; the
    caller closes its own connections first, so the checkpoint can complete.
    """
    db = sqlite3.connect(path)
    try:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        db.close()
    if busy:
        raise SystemExit(f"{path}: a reader kept the WAL from being checkpointed; size not measured")
    return os.path.getsize(path)


def _size_postgres(url: str, schema: str) -> int:
    import psycopg

    with psycopg.connect(url.split("?")[0]) as conn:
        row = conn.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(format('%%I.%%I', schemaname, tablename)"
            "::regclass)), 0) FROM pg_tables WHERE schemaname = %s",
            (schema,),
        ).fetchone()
    return int(row[0]) if row else 0


def measure(
    backend: str, db: str, archive: Archive, plan: Plan, args: argparse.Namespace, schema: str | None
) -> dict[str, Any]:
    """Every figure for one backend."""
    log(f"[{backend}] creating the archive (warlog init --bare), signed (warlog keygen)")
    keys = Path(args.directory) / f"{backend}.keys"
    if keys.exists():
        shutil.rmtree(keys)
    os.environ["WARLOG_KEYS"] = str(keys)  # the workers and the CLI runs inherit it
    subprocess.run(
        [sys.executable, "-m", "warlog", "init", "--bare", "--db", db, "--archivist", ARCHIVIST],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    signed = subprocess.run(
        [sys.executable, "-m", "warlog", "keygen", "--db", db, "--archivist", ARCHIVIST],
        capture_output=True,
        text=True,
        check=False,
    )
    if signed.returncode != 0 and "already has a key" not in signed.stderr:  # init may make it
        raise SystemExit(f"warlog keygen failed: {signed.stderr.strip()}")
    draws = Draws(plan.seed, archive.places)
    profile = Path(args.profile, backend) if args.profile else None
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
    opened: list[Any] = []  # the archive the queries use, closed however measuring ends
    try:
        return _measure(backend, db, schema, archive, args, draws, profile, opened)
    finally:
        for handle in opened:
            handle.close()


def _measure(
    backend: str,
    db: str,
    schema: str | None,
    archive: Archive,
    args: argparse.Namespace,
    draws: Draws,
    profile: Path | None,
    handles: list[Any],
) -> dict[str, Any]:
    import warlog

    out: dict[str, Any] = {"db": db, "files": [], "checkpoints": []}
    opened: Any = None
    peak_kb = 0
    for segment in archive.segments:
        label = ", ".join(Path(f.path).name for f in segment.files)
        log(f"[{backend}] importing {label}")
        result = _run_import(db, segment.files, profile and str(profile), args.import_timeout)
        peak_kb = max(peak_kb, result["maxrss_kb"])
        for imported, planned in zip(result["files"], segment.files, strict=True):
            imported["kind"], imported["claims"] = planned.kind, planned.claims
            if imported["added"].get("claim", 0) != planned.claims:
                raise SystemExit(
                    f"{planned.path}: expected {planned.claims} claims, the archive added {imported['added']}"
                )
            out["files"].append(imported)
        reports = [f for f in out["files"] if f["kind"] == "reports"]
        filed, seconds = sum(f["claims"] for f in reports), sum(f["seconds"] for f in reports)
        log(f"[{backend}]   {filed:,} claims so far, {filed / max(1e-9, seconds):,.0f} claims/s")
        if opened is None:
            opened = warlog.open(db)
            handles.append(opened)
        if any(f.kind == "reports" for f in segment.files):
            times, places = _state_times(
                opened, [d for d, _, _ in draws.fractions(args.checkpoint_samples + 1)]
            )
            out["checkpoints"].append(
                {
                    "claims": segment.claims,
                    "state_all_p50": statistics.median(times),
                    "samples": len(times),
                    "places": places,
                }
            )
            log(
                f"[{backend}]   state of all places at {segment.claims:,} claims: "
                f"p50 {1000 * statistics.median(times):.1f} ms"
            )
    assert opened is not None
    added = {
        kind: sum(f["added"].get(kind, 0) for f in out["files"])
        for kind in ("claim", "correction", "retraction")
    }
    expected = {"claim": archive.claims, "correction": archive.corrections, "retraction": archive.retractions}
    if added != expected:
        raise SystemExit(f"[{backend}] the archive added {added}, the files hold {expected}")
    reports = [f for f in out["files"] if f["kind"] == "reports"]
    claims = sum(f["claims"] for f in reports)
    out["claims"] = claims
    out["import_seconds_reports"] = sum(f["seconds"] for f in reports)
    out["import_rate"] = claims / out["import_seconds_reports"]
    out["import_seconds_all"] = sum(f["seconds"] for f in out["files"])
    amendments = [f for f in out["files"] if f["kind"] == "amendments"]
    if amendments:
        records = sum(f["added"].get("correction", 0) + f["added"].get("retraction", 0) for f in amendments)
        out["amendment_rate"] = records / sum(f["seconds"] for f in amendments)
    out["import_peak_rss_mb"] = peak_kb / 1024
    first = datetime.fromisoformat(reports[0]["started"].replace("Z", "+00:00"))
    last = datetime.fromisoformat(out["files"][-1]["finished"].replace("Z", "+00:00"))
    out["known_at_span"] = [_stamp(first), _stamp(last)]

    log(f"[{backend}] state of all places, {args.samples} random (date, known-at)")
    samples = [(d, _known_at(first, last, f), p) for d, f, p in draws.fractions(args.samples + 1)]
    out["query_samples"] = samples
    it = iter(samples)
    times = timed(lambda: opened.state(at=(s := next(it))[0], known_at=s[1]), args.samples)
    out["state_all_p50"], out["state_all_p95"] = statistics.median(times), percentile(times, 0.95)
    out["state_all_samples"] = len(times)
    if profile is not None:  # again, under the profiler, so the timings above stay clean
        profiler = cProfile.Profile()
        profiler.enable()
        for day, known_at, _ in samples:
            opened.state(at=day, known_at=known_at)
        profiler.disable()
        profiler.dump_stats(profile / "state-all.prof")

    log(f"[{backend}] state of one place, timeline")
    it = iter(samples)
    times = timed(lambda: opened.state(at=(s := next(it))[0], known_at=s[1], place=s[2]), args.samples)
    out["state_one_p50"], out["state_one_p95"] = statistics.median(times), percentile(times, 0.95)
    it = iter(samples)
    times = timed(lambda: opened.timeline((s := next(it))[2], known_at=s[1]), args.samples)
    out["timeline_p50"], out["timeline_p95"] = statistics.median(times), percentile(times, 0.95)

    log(f"[{backend}] warlog state --place X --json as a process, {args.cli_runs} runs")
    cli_places = iter([p for _, _, p in samples] * 2)
    # As installed: bytecode is kept, even where the shell says not to write it.
    installed = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def cli() -> None:
        done = subprocess.run(
            [sys.executable, "-m", "warlog", "state", "--place", next(cli_places), "--db", db, "--json"],
            capture_output=True,
            check=False,
            env=installed,
        )
        if done.returncode != 0 or "places" not in orjson.loads(done.stdout):
            raise SystemExit(f"warlog state failed: {done.stderr.decode()}")

    times = timed(cli, args.cli_runs)
    out["cli_p50"] = statistics.median(times)

    day = FIRST_DAY + (LAST_DAY - FIRST_DAY) * 2 // 3
    log(f"[{backend}] warlog state --at {day} as a table (not a terminal), {args.table_runs} runs")

    def table() -> None:
        subprocess.run(
            [sys.executable, "-m", "warlog", "state", "--at", day.isoformat(), "--db", db],
            capture_output=True,
            check=True,
            env=installed,
        )

    times = timed(table, args.table_runs)
    out["table_p50"] = statistics.median(times)
    out["table_places"] = len(opened.state(at=day.isoformat()).places)

    if backend == "sqlite":  # closed first, so the WAL is checkpointed into the file
        handles.remove(opened)
        opened.close()
        size = _size_sqlite(db)
        opened = warlog.open(db)
        handles.append(opened)
    else:
        size = _size_postgres(db, schema or "")
    out["bytes"] = size
    out["bytes_per_claim"] = size / claims

    log(f"[{backend}] rebuild of the read model")
    check = samples[0]
    before = opened.state(at=check[0], known_at=check[1]).to_dict()
    began = time.perf_counter()
    events = opened.rebuild()
    seconds = time.perf_counter() - began
    out["rebuild_events"], out["rebuild_seconds"] = events, seconds
    out["rebuild_rate"] = events / seconds
    out["rebuild_same_state"] = opened.state(at=check[0], known_at=check[1]).to_dict() == before
    return out


# The floor ---------------------------------------------------------------------

FLOOR_CLAIMS = (
    "CREATE TABLE claims (report TEXT NOT NULL, claim INTEGER NOT NULL, place TEXT NOT NULL, "
    "actor TEXT NOT NULL, status TEXT NOT NULL, day TEXT NOT NULL, credibility INTEGER NOT NULL, "
    "reliability TEXT NOT NULL, recorded_from TEXT NOT NULL)",
    "CREATE INDEX claims_place ON claims (place, day, recorded_from)",
    "CREATE INDEX claims_report ON claims (report, claim)",
)
FLOOR_EVENTS = (
    "CREATE TABLE events (originator_id BLOB NOT NULL, originator_version INTEGER NOT NULL, "
    "topic TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY (originator_id, originator_version))",
)
# One index seek per place: the latest claim on or before the date, as known then.
FLOOR_STATE_ALL = (
    "SELECT p.name, c.actor, c.status, c.day FROM places p JOIN claims c ON c.rowid = ("
    "SELECT rowid FROM claims WHERE place = p.name AND day <= ?1 AND recorded_from <= ?2 "
    "ORDER BY day DESC LIMIT 1) ORDER BY p.name"
)
FLOOR_CLI = (
    "import sqlite3, sys, json\n"
    "c = sqlite3.connect(sys.argv[1])\n"
    "rows = c.execute('SELECT report, claim, actor, status, day FROM claims WHERE place = ? "
    "ORDER BY day, report, claim', (sys.argv[2],)).fetchall()\n"
    "print(json.dumps(rows))\n"
)


def _stored_events(db: str) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """The archive's stored event table (DDL and rows), found by name; None if there is none."""
    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = source.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_events' ESCAPE '\\'"
        ).fetchall()
        if len(tables) != 1:
            return None
        name, ddl = tables[0]
        indexes = [
            sql
            for (sql,) in source.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (name,),
            )
        ]
        rows = source.execute(f'SELECT * FROM "{name}"').fetchall()
        return [ddl, *indexes], rows
    finally:
        source.close()


def floor(
    archive: Archive,
    directory: Path,
    sqlite_result: dict[str, Any] | None,
    samples: list[tuple[str, str, str]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The same bytes written by raw sqlite3 in one transaction, and the same questions in SQL."""
    files = [f for s in archive.segments for f in s.files]
    recorded = {}
    if sqlite_result is not None:
        recorded = {f["path"]: f["finished"] for f in sqlite_result["files"]}
    stored = _stored_events(sqlite_result["db"]) if sqlite_result is not None else None
    if stored is not None:
        ddl, events = stored
        source = "the archive's stored event rows"
    else:
        ddl, events = list(FLOOR_EVENTS), []
        for f in files:
            with open(f.path, "rb") as lines:
                for number, line in enumerate(lines, start=1):
                    events.append(
                        (uuid.uuid5(uuid.NAMESPACE_URL, f"{f.path}:{number}").bytes, 1, f.kind, line)
                    )
        source = "the import lines as event rows"
    # Each claim's record time is the one warlog stamped on its report (when it appended).
    stamped: dict[str, str] = {}
    if sqlite_result is not None:
        source_db = sqlite3.connect(f"file:{sqlite_result['db']}?mode=ro", uri=True)
        stamped = dict(source_db.execute("SELECT report, recorded_at FROM warlog_reports").fetchall())
        source_db.close()
    claims = []
    for f in files:
        if f.kind != "reports":
            continue
        at = recorded.get(f.path, _stamp(datetime.now(UTC)))
        with open(f.path, "rb") as lines:
            for line in lines:
                report = orjson.loads(line)
                for number, c in enumerate(report["claims"], start=1):
                    claims.append(
                        (
                            report["id"],
                            number,
                            archive.aliases[c["place"].casefold()],
                            c["actor"],
                            c["status"],
                            c["date"],
                            c["credibility"],
                            report["reliability"],
                            stamped.get(report["id"], at),
                        )
                    )
    path = directory / "floor.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for statement in (*ddl, *FLOOR_CLAIMS):
        db.execute(statement)
    marks = ",".join("?" * len(events[0]))
    table = ddl[0].split("(")[0].split()[-1]
    gc.collect()
    began = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO {table} VALUES ({marks})", events)
    db.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?)", claims)
    db.execute("COMMIT")
    seconds = time.perf_counter() - began
    out: dict[str, Any] = {
        "source": source,
        "events": len(events),
        "claims": len(claims),
        "seconds": seconds,
        "import_rate": len(claims) / seconds,
        "events_rate": len(events) / seconds,
    }
    del events, claims
    gc.collect()
    busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert not busy, "nothing else reads the floor's file"
    out["bytes"] = os.path.getsize(path)
    out["bytes_per_claim"] = out["bytes"] / out["claims"]
    db.execute("CREATE TABLE places (name TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO places VALUES (?)", [(p,) for p in archive.places])
    it = iter(samples)
    times = timed(
        lambda: db.execute(FLOOR_STATE_ALL, ((s := next(it))[0], s[1])).fetchall(), len(samples) - 1
    )
    out["state_all_p50"], out["state_all_p95"] = statistics.median(times), percentile(times, 0.95)
    it = iter(samples)
    times = timed(
        lambda: db.execute(
            "SELECT report, claim, actor, status, day FROM claims WHERE place = ? AND day <= ? "
            "AND recorded_from <= ? ORDER BY day, report, claim",
            ((s := next(it))[2], s[0], s[1]),
        ).fetchall(),
        len(samples) - 1,
    )
    out["state_one_p50"] = statistics.median(times)
    it = iter(samples)
    times = timed(
        lambda: db.execute(
            "SELECT report, claim, actor, status, day FROM claims WHERE place = ? "
            "AND recorded_from <= ? ORDER BY day, report, claim",
            ((s := next(it))[2], s[1]),
        ).fetchall(),
        len(samples) - 1,
    )
    out["timeline_p50"] = statistics.median(times)
    db.close()
    places = iter([p for _, _, p in samples] * 2)
    times = timed(
        lambda: subprocess.run(
            [sys.executable, "-c", FLOOR_CLI, str(path), next(places)], capture_output=True, check=True
        ),
        args.cli_runs,
    )
    out["cli_p50"] = statistics.median(times)
    return out


# The ladder: the library warlog is built on, measured on the same files --------


class FiledReport(Aggregate):
    """A report as the library's own aggregate: one event holding what the import line said."""

    @event("Filed")
    def __init__(
        self,
        report_id: str,
        source: str,
        published: str,
        reliability: str,
        url: str | None,
        title: str | None,
        claims: list[dict[str, Any]],
    ) -> None:
        self.report_id = report_id
        self.claims = claims

    @staticmethod
    def create_id(report_id: str, **_: Any) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, "report:" + report_id)


class ClaimsView(SQLiteTrackingRecorder):
    """The library's tracking recorder with one row per claim, written with its position."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *FLOOR_CLAIMS]

    def project(self, rows: list[tuple[Any, ...]], tracking: Any) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?)", rows)
            self._insert_tracking(c, tracking)


def _library_reports(path: str) -> list[FiledReport]:
    """One import file's reports as the library's aggregates (parsing included, as warlog's is)."""
    out = []
    with open(path, "rb") as lines:
        for line in lines:
            r = orjson.loads(line)
            out.append(
                FiledReport(
                    report_id=r["id"],
                    source=r["source"],
                    published=r["published"],
                    reliability=r.get("reliability", "F"),
                    url=r.get("url"),
                    title=r.get("title"),
                    claims=r["claims"],
                )
            )
    return out


def _library_project(app: Any, view: ClaimsView, aliases: dict[str, str]) -> None:
    """Catch the claims view up with the log, in batches, as the library's projections do."""
    from eventsourcing.persistence import Tracking

    while True:
        position = view.max_tracking_id(app.name) or 0
        notifications = app.recorder.select_notifications(start=position + 1, limit=20_000)
        if not notifications:
            return
        rows = []
        for n in notifications:
            e = app.mapper.to_domain_event(n)
            at = _stamp(e.timestamp)
            for number, c in enumerate(e.claims, start=1):
                rows.append(
                    (
                        e.report_id,
                        number,
                        aliases[c["place"].casefold()],
                        c["actor"],
                        c["status"],
                        c["date"],
                        c["credibility"],
                        e.reliability,
                        at,
                    )
                )
        view.project(rows, Tracking(app.name, notifications[-1].id))


def ladder(archive: Archive, directory: Path) -> dict[str, Any]:
    """Rungs two and three: the library's own batched save, then the same plus a batched projection.

    Each is the import of the same report files, one `Application.save` of all
    of a file's aggregates per file (one transaction, as warlog's import is);
    the third rung then projects one row per claim, with its tracking position,
    in the same transaction per batch.
    """
    from eventsourcing.application import Application

    files = [f for s in archive.segments for f in s.files if f.kind == "reports"]
    out: dict[str, Any] = {}
    for rung, project in (("library_save", False), ("library_projection", True)):
        path = directory / f"{rung}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        app: Any = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
        view = app.factory.tracking_recorder(ClaimsView) if project else None
        gc.collect()
        seconds = 0.0
        for f in files:
            began = time.perf_counter()
            app.save(*_library_reports(f.path))
            if view is not None:
                _library_project(app, view, archive.aliases)
            seconds += time.perf_counter() - began
        app.close()
        out[rung] = {"seconds": seconds, "rate": archive.claims / seconds}
        log(f"  {rung}: {archive.claims / seconds:,.0f} claims/s")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return out


def rebuild_floor(db: str, directory: Path, events: int) -> dict[str, Any]:
    """Raw inserts, in one transaction, of exactly the read-model rows a rebuild wrote.

    The tables are made with the read model's own DDL (its indexes too), so this
    is what writing those rows costs with no event decoded and no rule applied.
    """
    from warlog.readmodel.persistence import CREATE_STATEMENTS, TABLES

    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    tables = {t: source.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    source.close()
    path = directory / "rebuild-floor.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    target = sqlite3.connect(path, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    for statement in CREATE_STATEMENTS:
        target.execute(statement)
    gc.collect()
    began = time.perf_counter()
    target.execute("BEGIN")
    for table, rows in tables.items():
        if rows:
            target.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)
    target.execute("COMMIT")
    seconds = time.perf_counter() - began
    target.close()
    count = sum(len(rows) for rows in tables.values())
    del tables
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {"rows": count, "seconds": seconds, "events_rate": events / seconds}


# Reporting ---------------------------------------------------------------------


def judge(r: dict[str, Any], fl: dict[str, Any] | None, backend: str = "sqlite") -> dict[str, bool | None]:
    """Whether each target is met (None: not measurable in this run)."""
    return {key: (None if ratio is None else ok) for key, (_, ratio, ok) in targets(backend, r, fl).items()}


def targets(
    backend: str, r: dict[str, Any], fl: dict[str, Any] | None
) -> dict[str, tuple[str, float | None, bool]]:
    """Each target's (measured figure, ratio of the figure to the target, met)."""
    f = fl or {}
    out: dict[str, tuple[str, float | None, bool]] = {}
    rung = (f.get("ladder") or {}).get("library_projection", {}).get("rate")
    if backend == "sqlite":
        of_rung = r["import_rate"] / rung if rung else None
        out["import_sqlite"] = (
            f"{r['import_rate']:,.0f} claims/s"
            + ("" if of_rung is None else f", {of_rung:.2f}x the save+projection rung"),
            r["import_rate"] / 25_000,
            r["import_rate"] >= 25_000 and of_rung is not None and of_rung >= 0.8,
        )
    else:
        out["import_postgres"] = (
            f"{r['import_rate']:,.0f} claims/s",
            r["import_rate"] / 12_000,
            r["import_rate"] >= 12_000,
        )
    if "amendment_rate" in r:
        rate = r["amendment_rate"]
        out["amendments"] = (f"{rate:,.0f} records/s", rate / 10_000, rate >= 10_000)
    floor_rate = (f.get("rebuild_floor") or {}).get("events_rate")
    of_floor = r["rebuild_rate"] / floor_rate if floor_rate else None
    out["rebuild"] = (
        f"{r['rebuild_rate']:,.0f} events/s"
        + ("" if of_floor is None else f", {of_floor:.2f}x the rebuild floor"),
        r["rebuild_rate"] / 25_000,
        r["rebuild_rate"] >= 25_000 and of_floor is not None and of_floor >= 0.5,
    )
    out["state_all"] = (_ms(r["state_all_p50"]), r["state_all_p50"] / 0.035, r["state_all_p50"] <= 0.035)
    points = r["checkpoints"]
    if len(points) >= 2 and points[0].get("places") and points[-1].get("places"):
        first = points[0]["state_all_p50"] / points[0]["places"]
        last = points[-1]["state_all_p50"] / points[-1]["places"]
        out["state_flat"] = (
            f"{1e6 * first:.1f} → {1e6 * last:.1f} µs a place ({points[0]['claims']:,} → "
            f"{points[-1]['claims']:,} claims): {last / first:.2f}x",
            last / first / 1.5,
            last / first <= 1.5,
        )
    out["state_one"] = (_ms(r["state_one_p50"]), r["state_one_p50"] / 0.0002, r["state_one_p50"] <= 0.0002)
    out["timeline"] = (_ms(r["timeline_p50"]), r["timeline_p50"] / 0.0005, r["timeline_p50"] <= 0.0005)
    out["cli"] = (_ms(r["cli_p50"]), r["cli_p50"] / 0.120, r["cli_p50"] <= 0.120)
    if "table_p50" in r:
        out["table"] = (
            f"{r['table_p50']:.2f} s ({r['table_places']:,} places)",
            r["table_p50"] / 0.5,
            r["table_p50"] <= 0.5,
        )
    out["rss"] = (
        f"{r['import_peak_rss_mb']:,.0f} MB",
        r["import_peak_rss_mb"] / 250,
        r["import_peak_rss_mb"] <= 250,
    )
    return out


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:,.1f} ms" if seconds >= 0.001 else f"{1000 * seconds:.3f} ms"


def _ratio(ours: float, base: float | None) -> str:
    return "" if not base else f"{ours / base:,.1f}x"


def rows(backend: str, r: dict[str, Any], fl: dict[str, Any] | None) -> list[tuple[str, ...]]:
    """Every figure beside its floor, measured in the same run."""
    f = fl or {}
    rebuild_floor = f.get("rebuild_floor") or {}
    out: list[tuple[str, ...]] = [
        (
            "import rate (reports)",
            backend,
            f"{r['import_rate']:,.0f} claims/s",
            f"{f['import_rate']:,.0f} claims/s" if fl else "",
            f"rate {r['import_rate'] / f['import_rate']:.3f}x" if fl else "",
        ),
        (
            "import time (all files)",
            backend,
            f"{r['import_seconds_all']:,.1f} s",
            f"{f['seconds']:,.2f} s" if fl else "",
            f"warlog {r['import_seconds_all'] / f['seconds']:,.1f}x floor" if fl else "",
        ),
    ]
    if "amendment_rate" in r:
        out.append(
            ("import corrections+retractions", backend, f"{r['amendment_rate']:,.0f} records/s", "", "")
        )
    for point in r["checkpoints"]:
        places = f", {point['places']:,.0f} places" if point.get("places") else ""
        out.append(
            (
                f"state all places @ {point['claims']:,} claims",
                backend,
                f"{_ms(point['state_all_p50'])} p50{places}",
                "",
                "",
            )
        )
    out += [
        (
            f"state all places @ {r['claims']:,}, random",
            backend,
            f"{_ms(r['state_all_p50'])} p50",
            f"{_ms(f['state_all_p50'])}" if fl else "",
            _ratio(r["state_all_p50"], f.get("state_all_p50")),
        ),
        (
            "  (p95)",
            backend,
            f"{_ms(r['state_all_p95'])} p95",
            f"{_ms(f['state_all_p95'])}" if fl else "",
            _ratio(r["state_all_p95"], f.get("state_all_p95")),
        ),
        (
            "state one place",
            backend,
            f"{_ms(r['state_one_p50'])} p50",
            _ms(f["state_one_p50"]) if fl else "",
            _ratio(r["state_one_p50"], f.get("state_one_p50")),
        ),
        (
            "timeline",
            backend,
            f"{_ms(r['timeline_p50'])} p50",
            _ms(f["timeline_p50"]) if fl else "",
            _ratio(r["timeline_p50"], f.get("timeline_p50")),
        ),
        (
            "rebuild",
            backend,
            f"{r['rebuild_rate']:,.0f} events/s",
            f"{rebuild_floor['events_rate']:,.0f} events/s" if rebuild_floor else "",
            f"rate {r['rebuild_rate'] / rebuild_floor['events_rate']:.3f}x" if rebuild_floor else "",
        ),
        (
            "warlog state --place X (process)",
            backend,
            f"{_ms(r['cli_p50'])} p50",
            _ms(f["cli_p50"]) if fl else "",
            _ratio(r["cli_p50"], f.get("cli_p50")),
        ),
    ]
    if "table_p50" in r:
        out.append(("warlog state --at D (table, process)", backend, f"{_ms(r['table_p50'])} p50", "", ""))
    out += [
        ("import peak RSS", backend, f"{r['import_peak_rss_mb']:,.0f} MB", "", ""),
        (
            "bytes on disk per claim",
            backend,
            f"{r['bytes_per_claim']:,.0f} B",
            f"{f['bytes_per_claim']:,.0f} B" if fl else "",
            _ratio(r["bytes_per_claim"], f.get("bytes_per_claim")),
        ),
    ]
    return out


def target_rows(backend: str, r: dict[str, Any], fl: dict[str, Any] | None) -> list[tuple[str, ...]]:
    """Every target with the measured figure and its ratio to the target."""
    mark = {True: "✓", False: "✗"}
    return [
        (TARGETS[key], backend, figure, "" if ratio is None else f"{ratio:.2f}x", mark[ok])
        for key, (figure, ratio, ok) in targets(backend, r, fl).items()
    ]


def ladder_lines(fl: dict[str, Any], measured: dict[str, dict[str, Any]]) -> list[str]:
    """The import ladder, each rung with its ratio to the rung below it."""
    rungs = [("raw SQLite floor (executemany, one transaction)", fl["import_rate"])]
    lad = fl.get("ladder") or {}
    if "library_save" in lad:
        rungs.append(("eventsourcing Application.save, batched", lad["library_save"]["rate"]))
    if "library_projection" in lad:
        rungs.append(("  + batched projection, one row per claim", lad["library_projection"]["rate"]))
    if "sqlite" in measured:
        rungs.append(("warlog import (signed)", measured["sqlite"]["import_rate"]))
    lines = ["import ladder (SQLite, the same files, this run):"]
    for number, (name, rate) in enumerate(rungs):
        below = "" if number == 0 else f"  {rate / rungs[number - 1][1]:.2f}x the rung below"
        lines.append(f"  {name:<50} {rate:>9,.0f} claims/s{below}")
    return lines


HEADER = ("metric", "backend", "value", "floor", "vs floor")
TARGET_HEADER = ("target", "backend", "measured", "vs target", "ok")


def print_table(table: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> None:
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()  # noqa: E731
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print(line(row))


def top_functions(paths: list[str], n: int) -> str:
    stream = io.StringIO()
    stats = pstats.Stats(*paths, stream=stream)
    stats.strip_dirs().sort_stats("cumulative").print_stats(n)
    text = stream.getvalue()
    return text[text.find("   ncalls") :].rstrip()


def source_digest() -> str:
    """A digest of the warlog package's source, to tell which code a run measured."""
    import hashlib

    import warlog

    digest = hashlib.sha256()
    for path in sorted(Path(warlog.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Main --------------------------------------------------------------------------


def postgres_reachable(url: str) -> str | None:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as error:  # any failure means: skip with the reason
        return str(error).strip() or type(error).__name__
    return None


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--small", action="store_true", help="~20,000 claims and 500 places, under a minute (CI smoke)"
    )
    p.add_argument("--claims", type=int, help="claims to file (default 1,000,000; --small 20,000)")
    p.add_argument("--places", type=int, help="places (default 5,000; --small 500)")
    p.add_argument(
        "--batch",
        type=int,
        default=20_000,
        help="reports (or corrections) per import file, i.e. per transaction",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres (default both)"
    )
    p.add_argument(
        "--postgres",
        default=POSTGRES_URL,
        help=f"PostgreSQL database for a throwaway bench_<hex> schema (default {POSTGRES_URL})",
    )
    p.add_argument("--samples", type=int, default=30, help="random queries per figure (≥ 30)")
    p.add_argument(
        "--checkpoint-samples", type=int, default=15, help="state queries at each of 10k/100k/1M claims"
    )
    p.add_argument("--cli-runs", type=int, default=10, help="runs of `warlog state --place X`")
    p.add_argument("--table-runs", type=int, default=3, help="runs of `warlog state --at D` as a table")
    p.add_argument(
        "--import-timeout",
        type=float,
        default=600,
        help="seconds an import file may take before the backend is given up (default 600)",
    )
    p.add_argument("--workdir", help="keep the generated files and databases here")
    p.add_argument("--out", help="write the figures as JSON to this file")
    p.add_argument(
        "--profile",
        metavar="DIR",
        help="cProfile the imports and the state of all places into DIR/<backend>/, "
        "and print the top 15 functions by cumulative time",
    )
    args = p.parse_args(argv)
    args.claims = args.claims or (20_000 if args.small else 1_000_000)
    args.places = args.places or (500 if args.small else 5_000)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        p.error(f"unknown backend(s): {', '.join(sorted(unknown))}; use sqlite, postgres")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    plan = Plan(claims=args.claims, places=args.places, batch=args.batch, seed=args.seed)
    began = time.perf_counter()
    source, load = source_digest(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="warlog-bench-") as scratch:
        directory = Path(args.workdir or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        args.directory = directory
        for name in (
            "warlog.db",
            "warlog.db-wal",
            "warlog.db-shm",
            "floor.sqlite",
            "floor.sqlite-wal",
            "floor.sqlite-shm",
        ):
            (directory / name).unlink(missing_ok=True)  # left by an earlier run in --workdir
        log(f"generating {plan.claims:,} claims over {plan.places:,} places in {directory}")
        archive = generate(plan, directory)
        log(
            f"  {archive.reports:,} reports, {archive.claims:,} claims, {archive.corrections:,} "
            f"corrections, {archive.retractions:,} retractions, {archive.bytes / 1e6:,.1f} MB "
            f"in {sum(len(s.files) for s in archive.segments)} files, "
            f"{time.perf_counter() - began:.1f} s"
        )
        results: dict[str, Any] = {}
        notes: list[str] = []
        for backend in args.backends:
            if backend == "sqlite":
                try:
                    results["sqlite"] = measure(
                        "sqlite", str(directory / "warlog.db"), archive, plan, args, None
                    )
                except ImportFailed as failed:
                    notes.append(f"sqlite: not measured: {failed}")
                    log(notes[-1])
                    results["sqlite"] = {"skipped": str(failed)}
                continue
            reason = postgres_reachable(args.postgres)
            if reason is not None:
                notes.append(f"postgres: skipped, {args.postgres} unreachable: {reason}")
                log(notes[-1])
                results["postgres"] = {"skipped": reason}
                continue
            import psycopg

            schema = f"bench_{uuid.uuid4().hex[:16]}"
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
                try:
                    results["postgres"] = measure(
                        "postgres", f"{args.postgres}?schema={schema}", archive, plan, args, schema
                    )
                except ImportFailed as failed:
                    notes.append(f"postgres: not measured: {failed}")
                    log(notes[-1])
                    results["postgres"] = {"skipped": str(failed)}
                finally:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        measured = {k: v for k, v in results.items() if "skipped" not in v}
        if not measured:
            for note in notes:
                print(note)
            raise SystemExit("no backend measured")
        first = next(iter(measured.values()))
        log("floor: raw sqlite3 executemany of the same bytes, one transaction")
        samples = measured.get("sqlite", first)["query_samples"]
        fl = floor(archive, directory, measured.get("sqlite"), samples, args)
        log("ladder: eventsourcing's own batched save, then with a batched projection")
        fl["ladder"] = ladder(archive, directory)
        if "sqlite" in measured:
            log("rebuild floor: raw inserts of the read-model rows the rebuild wrote")
            fl["rebuild_floor"] = rebuild_floor(
                measured["sqlite"]["db"], directory, measured["sqlite"]["rebuild_events"]
            )

    print(
        f"warlog benchmark: {archive.claims:,} claims in {archive.reports:,} reports, "
        f"{plan.places:,} places, {plan.actors} actors, {archive.corrections:,} corrections, "
        f"{archive.retractions:,} retractions; seed {plan.seed}, {plan.batch:,} reports per import"
    )
    print(
        f"warlog source {source}; load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} "
        f"at the end, on {os.cpu_count()} CPUs"
    )
    print(
        f"floor: raw sqlite3 executemany, one transaction, of {fl['source']} ({fl['events']:,}) "
        f"and one row per claim ({fl['claims']:,}): {fl['seconds']:.2f} s = "
        f"{fl['import_rate']:,.0f} claims/s, {fl['events_rate']:,.0f} events/s"
    )
    print(
        "floor queries, in plain SQL on that file: state of all places = one index seek per place "
        "(its latest claim on the date, as known then); one place and timeline = one indexed range "
        "fetch; the process = python -c running that fetch"
    )
    print()
    table = []
    for backend, r in measured.items():
        table += rows(backend, r, fl)
    print_table(table)
    print()
    for line in ladder_lines(fl, measured):
        print(line)
    if "rebuild_floor" in fl:
        rf = fl["rebuild_floor"]
        print(
            f"rebuild floor: raw executemany of the {rf['rows']:,} read-model rows the rebuild wrote, "
            f"one transaction: {rf['seconds']:.2f} s = {rf['events_rate']:,.0f} events/s"
        )
    print()
    table = []
    for backend, r in measured.items():
        table += target_rows(backend, r, fl)
    print_table(table, TARGET_HEADER)
    print(
        "(the machine is shared: absolute figures are noisy; the ratios to rungs and floors "
        "measured in this run are the ones to compare)"
    )
    for note in notes:
        print(note)
    for backend, r in measured.items():
        if not r["rebuild_same_state"]:
            print(f"{backend}: WARNING: state after rebuild differs from state before it")
    if source_digest() != source:
        notes.append("WARNING: warlog's source changed during the run; the figures mix versions")
        print(notes[-1])
    missing = [c for c in CHECKPOINTS if c > archive.claims]
    if missing:
        print(
            f"note: {archive.claims:,} claims, so no checkpoint at "
            f"{', '.join(f'{c:,}' for c in missing)}; targets are for 1,000,000"
        )
    if args.profile:
        for backend in measured:
            where = Path(args.profile, backend)
            for title, pattern in (
                ("import of the report files", "import-*-reports.prof"),
                ("import of the corrections and retractions", "import-*-amendments.prof"),
                ("state of all places", "state-all.prof"),
            ):
                found = sorted(str(p) for p in where.glob(pattern))
                if found:
                    print(f"\nprofile [{backend}] {title}: top 15 by cumulative time ({where})")
                    print(top_functions(found, 15))
    print(f"total {time.perf_counter() - began:.0f} s")
    if args.out:
        figures = {
            "plan": asdict(plan),
            "archive": {
                k: v for k, v in asdict(archive).items() if k not in ("places", "aliases", "segments")
            },
            "floor": fl,
            "backends": {k: {n: v for n, v in r.items() if n != "query_samples"} for k, r in results.items()},
            "targets": TARGETS,
            "met": {k: judge(r, fl, k) for k, r in measured.items()},
            "notes": notes,
            "source": source,
            "load_average": {"start": load, "end": os.getloadavg()[0]},
        }
        Path(args.out).write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # so `finally` drops the PostgreSQL schema and stops the worker


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if len(sys.argv) > 1 and sys.argv[1] == WORKER_FLAG:
        import_worker(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(main(sys.argv[1:]))
