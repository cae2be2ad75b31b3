#!/usr/bin/env python3
"""Time the reading queries of whatever warlog is importable, on bench.py's generated data.

    python scripts/bench_queries.py --claims 10000 --places 5000 --dir /tmp/bq
    PYTHONPATH=/path/to/another/checkout/src python scripts/bench_queries.py --dir /tmp/bq

The import files are generated once into --dir (bench.py's generator, seed 1)
and reused, so two source trees — before and after a change — are measured
on the same data, one after the other, each into an archive of its own. It
prints the import time and the median of `state` of all places, of one place
and `timeline`, at random dates and places.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))


def median_ms(call: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--places", type=int, default=5_000)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)

    import bench
    import warlog

    args.dir.mkdir(parents=True, exist_ok=True)
    if not any(args.dir.glob("*-reports.jsonl")):
        bench.generate(bench.Plan(claims=args.claims, places=args.places), args.dir)
    db = args.dir / f"archive-{int(time.time() * 1000)}.db"
    archive = warlog.open(str(db))
    began = time.perf_counter()
    for path in sorted(args.dir.glob("*.jsonl")):
        if "amendments" not in path.name:
            with path.open("rb") as lines:
                archive.import_file(lines, path.name, "bench")
    imported = time.perf_counter() - began
    rng = random.Random(7)
    days = [f"{y}-{m:02d}-15" for y in (2022, 2023, 2024) for m in range(1, 13)]
    places = [p.place for p in archive.state(at="2024-12-31").places]
    print(f"warlog from {Path(warlog.__file__).parent}")
    print(f"import            {imported:8.2f} s")
    every = median_ms(lambda: archive.state(at=rng.choice(days)), 30)
    one = median_ms(lambda: archive.state(at=rng.choice(days), place=rng.choice(places)), 200)
    walk = median_ms(lambda: archive.timeline(rng.choice(places)), 200)
    print(f"state all places  {every:8.2f} ms")
    print(f"state one place   {one:8.3f} ms")
    print(f"timeline          {walk:8.3f} ms")
    archive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
