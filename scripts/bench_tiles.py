#!/usr/bin/env python3
"""Measure the static mirror: `warlog tiles` written whole, then incrementally, and `verify --tiles`.

    python scripts/bench_tiles.py --archive PATH [--claims N] [--dir TILES] [--new-events 1000]

With an archive at PATH it is used as it is; without one, PATH is built first
from `scripts/bench.py`'s generator (the benchmark's million-claim archive by
default; this takes a long while, so the file is kept for the next run) and
given an archive key. Then, each through the CLI as a subprocess, timed:

1. `warlog tiles DIR` writes the whole log as tiles;
2. `warlog verify --tiles DIR --key VKEY` reads it back from the files alone;
3. 1,000 new events (a file of reports) are imported and `warlog tiles DIR`
   runs again: the files it rewrote are counted (by modification time and
   content) and compared with the tiles that had to change.

The figures print as a small table; `--out` writes them as JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ARCHIVIST = "bench"


def _bench_module() -> Any:
    """scripts/bench.py, for its deterministic generator of archives shaped like real data."""
    spec = importlib.util.spec_from_file_location("warlog_bench", HERE / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["warlog_bench"] = module
    spec.loader.exec_module(module)
    return module


def warlog(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "warlog", *args, "--db", str(db)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def build(db: Path, claims: int, places: int) -> None:
    """Generate the benchmark archive's import files and import them through the public API."""
    import warlog as api

    bench = _bench_module()
    with tempfile.TemporaryDirectory(prefix="bench-tiles-") as scratch:
        generated = bench.generate(bench.Plan(claims=claims, places=places), Path(scratch))
        archive = api.open(str(db))
        began = time.perf_counter()
        for segment in generated.segments:
            for file in segment.files:
                with open(file.path, "rb") as lines:
                    archive.import_file(lines, Path(file.path).name, archivist=ARCHIVIST)
                log(f"imported {Path(file.path).name} ({time.perf_counter() - began:.0f} s)")
        archive.close()
    if not _has_key(db):
        warlog("keygen", db=db)


def _has_key(db: Path) -> bool:
    import warlog as api

    archive = api.open(str(db))
    try:
        keys = archive.keys()
        return keys is not None and keys.archive_key is not None
    finally:
        archive.close()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, required=True, help="SQLite archive (built if missing)")
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims when building (default 1M)")
    parser.add_argument("--places", type=int, default=5_000, help="places when building")
    parser.add_argument("--build-only", action="store_true", help="build the archive and stop")
    parser.add_argument("--dir", type=Path, help="tiles directory (default: beside the archive)")
    parser.add_argument("--new-events", type=int, default=1_000, help="events appended between runs")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if not args.archive.exists():
        log(f"building {args.archive} ({args.claims:,} claims); this takes a while")
        build(args.archive, args.claims, args.places)
    if args.build_only:
        return 0
    tiles = args.dir or args.archive.with_name(args.archive.name + ".tiles")
    figures = measure(args.archive, tiles, args.new_events)
    for name, value in figures.items():
        print(f"{name:<40} {value:,}" if isinstance(value, int | float) else f"{name:<40} {value}")
    if args.out:
        args.out.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def _vkey(db: Path) -> str:
    import warlog as api
    from warlog.audit.checkpoint import vkey
    from warlog.audit.keyring import public_key

    archive = api.open(str(db))
    keys = archive.keys()
    assert keys is not None and keys.archive_key is not None and keys.origin is not None
    text = vkey(keys.origin, public_key(keys.archive_key))
    archive.close()
    return text


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in root.rglob("*")
        if p.is_file()
    }


def _append(db: Path, events: int) -> None:
    """``events`` new events: single-claim reports on the archive's first place, imported as one file."""
    place = orjson.loads(warlog("places", "--json", db=db).stdout)[0]["name"]
    actor = orjson.loads(warlog("actors", "--json", db=db).stdout)[0]["name"]
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as file:
        for n in range(events):
            file.write(
                orjson.dumps(
                    {
                        "type": "report",
                        "source": "bench-tiles",
                        "published": "2024-12-31",
                        "claims": [{"place": place, "actor": actor, "status": "contested"}],
                        "note": f"appended {time.time_ns()} {n}",
                    }
                )
                + b"\n"
            )
    try:
        warlog("import", file.name, "--archivist", ARCHIVIST, db=db)
    finally:
        os.unlink(file.name)


def measure(db: Path, tiles: Path, new_events: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if tiles.exists():
        raise SystemExit(f"{tiles} exists; give --dir a new directory so the first run writes everything")
    began = time.perf_counter()
    first = warlog("tiles", str(tiles), "--json", db=db)
    figures["first run: seconds"] = round(time.perf_counter() - began, 1)
    written = orjson.loads(first.stdout)
    figures["entries"] = written["size"]
    figures["first run: files written"] = written["files_written"]
    vkey = _vkey(db)
    began = time.perf_counter()
    checked = subprocess.run(
        [sys.executable, "-m", "warlog", "verify", "--tiles", str(tiles), "--key", vkey, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - began
    result = orjson.loads(checked.stdout)
    figures["verify --tiles: ok"] = result["ok"]
    figures["verify --tiles: seconds (whole command)"] = round(seconds, 2)
    figures["verify --tiles: entries/s (whole command)"] = round(result["entries_checked"] / seconds)
    before = _snapshot(tiles)
    _append(db, new_events)
    began = time.perf_counter()
    second = orjson.loads(warlog("tiles", str(tiles), "--json", db=db).stdout)
    figures["second run: seconds"] = round(time.perf_counter() - began, 1)
    after = _snapshot(tiles)
    changed = sorted(p for p in after if before.get(p) != after[p])
    figures["second run: new events"] = second["size"] - second["old_size"]
    figures["second run: files written"] = len(changed)
    figures["second run: files"] = " ".join(changed)
    figures["files in the directory"] = len(after)
    return figures


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
