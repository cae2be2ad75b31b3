"""The `warlog` command: wires the archivist, research and audit commands into one CLI."""

from __future__ import annotations

import typer

from warlog.cli import admin, archivist, audit, demo, exports, policy, proofs, research

app = typer.Typer(
    name="warlog",
    help="An event-sourced archive of conflict reports: claims with two clocks, corrections "
    "as events, the state of control at any date as known at any time.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # option help says [default: …] literally
)
for group in (archivist.app, research.app, audit.app, proofs.app, admin.app, demo.app, exports.app):
    app.registered_commands.extend(group.registered_commands)
app.registered_groups.extend(exports.app.registered_groups)
app.add_typer(archivist.report_app, name="report")
app.add_typer(policy.app, name="policy")


def main() -> None:
    app()
