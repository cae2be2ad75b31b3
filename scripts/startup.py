"""Measure start-up: `warlog state --place Homs` as a whole process, as a user waits for it.

    python scripts/startup.py [--runs N]

Builds a small archive from the shipped sample in a temporary folder, runs the
command N times (after one warm-up run, so that the byte-code cache and the
file cache are warm, as they are for anyone using warlog), and prints the
median and the 90th percentile of the wall-clock time, and `warlog --help`'s.
It also prints the median CPU time (user + system) of the process, which a
machine busy with other work inflates much less than the wall-clock time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import warlog
from warlog.archive import DATA


def cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run."""
    subprocess.run(command, env=env, capture_output=True, check=True)  # warm-up
    wall, spent = [], []
    for _ in range(runs):
        started, before = time.perf_counter(), cpu()
        subprocess.run(command, env=env, capture_output=True, check=True)
        wall.append(time.perf_counter() - started)
        spent.append(cpu() - before)
    return wall, spent


def report(label: str, times: tuple[list[float], list[float]]) -> None:
    wall, spent = times
    p90 = statistics.quantiles(wall, n=10)[-1] if len(wall) >= 2 else wall[0]
    print(
        f"{label}: p50 {statistics.median(wall) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
        f"CPU p50 {statistics.median(spent) * 1000:.0f} ms ({len(wall)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="warlog-startup-") as folder:
        db = str(Path(folder) / "warlog.db")
        archive = warlog.open(db)
        archive.import_file((DATA / "sample.jsonl").read_text("utf-8").splitlines(), "sample.jsonl", "ana")
        archive.close()
        env = {**os.environ, "WARLOG_DB": db}
        command = [str(Path(sys.executable).parent / "warlog")]
        report("warlog state --place Homs", timed([*command, "state", "--place", "Homs"], env, args.runs))
        report("warlog --help", timed([*command, "--help"], env, args.runs))


if __name__ == "__main__":
    main()
