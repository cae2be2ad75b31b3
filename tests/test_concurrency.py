"""Real processes against real stores: concurrent writers, racing corrections, killed imports."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

import warlog
from model import folded_state
from warlog import clock

PLACES = ["Homs", "Hama", "Aleppo", "Douma", "Qudsaya", "Idlib", "Daraa", "Damascus"]
ACTORS = ["Syrian government", "opposition", "SDF"]
STATUSES = ["controlled", "contested", "besieged", "withdrawn"]


def write_reports(path: Path, prefix: str, count: int, seed: int) -> Path:
    rng = random.Random(seed)
    with path.open("wb") as out:
        for n in range(count):
            day = f"2024-{rng.randint(11, 12)}-{rng.randint(1, 28):02d}"
            claims = [
                {
                    "place": rng.choice(PLACES),
                    "actor": rng.choice(ACTORS),
                    "status": rng.choice(STATUSES),
                    "date": day,
                    "credibility": rng.randint(1, 6),
                }
                for _ in range(rng.randint(1, 4))
            ]
            out.write(
                orjson.dumps(
                    {
                        "type": "report",
                        "id": f"{prefix}-{n}",
                        "source": prefix,
                        "published": day,
                        "reliability": rng.choice("ABCDEF"),
                        "claims": claims,
                    }
                )
                + b"\n"
            )
    return path


def warlog_process(db: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WARLOG_DB": db, "WARLOG_ARCHIVIST": "worker"}
    return subprocess.Popen(
        [sys.executable, "-m", "warlog", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def run(db: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    process = warlog_process(db, *args)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def positions_and_reports(db: str) -> tuple[list[int], list[str]]:
    archive = warlog.open(db)
    try:
        positions = [n.id for n in archive.recorder.select_notifications(start=1, limit=10**9)]
        archive.catch_up()
        return positions, sorted(archive.view.report_ids(limit=10**9))
    finally:
        archive.close()


def assert_read_model_equals_a_replay(db: str) -> None:
    archive = warlog.open(db)
    try:
        now = clock.format_time(clock.now())
        for day in ("2024-11-15", "2024-12-07", "2024-12-31"):
            state = archive.state(at=day, known_at=now).to_dict()["places"]
            got = {
                ", ".join([p.pop("place"), *p.pop("within")]): {
                    **p,
                    "claims": sorted((c["report"], c["claim"]) for c in p["claims"]),
                }
                for p in state
            }
            assert got == folded_state(archive, day, now)
    finally:
        archive.close()


def test_four_processes_importing_at_once_lose_and_duplicate_nothing(db: str, tmp_path: Path) -> None:
    assert run(db, "init").returncode == 0
    files = [write_reports(tmp_path / f"f{i}.jsonl", f"w{i}", 150, seed=i) for i in range(4)]
    processes = [warlog_process(db, "import", str(f)) for f in files]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    positions, reports = positions_and_reports(db)
    assert positions == sorted(set(positions))
    assert reports == sorted(f"w{i}-{n}" for i in range(4) for n in range(150))
    assert_read_model_equals_a_replay(db)


def test_racing_corrections_land_once_or_say_conflict(db: str, tmp_path: Path) -> None:
    write_reports(tmp_path / "r.jsonl", "r", 3, seed=7)
    assert run(db, "import", str(tmp_path / "r.jsonl")).returncode == 0
    landed = 0
    for attempt in range(6):
        racers = [
            warlog_process(
                db, "correct", "r-0", "1", "--set", f"credibility={c}", "--reason", f"round {attempt} by {c}"
            )
            for c in (1, 5)
        ]
        for racer in racers:
            _, err = racer.communicate(timeout=120)
            if racer.returncode == 0:
                landed += 1
            else:
                message = err.decode()
                assert "at the same moment" in message or "changes nothing" in message, message
                assert "Traceback" not in message
    archive = warlog.open(db)
    try:
        corrections = [e for e in archive.log() if e.event == "Report.ClaimCorrected"]
        assert len(corrections) == landed
    finally:
        archive.close()


def test_a_conflicting_correction_is_refused_whole_and_can_be_retried(db: str, tmp_path: Path) -> None:
    write_reports(tmp_path / "r.jsonl", "r", 1, seed=3)
    assert run(db, "import", str(tmp_path / "r.jsonl")).returncode == 0
    first, second = warlog.open(db), warlog.open(db)
    try:
        records = [
            {
                "type": "correction",
                "report": "r-0",
                "claim": 1,
                "set": {"credibility": c},
                "reason": f"by {c}",
            }
            for c in (1, 5)
        ]
        mine, theirs = (a._importer("ana", bare=False) for a in (first, second))
        mine.add_all(warlog.records.check(records[0], "-"))
        theirs.add_all(warlog.records.check(records[1], "-"))
        first._save(mine.touched())
        with pytest.raises(warlog.Conflict, match="at the same moment"):
            second._save(theirs.touched())
        second.correct("r-0", 1, {"credibility": 5}, "by 5", "ben")
        history = second.history("r-0")
        assert [(c.kind, c.archivist) for c in history][-2:] == [("corrected", "ana"), ("corrected", "ben")]
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_import_leaves_whole_imports_only(db: str, tmp_path: Path, seed: int) -> None:
    assert run(db, "init").returncode == 0
    big = write_reports(tmp_path / "big.jsonl", "big", 3000, seed=seed)
    started = time.monotonic()
    assert run(db, "import", str(write_reports(tmp_path / "warm.jsonl", "warm", 1, 0))).returncode == 0
    duration = max(0.3, time.monotonic() - started) * 3
    process = warlog_process(db, "import", str(big))
    time.sleep(random.Random(seed).uniform(0.05, duration))
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    _, reports = positions_and_reports(db)
    filed = [r for r in reports if r.startswith("big-")]
    assert len(filed) in (0, 3000), f"a killed import left {len(filed)} of 3000 reports"
    assert run(db, "state").returncode == 0  # the read model catches up on the next command
    assert_read_model_equals_a_replay(db)
    again = run(db, "import", str(big), "--json")
    assert again.returncode == 0, again.stderr.decode()
    positions, reports = positions_and_reports(db)
    assert len([r for r in reports if r.startswith("big-")]) == 3000
    assert positions == sorted(set(positions))
    assert_read_model_equals_a_replay(db)
