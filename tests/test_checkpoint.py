"""Signed-note and checkpoint tests, including known answers from elsewhere.

Known-answer sources:
- golang.org/x/mod/sumdb/note, note_test.go: the PeterNeumann/EnochRoot
  keys and the signed "If you think cryptography..." note.
- c2sp.org/signed-note: the example.com/foo verifier key and note.
- Two sum.golang.org checkpoints quoted in public test code
  (transparency-dev/trillian-tessera internal/parse, and a signed tree head
  of a Go sumdb lookup), checked against the Go checksum database's
  published verifier key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from warlog.audit.checkpoint import (
    MAX_SIGNATURES,
    Checkpoint,
    CheckpointError,
    generate_key,
    key_id,
    load_private_key,
    open_note,
    open_signed_note,
    parse_vkey,
    private_key_to_pem,
    public_key_bytes,
    sign_note,
    signed_note,
    vkey,
)

ROOT = hashlib.sha256(b"some root").digest()
ORIGIN = "warlog.example/archive"


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return generate_key()


@pytest.fixture(scope="module")
def other_key() -> Ed25519PrivateKey:
    return generate_key()


def _signature_blob(note: str) -> bytes:
    line = note.rstrip("\n").rsplit("\n", 1)[1]
    return base64.b64decode(line.split(" ")[2])


# --- format and round trip ----------------------------------------------------


def test_body_is_origin_size_root_lines() -> None:
    cp = Checkpoint(ORIGIN, 42, ROOT)
    assert cp.body() == f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n"


def test_signed_note_layout(key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(ORIGIN, 42, ROOT)
    note = signed_note(cp, ORIGIN, key)
    body, rest = note.split("\n\n")
    assert body + "\n" == cp.body()
    assert rest.startswith(f"\u2014 {ORIGIN} ") and rest.endswith("\n")
    blob = _signature_blob(note)
    assert len(blob) == 4 + 64
    assert blob[:4] == key_id(ORIGIN, key.public_key())
    key.public_key().verify(blob[4:], cp.body().encode())  # signs the body, nothing more


@pytest.mark.parametrize("size", [0, 1, 42, 2**64 - 1])
def test_round_trip(key: Ed25519PrivateKey, size: int) -> None:
    cp = Checkpoint(ORIGIN, size, ROOT)
    note = signed_note(cp, ORIGIN, key)
    assert open_signed_note(note, ORIGIN, key.public_key()) == cp
    assert open_signed_note(note.encode(), ORIGIN, key.public_key(), origin=ORIGIN) == cp


def test_key_id_is_the_spec_definition(key: Ed25519PrivateKey) -> None:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    want = hashlib.sha256(ORIGIN.encode() + b"\x0a\x01" + raw).digest()[:4]
    assert key_id(ORIGIN, key.public_key()) == want
    assert public_key_bytes(key) == public_key_bytes(key.public_key()) == raw


def test_vkey_round_trip(key: Ed25519PrivateKey) -> None:
    text = vkey(ORIGIN, key.public_key())
    name, hex_id, material = text.split("+", 2)
    assert (name, hex_id) == (ORIGIN, key_id(ORIGIN, key.public_key()).hex())
    assert base64.b64decode(material) == b"\x01" + public_key_bytes(key)
    parsed_name, parsed_key = parse_vkey(text)
    assert parsed_name == ORIGIN
    assert public_key_bytes(parsed_key) == public_key_bytes(key)


# --- tampering -----------------------------------------------------------------


def test_every_flipped_bit_is_rejected(key: Ed25519PrivateKey) -> None:
    note = signed_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, key).encode()
    for i in range(len(note)):
        for bit in range(8):
            damaged = bytearray(note)
            damaged[i] ^= 1 << bit
            with pytest.raises(CheckpointError):
                open_signed_note(bytes(damaged), ORIGIN, key.public_key())


def test_every_replaced_character_is_rejected(key: Ed25519PrivateKey) -> None:
    note = signed_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, key)
    for i, c in enumerate(note):
        for replacement in {"A", "0", "\n", " "} - {c}:
            with pytest.raises(CheckpointError):
                open_signed_note(note[:i] + replacement + note[i + 1 :], ORIGIN, key.public_key())


def test_appended_or_removed_text_is_rejected(key: Ed25519PrivateKey) -> None:
    note = signed_note(Checkpoint(ORIGIN, 1234, ROOT), ORIGIN, key)
    body, sig = note.split("\n\n")
    for bad in [
        body + "\nextra\n\n" + sig,
        "x" + note,
        note + "\u2014 trailing",
        note.rstrip("\n"),
        body + "\n\n",
        body + "\n",
    ]:
        with pytest.raises(CheckpointError):
            open_signed_note(bad, ORIGIN, key.public_key())


# --- other keys --------------------------------------------------------------------


def test_signature_by_another_key_is_not_enough(key: Ed25519PrivateKey, other_key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    by_other_name = signed_note(cp, "witness.example/w1", other_key)
    by_same_name = signed_note(cp, ORIGIN, other_key)  # same name, other key ID
    for note in (by_other_name, by_same_name):
        with pytest.raises(CheckpointError, match="no signature by key"):
            open_signed_note(note, ORIGIN, key.public_key())


def test_extra_signatures_are_ignored(key: Ed25519PrivateKey, other_key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    mine = signed_note(cp, ORIGIN, key)
    theirs = signed_note(cp, "witness.example/w1", other_key).split("\n\n")[1]
    stranger = "\u2014 stranger.example/x " + base64.b64encode(b"\x00" * 70).decode() + "\n"
    for note in (mine + theirs, mine + stranger, cp.body() + "\n" + theirs + mine.split("\n\n")[1]):
        assert open_signed_note(note, ORIGIN, key.public_key()) == cp
        if theirs in note:
            assert open_signed_note(note, "witness.example/w1", other_key.public_key()) == cp


def test_same_name_or_same_id_alone_is_a_different_key(key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    good = signed_note(cp, ORIGIN, key)
    sig = good.split("\n\n")[1]
    # A valid signature and key ID, under another name: not our key, ignored.
    renamed = cp.body() + "\n" + sig.replace(ORIGIN, "impostor.example/log")
    with pytest.raises(CheckpointError, match="no signature by key"):
        open_signed_note(renamed, ORIGIN, key.public_key())


def test_bad_signature_by_the_trusted_key_condemns_the_note(key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    good = signed_note(cp, ORIGIN, key)
    kid = key_id(ORIGIN, key.public_key())
    for forged in (b"\x00" * 64, b"\x00" * 65, b"\x00"):
        line = f"\u2014 {ORIGIN} {base64.b64encode(kid + forged).decode()}\n"
        with pytest.raises(CheckpointError, match="bad signature"):
            open_signed_note(good + line, ORIGIN, key.public_key())


def test_signature_count_is_capped(key: Ed25519PrivateKey) -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    sig = signed_note(cp, ORIGIN, key).split("\n\n")[1]
    assert open_signed_note(cp.body() + "\n" + sig * 16, ORIGIN, key.public_key()) == cp
    with pytest.raises(CheckpointError, match="more than"):
        open_signed_note(cp.body() + "\n" + sig * (MAX_SIGNATURES + 1), ORIGIN, key.public_key())


# --- checkpoint body ----------------------------------------------------------------

ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"\n5\n{ROOT_B64}\n", "origin line is empty"),
        (f"{ORIGIN}\n{ROOT_B64}\n", "origin, size and root"),
        (f"{ORIGIN}\n", "origin, size and root"),
        (f"{ORIGIN}\n-1\n{ROOT_B64}\n", "size line"),
        (f"{ORIGIN}\n+1\n{ROOT_B64}\n", "size line"),
        (f"{ORIGIN}\n01\n{ROOT_B64}\n", "size line"),
        (f"{ORIGIN}\n 1\n{ROOT_B64}\n", "size line"),
        (f"{ORIGIN}\n1.0\n{ROOT_B64}\n", "size line"),
        (f"{ORIGIN}\n\u0661\n{ROOT_B64}\n", "size line"),  # Arabic-Indic digit one
        (f"{ORIGIN}\n\n{ROOT_B64}\n", "size line"),
        (f"{ORIGIN}\n{2**64}\n{ROOT_B64}\n", "64-bit"),
        (f"{ORIGIN}\n5\nnot base64!\n", "root line"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n", "root line"),
        (f"{ORIGIN}\n5\n{ROOT_B64.rstrip('=')}\n", "root line"),
        (f"{ORIGIN}\n5\n{ROOT_B64}\n\nextension line\n", "empty extension line"),
    ],
)
def test_malformed_checkpoint_lines(key: Ed25519PrivateKey, body: str, message: str) -> None:
    note = sign_note(body, ORIGIN, key)  # correctly signed, wrongly shaped
    with pytest.raises(CheckpointError, match=message):
        open_signed_note(note, ORIGIN, key.public_key())


def test_extension_lines_are_signed_and_kept(key: Ed25519PrivateKey) -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ROOT, ("warlog-reports abc", "another line"))
    note = signed_note(checkpoint, ORIGIN, key)
    assert open_signed_note(note, ORIGIN, key.public_key()) == checkpoint
    tampered = note.replace("another line", "another lime")
    with pytest.raises(CheckpointError):
        open_signed_note(tampered, ORIGIN, key.public_key())


def test_non_canonical_root_encoding_is_rejected(key: Ed25519PrivateKey) -> None:
    # 32 bytes leave two unused bits in the last base64 digit; setting one
    # keeps the decoded bytes but changes the text that was signed.
    last = ROOT_B64[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twisted = ROOT_B64[:-2] + alphabet[alphabet.index(last) | 1] + "="
    assert twisted != ROOT_B64 and base64.b64decode(twisted) == ROOT
    note = sign_note(f"{ORIGIN}\n5\n{twisted}\n", ORIGIN, key)
    with pytest.raises(CheckpointError, match="root line"):
        open_signed_note(note, ORIGIN, key.public_key())


def test_origin_can_be_insisted_on(key: Ed25519PrivateKey) -> None:
    note = signed_note(Checkpoint("other.example/log", 5, ROOT), ORIGIN, key)
    with pytest.raises(CheckpointError, match=re.escape("not 'warlog.example/archive'")):
        open_signed_note(note, ORIGIN, key.public_key(), origin=ORIGIN)


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [
        ("", 1, ROOT),
        ("two\nlines", 1, ROOT),
        ("bell\x07", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, 2**64, ROOT),
        (ORIGIN, True, ROOT),
        (ORIGIN, 1, ROOT[:31]),
    ],
)
def test_checkpoint_refuses_unsignable_values(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint(origin, size, root)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there", "nbsp\u00a0"])
def test_key_names_follow_the_spec(key: Ed25519PrivateKey, name: str) -> None:
    with pytest.raises(CheckpointError):
        signed_note(Checkpoint(ORIGIN, 1, ROOT), name, key)
    with pytest.raises(CheckpointError):
        vkey(name, key.public_key())


def test_sign_note_needs_a_final_newline(key: Ed25519PrivateKey) -> None:
    with pytest.raises(CheckpointError):
        sign_note("no newline", ORIGIN, key)
    with pytest.raises(CheckpointError):
        sign_note("control \x01 char\n", ORIGIN, key)


# --- keys --------------------------------------------------------------------------


def test_pem_round_trip(key: Ed25519PrivateKey, tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    path.write_bytes(private_key_to_pem(key))
    assert public_key_bytes(load_private_key(path)) == public_key_bytes(key)
    assert public_key_bytes(load_private_key(str(path))) == public_key_bytes(key)


def test_load_private_key_refuses_other_files(tmp_path: Path) -> None:
    ec_path = tmp_path / "ec.pem"
    ec_path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(CheckpointError, match="not Ed25519"):
        load_private_key(ec_path)
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a key")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_private_key(junk)


def test_parse_vkey_refuses_mangled_keys(key: Ed25519PrivateKey) -> None:
    good = vkey(ORIGIN, key.public_key())
    for i in range(len(good)):
        for j in range(i + 1, len(good) + 1):
            if (i, j) != (0, len(good)):
                with pytest.raises(CheckpointError):
                    parse_vkey(good[i:j])
        with pytest.raises(CheckpointError):
            parse_vkey(good[:i] + chr(ord(good[i]) + 1) + good[i + 1 :])


# --- known answers ----------------------------------------------------------------

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF"
    "YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5"
    "ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)


def _peter_key() -> Ed25519PrivateKey:
    # A Go skey is PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ 32-byte seed).
    material = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert material[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(material[1:])


def test_go_known_answer_signing() -> None:
    peter = _peter_key()
    assert vkey("PeterNeumann", peter.public_key()) == PETER_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", peter) == GO_TEXT + "\n" + PETER_SIG


def test_go_known_answer_opening() -> None:
    note = GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    for text in (PETER_VKEY, ENOCH_VKEY):
        assert open_note(note, *parse_vkey(text)) == GO_TEXT
    with pytest.raises(CheckpointError, match="no signature"):
        open_note(GO_TEXT + "\n" + ENOCH_SIG, *parse_vkey(PETER_VKEY))
    damaged = GO_TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(CheckpointError, match="bad signature"):
        open_note(damaged, *parse_vkey(PETER_VKEY))
    # Duplicated signatures, verified and unverified alike, are harmless.
    twice = GO_TEXT + "\n" + PETER_SIG * 2 + ENOCH_SIG * 2
    assert open_note(twice, *parse_vkey(PETER_VKEY)) == GO_TEXT


@pytest.mark.parametrize(
    "note",
    [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + PETER_SIG,
        b"\xff" + (GO_TEXT + "\n" + PETER_SIG).encode(),
        GO_TEXT + "\n" + "\u2014 Bad Name " + PETER_SIG.split(" ")[2],
        GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ],
)
def test_go_malformed_notes(note: str | bytes) -> None:
    with pytest.raises(CheckpointError, match="malformed note"):
        open_note(note, *parse_vkey(PETER_VKEY))


def test_go_mangled_vkeys() -> None:
    for bad in [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]:
        with pytest.raises(CheckpointError):
            parse_vkey(bad)


def test_c2sp_spec_example() -> None:
    name, public_key = parse_vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    note = (
        "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1Y"
        "Eq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_note(note, name, public_key) == "This is an example message.\n"


SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINTS = [
    (
        "go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n"
        "\u2014 sum.golang.org Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn"
        "/C3YI8oW9/C8DJ87F61QqspBYwM=\n",
        31700353,
        "qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=",
    ),
    (
        "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n"
        "\u2014 sum.golang.org Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz"
        "7l/R3cVtYspg3dxXABkGZZKdsQ8=\n",
        65209736,
        "5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=",
    ),
]


@pytest.mark.parametrize(("note", "size", "root_b64"), SUMDB_CHECKPOINTS)
def test_go_checksum_database_checkpoints(note: str, size: int, root_b64: str) -> None:
    name, public_key = parse_vkey(SUMDB_VKEY)
    cp = open_signed_note(note, name, public_key, origin="go.sum database tree")
    assert cp == Checkpoint("go.sum database tree", size, base64.b64decode(root_b64))
    with pytest.raises(CheckpointError, match="bad signature"):
        open_signed_note(note.replace(str(size), str(size + 1)), name, public_key)
