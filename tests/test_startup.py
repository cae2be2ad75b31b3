"""Start-up: the help and the reading commands load only what they use.

Each command runs as its own process under `python -X importtime`, which
names every module imported; a reading command must not pay for pydantic,
cryptography, matplotlib, rich (when its output is a pipe), the modules of
other commands, or warlog's own modules for writing (the event classes among
them: the read model answers, so no event is decoded).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import warlog
from warlog.archive import DATA
from warlog.ids import PLACES_ID

# Modules the reading commands never need, whatever the command.
FORBIDDEN = ("pydantic", "cryptography", "matplotlib", "rich", "jsonschema", "jsonschema_rs")
# warlog's modules that no reading command needs while the read model is caught up with the log (as
# here): the event classes (built as `warlog.domain` loads), the checks of input, sealing and the
# evidence stores, the auditors' comparisons.
UNUSED = (
    "warlog.domain",
    "warlog.importer",
    "warlog.records",
    "warlog.text",
    "warlog.evidence.seal",
    "warlog.evidence.keys",
    "warlog.evidence.blobs",
    "warlog.diff",
)
# The command-line modules every command may use; each command adds its own.
SHARED = {
    "warlog.cli",
    "warlog.cli.app",
    "warlog.cli.options",
    "warlog.cli.render",
    "warlog.cli.terminal",
    "warlog.cli.written",
    "warlog.cli.tables",
    "warlog.cli.explain",
}
READING = [
    ((), "app"),
    (("--help",), "app"),
    (("state", "--help"), "research"),
    (("state", "--place", "Homs"), "research"),
    (("state", "--at", "2024-12-07"), "research"),
    (("state", "--at", "2024-12-07", "--json"), "research"),
    (("timeline", "Homs"), "research"),
    (("places",), "research"),
    (("history", "Homs"), "audit"),
    (("log", "--limit", "3"), "audit"),
    (("policy",), "policy"),
]
# History shows quotes and attributions, which the archive keeps sealed (AES-GCM): opening them
# is the one reading that needs cryptography. The log shows the stored events themselves, so it
# decodes them (and opens what they seal); the gazetteer is the registry aggregate, read from the log.
NEEDS = {
    "history": {"cryptography", "warlog.evidence.seal", "warlog.evidence.keys"},
    "log": {"warlog.domain", "warlog.evidence.seal", "warlog.evidence.keys"},
    "places": {"warlog.domain"},
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("startup") / "warlog.db")
    opened = warlog.open(db)
    lines = (DATA / "sample.jsonl").read_text("utf-8").splitlines()
    opened.import_file(lines, "sample.jsonl", "ana")
    opened.close()
    return db


def imported(db: str, *args: str) -> set[str]:
    """The modules a `warlog` process imports, its output going to a pipe."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "warlog", *args],
        capture_output=True,
        text=True,
        env={"WARLOG_DB": db, "PATH": str(Path(sys.executable).parent), "COLUMNS": "80"},
        timeout=120,
    )
    assert done.returncode in (0, 2), done.stderr[-2000:]  # 2: no command given, the help shown
    found = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", done.stderr, re.MULTILINE)
    assert found, "python -X importtime reported nothing"
    return set(found)


@pytest.mark.parametrize(("args", "own"), READING, ids=[" ".join(a) or "(none)" for a, _ in READING])
def test_reading_commands_import_nothing_they_do_not_use(
    archive: str, args: tuple[str, ...], own: str
) -> None:
    modules = imported(archive, *args)
    needed = NEEDS.get(args[0] if args else "", set())
    heavy = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN and m.split(".")[0] not in needed)
    assert not heavy, f"warlog {' '.join(args)} imports {', '.join(heavy[:8])}"
    allowed = SHARED | {f"warlog.cli.{own}"}
    others = sorted(m for m in modules if m.startswith("warlog.cli.") and m not in allowed)
    assert not others, f"warlog {' '.join(args)} imports other commands' modules: {', '.join(others)}"
    unused = sorted(m for m in modules if m in UNUSED and m not in needed)
    assert not unused, f"warlog {' '.join(args)} imports {', '.join(unused)}, which reading does not use"


def test_the_help_does_not_even_load_the_archive(archive: str) -> None:
    modules = imported(archive, "--help")
    assert "warlog.archive" not in modules
    assert "eventsourcing" not in modules


def test_the_registries_are_still_snapshotted_every_500_events(tmp_path: Path) -> None:
    """The snapshot intervals name event classes, so they are built on saving, not on opening."""
    opened = warlog.open(str(tmp_path / "warlog.db"))
    opened.start("ana", bare=True)
    place = {"type": "place", "kind": "town", "lat": 34, "lon": 36}
    lines = [json.dumps({**place, "name": f"Place {i}"}) for i in range(520)]
    opened.import_file(lines, "places.jsonl", "ana")
    assert opened.snapshots is not None
    assert [s.originator_version for s in opened.snapshots.recorder.select_events(PLACES_ID)] == [500]
    opened.close()
