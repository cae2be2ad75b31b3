"""What editors and other tools put in JSON Lines files is read as the records it means."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest

import warlog
from warlog.archive import Archive
from warlog.domain import Report


def test_a_byte_order_mark_and_windows_line_ends_are_not_part_of_records(db: str, tmp_path: Path) -> None:
    file = tmp_path / "bom.jsonl"
    file.write_bytes(
        b'\xef\xbb\xbf{"type": "report", "id": "r", "source": "x", "published": "2024-12-07", '
        b'"claims": [{"place": "Homs", "actor": "rebels", "status": "controlled"}]}\r\n'
    )
    archive = warlog.open(db)
    try:
        assert archive.import_file(file.read_bytes().splitlines(), str(file), "ana").reports == ["r"]
    finally:
        archive.close()


def test_whole_numbers_written_as_decimals_are_stored_as_integers(db: str) -> None:
    archive = warlog.open(db)
    try:
        archive.import_file(
            [
                b'{"type": "report", "id": "r", "source": "x", "published": "2024-12-07", "claims": '
                b'[{"place": "Homs", "actor": "rebels", "status": "controlled", "credibility": 2.0}]}',
                b'{"type": "correction", "report": "r", "claim": 1.0, "set": {"credibility": 3.0}, '
                b'"reason": "re-graded"}',
            ],
            "file.jsonl",
            "ana",
        )
        filed, corrected = [e.data for e in archive.log() if e.event.startswith("Report.")]
        assert type(filed["claims"][0]["credibility"]) is int
        assert type(corrected["claim"]) is int and type(corrected["changes"]["credibility"]) is int
    finally:
        archive.close()


def test_one_import_is_recorded_at_one_time_after_its_records_were_checked(db: str) -> None:
    sample = (Path(warlog.__file__).parent / "data" / "sample.jsonl").read_bytes().splitlines()
    archive = warlog.open(db)
    try:
        archive.start("ana")
        before = warlog.clock.format_time(warlog.clock.now())
        archive.import_file(sample, "sample.jsonl", "ana")
        times = {e.recorded_at for e in archive.log(since=before)}
        assert len(times) == 1 and times.pop() > before
    finally:
        archive.close()


def test_the_reports_an_import_built_are_let_go_before_the_read_model_catches_up(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import is one transaction: holding its reports while it projects would double its peak."""
    sample = (Path(warlog.__file__).parent / "data" / "sample.jsonl").read_bytes().splitlines()
    archive = warlog.open(db)
    alive: list[int] = []
    catch_up = Archive.catch_up

    def counting(self: Archive, *args: Any, **kwargs: Any) -> int:
        gc.collect()
        alive.append(sum(isinstance(o, Report) for o in gc.get_objects()))
        return catch_up(self, *args, **kwargs)

    try:
        archive.start("ana")
        monkeypatch.setattr(Archive, "catch_up", counting)
        archive.import_file(sample, "sample.jsonl", "ana")
        assert alive[-1] == 0  # the catch-up after the append
    finally:
        archive.close()
