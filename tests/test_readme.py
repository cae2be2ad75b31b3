"""The README's examples are what a user gets, following it in order in a fresh folder.

`scripts/readme_examples.py` runs them (and `--update` rewrites their output
after a change of output); this test fails when the README and the code drift.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def examples_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_examples", ROOT / "scripts" / "readme_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_readme_example_prints_what_the_readme_shows() -> None:
    problems, _ = examples_module().check()
    assert not problems, "run 'python scripts/readme_examples.py --update' if the change is meant:\n\n" + (
        "\n\n".join(problems)
    )


def test_a_readme_that_shows_the_wrong_output_is_caught(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "Shown `note.txt`:\n```\nhello\n```\n\n```\n$ cat note.txt\nhello\n$ warlog --version\nwarlog 0.0.0\n"
        "$ warlog state --place Homs\n```\n",
        "utf-8",
    )
    problems, updated = examples_module().check(readme)
    from importlib.metadata import version

    # the version, the missing error of a folder with no archive, and that error itself
    assert len(problems) == 3
    assert "prints an error it is not meant to: error: no archive at warlog.db" in problems[2]
    assert "+warlog " + version("warlog") in problems[0]
    assert f"warlog {version('warlog')}" in updated
    assert "error: no archive at warlog.db" in "\n".join(updated)


def test_the_script_runs_as_a_command() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_examples.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "--update" in done.stdout, done.stderr
