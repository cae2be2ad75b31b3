"""The help a user reads: commands grouped by who uses them, each with a summary and an example.

`warlog.cli.app.COMMANDS` is where a command gets its panel, summary and
example; these tests fail for any command a module defines that has none,
and for option metavars that show a Python type instead of a word.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from warlog.cli.app import COMMANDS, PANELS, app, cli_modules

runner = CliRunner()
ENV = {"WARLOG_DB": None, "WARLOG_ARCHIVIST": None, "COLUMNS": "80"}
# What click or typer print for a parameter with no metavar of ours.
TYPE_NAMES = re.compile(r"<\w|\b(INTEGER|FLOAT|PATH|BOOLEAN|UUID|FILENAME)\b|RANGE|\[x>=")


def defined_commands() -> Iterator[str]:
    """Every command and subcommand that a module of warlog.cli defines, by its full name."""
    groups = {
        c.where: name for name, c in COMMANDS.items() if ":" in c.where
    }  # "exports:export_app" -> "export"
    for module in cli_modules():
        if module == "app":
            continue
        loaded = importlib.import_module(f"warlog.cli.{module}")
        for attribute, value in vars(loaded).items():
            if not isinstance(value, typer.Typer):
                continue
            prefix = groups.get(f"{module}:{attribute}")
            if prefix is None and attribute != "app":
                raise AssertionError(f"warlog.cli.{module}.{attribute} is a group no entry of COMMANDS names")
            for info in value.registered_commands:
                name = info.name or typer.main.get_command_name(info.callback.__name__)
                yield name if prefix is None else f"{prefix} {name}"
            if prefix is not None:
                yield prefix


def help_of(*path: str) -> str:
    result = runner.invoke(app, [*path, "--help"], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_a_module_defines_has_a_panel_a_summary_and_an_example() -> None:
    missing = sorted(set(defined_commands()) - set(COMMANDS))
    assert not missing, f"give these an entry in warlog.cli.app.COMMANDS: {', '.join(missing)}"
    for name, entry in COMMANDS.items():
        assert entry.panel in PANELS, name
        assert entry.summary and "\n" not in entry.summary and len(entry.summary) <= 100, name
        assert entry.example.startswith(f"warlog {name}"), name


def test_the_top_level_help_lists_every_command_under_its_panel_in_full() -> None:
    shown = help_of()
    for panel in PANELS:
        assert f"{panel}:" in shown
    for name in COMMANDS:
        if " " not in name:
            assert re.search(rf"^  {re.escape(name)}\s", shown, re.MULTILINE), name
    assert "..." not in shown.split("Commands")[-1].replace("COMMAND [ARGS]...", "")


@pytest.mark.parametrize("name", [n for n in COMMANDS])
def test_every_commands_help_has_its_summary_an_example_and_no_python_types(name: str) -> None:
    shown = help_of(*name.split())
    assert "Example:" in shown and f"$ warlog {name}" in shown
    too_long = [line for line in shown.splitlines() if len(line) > 80]
    assert not too_long, f"lines wider than an 80-column terminal: {too_long}"
    options = shown.split("Options:", 1)[-1]
    assert not TYPE_NAMES.search(options), options
    assert not re.search(r"--out\b(?!put)", options), "files are written with -o/--output"


def test_options_that_must_be_given_say_so() -> None:
    for path in (("correct",), ("retract",), ("changes",), ("policy", "set"), ("report", "add")):
        shown = help_of(*path)
        assert "[required]" in shown, path
    assert re.search(r"--reason TEXT\s.*\[required\]", " ".join(help_of("correct").split()))


def test_the_help_does_not_load_the_commands() -> None:
    code = (
        "import sys; from warlog.cli.app import main; sys.argv = ['warlog', '--help']\n"
        "try:\n main()\nexcept SystemExit: pass\n"
        "loaded = [m for m in sys.modules if m.startswith('warlog.cli.') and m != 'warlog.cli.app']\n"
        "print(sorted(loaded + [m for m in ('warlog.archive', 'rich', 'cryptography') if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"], env=ENV)
    assert result.exit_code == 0
    assert result.output == f"warlog {version('warlog')}\n"


def test_a_mistyped_command_is_a_usage_error_with_a_suggestion() -> None:
    result = runner.invoke(app, ["stat"], env=ENV)
    assert result.exit_code == 2
    assert "Did you mean 'state'?" in result.output


def _warlog() -> str:
    found = shutil.which("warlog", path=str(Path(sys.executable).parent))
    assert found is not None, "warlog is not installed beside this Python"
    return found


def _script(shell: str) -> str:
    """The script `warlog --show-completion SHELL` prints (naming the shell, not detecting it)."""
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    done = subprocess.run(
        [_warlog(), "--show-completion", shell], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_exist_for_each_shell(shell: str) -> None:
    assert "_WARLOG_COMPLETE" in _script(shell)


def _bash_complete(line: str, tmp_path: Path) -> list[str]:
    """What bash itself offers after `line`, with the script `--show-completion bash` prints."""
    warlog = _warlog()
    script = tmp_path / "completion.bash"
    script.write_text(_script("bash"))
    words = line.split(" ")
    probe = (
        f"source {script}\n"
        f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'; "
        f"COMP_POINT={len(line)}\n"
        "_warlog_completion warlog\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARLOG_")}
    env["PATH"] = f"{Path(warlog).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_command_names_and_options(tmp_path: Path) -> None:
    assert "state" in _bash_complete("warlog sta", tmp_path)
    assert "--known-at" in _bash_complete("warlog state --kn", tmp_path)
    assert _bash_complete("warlog policy ", tmp_path) == ["set"]


@pytest.mark.parametrize(
    ("shell", "extra"), [("zsh", {}), ("fish", {"_TYPER_COMPLETE_FISH_ACTION": "get-args"})]
)
def test_zsh_and_fish_are_answered_by_the_completion_their_scripts_call(
    shell: str, extra: dict[str, str]
) -> None:
    """What the zsh and fish scripts run on a tab: the candidates, each with its summary."""
    env = {
        **os.environ,
        "_WARLOG_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": "warlog sta",
        **extra,
    }
    done = subprocess.run([_warlog()], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "state" in done.stdout and COMMANDS["state"].summary in done.stdout
    assert "timeline" not in done.stdout
