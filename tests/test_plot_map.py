"""Pictures: timeline plots and the HTML map, opened in headless Chromium.

The Chromium tests skip only when the browser is absent and CI is not "true";
in CI a missing browser fails them, so an untested map cannot pass for a tested one.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import warlog
import warlog.archive
from warlog import basemap, clock, labels, palette, plot, webmap
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


# Colours ------------------------------------------------------------------------

PARENTS = {
    "Syrian government": None,
    "Syrian Arab Army": "Syrian government",
    "National Defence Forces": "Syrian government",
    "opposition": None,
    "Hayat Tahrir al-Sham": "opposition",
    "Syrian National Army": "opposition",
    "SDF": None,
    "YPG": "SDF",
    "Islamic State": None,
}
ORDER = list(PARENTS)


def hue(colour: str) -> float:
    import colorsys

    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return colorsys.rgb_to_hls(*rgb)[0]


def test_allies_share_a_hue_in_shades_and_rivals_get_their_own() -> None:
    colours = palette.palette(PARENTS, PARENTS, ORDER)
    assert colours("Syrian government") == palette.HUES[0], "the first side listed, the first hue"
    assert colours("opposition") == palette.HUES[1]
    government = [colours(a) for a in ("Syrian government", "Syrian Arab Army", "National Defence Forces")]
    assert len(set(government)) == 3, "members are told apart"
    assert max(hue(c) for c in government) - min(hue(c) for c in government) < 0.02, "by shade, not hue"
    sides = [colours(a) for a in ("Syrian government", "opposition", "SDF", "Islamic State")]
    assert len(set(sides)) == 4
    assert colours.allies("YPG", "SDF") and not colours.allies("YPG", "Hayat Tahrir al-Sham")
    assert colours(None) == palette.NO_CONTROLLER


def test_colours_follow_the_registry_not_the_order_actors_are_met() -> None:
    one = palette.palette(["opposition", "Syrian government"], PARENTS, ORDER)
    other = palette.palette(["Syrian government", "opposition"], PARENTS, ORDER)
    assert one.colours == other.colours


def test_rival_hues_stay_apart_for_colour_blind_readers() -> None:
    """The CAM02-UCS distance between every two of the first six side hues, with normal vision and
    as seen with each colour-vision deficiency (Machado et al. 2009, full severity), stays well
    above a just-noticeable one; the first two sides, the principal rivals, are far apart."""
    from colorspacious import cspace_convert, deltaE

    def seen(colour: str, kind: str | None) -> object:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        if kind is None:
            return rgb
        return cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}, "sRGB1")

    for kind in (None, "deuteranomaly", "protanomaly", "tritanomaly"):
        hues = [seen(c, kind) for c in palette.HUES[:6]]
        for a, b in itertools.combinations(hues, 2):
            assert deltaE(a, b, input_space="sRGB1") > 12, (kind, a, b)
        assert deltaE(hues[0], hues[1], input_space="sRGB1") > 40, kind


# Timeline pictures -------------------------------------------------------------


def svg_text(sample: Archive, tmp_path: Path, places: list[str], **options: object) -> str:
    """The SVG, whose text matplotlib draws as paths and writes out in comments."""
    known = "2100-01-01T00:00:00.000000Z"
    path = tmp_path / "t.svg"
    with path.open("wb") as out:
        plot.draw(plot.rows(sample, places, known, **options), out, "svg", known)  # type: ignore[arg-type]
    return path.read_text()


def texts(svg: str) -> list[str]:
    return [" ".join(t.split()) for t in re.findall(r"<!-- (.*?) -->", svg, flags=re.DOTALL)]


def test_the_day_axis_names_the_month_of_every_day(sample: Archive, tmp_path: Path) -> None:
    shown = texts(svg_text(sample, tmp_path, ["Aleppo"]))
    days = [t for t in shown if re.fullmatch(r"\d{1,2} (Nov|Dec)", t)]
    assert "28 Nov" in days and "30 Nov" in days and "2 Dec" in days, shown
    assert not any(d in days for d in ("27 Dec", "29 Dec", "28 Dec", "30 Dec")), "November is November"
    assert "2024" in shown, "the year, once"


def test_a_long_span_is_labelled_by_month_and_year(sample: Archive, tmp_path: Path) -> None:
    known = "2100-01-01T00:00:00.000000Z"
    path = tmp_path / "long.svg"
    with path.open("wb") as out:
        plot.draw(plot.rows(sample, ["Homs"], known), out, "svg", known, since="2024-05-01")
    shown = texts(path.read_text())
    assert shown[shown.index("May") + 1] == "2024", "the year under the first month"
    assert {"Jun", "Sep", "Dec"} <= set(shown)


def test_the_caption_gives_the_record_time_to_the_second_and_the_filter(
    sample: Archive, tmp_path: Path
) -> None:
    shown = " ".join(
        texts(svg_text(sample, tmp_path, ["Homs"], min_reliability="B", pressure_days=3, by="actor"))
    )
    assert "As known at record time 2100-01-01 00:00:00 UTC" in shown
    assert "Rule: by actor, latest dates, pressure window 3 days chosen for this picture." in shown
    assert "Claims: only from sources graded B or better, of credibility 6 or better." in shown
    default = " ".join(texts(svg_text(sample, tmp_path, ["Homs"])))
    assert (
        "Rule: by side, latest dates, pressure window 14 days from the policy. Claims: all grades." in default
    )


def test_record_time_keeps_a_fraction_of_a_second() -> None:
    assert plot.record_time_text("2024-12-08T21:51:55.000000Z") == "2024-12-08 21:51:55 UTC"
    assert plot.record_time_text("2024-12-08T21:51:55.370000Z") == "2024-12-08 21:51:55.370000 UTC"


def test_the_legend_explains_open_intervals_and_both_grades(sample: Archive, tmp_path: Path) -> None:
    shown = texts(svg_text(sample, tmp_path, ["Homs", "Aleppo"]))
    assert "still in force at the record time (fades into the right edge)" in shown
    for words in ("A completely reliable", "F cannot be judged", "1 confirmed", "6 cannot be judged"):
        assert words in shown
    assert "Syrian government" in shown and "opposition" in shown


def test_a_claim_dated_by_an_interval_is_drawn_across_its_days(sample: Archive, tmp_path: Path) -> None:
    sample.import_records(
        check(
            {
                "type": "report",
                "source": "Wire",
                "published": "2024-12-08",
                "reliability": "B",
                "claims": [
                    {
                        "place": "Raqqa",
                        "actor": "SDF",
                        "status": "controlled",
                        "date": "2024-12-06/2024-12-07",
                    }
                ],
            },
            "t",
        ),
        "test",
    )
    shown = texts(svg_text(sample, tmp_path, ["Raqqa", "Tartus"]))
    assert "SDF" in shown
    assert "no claim about this place as known then" in shown, "an empty row says why"


def test_plot_timeline_png_and_svg(sample: Archive, db: str, tmp_path: Path) -> None:
    png = tmp_path / "timeline.png"
    result = cli("plot", "timeline", "Homs", "Hama", "Aleppo", "Douma", "-o", str(png), "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 4 places to {png}\n"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = tmp_path / "timeline.svg"
    known = clock.format_time(clock.now())  # after the import, and not in the future
    assert cli("plot", "timeline", "Hims", "-o", str(svg), "--known-at", known, "--db", db).exit_code == 0
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg"))
    shown = known.removesuffix("Z").replace("T", " ") + " UTC"
    assert f"As known at record time {shown}" in " ".join(texts(text)), "the caption says when"


# Timeline pictures -------------------------------------------------------------


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
            ["Homs", "-o", "/proc/t.png"],
            "error: -o /proc/t.png: cannot write there: No such file or directory",
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
        if tag == "g" and "data-copy" in found:  # the inset's copy of a place: not the place's own
            self.place = None
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
        'credibility">B2</span> <span class="ref">reuters-2024-12-07-homs#1</span>' in html
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


def test_the_whole_map_frames_every_place_drawn_and_the_country(sample: Archive) -> None:
    data = webmap.gather(sample, "2024-12-07")
    drawn = [p.point for p in data.places if p.point]
    drawn += [point for point, kind in data.context.values() if kind not in webmap.AREAS]
    assert len(drawn) > 30
    assert all(data.view.contains(*point) for point in drawn)
    west, south, east, north = basemap.country_bounds("Syria") or (0.0, 0.0, 0.0, 0.0)
    assert data.view.contains(west, south) and data.view.contains(east, north), "the coast, the north"


def test_the_map_draws_borders_and_coast_from_the_shipped_data(sample: Archive) -> None:
    html = webmap.render(sample, "2024-12-07")
    for kind in ("land home", "borders", "coast", "governorates"):
        assert f'class="{kind}"' in html
    assert "Natural Earth 1:10m (public domain)" in html
    for neighbour in ("TURKEY", "IRAQ", "LEBANON"):
        assert f">{neighbour}</text>" in html, "the neighbours are named"
    shipped = resources.files("warlog").joinpath("data")
    assert len(shipped.joinpath("borders.json").read_bytes()) < 100_000, "a small, simplified file"
    assert "public domain" in shipped.joinpath("borders.LICENSE.txt").read_text()
    close = webmap.render(sample, "2024-12-07", around="Homs", radius_km=20)
    assert 'class="borders"' in close and ">LEBANON</text>" in close, "named where the close-up shows it"


def test_the_map_runs_no_script_but_its_own(sample: Archive) -> None:
    hostile = "<script>document.title='owned'</script><img src=x onerror=alert(1)>"
    sample.import_records(
        [
            *check(
                {
                    "type": "report",
                    "source": hostile,
                    "published": "2024-12-07",
                    "claims": [
                        {"place": "Homs", "actor": "opposition", "status": "contested", "quote": hostile}
                    ],
                },
                "t",
            ),
        ],
        "test",
    )
    html = webmap.render(sample, "2024-12-07")
    assert "<script>document.title" not in html and "<img" not in html
    assert "&lt;script&gt;document.title=&#x27;owned&#x27;&lt;/script&gt;" in html
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    style = re.search(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    assert scripts == [webmap.SCRIPT] and style is not None
    assert policy.group(1).startswith("default-src 'none'; ")
    assert f"script-src '{webmap.digest(webmap.SCRIPT)}'" in policy.group(1)
    assert f"style-src '{webmap.digest(style.group(1))}'" in policy.group(1)
    assert " style=" not in html, "no inline style: the policy would refuse it"


def test_the_slider_is_labelled_with_dates(sample: Archive) -> None:
    data = webmap.gather(sample, "2024-12-07")
    scale = webmap.Slider.of(data)
    assert scale.first == data.dates[0] and scale.labels[0] == (0, "26 Nov 2024")
    assert 2 <= len(scale.labels) <= webmap.SLIDER_LABELS
    steps = {b[0] - a[0] for a, b in itertools.pairwise(scale.labels)}
    assert len(steps) == 1, "evenly spaced"
    html = webmap.page(data)
    assert '<span class="at at0">26 Nov 2024</span>' in html
    assert html.count('<i class="tick tick') == len(data.dates), "a tick for every day with a change"


def test_the_legend_names_the_sources_grades_and_the_sides(sample: Archive) -> None:
    html = webmap.render(sample, "2024-12-07")
    assert '<li>Reuters <span class="grade">B2 B3</span></li>' in html
    assert "Letter: the source's reliability (A completely reliable; B usually reliable" in html
    assert "Digit: the claim's credibility (1 confirmed" in html
    assert "Rule: by side, latest dates, pressure window 14 days from the policy. Claims: all grades." in html
    by_actor = webmap.page(webmap.gather(sample, "2024-12-07", by="actor"))
    assert "a hue per side; its members in shades of it" in by_actor


def test_the_whole_map_magnifies_its_most_crowded_spot(sample: Archive) -> None:
    html = webmap.render(sample, "2024-12-07")
    assert '<svg class="inset"' in html and ">Damascus area</text>" in html
    inset = html[html.index('<svg class="inset"') :]
    main = html[: html.index('<svg class="inset"')]
    for place in ("Damascus", "Qudsaya", "Al-Hamah"):
        assert f'data-copy="{place}"' in inset, "drawn again, magnified"
        assert f'data-place="{place}"' in main, "and still on the map"
        assert f">{place}</text>" in inset and f">{place}</text>" not in main, "labelled in the inset only"
    assert '<svg class="inset"' not in webmap.render(sample, "2024-12-07", around="Homs")


POINTS = st.lists(
    st.tuples(st.floats(20, 980), st.floats(20, 680), st.text("abcdefgh ", min_size=1, max_size=18)),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(POINTS)
def test_placed_labels_never_overlap_anything_or_leave_the_frame(
    points: list[tuple[float, float, str]],
) -> None:
    frame = (0.0, 0.0, 1000.0, 700.0)
    placing = labels.Labels(frame)
    marks = [(x - 9, y - 9, x + 9, y + 9) for x, y, _ in points]
    for mark in marks:
        placing.block(mark)
    placed = [spot for x, y, name in points if (spot := placing.place(x, y, 12, name, 14, bold=True))]
    for spot in placed:
        assert labels.inside(spot.box, frame)
        assert not any(labels.overlaps(spot.box, m) for m in marks)
    for a, b in itertools.combinations(placed, 2):
        assert not labels.overlaps(a.box, b.box)
    for spot in placed:
        if spot.leader is not None:
            assert not any(labels.crosses(spot.leader, o.box) for o in placed if o is not spot)


def test_labels_rank_places_with_a_state_and_cities_first() -> None:
    ranked = sorted(
        [
            (False, "city", 0, "Palmyra"),
            (True, "town", 9, "Qudsaya"),
            (True, "city", 1, "Douma"),
            (True, "city", 7, "Homs"),
        ],
        key=lambda r: labels.rank(*r),
    )
    assert [r[3] for r in ranked] == ["Homs", "Douma", "Qudsaya", "Palmyra"]


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


class Labelled(HTMLParser):
    """Each label's box as the browser measured it, and whether the page hid it for crowding."""

    def __init__(self) -> None:
        super().__init__()
        self.boxes: list[tuple[float, ...]] = []
        self.crowded: list[str] = []
        self.view: tuple[float, ...] = ()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg" and found.get("id") == "map":
            self.view = tuple(float(v) for v in (found["viewbox"] or "").split())
        if tag == "text" and "data-box" in found:
            if "crowded" in (found.get("class") or "").split():
                self.crowded.append(found["data-box"] or "")
            else:
                self.boxes.append(tuple(float(v) for v in (found["data-box"] or "").split()))


@pytest.mark.parametrize("around", [None, "Homs"])
def test_chromium_sees_no_two_labels_overlap(
    sqlite_sample: Archive, tmp_path: Path, around: str | None
) -> None:
    page = tmp_path / "map.html"
    page.write_text(webmap.render(sqlite_sample, "2024-12-07", around=around, radius_km=55), encoding="utf-8")
    dom = chromium(tmp_path, "--window-size=1280,900", "--dump-dom", page.as_uri())
    found = Labelled()
    found.feed(dom)
    assert 'data-crowded="0"' in dom, "the browser measured what the page placed"
    assert found.crowded == []
    assert len(found.boxes) >= (20 if around is None else 5)
    for a, b in itertools.combinations(found.boxes, 2):
        assert not labels.overlaps(a, b), (a, b)  # type: ignore[arg-type]
    _, _, width, height = found.view
    assert all(b[0] >= 0 and b[1] >= 0 and b[2] <= width and b[3] <= height for b in found.boxes)
    shown = markers(dom).shown
    state = sqlite_sample.state(at="2024-12-07").places
    wanted = [p.place for p in state] if around is None else ["Homs", "Malouk checkpoint", "Hama"]
    assert set(wanted) <= set(shown), "every place with a state is drawn"


def test_chromium_screenshot(sqlite_sample: Archive, tmp_path: Path) -> None:
    sample = sqlite_sample
    page = tmp_path / "map.html"
    page.write_text(webmap.render(sample, "2024-12-07", around="Homs", radius_km=45), encoding="utf-8")
    shot = tmp_path / "map.png"
    chromium(tmp_path, "--window-size=1280,900", f"--screenshot={shot}", f"file://{page}#place=Homs")
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 20_000
