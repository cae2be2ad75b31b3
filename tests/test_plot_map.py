"""Pictures: timeline plots and the HTML map, opened in headless Chromium.

The Chromium tests skip only when the browser is absent and CI is not "true";
in CI a missing browser fails them, so an untested map cannot pass for a tested one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import warlog
import warlog.archive
from warlog import plot, webmap
from warlog.archive import Archive
from warlog.cli.app import app
from warlog.records import check

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def import_sample(archive: Archive) -> Archive:
    text = resources.files("warlog").joinpath("data", "sample.jsonl").read_text()
    archive.import_file(text.splitlines(), "sample.jsonl", "test")
    return archive


@pytest.fixture
def sample(archive: Archive) -> Archive:
    return import_sample(archive)


@pytest.fixture
def sqlite_sample(sqlite_db: str) -> Iterator[Archive]:
    """For the browser tests: the page does not depend on the backend, so one is enough."""
    archive = warlog.open(sqlite_db)
    yield import_sample(archive)
    archive.close()


def cli(*args: str) -> Result:
    result = runner.invoke(app, list(args), env={"WARLOG_DB": None}, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


# Colours and grades ----------------------------------------------------------


def test_actor_colours_are_stable_and_from_the_palette() -> None:
    assert plot.actor_colour("opposition") == plot.actor_colour("opposition")
    assert plot.actor_colour("opposition") in plot.PALETTE
    assert plot.actor_colour("Syrian government") != plot.actor_colour("opposition")
    assert plot.actor_colour(None) == plot.NO_CONTROLLER
    # Stable across runs and machines: derived from the name, not from Python's hash().
    assert plot.actor_colour("Syrian government") == "#17becf"


def test_better_grades_are_darker() -> None:
    shades = [plot.grade_shade(r, c) for r, c in (("A", 1), ("B", 2), ("D", 4), ("F", 6))]
    assert shades == sorted(shades)


# Timeline pictures -------------------------------------------------------------


def test_plot_timeline_png_and_svg(sample: Archive, db: str, tmp_path: Path) -> None:
    png = tmp_path / "timeline.png"
    result = cli("plot", "timeline", "Homs", "Hama", "Aleppo", "Douma", "-o", str(png), "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 4 places to {png}\n"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = tmp_path / "timeline.svg"
    known = "2100-01-01T00:00:00Z"
    assert cli("plot", "timeline", "Hims", "-o", str(svg), "--known-at", known, "--db", db).exit_code == 0
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg"))
    assert "2100-01-01T00:00:00.000000Z" in text, "the title says which record time it shows"


def test_the_same_archive_draws_the_same_svg(sample: Archive, tmp_path: Path) -> None:
    known = "2100-01-01T00:00:00.000000Z"
    pictures = []
    for n in range(2):
        path = tmp_path / f"{n}.svg"
        with path.open("wb") as out:
            plot.draw(plot.rows(sample, ["Homs", "Aleppo"], known), out, "svg", known)
        pictures.append(path.read_bytes())
    assert pictures[0] == pictures[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Hom", "-o", "t.png"], "error: unknown place 'Hom' (did you mean 'Homs'"),
        (["Homs", "-o", "t.gif"], "error: -o t.gif: name the picture .png or .svg"),
        (
            ["Homs", "-o", "t.png", "--since", "2024-12-09", "--until", "2024-12-01"],
            "error: --until must be after --since",
        ),
        (
            ["Homs", "-o", "t.png", "--known-at", "2000-01-01"],
            "error: nothing to draw: no claim about these places as known then",
        ),
        (
            ["Homs", "-o", "/nonexistent/t.png"],
            "error: -o /nonexistent/t.png: cannot write there: No such file or directory",
        ),
    ],
)
def test_plot_user_errors(
    sqlite_sample: Archive,
    sqlite_db: str,
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    db = sqlite_db
    work = tmp_path / "pictures"
    work.mkdir()
    monkeypatch.chdir(work)
    result = cli("plot", "timeline", *args, "--db", db)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
    assert list(work.iterdir()) == [], "no picture, not even half of one"


# The map -------------------------------------------------------------------------


class Markers(HTMLParser):
    """The places whose marker is shown, and whether the page loads anything."""

    def __init__(self) -> None:
        super().__init__()
        self.place: str | None = None
        self.shown: list[str] = []
        self.fetches: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "g" and "data-place" in found:
            self.place = found["data-place"]
        if tag == "g" and "shown" in (found.get("class") or "").split() and self.place:
            self.shown.append(self.place)
        if "src" in found or tag == "link" or tag == "iframe":
            self.fetches.append(tag)


def markers(html: str) -> Markers:
    parser = Markers()
    parser.feed(html)
    return parser


def test_map_draws_every_place_with_a_state(sample: Archive, db: str, tmp_path: Path) -> None:
    page = tmp_path / "map.html"
    result = cli("map", "--at", "2024-12-07", "-o", str(page), "--db", db)
    assert result.exit_code == 0, result.output
    html = page.read_text()
    found = markers(html)
    state = sample.state(at="2024-12-07")
    assert sorted(found.shown) == sorted(p.place for p in state.places)
    assert found.fetches == []
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_map_popups_list_the_claims_behind_a_state(sample: Archive) -> None:
    data = webmap.gather(sample, "2024-12-07")
    homs = next(p for p in data.places if p.name == "Homs")
    step = next(h for h in homs.held if h.holds("2024-12-07")).step
    html = webmap.page(data)
    assert len(step.claims) == 7
    assert (
        'Reuters</cite> <span class="grade" title="source reliability, claim '
        'credibility">B2</span> <q>the rebels broke through' in html
    )
    assert webmap.describe(step) == "contested by opposition (held by Syrian government), since 2024-12-07"


def test_map_lists_the_places_it_cannot_draw(sample: Archive) -> None:
    sample.import_records(
        [
            *check({"type": "place", "name": "Nowhere Hill"}, "t"),
            *check(
                {
                    "type": "report",
                    "source": "Wire",
                    "published": "2024-12-07",
                    "claims": [{"place": "Nowhere Hill", "actor": "SDF", "status": "controlled"}],
                },
                "t",
            ),
        ],
        "test",
    )
    html = webmap.render(sample, "2024-12-07")
    assert "Not on the map, no coordinates: Nowhere Hill" in html
    assert "Nowhere Hill" not in markers(html).shown


def test_map_around_a_place(sample: Archive) -> None:
    data = webmap.gather(sample, "2024-12-07", around="Hims", radius_km=30)
    assert data.view.contains(36.7094, 34.7308)
    assert not data.view.contains(37.1343, 36.2021), "Aleppo is far from Homs"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--around", "Hom"], "error: unknown place 'Hom' (did you mean 'Homs'"),
        (["--around", "Homs", "--radius", "0"], "error: --radius: give a distance in kilometres above 0"),
        (["--at", "7 December"], "error: --at: '7 December' is not a date"),
    ],
)
def test_map_user_errors(
    sqlite_sample: Archive, sqlite_db: str, tmp_path: Path, args: list[str], message: str
) -> None:
    db = sqlite_db
    result = cli("map", *args, "-o", str(tmp_path / "m.html"), "--db", db)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1


def chromium(tmp_path: Path, *args: str) -> str:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI=true (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_chromium_draws_a_marker_for_every_place_with_a_state(
    sqlite_sample: Archive,
    tmp_path: Path,
) -> None:
    sample = sqlite_sample
    page = tmp_path / "map.html"
    page.write_text(webmap.render(sample, "2024-12-07"), encoding="utf-8")
    for day in ("2024-12-07", "2024-11-30", "2024-12-05"):
        dom = chromium(tmp_path, "--dump-dom", f"file://{page}#date={day}")
        found = markers(dom)
        assert f'data-day="{day}"' in dom, "the page's script ran and moved to the day"
        assert sorted(found.shown) == sorted(p.place for p in sample.state(at=day).places)


def test_chromium_screenshot(sqlite_sample: Archive, tmp_path: Path) -> None:
    sample = sqlite_sample
    page = tmp_path / "map.html"
    page.write_text(webmap.render(sample, "2024-12-07", around="Homs", radius_km=45), encoding="utf-8")
    shot = tmp_path / "map.png"
    chromium(tmp_path, "--window-size=1280,900", f"--screenshot={shot}", f"file://{page}#place=Homs")
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 20_000
