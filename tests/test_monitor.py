"""The monitor: new events since its last run, watched ones first; forks, rewrites and truncations stop it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import Result

from clirun import as_json, ok
from test_tiles import correct, keyed, vkey_of  # noqa: F401  (fixture)
from test_witness import bare, fork, insider_mirror, last_correction
from warlog.audit.tiles import tile_path


def good(*args: str) -> Result:
    result = bare(*args)
    assert result.exit_code == 0, result.output
    return result


def watch(db: str, mirror: Path, state: Path, *args: str) -> dict[str, object]:
    return as_json(good("monitor", "--tiles", str(mirror), "--state", str(state), *args, "--json"))  # type: ignore[no-any-return]


@pytest.fixture
def seen(keyed: str, tmp_path: Path) -> tuple[str, Path, Path]:  # noqa: F811
    """An archive, its mirror, and a monitor that has read it all once."""
    mirror, state = tmp_path / "mirror", tmp_path / "monitor.json"
    correct(keyed, 1)
    ok(keyed, "tiles", str(mirror))
    first = watch(keyed, mirror, state, "--key", vkey_of(keyed), "--watch", "place=Homs")
    assert first["old_size"] == 0 and first["watched"]
    return keyed, mirror, state


def test_the_first_run_lists_everything_watched_places_first(keyed: str, tmp_path: Path) -> None:  # noqa: F811
    ok(keyed, "tiles", str(tmp_path / "mirror"))
    run = watch(
        keyed, tmp_path / "mirror", tmp_path / "m.json", "--key", vkey_of(keyed), "--watch", "place=Homs"
    )
    watched, others = run["watched"], run["others"]
    assert isinstance(watched, list) and isinstance(others, list)
    assert len(watched) + len(others) == run["size"]
    assert all("place=Homs" in e["watched"] for e in watched)
    assert any(e["type"] == "Report.Filed" and "Homs" in e["summary"] for e in watched)
    assert not any(
        "Homs" in str(e["summary"]).split(" from ")[-1] for e in others if e["type"] == "Report.Filed"
    )


def test_a_later_run_lists_only_what_is_new_and_flags_amendments_of_watched_reports(
    seen: tuple[str, Path, Path],
) -> None:
    db, mirror, state = seen
    before = orjson.loads(state.read_bytes())["size"]
    correct(db, 2)  # of the Reuters report on Homs, which the monitor saw filed
    ok(db, "tiles", str(mirror))
    run = watch(db, mirror, state, "--watch", "place=Homs", "--watch", "archivist=nobody")
    assert run["old_size"] == before
    corrections = [e for e in run["watched"] if e["type"] == "Report.ClaimCorrected"]  # type: ignore[union-attr]
    assert len(corrections) == 2
    assert corrections[0]["watched"] == ["place=Homs (its report)"]
    again = watch(db, mirror, state)
    assert again["watched"] == [] and again["others"] == []


def test_the_text_output_says_how_far_it_read(seen: tuple[str, Path, Path]) -> None:
    db, mirror, state = seen
    correct(db, 1)
    ok(db, "tiles", str(mirror))
    shown = good("monitor", "--tiles", str(mirror), "--state", str(state), "--watch", "place=Homs").stdout
    head = shown.splitlines()[0]
    assert "new event(s)" in head and "consistent with what this monitor saw" in head
    assert "place=Homs (its report)" in shown


def test_an_insider_fork_stops_the_monitor_with_one_line_and_keeps_its_state(
    seen: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, _, state = seen
    kept = state.read_bytes()
    forked = fork(db, last_correction(db), tmp_path)
    correct(forked, 3)
    insider_mirror(forked, tmp_path / "forked-mirror")
    result = bare("monitor", "--tiles", str(tmp_path / "forked-mirror"), "--state", str(state))
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1 and "FORK" in result.output
    assert state.read_bytes() == kept


def test_a_truncated_log_stops_the_monitor(seen: tuple[str, Path, Path], tmp_path: Path) -> None:
    db, _, state = seen
    dump = tmp_path / "all.dump"
    ok(db, "dump", "-o", str(dump))
    lines = dump.read_bytes().splitlines(keepends=True)
    (tmp_path / "short.dump").write_bytes(b"".join(lines[:-5]))
    short = str(tmp_path / "short.db")
    ok(short, "restore", str(tmp_path / "short.dump"))
    import shutil

    shutil.copytree(db + ".keys", short + ".keys")
    insider_mirror(short, tmp_path / "short-mirror")
    result = bare("monitor", "--tiles", str(tmp_path / "short-mirror"), "--state", str(state))
    assert result.exit_code == 1 and "TRUNCATED" in result.output


def test_a_tile_rewritten_in_place_stops_the_monitor(seen: tuple[str, Path, Path]) -> None:
    db, mirror, state = seen
    correct(db, 1)
    ok(db, "tiles", str(mirror))
    size = int((mirror / "checkpoint").read_text().split("\n")[1])
    tile = mirror / tile_path(0, 0, size % 256) if size < 256 else mirror / tile_path(0, 0)
    data = bytearray(tile.read_bytes())
    data[0] ^= 0xFF
    tile.write_bytes(bytes(data))
    result = bare("monitor", "--tiles", str(mirror), "--state", str(state))
    assert result.exit_code == 1 and "ALTERED" in result.output


def test_the_monitor_needs_a_key_first_and_keeps_to_it(keyed: str, tmp_path: Path) -> None:  # noqa: F811
    from warlog.audit.checkpoint import generate_key, vkey

    ok(keyed, "tiles", str(tmp_path / "mirror"))
    state = tmp_path / "m.json"
    first = bare("monitor", "--tiles", str(tmp_path / "mirror"), "--state", str(state))
    assert first.exit_code == 1 and "--key" in first.output and not state.exists()
    good("monitor", "--tiles", str(tmp_path / "mirror"), "--state", str(state), "--key", vkey_of(keyed))
    other = vkey(vkey_of(keyed).split("+")[0], generate_key().public_key())
    swapped = bare("monitor", "--tiles", str(tmp_path / "mirror"), "--state", str(state), "--key", other)
    assert swapped.exit_code == 1 and "new state file" in swapped.output
    bad = bare("monitor", "--tiles", str(tmp_path / "mirror"), "--state", str(state), "--watch", "town=Homs")
    assert bad.exit_code == 1 and "place=NAME" in bad.output
