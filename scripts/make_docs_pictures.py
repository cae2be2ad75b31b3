"""Regenerate the pictures in docs/ from the shipped sample archive.

    .venv/bin/python scripts/make_docs_pictures.py

writes docs/timeline.png (Homs, Hama, Aleppo and Douma over valid time), and
two headless-Chromium screenshots of the map on 7 December 2024:
docs/map-homs-2024-12-07.png (the Homs area, 55 km around) and
docs/map-syria-2024-12-07.png (the whole country).

Both pictures print the record time they show, so the sample is imported into
a temporary archive with the record clock pinned: its reports as recorded on
8 December 2024, its corrections and retraction a week later, the pictures as
known on 16 December. The pictures then come out the same on every run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from unittest import mock

import warlog
from warlog import clock, plot, webmap

DOCS = Path(__file__).resolve().parent.parent / "docs"
REPORTS_RECORDED = datetime(2024, 12, 8, 12, 0, tzinfo=UTC)
CORRECTIONS_RECORDED = datetime(2024, 12, 15, 12, 0, tzinfo=UTC)
KNOWN_AT = clock.format_time(datetime(2024, 12, 16, 0, 0, tzinfo=UTC))
PLACES = ["Homs", "Hama", "Aleppo", "Douma"]


def build(location: str) -> warlog.Archive:
    """The sample, recorded in two sittings as the demo tells it."""
    archive = warlog.open(location)
    lines = resources.files("warlog").joinpath("data", "sample.jsonl").read_text().splitlines()
    reports = [line for line in lines if '"type": "report"' in line]
    for moment, batch in (
        (REPORTS_RECORDED, reports),
        (CORRECTIONS_RECORDED, [x for x in lines if x not in reports]),
    ):
        with mock.patch.object(clock, "now", return_value=moment):
            archive.import_file(batch, "sample.jsonl", "warlog docs")
    return archive


def screenshot(page: Path, target: Path, profile: Path, size: str = "1280,860") -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is needed for the map screenshot: apt-get install chromium")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={size}",
            f"--screenshot={target}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="warlog-docs-") as tmp:
        work = Path(tmp)
        archive = build(str(work / "sample.db"))
        try:
            with (DOCS / "timeline.png").open("wb") as out:
                plot.draw(plot.rows(archive, PLACES, KNOWN_AT), out, "png", KNOWN_AT)
            homs, syria = work / "homs.html", work / "syria.html"
            homs.write_text(
                webmap.render(archive, "2024-12-07", KNOWN_AT, around="Homs", radius_km=55), encoding="utf-8"
            )
            syria.write_text(webmap.render(archive, "2024-12-07", KNOWN_AT), encoding="utf-8")
        finally:
            archive.close()
        screenshot(homs, DOCS / "map-homs-2024-12-07.png", work / "profile")
        screenshot(syria, DOCS / "map-syria-2024-12-07.png", work / "profile", "1280,920")
    for name in ("timeline.png", "map-homs-2024-12-07.png", "map-syria-2024-12-07.png"):
        print(f"wrote {DOCS / name}")


if __name__ == "__main__":
    main()
