"""Archivists' keys live with the archivist: nobody signs in another's name without their key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clirun import cli, ok
from warlog.audit.checkpoint import private_key_to_pem


@pytest.fixture
def keyed(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An archive with its key (made by init), kept by its operator in a folder of their own."""
    monkeypatch.setenv("WARLOG_KEYS", str(tmp_path / "operator-keys"))
    ok(db, "init", archivist="ana")
    return db


def events(db: str) -> int:
    return len(ok(db, "log", "--json").stdout.split('"position"')) - 1


def test_an_archivists_key_goes_to_their_own_folder(keyed: str, own_keys_folder: Path) -> None:
    written = ok(keyed, "keygen", "--for", "ben", archivist="ana").output
    (key,) = own_keys_folder.glob("archivist-ben.pem")
    assert str(key) in written
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(own_keys_folder.stat().st_mode) == 0o700


def test_typing_another_archivists_name_signs_nothing_in_it(
    keyed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(keyed, "keygen", "--for", "ben", archivist="ana")
    ok(
        keyed,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:controlled",
        archivist="ben",
    )  # ben, with his key: fine
    monkeypatch.setenv("WARLOG_ARCHIVIST_KEYS", str(tmp_path / "carol-keys"))  # another user
    before = events(keyed)
    result = cli(
        keyed,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-08",
        "--claim",
        "Hama:rebels:controlled",
        archivist="ben",
    )
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("error: no signing key for archivist 'ben' here;")
    assert events(keyed) == before
    ok(keyed, "verify")


def test_a_key_file_others_can_read_is_refused(keyed: str, own_keys_folder: Path) -> None:
    ok(keyed, "keygen", "--for", "ben", archivist="ana")
    key = own_keys_folder / "archivist-ben.pem"
    key.chmod(0o644)
    result = cli(keyed, "retract", "missing", "--reason", "x", archivist="ben")
    assert result.exit_code == 1
    ok(
        keyed,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:controlled",
        archivist="ana",
    )
    refused = cli(
        keyed,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-08",
        "--claim",
        "Homs:rebels:controlled",
        archivist="ben",
    )
    assert refused.exit_code == 1
    assert "can be read by other users (mode 644)" in refused.output
    assert f"chmod 600 {key}" in refused.output


def test_an_archivist_can_make_their_own_key_pair(
    keyed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = Ed25519PrivateKey.generate()
    public = own.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    registered = ok(keyed, "keygen", "--for", "ben", "--public-key", public, archivist="ana")
    assert "registered the public key of ben" in registered.output
    bens = tmp_path / "ben-keys"
    bens.mkdir(mode=0o700)
    fd = os.open(bens / "archivist-ben.pem", os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(private_key_to_pem(own))
    monkeypatch.setenv("WARLOG_ARCHIVIST_KEYS", str(bens))
    ok(
        keyed,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:controlled",
        archivist="ben",
    )
    ok(keyed, "verify")
    assert cli(keyed, "keygen", "--for", "eve", "--public-key", "00zz").exit_code == 1


def test_an_archivists_key_needs_the_archives_first(db: str) -> None:
    ok(db, "init", "--no-key", archivist="ana")
    result = cli(db, "keygen", "--for", "ben", archivist="ana")
    assert result.exit_code == 1
    assert "make it first with 'warlog keygen'" in result.output
