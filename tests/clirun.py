"""Running the real CLI in-process, as a user would type it, against one archive."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from warlog.cli.app import app

runner = CliRunner()
# The ambient environment must not choose the archive or the archivist for a test.
CLEAN_ENV: dict[str, str | None] = {"WARLOG_DB": None, "WARLOG_ARCHIVIST": None, "COLUMNS": "200"}


def cli(db: str, *args: str, archivist: str | None = None) -> Result:
    extra = [] if archivist is None else ["--archivist", archivist]
    result = runner.invoke(app, [*args, *extra, "--db", db], env=CLEAN_ENV, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def ok(db: str, *args: str, archivist: str | None = None) -> Result:
    result = cli(db, *args, archivist=archivist)
    assert result.exit_code == 0, result.output
    return result


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)
