"""The `warlog` command: every command's place in the help, its summary and example, loaded lazily.

The table `COMMANDS` is the one place that says which commands exist, which
of the four kinds of user each serves (the panels of `warlog --help`), what
each does in one line, and an example of it. A command's module (and all it
imports: the archive, cryptography, matplotlib, …) is imported only when that
command runs, so `warlog --help` and a reading command start quickly.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Annotated, Any

import typer
import typer.main
from typer import _click as click
from typer.core import TyperGroup

ARCHIVISTS = "For archivists: recording reports"
RESEARCHERS = "For researchers: the state of control, files and pictures"
AUDITORS = "For auditors: what changed, and proof that nothing was altered"
ADMINISTRATORS = "For administrators: keys, policy, moving and repairing the archive"
PANELS = (ARCHIVISTS, RESEARCHERS, AUDITORS, ADMINISTRATORS)


@dataclass(frozen=True)
class Command:
    """Where a command is defined and how the help presents it.

    `where` is a module of `warlog.cli` whose `app` holds the command, or
    `module:attribute` for a group of subcommands (a `typer.Typer`).
    """

    where: str
    panel: str
    summary: str
    example: str


# Subcommands ("export state") have an entry too: their summary and example; the
# panel is their group's.
COMMANDS: dict[str, Command] = {
    "demo": Command(
        "demo", ARCHIVISTS, "Build a demo archive from the sample data and walk through it.", "warlog demo"
    ),
    "init": Command(
        "archivist",
        ARCHIVISTS,
        "Create the archive and its signing key, with the starter gazetteer of Syria unless --bare.",
        "warlog init",
    ),
    "import": Command(
        "archivist",
        ARCHIVISTS,
        "Check every record of a file, then append them all in one transaction, or nothing.",
        "warlog import sample.jsonl",
    ),
    "report": Command(
        "archivist:report_app", ARCHIVISTS, "Add reports one at a time.", "warlog report add …"
    ),
    "report add": Command(
        "",
        ARCHIVISTS,
        "File one report from options and print its id.",
        "warlog report add --source SANA --published 2024-12-07 --claim 'Homs:government:controlled'",
    ),
    "correct": Command(
        "archivist",
        ARCHIVISTS,
        "Correct fields of one claim (place, actor, status, date, credibility, …).",
        "warlog correct reuters-2024-12-07-homs 1 --set date=2024-12-06 --reason 'the night before'",
    ),
    "retract": Command(
        "archivist",
        ARCHIVISTS,
        "Retract one claim of a report, or the whole report.",
        "warlog retract opposition-2024-12-07-southwest 2 --reason 'could not be verified'",
    ),
    "state": Command(
        "research",
        RESEARCHERS,
        "Who controlled each place on a date, as the archive knew it at a record time.",
        "warlog state --at 2024-12-07 --place Homs",
    ),
    "timeline": Command(
        "research",
        RESEARCHERS,
        "The intervals of one place's state over valid time.",
        "warlog timeline Homs --known-at 2024-12-08T12:00:00Z",
    ),
    "places": Command(
        "research",
        RESEARCHERS,
        "The gazetteer: every place with its aliases, kind, coordinates and parent.",
        "warlog places --csv",
    ),
    "actors": Command(
        "research", RESEARCHERS, "The actors with their aliases and what they are part of.", "warlog actors"
    ),
    "export": Command(
        "exports:export_app",
        RESEARCHERS,
        "Write the state, the claims or the timelines as files.",
        "warlog export state --at 2024-12-07 --format geojson -o state.geojson",
    ),
    "export state": Command(
        "",
        RESEARCHERS,
        "The state of control on a date: a row (csv), a document (json) or a Point (geojson).",
        "warlog export state --at 2024-12-07 --format geojson -o state.geojson",
    ),
    "export claims": Command(
        "",
        RESEARCHERS,
        "Every claim with both clocks, as known at a record time, corrected and retracted ones too.",
        "warlog export claims --format csv -o claims.csv",
    ),
    "export timelines": Command(
        "",
        RESEARCHERS,
        "Every place's intervals of unchanged state (csv: one row per interval).",
        "warlog export timelines --format jsonl -o timelines.jsonl",
    ),
    "plot": Command(
        "exports:plot_app",
        RESEARCHERS,
        "Draw pictures of the archive.",
        "warlog plot timeline Homs Hama -o timeline.png",
    ),
    "plot timeline": Command(
        "",
        RESEARCHERS,
        "One row per place over valid time: bands by controller, ticks for claims by grade.",
        "warlog plot timeline Homs Hama Aleppo -o timeline.png",
    ),
    "map": Command(
        "exports",
        RESEARCHERS,
        "A self-contained HTML map of the state on a date; click a place for its claims.",
        "warlog map --at 2024-12-07 --around Homs -o homs.html",
    ),
    "history": Command(
        "audit",
        AUDITORS,
        "Every event that touched a place or a report, with corrections' before and after.",
        "warlog history Homs --since 2024-12-08T00:00:00Z",
    ),
    "log": Command("audit", AUDITORS, "The append-only log itself, with positions.", "warlog log --limit 5"),
    "diff": Command(
        "audit",
        AUDITORS,
        "How the picture changed: between two record times, or between two dates.",
        "warlog diff --from 2024-12-01 --to 2024-12-08",
    ),
    "changes": Command(
        "audit",
        AUDITORS,
        "What each archivist recorded, corrected or retracted in a window of record time.",
        "warlog changes --since 2024-12-08T00:00:00Z",
    ),
    "checkpoint": Command(
        "proofs",
        AUDITORS,
        "Write a signed checkpoint (C2SP tlog-checkpoint) of the log, to publish elsewhere.",
        "warlog checkpoint -o checkpoints/2024-12-08.txt",
    ),
    "verify": Command(
        "proofs",
        AUDITORS,
        "Check the tree, signatures, positions, checkpoints, and the read model against a replay.",
        "warlog verify --checkpoint checkpoints/2024-12-08.txt --key VKEY",
    ),
    "prove": Command(
        "proofs",
        AUDITORS,
        "Write, as JSON, inclusion proofs of every event of a report under a checkpoint.",
        "warlog prove reuters-2024-12-07-homs --checkpoint checkpoints/2024-12-08.txt -o proof.json",
    ),
    "verify-proof": Command(
        "proofs",
        AUDITORS,
        "Check a proof offline, with no database: the report's events are under the checkpoint.",
        "warlog verify-proof proof.json --checkpoint checkpoints/2024-12-08.txt --key VKEY",
    ),
    "tiles": Command(
        "mirror",
        AUDITORS,
        "Write the log as C2SP tlog-tiles (checkpoint, hash tiles, entry bundles), incrementally.",
        "warlog tiles mirror/",
    ),
    "consistency-proof": Command(
        "mirror",
        AUDITORS,
        "Print a consistency proof from size N to M, as a witness reads it (tlog-witness 'old N' lines).",
        "warlog consistency-proof --from 84 --to 90",
    ),
    "witness": Command(
        "mirror:witness_app",
        AUDITORS,
        "A witness: its own key and state; cosigns a log's checkpoint only if it extends the last one.",
        "warlog witness cosign checkpoint.txt --state w1.json --log-key VKEY --tiles mirror/",
    ),
    "witness init": Command(
        "",
        AUDITORS,
        "Make a witness: its Ed25519 key and an empty state; print the verifier key to publish.",
        "warlog witness init --name witness.example.org/w1 --state w1.json",
    ),
    "witness cosign": Command(
        "",
        AUDITORS,
        "Cosign a checkpoint (tlog-cosignature/v1) if it extends the last one this witness cosigned.",
        "warlog witness cosign cp.txt --state w1.json --log-key VKEY --proof proof.txt -o cosigned.txt",
    ),
    "monitor": Command(
        "mirror",
        AUDITORS,
        "Check a mirror extends what this monitor saw last, then list the new events, watched ones first.",
        "warlog monitor --tiles mirror/ --state monitor.json --watch place=Homs",
    ),
    "keygen": Command(
        "proofs",
        ADMINISTRATORS,
        "Make the archive's Ed25519 signing key (or an archivist's); print the public key.",
        "warlog keygen --for ben",
    ),
    "revoke-key": Command(
        "proofs",
        ADMINISTRATORS,
        "Revoke an archivist's key, or (--archive --from POSITION) the archive's compromised key.",
        "warlog revoke-key ben --reason 'left the project'",
    ),
    "rotate-key": Command(
        "proofs",
        ADMINISTRATORS,
        "Replace the archive's key by a new one, authorised by the old key; print the new verifier key.",
        "warlog rotate-key --reason 'the yearly change of keys'",
    ),
    "policy": Command(
        "policy:app",
        ADMINISTRATORS,
        "Show the archive's policy and its history, or change it.",
        "warlog policy --known-at 2024-12-08T12:00:00Z",
    ),
    "policy set": Command(
        "",
        ADMINISTRATORS,
        "Change a policy from now on; answers as known before the change stay as they were.",
        "warlog policy set pressure-days 30 --reason 'sieges here last for months'",
    ),
    "rebuild": Command(
        "audit",
        ADMINISTRATORS,
        "Drop the read model and project it again from the log, once the log verifies.",
        "warlog rebuild",
    ),
    "dump": Command(
        "admin",
        ADMINISTRATORS,
        "Write every stored event with its position, record time and archivist (JSON Lines).",
        "warlog dump -o archive.jsonl",
    ),
    "restore": Command(
        "admin",
        ADMINISTRATORS,
        "Restore a dump into a new, empty archive (SQLite file or PostgreSQL schema).",
        "warlog restore archive.jsonl --db postgresql://postgres@127.0.0.1/warlog",
    ),
    "attach": Command(
        "evidence",
        ARCHIVISTS,
        "Attach a file to a report: its SHA-256 in the log, its bytes in the evidence store.",
        "warlog attach reuters-2024-12-07-homs article.pdf --kind original --from https://example.org/1",
    ),
    "attachments": Command(
        "evidence",
        ARCHIVISTS,
        "List a report's attached files with their hashes and provenance.",
        "warlog attachments reuters-2024-12-07-homs",
    ),
    "get": Command(
        "evidence",
        ARCHIVISTS,
        "Write an attached file out, after checking its bytes against its hash.",
        "warlog get 3a7bd3e2…4f1b -o article.pdf",
    ),
    "custody": Command(
        "evidence",
        ARCHIVISTS,
        "Record a step in a report's chain of custody (shown by 'history REPORT').",
        "warlog custody reuters-2024-12-07-homs --event 'handed to the court' --reason 'case 12/2025'",
    ),
    "redact": Command(
        "evidence",
        ARCHIVISTS,
        "Make sealed text unreadable for good by destroying its keys; proofs still verify.",
        "warlog redact reuters-2024-12-07-homs 1 --field attributed_to --reason 'the source is at risk'",
    ),
    "package": Command(
        "evidence",
        ARCHIVISTS,
        "Write an evidence package: a BagIt bag with the report, custody, files and proof.",
        "warlog package reuters-2024-12-07-homs -o homs-evidence.zip",
    ),
    "verify-package": Command(
        "evidence",
        AUDITORS,
        "Check an evidence package offline: the bag's fixity and the report's proof.",
        "warlog verify-package homs-evidence.zip --key 'warlog.archive/d216…'",
    ),
}


def _module_app(module: str) -> Any:
    return importlib.import_module(f"warlog.cli.{module}").app


def _command_info(typer_app: typer.Typer, name: str) -> Any:
    for info in typer_app.registered_commands:
        if (info.name or typer.main.get_command_name(getattr(info.callback, "__name__", ""))) == name:
            return info
    return None


def _described(command: click.Command, path: str) -> click.Command:
    """The command with its summary and example from `COMMANDS` (and its subcommands')."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None  # plain help throughout, as at the top
    entry = COMMANDS.get(path)
    if entry is not None:
        command.short_help = entry.summary
        if command.help is None or not command.help.strip():
            command.help = entry.summary
        # \b keeps click from re-flowing the example into the paragraph above it.
        command.epilog = "\b\nExample:\n" + "\n".join(example_lines(entry.example))
    for sub_name, sub in getattr(command, "commands", {}).items():
        _described(sub, f"{path} {sub_name}")
    return command


def example_lines(example: str, width: int = 76) -> list[str]:
    """The example as typed at a prompt, continued with a backslash before an option if long."""
    lines = [f"  $ {example}"]
    while len(lines[-1]) > width:
        line = lines.pop()
        breaks = [i for i in range(len(line)) if line.startswith(" --", i) and i <= width - 2]
        if not breaks or breaks[-1] <= 8:
            lines.append(line)
            break
        lines += [line[: breaks[-1]] + " \\", "      " + line[breaks[-1] + 1 :]]
    return lines


def load(name: str) -> click.Command | None:
    """Import the module of one command and build it; None when no module defines it."""
    entry = COMMANDS.get(name)
    if entry is not None and entry.where and " " not in name:
        module, _, attribute = entry.where.partition(":")
        if attribute:
            group = typer.main.get_group(getattr(importlib.import_module(f"warlog.cli.{module}"), attribute))
            group.name = name
            return _described(group, name)
        info = _command_info(_module_app(module), name)
        if info is not None:
            return _described(_build(info), name)
    return _undeclared(name)


def _build(info: Any) -> click.Command:
    return typer.main.get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)


def _undeclared(name: str) -> click.Command | None:
    """A command a module defines that `COMMANDS` does not list yet: found the slow way.

    It runs, but the help does not list it, and the test of the help fails
    until it has an entry.
    """
    for module in cli_modules():
        if module == "app":
            continue
        try:
            typer_app = getattr(importlib.import_module(f"warlog.cli.{module}"), "app", None)
        except ImportError:
            continue  # its own commands say so when they run; a mistyped name is only a usage error
        if not isinstance(typer_app, typer.Typer):
            continue
        info = _command_info(typer_app, name)
        if info is not None:
            return _described(_build(info), name)
        for group in typer_app.registered_groups:
            if group.name == name and group.typer_instance is not None:
                return _described(typer.main.get_group(group.typer_instance), name)
    return None


def cli_modules() -> list[str]:
    """Every module of the `warlog.cli` package."""
    package = importlib.import_module("warlog.cli")
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__))


class Commands(TyperGroup):
    """The top-level group: lists commands from `COMMANDS`, builds one only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if " " not in name]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            command = load(cmd_name)
            if command is None:
                return None
            self.commands[cmd_name] = command
        return self.commands[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands by panel, each with its whole summary (none cut short at '...')."""
        for panel in PANELS:
            rows = [(n, c.summary) for n, c in COMMANDS.items() if c.panel == panel and " " not in n]
            if rows:
                with formatter.section(panel):
                    formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except click.exceptions.UsageError as error:
            from difflib import get_close_matches

            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                error.message = f"{error.message.rstrip('.')}. Did you mean {matches[0]!r}?"
            raise


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"warlog {version('warlog')}")
        raise typer.Exit()


app = typer.Typer(
    name="warlog",
    cls=Commands,
    help="An event-sourced archive of conflict reports: claims with two clocks, corrections "
    "as events, the state of control at any date as known at any time.",
    epilog="\b\nExample:\n  $ warlog demo\n  $ warlog state --at 2024-12-07 --place Homs\n"
    "'warlog COMMAND --help' describes a command and its options.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,  # plain help: option help says [default: …] literally, no rich to load
)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print warlog's version and exit."),
    ] = False,
) -> None:
    """Options for every command come after the command's name."""


def main() -> None:
    app()
