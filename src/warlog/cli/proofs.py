"""Commands for auditors who trust nothing: keys, signed checkpoints, verification, proofs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warlog import outfile
from warlog.audit import ledger
from warlog.audit.checkpoint import CheckpointError, parse_vkey, vkey
from warlog.audit.keyring import public_key
from warlog.cli import render
from warlog.cli.options import Archivist, Db, Json, archivist_name, open_existing, user_errors
from warlog.cli.progress import bar
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
        typer.Option("--for", help="Make this archivist's own signing key instead of the archive's."),
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
    name: Annotated[str, typer.Argument(help="The archivist whose key is revoked.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    db: Db = None,
    archivist: Archivist = None,
) -> None:
    """Revoke an archivist's key: later events by them are signed with the archive's key."""
    completing(open_existing(db), lambda a: a.revoke_key(name, reason, archivist_name(archivist)))
    typer.echo(f"revoked the key of {name}")


@app.command()
@user_errors
def checkpoint(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write it here. [default: stdout]")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    db: Db = None,
) -> None:
    """Write a signed checkpoint (C2SP tlog-checkpoint) of the log, to publish elsewhere."""
    note = ledger.checkpoint(open_existing(db))
    if out is None:
        typer.echo(note, nl=False)
    else:
        write_text(out, note, force=force)


@app.command()
@user_errors
def verify(
    checkpoint: Annotated[
        list[Path] | None, typer.Option("--checkpoint", help="A checkpoint taken earlier; repeat for more.")
    ] = None,
    key: Key = None,
    no_read_model: Annotated[
        bool,
        typer.Option(
            "--no-read-model",
            help="Skip replaying the log to check the read model (faster on "
            "large archives; the log itself is still checked).",
        ),
    ] = False,
    db: Db = None,
    json: Json = False,
) -> None:
    """Check the tree, signatures, positions and checkpoints; and the read model against a replay."""
    notes = [(str(p), read_text(p)) for p in checkpoint or []]
    archive = open_existing(db)
    with bar("verifying", archive.recorder.max_notification_id()) as advance:
        result = ledger.verify(archive, notes, trusted_key(key), advance, read_model=not no_read_model)
    render.json(result.to_dict()) if json else render.verification(result)
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
@user_errors
def prove(
    report: Annotated[str, typer.Argument(help="Report id.")],
    checkpoint: Annotated[Path, typer.Option("--checkpoint", help="The checkpoint to prove against.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="[default: stdout]")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    key: Key = None,
    db: Db = None,
) -> None:
    """Print, as JSON, inclusion proofs of every event of a report under a checkpoint."""
    proof = ledger.prove(open_existing(db), report, read_text(checkpoint), trusted_key(key))
    if out is None:
        typer.echo(proof.decode(), nl=False)
    else:
        write_text(out, proof.decode(), force=force)


@app.command("verify-proof")
@user_errors
def verify_proof(
    proof: Annotated[Path, typer.Argument(help="A file written by 'warlog prove'.")],
    checkpoint: Annotated[Path, typer.Option("--checkpoint", help="The checkpoint it is against.")],
    key: Key = None,
    json: Json = False,
) -> None:
    """Check a proof offline, with no database: the report's events are under the checkpoint."""
    try:
        data = proof.read_bytes()
    except OSError as error:
        raise WarlogError(f"cannot read {proof}: {error.strerror}") from None
    result = ledger.verify_proof(data, read_text(checkpoint), vkey_text(key))
    if json:
        render.json(result.to_dict())
    else:
        typer.echo(
            f"ok: {result.events} events of report {result.report} are in the log of "
            f"size {result.size} signed by {result.vkey}"
        )


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
