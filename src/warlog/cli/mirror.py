"""Commands for outsiders who trust neither the operator nor its database: mirrors, witnesses, monitors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warlog.audit import ledger, merkle
from warlog.audit.checkpoint import CheckpointError, parse_vkey, vkey
from warlog.audit.cosignature import parse_cosigner_vkey, require_cosignatures
from warlog.audit.monitor import MonitorRun, monitor, parse_watch
from warlog.audit.tiles import check_mirror, open_mirror, write_tiles
from warlog.audit.witness import ConsistencyProof, Witness, parse_proof
from warlog.cli import render
from warlog.cli.options import Db, Json, open_existing, user_errors
from warlog.cli.progress import bar
from warlog.errors import WarlogError

app = typer.Typer()
witness_app = typer.Typer(
    help="A witness: its own key and state; cosigns a log's checkpoint only if it extends the last one.",
    no_args_is_help=True,
)

Witnesses = Annotated[
    list[str] | None,
    typer.Option(
        "--witness",
        metavar="VKEY|FILE",
        help="A witness's verifier key (cosignature/v1, type 0x04), or a file holding it; repeat for more.",
    ),
]
MinWitnesses = Annotated[
    int | None,
    typer.Option(
        "--min-witnesses",
        metavar="K",
        help="Fail unless at least K of the --witness keys cosigned the checkpoint. [default: all of them]",
    ),
]


def _text_or_file(value: str) -> str:
    path = Path(value)
    if path.is_file():
        try:
            return path.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise WarlogError(f"cannot read {path}: {error}") from None
    return value.strip()


def witness_policy(
    witness: list[str] | None, minimum: int | None
) -> tuple[list[tuple[str, Ed25519PublicKey]], int]:
    """The witnesses a checkpoint must be cosigned by, and how many of them at least."""
    keys = []
    for value in witness or []:
        try:
            keys.append(parse_cosigner_vkey(_text_or_file(value)))
        except CheckpointError as error:
            raise WarlogError(f"--witness: {error}") from None
    if minimum is None:
        return keys, len(keys)
    if minimum < 0 or minimum > len(keys):
        raise WarlogError(
            f"--min-witnesses {minimum}: give a number from 0 to the {len(keys)} --witness key(s) given"
        )
    return keys, minimum


def check_cosigned(
    note: str, where: str, policy: tuple[list[tuple[str, Ed25519PublicKey]], int]
) -> list[str]:
    """Names of the witnesses that cosigned; an error when fewer than the policy's minimum did."""
    keys, minimum = policy
    if not keys:
        return []
    try:
        return [c.name for c in require_cosignatures(note, keys, minimum, where)]
    except CheckpointError as error:
        raise WarlogError(str(error)) from None


def _archive_vkey(key: str | None) -> tuple[str, str, Ed25519PublicKey]:
    if key is None:
        raise WarlogError("--key: give the archive's published verifier key (or a file holding it)")
    text = _text_or_file(key)
    try:
        name, public = parse_vkey(text)
    except CheckpointError as error:
        raise WarlogError(f"--key: {error}") from None
    return text, name, public


def verify_tiles(
    directory: Path, key: str | None, policy: tuple[list[tuple[str, Ed25519PublicKey]], int], json: bool
) -> None:
    """`warlog verify --tiles DIR`: the mirror checked from its files alone, no database."""
    _, name, public = _archive_vkey(key)
    note, checkpoint = open_mirror(directory, name, public)
    cosigned = check_cosigned(note, f"{directory}/checkpoint", policy)
    with bar("verifying tiles", checkpoint.size) as advance:
        result = check_mirror(directory, checkpoint, advance)
    result.cosigned_by = cosigned
    if json:
        render.json(result.to_dict())
    elif result.ok:
        rate = result.entries / result.seconds if result.seconds else 0.0
        witnessed = f"; cosigned by {', '.join(cosigned)}" if cosigned else ""
        typer.echo(
            f"ok: {result.entries} entries and {result.tiles} tiles of {directory} match the checkpoint "
            f"of size {checkpoint.size} signed by {vkey(name, public)}{witnessed}"
        )
        typer.echo(f"root (base64, as in the checkpoint): {result.to_dict()['root']}")
        typer.echo(f"checked in {result.seconds:.2f} s ({rate:,.0f} entries/s)")
    else:
        for finding in result.findings:
            typer.echo(f"FAIL: {finding}")
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
@user_errors
def tiles(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to write (or bring up to date) the static log.")
    ],
    db: Db = None,
    json: Json = False,
) -> None:
    """Write the log as C2SP tlog-tiles (checkpoint, hash tiles, entry bundles), incrementally."""
    archive = open_existing(db)
    written = write_tiles(archive, directory, ledger.checkpoint(archive))
    if json:
        render.json(written.to_dict())
        return
    summary = written.to_dict()
    typer.echo(
        f"{directory}: the log from size {written.old_size} to {written.size}; wrote "
        f"{summary['hash_tiles']} hash tile(s), {summary['entry_bundles']} entry bundle(s)"
        f"{' and the checkpoint' if 'checkpoint' in written.files else ''}"
    )


@app.command("consistency-proof")
@user_errors
def consistency_proof(
    old: Annotated[int, typer.Option("--from", metavar="N", help="The size of the older checkpoint.")],
    new: Annotated[
        int | None,
        typer.Option("--to", metavar="M", help="The size of the newer one. [default: the log's size now]"),
    ] = None,
    db: Db = None,
) -> None:
    """Print a consistency proof from size N to M, as a witness reads it (tlog-witness 'old N' lines)."""
    archive = open_existing(db)
    archive.catch_up()
    size = archive.view.tree_size()
    target = size if new is None else new
    if not 0 <= old <= target:
        raise WarlogError(f"--from {old} --to {target}: give 0 <= N <= M")
    if target > size:
        raise WarlogError(f"--to {target}: the log has only {size} events")
    proof = merkle.consistency_proof_from(old, target, archive.view.subtree_hash)
    typer.echo(ConsistencyProof(old, proof).text(), nl=False)


@witness_app.command("init")
@user_errors
def witness_init(
    name: Annotated[
        str, typer.Option("--name", metavar="NAME", help="The witness's name, e.g. witness.example.org/w1.")
    ],
    state: Annotated[
        Path, typer.Option("--state", metavar="FILE", help="The witness's state file (made here).")
    ],
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file", metavar="FILE", help="Where its private key goes. [default: STATE.key, mode 0600]"
        ),
    ] = None,
) -> None:
    """Make a witness: its Ed25519 key and an empty state; print the verifier key to publish."""
    try:
        published = Witness(state).init(name, key_file)
    except CheckpointError as error:
        raise WarlogError(f"--name: {error}") from None
    typer.echo(f"witness state written to {state}; its key to {key_file or Witness.key_path_for(state)}")
    typer.echo(f"witness verifier key (publish it): {published}")


@witness_app.command("cosign")
@user_errors
def witness_cosign(
    checkpoint: Annotated[Path, typer.Argument(metavar="CHECKPOINT", help="The log's signed checkpoint.")],
    state: Annotated[Path, typer.Option("--state", metavar="FILE", help="The witness's state file.")],
    log_key: Annotated[str, typer.Option("--log-key", metavar="VKEY|FILE", help="The log's verifier key.")],
    proof: Annotated[
        Path | None,
        typer.Option(
            "--proof",
            metavar="FILE",
            help="Consistency proof from the size last cosigned ('warlog consistency-proof').",
        ),
    ] = None,
    tiles_dir: Annotated[
        Path | None,
        typer.Option("--tiles", metavar="DIR", help="Or: a mirror of the log to compute the proof from."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="FILE", help="Write the cosigned checkpoint here. [default: stdout]"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Cosign a checkpoint (tlog-cosignature/v1) if it extends the last one this witness cosigned."""
    from warlog.cli.proofs import read_text, write_text

    if proof is not None and tiles_dir is not None:
        raise WarlogError("give either --proof or --tiles, not both")
    note = read_text(checkpoint)
    parsed = None if proof is None else parse_proof(read_text(proof), str(proof))
    if out is not None and out.exists() and not force:
        raise WarlogError(f"{out} already exists; pass --force to replace it")
    done = Witness(state).cosign(note, _text_or_file(log_key), parsed, tiles_dir)
    if out is None:
        typer.echo(done.note, nl=False)
    else:
        write_text(out, done.note, force=True)
        typer.echo(
            f"cosigned {done.origin} at size {done.size} (last cosigned: {done.old_size}); wrote {out}"
        )


@app.command("monitor")
@user_errors
def monitor_command(
    tiles_dir: Annotated[
        Path, typer.Option("--tiles", metavar="DIR", help="A mirror of the log (what 'warlog tiles' writes).")
    ],
    state: Annotated[
        Path,
        typer.Option("--state", metavar="FILE", help="The monitor's state file (made on the first run)."),
    ],
    watch: Annotated[
        list[str] | None,
        typer.Option(
            "--watch", metavar="place=NAME|source=NAME|archivist=NAME", help="List these first; repeat."
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key", metavar="VKEY|FILE", help="The archive's verifier key (needed on the first run)."
        ),
    ] = None,
    json: Json = False,
) -> None:
    """Check a mirror extends what this monitor saw last, then list the new events, watched ones first."""
    watches = [parse_watch(w) for w in watch or []]
    run = monitor(tiles_dir, state, watches, None if key is None else _text_or_file(key))
    if json:
        render.json(run.to_dict())
    else:
        _show(run)


def _show(run: MonitorRun) -> None:
    checked = (
        "first run: the checkpoint's signature and every entry checked; this is the view kept"
        if run.first
        else "consistent with what this monitor saw before"
    )
    typer.echo(
        f"{run.origin}: {run.size - run.old_size} new event(s), size {run.old_size} to {run.size}; {checked}"
    )
    for title, events in (("watched", run.watched), ("others", run.others)):
        if not events:
            continue
        typer.echo(f"{title} ({len(events)}):")
        for e in events:
            flags = f"  [{'; '.join(e.watched)}]" if e.watched else ""
            typer.echo(
                f"  {e.position:>7}  {e.recorded_at}  {e.type:<22} {e.archivist:<10} {e.summary}{flags}"
            )
