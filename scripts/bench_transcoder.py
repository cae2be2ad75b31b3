"""Time the library's JSONTranscoder against warlog's OrjsonTranscoder.

Run with ``python scripts/bench_transcoder.py [N]``. Each round encodes and decodes
N (default 100,000) distinct event-state dicts shaped like a filed report: the
transcodings an Application registers by default, a UUID and a datetime, and a
list of small claim dicts of plain JSON values. Distinct dicts keep the timing
honest about allocation; the best of a few rounds keeps it steady on a busy host.
The prepared states are frozen out of the garbage collector's view: an application
never holds 100,000 event states at once, and rescanning them on every collection
would add the same large constant to both transcoders and blur the comparison.
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)

from warlog.transcoder import OrjsonTranscoder

ROUNDS = 3
NAMESPACE = UUID("6f1c2a5e-93b4-4d1e-9a3f-0c7d2b8e4a11")
PLACES = ("Homs", "Hama", "Aleppo", "Idlib", "Daraa")
HOLDERS = ("Syrian Arab Army", "Hay'at Tahrir al-Sham", "SDF", "SNA", "contested")


def make_states(n: int) -> list[dict[str, Any]]:
    start = datetime(2024, 11, 27, tzinfo=UTC)
    return [
        {
            "originator_id": uuid5(NAMESPACE, str(i)),
            "originator_version": 1,
            "timestamp": start + timedelta(seconds=i),
            "report_id": f"reuters-2024-12-{i % 28 + 1:02d}-{i}",
            "claims": [
                {
                    "place": PLACES[(i + j) % 5],
                    "holder": HOLDERS[(i * j) % 5],
                    "date": f"2024-12-{j + 1:02d}",
                    "confidence": 3,
                    "quote": "Government forces withdrew from the city overnight.",
                }
                for j in range(5)
            ],
        }
        for i in range(n)
    ]


def with_app_transcodings(transcoder: JSONTranscoder) -> JSONTranscoder:
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    return transcoder


def best_seconds(transcoder: JSONTranscoder, states: list[dict[str, Any]]) -> float:
    encode, decode = transcoder.encode, transcoder.decode
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for state in states:
            decode(encode(state))
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    states = make_states(n)
    gc.collect()
    gc.freeze()
    library = with_app_transcodings(JSONTranscoder())
    ours = with_app_transcodings(OrjsonTranscoder())
    if ours.encode(states[0]) != library.encode(states[0]):
        raise SystemExit("the transcoders disagree about the bytes; not timing them")
    if ours.decode(ours.encode(states[0])) != states[0]:
        raise SystemExit("OrjsonTranscoder does not round-trip the sample; not timing it")
    size = len(library.encode(states[0]))
    print(f"{n:,} event states of ~{size} bytes, encode+decode, best of {ROUNDS} rounds")
    results = {}
    for name, transcoder in (("JSONTranscoder", library), ("OrjsonTranscoder", ours)):
        seconds = best_seconds(transcoder, states)
        results[name] = seconds
        print(f"  {name:<17} {seconds:6.3f} s  {1e6 * seconds / n:6.2f} µs/event")
    print(f"  speed ratio      {results['JSONTranscoder'] / results['OrjsonTranscoder']:.2f}x")


if __name__ == "__main__":
    main()
