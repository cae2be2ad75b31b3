"""Smoke test of the benchmark script: `--small` on SQLite runs to the end and prints its table.

It checks that the script works, not how fast warlog is: the figures vary with the
host, and the targets are for a million claims.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"


def test_bench_small_runs_and_prints_the_table(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--small", "--backends", "sqlite", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    assert any(line.split() == ["metric", "backend", "value", "floor", "vs", "floor"] for line in lines), (
        done.stdout
    )
    assert any(line.split() == ["target", "backend", "measured", "vs", "target", "ok"] for line in lines)
    ladder = lines[lines.index("import ladder (SQLite, the same files, this run):") :][1:5]
    assert [line.split()[0] for line in ladder] == ["raw", "eventsourcing", "+", "warlog"], ladder
    assert all("x the rung below" in line for line in ladder[1:]), ladder
    assert any(line.startswith("rebuild floor: raw executemany") for line in lines)
    assert any(line.startswith("floor: raw sqlite3 executemany") and "claims/s" in line for line in lines), (
        done.stdout
    )
    assert any(line.startswith("import rate (reports)") and "sqlite" in line for line in lines)
    figures = json.loads(out.read_text())
    sqlite = figures["backends"]["sqlite"]
    assert sqlite["claims"] == figures["archive"]["claims"] == 20_000
    assert sqlite["rebuild_same_state"] is True
    assert figures["floor"]["claims"] == 20_000
    assert set(figures["met"]["sqlite"]) >= {"import_sqlite", "amendments", "rebuild", "state_one", "rss"}
