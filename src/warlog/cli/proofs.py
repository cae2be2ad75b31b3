"""Commands for auditors who trust nothing: keys, signed checkpoints, verification, proofs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warlog import outfile
from warlog.archive import Archive
from warlog.audit import ledger
from warlog.audit.checkpoint import CheckpointError, parse_vkey, vkey
from warlog.audit.keyring import checked_public_key, public_key
from warlog.cli import mirror, render
from warlog.cli.options import (
    Archivist,
    Db,
    Json,
    OldOutput,
    Output,
    archivist_name,
    open_existing,
    output_file,
    user_errors,
)
from warlog.cli.progress import bar
from warlog.cli.terminal import shown
from warlog.cli.written import completing
from warlog.errors import WarlogError

app = typer.Typer()
Key = Annotated[
    str | None,
    typer.Option(
        "--key",
        metavar="VKEY|FILE",
        help="The archive's published verifier key (or a file holding it) to check checkpoints "
        "with. [default: the key recorded in the archive]",
    ),
]


@app.command()
@user_errors
def keygen(
    for_archivist: Annotated[
        str | None,
        typer.Option(
            "--for", metavar="NAME", help="Make this archivist's own signing key instead of the archive's."
        ),
    ] = None,
    public: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            metavar="HEX",
            help="With --for: register this public key (64 hex digits), made by the archivist "
            "on their own machine; no private key is written here.",
        ),
    ] = None,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Make the archive's Ed25519 signing key (or an archivist's); print the public key."""
    archive = open_existing(db)
    path, public = completing(archive, lambda a: a.keygen(archivist_name(archivist), for_archivist, public))
    if path is None:
        typer.echo(f"registered the public key of {for_archivist}")
    elif for_archivist is None:
        typer.echo(f"private key written to {path} (mode 0600); keep it safe")
    else:
        typer.echo(
            f"private key written to {path} (mode 0600); it signs as {for_archivist}: "
            f"if that is not you, move it into {for_archivist}'s own keys folder and "
            "delete it here"
        )
    typer.echo(f"public key: {public}")
    if for_archivist is None:
        keys = archive.keys()
        assert keys is not None and keys.origin is not None
        typer.echo(f"verifier key (publish it): {vkey(keys.origin, public_key(public))}")


@app.command("revoke-key")
@user_errors
def revoke_key(
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why.")],
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help="The archivist whose key is revoked.")
    ] = None,
    archive_key: Annotated[
        bool,
        typer.Option(
            "--archive",
            help="Revoke the archive's own key as compromised (with --from) and make its successor.",
        ),
    ] = False,
    revoked_from: Annotated[
        int | None,
        typer.Option(
            "--from",
            metavar="POSITION",
            help="With --archive: the first log position whose signature by the old key is "
            "not to be trusted.",
        ),
    ] = None,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Revoke an archivist's key (later events by them are signed with the archive's key), or,
    with --archive --from POSITION, the archive's compromised key."""
    who = archivist_name(archivist)
    if archive_key:
        if name is not None or revoked_from is None:
            raise WarlogError(
                "revoke-key --archive takes no NAME and needs --from POSITION: the first position "
                "whose signature by the compromised key must not be trusted"
            )
        since = revoked_from
        path, public = completing(open_existing(db), lambda a: a.rotate_archive_key(reason, who, since))
        typer.echo(f"revoked the archive's key from position {since}")
        _new_archive_key(open_existing(db), path, public)
        return
    if name is None or revoked_from is not None:
        raise WarlogError(
            "revoke-key NAME revokes an archivist's key (--from is for --archive, the archive's own key)"
        )
    completing(open_existing(db), lambda a: a.revoke_key(name, reason, who))
    typer.echo(f"revoked the key of {name}")


@app.command("rotate-key")
@user_errors
def rotate_key(
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why the key changes.")],
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Replace the archive's key by a new one, authorised by the old key; print the new verifier key."""
    who = archivist_name(archivist)
    path, public = completing(open_existing(db), lambda a: a.rotate_archive_key(reason, who))
    _new_archive_key(open_existing(db), path, public)


def _new_archive_key(archive: Archive, path: Path, public: str, *, replaced: bool = True) -> None:
    keys = archive.keys()
    assert keys is not None and keys.origin is not None
    after = (
        "; keep it safe, and the old one offline (it signed the events before)"
        if replaced
        else "; keep it safe"
    )
    typer.echo(f"private key written to {path} (mode 0600){after}")
    typer.echo(f"public key: {public}")
    typer.echo(f"verifier key (publish it): {vkey(keys.origin, public_key(public))}")


@app.command()
@user_errors
def checkpoint(
    output: Output = None,
    out: OldOutput = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Write a signed checkpoint (C2SP tlog-checkpoint) of the log, to publish elsewhere.

    The archive records each checkpoint it signs in its log, and refuses to sign a
    tree that does not extend every one it signed before."""
    who = archivist_name(archivist)
    note = completing(open_existing(db), lambda a: ledger.checkpoint(a, who))
    target = output_file(output, out)
    if target is None:
        typer.echo(note, nl=False)
    else:
        write_text(Path(target), note, force=force)


@app.command()
@user_errors
def verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", metavar="FILE", help="A checkpoint taken earlier; repeat for more."),
    ] = None,
    key: Key = None,
    archivist_key: Annotated[
        list[str] | None,
        typer.Option(
            "--archivist-key",
            metavar="NAME=HEX",
            help="An archivist's published public key (64 hex digits); every key the log registers "
            "for NAME must be one of those given. Repeat for more.",
        ),
    ] = None,
    no_read_model: Annotated[
        bool,
        typer.Option(
            "--no-read-model",
            help="Skip replaying the log to check the read model (faster on "
            "large archives; the log itself is still checked).",
        ),
    ] = False,
    tiles: Annotated[
        Path | None,
        typer.Option("--tiles", metavar="DIR", help="Check a mirror ('warlog tiles') from its files alone."),
    ] = None,
    witness: mirror.Witnesses = None,
    min_witnesses: mirror.MinWitnesses = None,
    attachments: Annotated[
        bool,
        typer.Option("--attachments", help="Also rehash every attached file in the evidence store."),
    ] = False,
    db: Db = None,
    json: Json = False,
) -> None:
    """Check the tree, signatures, positions and checkpoints; and the read model against a replay."""
    policy = mirror.witness_policy(witness, min_witnesses)
    if tiles is not None:
        if checkpoint:
            raise WarlogError("--tiles checks a mirror against its own checkpoint; drop --checkpoint")
        return mirror.verify_tiles(tiles, key, policy, json)
    notes = [(str(p), read_text(p)) for p in checkpoint or []]
    for where, note in notes:
        mirror.check_cosigned(note, where, policy)
    archive = open_existing(db)
    with bar("verifying", archive.recorder.max_notification_id()) as advance:
        result = ledger.verify(
            archive,
            notes,
            trusted_key(key),
            advance,
            read_model=not no_read_model,
            archivist_keys=pinned_archivists(archivist_key or []),
        )
    fixity = None
    if attachments:
        from warlog.cli.evidence import check_attachments

        fixity = check_attachments(archive)
    render.json(
        {**result.to_dict(), **({} if fixity is None else {"attachments": fixity.to_dict()})}
    ) if json else show_verification(result)
    if fixity is not None and not json:
        from warlog.cli.evidence import show_fixity

        show_fixity(fixity)
    if not result.ok or (fixity is not None and not fixity.ok):
        raise typer.Exit(code=1)


@app.command()
@user_errors
def prove(
    report: Annotated[str, typer.Argument(help="Report id.")],
    checkpoint: Annotated[
        Path, typer.Option("--checkpoint", metavar="FILE", help="The checkpoint to prove against.")
    ],
    output: Output = None,
    out: OldOutput = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    key: Key = None,
    db: Db = None,
) -> None:
    """Print, as JSON, inclusion proofs of every event of a report under a checkpoint."""
    proof = ledger.prove(open_existing(db), report, read_text(checkpoint), trusted_key(key))
    target = output_file(output, out)
    if target is None:
        typer.echo(proof.decode(), nl=False)
    else:
        write_text(Path(target), proof.decode(), force=force)


@app.command("verify-proof")
@user_errors
def verify_proof(
    proof: Annotated[Path, typer.Argument(help="A file written by 'warlog prove'.")],
    checkpoint: Annotated[
        Path, typer.Option("--checkpoint", metavar="FILE", help="The checkpoint it is against.")
    ],
    key: Key = None,
    witness: mirror.Witnesses = None,
    min_witnesses: mirror.MinWitnesses = None,
    complete: Annotated[
        bool,
        typer.Option(
            "--complete",
            help="Fail unless the checkpoint's report index shows these are all the report's events.",
        ),
    ] = False,
    json: Json = False,
) -> None:
    """Check a proof offline, with no database: the report's events, all of them, are under the checkpoint."""
    policy = mirror.witness_policy(witness, min_witnesses)
    mirror.check_cosigned(read_text(checkpoint), str(checkpoint), policy)
    try:
        data = proof.read_bytes()
    except OSError as error:
        raise WarlogError(f"cannot read {proof}: {error.strerror}") from None
    result = ledger.verify_proof(data, read_text(checkpoint), vkey_text(key), complete=complete)
    if json:
        render.json(result.to_dict())
        return
    typer.echo(
        f"ok: report {result.report} has {result.events} event(s) up to the checkpoint, all of "
        f"them in this proof and in the log of size {result.size} signed by {result.vkey}"
        if result.complete
        else f"ok: {result.events} events of report {result.report} are in the log of "
        f"size {result.size} signed by {result.vkey}"
    )
    if not result.complete:
        typer.echo(
            "warning: the checkpoint commits to no report index, so that these are all the "
            "report's events is NOT proven; ask for a proof against a newer checkpoint",
            err=True,
        )


def init_with_key(db: str | None, archivist: str, *, bare: bool) -> None:
    """Create an archive whose first event registers its key, so every event is signed.

    The key file is written first and removed again if the archive is not
    created, so a failed `init` leaves neither a key without an archive nor an
    archive whose key is lost.
    """
    from warlog.audit.checkpoint import generate_key, public_key_bytes
    from warlog.audit.keyring import new_archive_key_file, write_key
    from warlog.cli.options import write
    from warlog.store import Store

    key = generate_key()
    public = public_key_bytes(key).hex()
    path = new_archive_key_file(Path(Store.locate(db).connection()["WARLOG_KEYS"]), public)
    write_key(path, key)
    created = False
    try:
        created = write(db, lambda a: a.start(archivist, bare=bare, key=key))
    finally:
        if not created:
            path.unlink(missing_ok=True)
    if not created:
        typer.echo("archive already exists; nothing changed")
        return
    typer.echo("archive created; every event is signed with its key")
    _new_archive_key(open_existing(db), path, public, replaced=False)


def show_verification(result: ledger.Verification) -> None:
    """Findings first (stderr), then what was checked and who signed what, then the verdict."""
    for finding in result.findings:
        typer.echo(f"FAIL {shown(str(finding))}", err=True)
    for checked in result.checkpoints:
        state = "consistent" if checked["consistent"] else "NOT consistent"
        typer.echo(f"checkpoint {checked['file']} (size {checked['size']}): {state}")
    if result.recorded_checkpoints:
        typer.echo(f"checkpoints the archive recorded in its log: {result.recorded_checkpoints}")
    for line in result.summary():
        typer.echo(shown(line), err=line.startswith("warning:"))
    verdict = "ok" if result.ok else f"{len(result.findings)} problem(s)"
    root = base64.b64encode(result.root).decode()
    typer.echo(f"{verdict}: {result.size} events, {result.signed_events} signed, root (base64) {root}")


def pinned_archivists(given: list[str]) -> dict[str, set[str]]:
    """--archivist-key NAME=HEX options, as the set of published keys for each name."""
    pinned: dict[str, set[str]] = {}
    for text in given:
        name, sep, hex_key = text.partition("=")
        if not sep or not name.strip():
            raise WarlogError(f"--archivist-key: '{text}' is not NAME=HEX (the archivist's 64-hex-digit key)")
        try:
            pinned.setdefault(name.strip(), set()).add(checked_public_key(hex_key))
        except WarlogError:
            raise WarlogError(
                f"--archivist-key {name.strip()}: not an Ed25519 public key; "
                "give its 32 bytes as 64 hex digits"
            ) from None
    return pinned


def read_text(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WarlogError(f"cannot read {path}: {error}") from None


def write_text(path: Path, text: str, *, force: bool = False) -> None:
    """A new regular file (an existing one only with --force), written whole or not at all."""
    try:
        with outfile.target(str(path), binary=False, force=force) as stream:
            stream.write(text)
    except OSError as error:
        raise WarlogError(f"cannot write {path}: {error.strerror}") from None


def vkey_text(key: str | None) -> str | None:
    if key is None:
        return None
    return read_text(Path(key)).strip() if Path(key).is_file() else key


def trusted_key(key: str | None) -> Ed25519PublicKey | None:
    text = vkey_text(key)
    if text is None:
        return None
    try:
        return parse_vkey(text)[1]
    except CheckpointError as error:
        raise WarlogError(f"--key: {error}") from None
