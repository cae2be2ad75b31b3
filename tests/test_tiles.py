"""The static mirror (C2SP tlog-tiles): written incrementally, checked from its files alone,
and read by Go's reference tile code (golang.org/x/mod/sumdb/tlog)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clirun import as_json, cli, ok
from warlog.audit import merkle
from warlog.audit.checkpoint import Checkpoint, generate_key, signed_note
from warlog.audit.tiles import TileDirectory, TileHashes, check_mirror, publish, tile_path

ORIGIN = "warlog.example/tiles-test"
SAMPLE = Path(__file__).parent.parent / "src" / "warlog" / "data" / "sample.jsonl"
GO_SOURCE = Path(__file__).parent / "go" / "warlogverify"


@pytest.fixture(scope="session")
def warlogverify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go verifier, built offline against Debian's golang.org/x/mod (GOPATH mode)."""
    out = tmp_path_factory.mktemp("go") / "warlogverify"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": "/usr/share/gocode",
        "GOCACHE": str(out.parent / "cache"),
        "GOFLAGS": "",
    }
    try:
        subprocess.run(
            ["go", "build", "-o", str(out), "."], cwd=GO_SOURCE, env=env, check=True, capture_output=True
        )
    except FileNotFoundError:
        pytest.fail("Go is needed: apt-get install golang-go golang-golang-x-mod-dev (.ci/run does)")
    except subprocess.CalledProcessError as error:
        pytest.fail(f"building the Go verifier failed: {error.stderr.decode()}")
    return out


def go(binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args], capture_output=True, text=True, check=False)


def reports_only(tmp_path: Path) -> Path:
    """The sample's reports without its amendments (those are made with 'warlog correct')."""
    lines = [
        line
        for line in SAMPLE.read_text("utf-8").splitlines(keepends=True)
        if '"correction"' not in line and '"retraction"' not in line
    ]
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(lines), "utf-8")
    return path


@pytest.fixture
def keyed(tmp_path: Path) -> str:
    """A real SQLite archive: the starter gazetteer, the sample reports, every event signed."""
    db = str(tmp_path / "warlog.db")
    ok(db, "init", archivist="ana")
    cli(db, "keygen", archivist="ana")  # unless init made the key already
    ok(db, "import", str(reports_only(tmp_path)), archivist="ana")
    return db


def vkey_of(db: str) -> str:
    import warlog
    from warlog.audit.checkpoint import vkey
    from warlog.audit.keyring import public_key

    archive = warlog.open(db)
    keys = archive.keys()
    assert keys is not None and keys.archive_key is not None and keys.origin is not None
    text = vkey(keys.origin, public_key(keys.archive_key))
    archive.close()
    return text


def correct(db: str, n: int) -> None:
    """``n`` corrections of the Reuters report on Homs, each a new signed event."""
    import uuid

    for _ in range(n):
        note = f"note=revised {uuid.uuid4().hex[:8]}"
        ok(
            db,
            "correct",
            "reuters-2024-12-07-homs",
            "1",
            "--set",
            note,
            "--reason",
            "revised",
            archivist="ana",
        )


def grow(db: str, tmp_path: Path, n: int) -> None:
    """``n`` more events in one command: single-claim reports on Homs."""
    import orjson

    path = tmp_path / f"grow-{n}.jsonl"
    report = {"type": "report", "source": "Grow", "published": "2024-12-07"}
    claim = {"place": "Homs", "actor": "rebels", "status": "contested"}
    path.write_bytes(
        b"".join(orjson.dumps({**report, "note": f"n{i}", "claims": [claim]}) + b"\n" for i in range(n))
    )
    ok(db, "import", str(path), archivist="ana")


# Pure tile arithmetic, against the list-based Merkle functions ------------------------------------------


def leaves(n: int, salt: int = 0) -> list[bytes]:
    return [f"entry {salt}-{i}".encode() for i in range(n)]


def source(entries: list[bytes]) -> object:
    def read(first: int) -> Iterable[tuple[int, int, bytes]]:
        return ((i, i + 1, entries[i]) for i in range(first, len(entries)))

    return read


def publish_entries(root: Path, entries: list[bytes], key: object) -> list[str]:
    hashes = [merkle.leaf_hash(e) for e in entries]
    checkpoint = Checkpoint(ORIGIN, len(entries), merkle.root(hashes))
    note = signed_note(checkpoint, ORIGIN, key)  # type: ignore[arg-type]
    return publish(root, note, checkpoint, source(entries)).files  # type: ignore[arg-type]


KEY = generate_key()


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=1400), min_size=1, max_size=4))
def test_tiles_written_in_steps_are_the_tiles_written_at_once(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int]
) -> None:
    sizes = sorted(sizes)
    entries = leaves(sizes[-1])
    stepped, whole = tmp_path_factory.mktemp("stepped"), tmp_path_factory.mktemp("whole")
    for size in sizes:
        publish_entries(stepped, entries[:size], KEY)
    publish_entries(whole, entries, KEY)

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    got, want = files(stepped), files(whole)
    # Earlier sizes leave their partial tiles behind, as the spec asks; everything else is equal.
    assert {k: v for k, v in got.items() if k in want} == want
    assert all(".p/" in k for k in set(got) - set(want))


@settings(max_examples=40, deadline=None)
@given(size=st.integers(min_value=1, max_value=70_000 // 64), data=st.data())
def test_proofs_from_tiles_are_the_proofs_from_the_leaves(
    tmp_path_factory: pytest.TempPathFactory, size: int, data: st.DataObject
) -> None:
    root = tmp_path_factory.mktemp("tree")
    entries = leaves(size)
    publish_entries(root, entries, KEY)
    hashes = [merkle.leaf_hash(e) for e in entries]
    tree = TileHashes(TileDirectory(root), size)
    assert tree.root() == merkle.root(hashes)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    assert merkle.inclusion_proof_from(index, size, tree) == merkle.inclusion_proof(index, hashes)
    old = data.draw(st.integers(min_value=0, max_value=size))
    assert merkle.consistency_proof_from(old, size, tree) == merkle.consistency_proof(old, hashes)


def test_a_tree_of_70000_shows_the_specs_example_tiles(tmp_path: Path) -> None:
    publish_entries(tmp_path, leaves(70_000), KEY)
    level1 = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "tile" / "1").rglob("*") if p.is_file())
    assert len(list((tmp_path / "tile" / "0").rglob("*"))) >= 274
    assert (tmp_path / "tile/0/273.p/112").is_file()
    assert level1 == ["tile/1/000", "tile/1/001.p/17"]
    assert (tmp_path / "tile/2/000.p/1").is_file()
    assert tile_path(0, 1234067, 7) == "tile/0/x001/x234/067.p/7"


def test_go_reads_a_three_level_tree_the_writer_wrote(tmp_path: Path, warlogverify: Path) -> None:
    from warlog.audit.checkpoint import vkey

    publish_entries(tmp_path, leaves(70_000), KEY)
    result = go(warlogverify, "tiles", str(tmp_path), vkey(ORIGIN, KEY.public_key()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 70000 entries" in result.stdout


# A real archive, through the CLI -------------------------------------------------------------------------


def test_a_second_run_rewrites_only_what_grew(keyed: str, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    first = as_json(ok(keyed, "tiles", str(mirror), "--json"))
    assert first["old_size"] == 0 and first["files"][-1] == "checkpoint"
    size = first["size"]
    grow(keyed, tmp_path, 300 - size)
    second = as_json(ok(keyed, "tiles", str(mirror), "--json"))
    assert second["old_size"] == size
    grown = second["size"]
    # The tile that became full, the new partial ones, their bundles, the checkpoint; nothing else.
    expected = {tile_path(0, 0), tile_path("entries", 0), "checkpoint"}
    expected |= {tile_path(0, 1, grown - 256), tile_path("entries", 1, grown - 256), tile_path(1, 0, 1)}
    assert set(second["files"]) == expected
    again = as_json(ok(keyed, "tiles", str(mirror), "--json"))
    # Nothing new but what signing a checkpoint itself may record: no full tile is touched.
    assert all(".p/" in f or f == "checkpoint" for f in again["files"])
    assert again["size"] - again["old_size"] <= 1


def test_an_untouched_mirror_verifies_from_its_files_alone(
    keyed: str, tmp_path: Path, warlogverify: Path
) -> None:
    mirror = tmp_path / "mirror"
    grow(keyed, tmp_path, 200)
    ok(keyed, "tiles", str(mirror))
    os.rename(keyed, keyed + ".gone")  # no database from here on
    result = cli(keyed, "verify", "--tiles", str(mirror), "--key", vkey_of(keyed + ".gone"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    go_result = go(warlogverify, "tiles", str(mirror), vkey_of(keyed + ".gone"))
    assert go_result.returncode == 0, go_result.stdout


@pytest.mark.parametrize("target", ["entries", "tile"])
def test_a_changed_byte_in_a_mirror_is_caught_naming_the_file(
    keyed: str, tmp_path: Path, target: str
) -> None:
    mirror = tmp_path / "mirror"
    ok(keyed, "tiles", str(mirror))
    size = as_json(ok(keyed, "tiles", str(mirror), "--json"))["size"]
    path = mirror / (tile_path("entries", 0, size) if target == "entries" else tile_path(0, 0, size))
    data = bytearray(path.read_bytes())
    data[40] ^= 0x01
    path.write_bytes(bytes(data))
    result = cli(keyed, "verify", "--tiles", str(mirror), "--key", vkey_of(keyed), "--json")
    assert result.exit_code == 1
    assert (
        tile_path(0, 0, size) in as_json(result)["findings"][0]
        or tile_path("entries", 0, size) in as_json(result)["findings"][0]
    )


def test_a_mirror_signed_by_another_key_is_refused(keyed: str, tmp_path: Path) -> None:
    from warlog.audit.checkpoint import vkey

    mirror = tmp_path / "mirror"
    ok(keyed, "tiles", str(mirror))
    other = vkey(vkey_of(keyed).split("+")[0], generate_key().public_key())
    result = cli(keyed, "verify", "--tiles", str(mirror), "--key", other)
    assert result.exit_code == 1
    assert "no signature by key" in result.output and len(result.output.splitlines()) == 1


def test_verify_tiles_needs_the_published_key(keyed: str, tmp_path: Path) -> None:
    ok(keyed, "tiles", str(tmp_path / "mirror"))
    result = cli(keyed, "verify", "--tiles", str(tmp_path / "mirror"))
    assert result.exit_code == 1 and "--key" in result.output


def test_check_mirror_agrees_with_the_cli(keyed: str, tmp_path: Path) -> None:
    from warlog.audit.checkpoint import parse_vkey
    from warlog.audit.tiles import open_mirror

    mirror = tmp_path / "mirror"
    ok(keyed, "tiles", str(mirror))
    name, key = parse_vkey(vkey_of(keyed))
    _, checkpoint = open_mirror(mirror, name, key)
    library = check_mirror(mirror, checkpoint).to_dict()
    shown = as_json(ok(keyed, "verify", "--tiles", str(mirror), "--key", vkey_of(keyed), "--json"))
    assert {k: v for k, v in shown.items() if k != "cosigned_by"} == {
        k: v for k, v in library.items() if k != "cosigned_by"
    }


def test_both_backends_write_the_same_kind_of_mirror_and_it_verifies(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warlogverify: Path
) -> None:
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "operator-keys"))
    ok(db, "init", archivist="ana")
    cli(db, "keygen", archivist="ana")  # unless init made the key already
    ok(db, "import", str(reports_only(tmp_path)), archivist="ana")
    grow(db, tmp_path, 260)
    written = as_json(ok(db, "tiles", str(tmp_path / "mirror"), "--json"))
    assert tile_path(0, 0) in written["files"] and tile_path(1, 0, 1) in written["files"]
    shown = as_json(ok(db, "verify", "--tiles", str(tmp_path / "mirror"), "--key", vkey_of(db), "--json"))
    assert shown["ok"] and shown["entries_checked"] == written["size"]
    checked = go(warlogverify, "tiles", str(tmp_path / "mirror"), vkey_of(db))
    assert checked.returncode == 0, checked.stdout
