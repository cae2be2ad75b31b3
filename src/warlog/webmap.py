"""A self-contained HTML map of the state of control, with the claims behind it.

Why hand-made SVG and not folium: a folium page loads Leaflet, its CSS and
its plugins from CDNs when it is opened, and Leaflet is what draws the
markers, so offline (or in CI, or in an archive of the page years later) it
shows nothing at all; vendoring Leaflet means shipping JavaScript that no
Python package provides. This page has no external resource of any kind: an
equirectangular SVG of the places from the gazetteer's coordinates over the
sea, the land, the coast and the country and governorate borders that ship
with the package (`warlog.basemap`, Natural Earth 1:10m, public domain), a
graticule and a scale bar. It opens from a file, prints, and draws the same
offline as online. What it gives up is a tiled basemap and free zooming;
`--around PLACE --radius KM` draws a close-up instead.

Its Content-Security-Policy allows no source at all but the page's own style
and script, by their hashes: text from the archive is escaped everywhere it
appears, and should anything slip through, a browser would still run no
script and load nothing that the archive's data put in the page.

Every marker is drawn in the page, one per place and per step of its state
(a valid date on which its claims changed), each carrying the days it holds
(`data-from`, `data-to`). The markers in effect on `at` are marked shown, so
the page is complete without JavaScript; a few lines of script move a day
slider (its scale labelled with dates, its ticks on the days the state
changed) and show the markers in effect on the chosen day, and open a popup
with the claims behind a marker's state (source, grade, quote) when it is
clicked. `#date=YYYY-MM-DD&place=NAME` in the URL picks the day and opens a
place's popup.

A marker's fill is its controller's colour (`warlog.palette`: a hue per side,
shades of it for its members, as in the timeline pictures); contested and
besieged places are hatched and ringed in the colour of the actor pressing
them; disputed ones are white with a "?". Labels follow the rule in
`warlog.labels`: none overlaps another, lower-ranked ones give way.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from itertools import groupby
from typing import Any

import orjson

from warlog import basemap, clock
from warlog.archive import Archive
from warlog.errors import WarlogError
from warlog.export import coordinates, queries
from warlog.labels import Box, Labels, Placed, overlaps, rank, text_width
from warlog.links import is_link
from warlog.palette import UNKNOWN, Palette
from warlog.plot import CREDIBILITY_WORDS, RELIABILITY_WORDS, Filter, actor_palette, actors
from warlog.readmodel.exports import ExportedClaim
from warlog.resolution import ClaimRef, Step

WIDTH = 1000.0
KM_PER_DEGREE = 111.32
DEFAULT_RADIUS_KM = 40.0
AREAS = ("country", "governorate", "district", "region")  # not drawn as points for context
CLOSE_UP_DEGREES = 2.5  # narrower than this, markers are larger and no inset is drawn
ASPECT = 1.4  # width / height of the drawing, about that of the map's place on a screen
MARGIN_DEGREES = 0.12  # around the places of the whole map, so their labels fit too
SLIDER_LABELS = 7  # at most, so the dates under the slider never run into each other


@dataclass(frozen=True)
class Held:
    """One step of a place's state and the days it holds: [start, end), end None if open."""

    start: str
    end: str | None
    step: Step

    def holds(self, day: str) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class MapPlace:
    name: str
    point: tuple[float, float] | None  # (lon, lat)
    held: tuple[Held, ...]
    kind: str | None = None


@dataclass(frozen=True)
class View:
    """The projection: lon/lat to SVG units, equirectangular at the view's middle latitude."""

    west: float
    south: float
    east: float
    north: float
    width: float = WIDTH  # in SVG units: an inset is narrower than the map

    @property
    def scale(self) -> float:
        return self.width / ((self.east - self.west) * self.squash)

    @property
    def squash(self) -> float:
        return math.cos(math.radians((self.north + self.south) / 2))

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

    @property
    def bounds(self) -> basemap.Bounds:
        return (self.west, self.south, self.east, self.north)

    @property
    def wide(self) -> bool:
        return self.east - self.west >= CLOSE_UP_DEGREES

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.west) * self.squash * self.scale, (self.north - lat) * self.scale)

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


@dataclass(frozen=True)
class MapData:
    at: str
    known_at: str
    places: tuple[MapPlace, ...]
    context: dict[str, tuple[tuple[float, float], str | None]]  # every place: point, kind
    claims: dict[ClaimRef, ExportedClaim]
    view: View
    palette: Palette = field(default_factory=Palette)
    filter: Filter = field(default_factory=Filter)
    countries: tuple[str, ...] = ()  # the gazetteer's countries, drawn lighter and not named

    @property
    def drawn(self) -> tuple[MapPlace, ...]:
        """The places with a state that the map draws: those with coordinates in its view."""
        return tuple(p for p in self.places if p.point is not None and self.view.contains(*p.point))

    @property
    def dates(self) -> list[str]:
        """The days the state of some place changed, and `at`."""
        return sorted({h.start for p in self.places for h in p.held} | {self.at})


def gather(
    archive: Archive,
    at: str,
    known_at: str | None = None,
    around: str | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    min_reliability: str = "F",
    min_credibility: int = 6,
    **options: Any,
) -> MapData:
    """Every place's steps of state and the claims behind them, as known at `known_at`.

    Places are named as tables name them: by name, qualified where it is shared.
    """
    moment = known_at or clock.format_time(clock.now())
    archive.catch_up()
    centre = None if around is None else archive.place_name(around)
    rule = archive.rule(moment, **options)
    gazetteer = archive.places()
    info = archive.view.place_info()
    label = {p: (p if i.shared else i.name) for p, i in info.items()}
    points = coordinates(gazetteer)
    where = {label.get(p, p): point for p, point in points.items()}
    kinds = {label.get(n, n): e.get("kind") for n, e in gazetteer.entries.items()}
    claims: dict[ClaimRef, ExportedClaim] = {}
    places = []
    rows = archive.opener.claims(  # sensitive text stays out of a map that is shared
        queries(archive).effective_claims(
            moment, min_reliability=min_reliability, min_credibility=min_credibility
        ),
        include_sensitive=False,
    )
    for place, group in groupby(rows, key=lambda c: c.place):
        found = list(group)
        claims.update((c.ref, c) for c in found)
        name = label[place]
        steps = held(archive.walk(found, moment, rule))
        places.append(MapPlace(name, where.get(name), steps, kinds.get(name)))
    context = {label.get(n, n): (p, gazetteer.entries[n].get("kind")) for n, p in points.items() if p}
    countries = tuple(sorted(e["name"] for e in gazetteer.entries.values() if e.get("kind") == "country"))
    colours = actor_palette(archive, moment, (a for p in places for h in p.held for a in actors(h.step)))
    return MapData(
        at,
        moment,
        tuple(places),
        context,
        claims,
        view_of(places, context, centre and label.get(centre, centre), radius_km, countries),
        colours,
        Filter(rule, options.get("pressure_days", "policy") == "policy", min_reliability, min_credibility),
        countries,
    )


def held(walk: Iterable[Step]) -> tuple[Held, ...]:
    walked = list(walk)
    ends: list[str | None] = [s.date for s in walked[1:]]
    return tuple(Held(s.date, end, s) for s, end in zip(walked, [*ends, None], strict=True))


def view_of(
    places: Sequence[MapPlace],
    context: dict[str, tuple[tuple[float, float], str | None]],
    centre: str | None,
    radius_km: float,
    countries: Sequence[str] = (),
) -> View:
    """Around one place; or the whole map: every place drawn and the gazetteer's countries."""
    if centre is not None:
        point = next((p.point for p in places if p.name == centre and p.point), None)
        point = point or (context[centre][0] if centre in context else None)
        if point is None:
            raise WarlogError(f"--around: '{centre}' has no coordinates in the gazetteer")
        if not radius_km > 0:
            raise WarlogError("--radius: give a distance in kilometres above 0")
        lon, lat = point
        half_lat = radius_km / KM_PER_DEGREE
        half_lon = half_lat / math.cos(math.radians(lat))
        return landscape(View(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat))
    drawn = [p.point for p in places if p.point]
    drawn += [point for point, kind in context.values() if kind not in AREAS]
    if not drawn:
        raise WarlogError("nothing to map: no place in the archive has coordinates")
    west, south, east, north = basemap.bounds(drawn)
    for country in countries:
        extent = basemap.country_bounds(country)
        if extent is not None:
            west, south = min(west, extent[0]), min(south, extent[1])
            east, north = max(east, extent[2]), max(north, extent[3])
    margin = max(MARGIN_DEGREES, 0.04 * max(east - west, north - south))
    return landscape(View(west - margin, south - margin, east + margin, north + margin))


def landscape(view: View) -> View:
    """Widen or heighten the view about its middle to the shape of a screen."""
    wide = (view.east - view.west) * view.squash
    high = view.north - view.south
    if wide < ASPECT * high:
        extra = (ASPECT * high - wide) / view.squash / 2
        return View(view.west - extra, view.south, view.east + extra, view.north)
    if wide > ASPECT * high:
        extra = (wide / ASPECT - high) / 2
        return View(view.west, view.south - extra, view.east, view.north + extra)
    return view


# The page -------------------------------------------------------------


def page(data: MapData) -> str:
    """The whole HTML document."""
    title = f"State of control on {data.at}, as known at {data.known_at}"
    scale = Slider.of(data)
    style = CSS + scale.css()
    unmapped = sorted(p.name for p in data.places if p.point is None)
    drawing, hidden = svg(data)
    policy = (
        "default-src 'none'; "
        f"style-src '{digest(style)}'; script-src '{digest(SCRIPT)}'; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return "".join(
        (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
            f"<title>{escape(title)}</title>\n<style>{style}</style>\n</head>\n",
            f'<body data-day="{data.at}" data-known-at="{escape(data.known_at)}">\n',
            '<header><h1>State of control on <span id="day">',
            data.at,
            f"</span></h1><p>as known at record time {escape(data.known_at)}</p>\n",
            scale.html(),
            "</header>\n<main>\n",
            drawing,
            "\n<aside>",
            legend(data, hidden),
            ""
            if not unmapped
            else f'<p class="unmapped">Not on the map, no coordinates: {escape(", ".join(unmapped))}</p>',
            f'<p class="credit">{escape(basemap.ATTRIBUTION)}</p>',
            "</aside>\n</main>\n",
            popups(data),
            f'<script type="application/json" id="dates">{json_text(scale.changes)}</script>\n',
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n",
        )
    )


def digest(text: str) -> str:
    """A CSP source for an inline style or script: the SHA-256 of its text."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def json_text(value: Any) -> str:
    """JSON safe inside a <script> element: no "<" that could close it."""
    return orjson.dumps(value).decode().replace("<", "\\u003c")


@dataclass(frozen=True)
class Slider:
    """A slider over days, from the first day the state changed to the last (or `at`).

    Its scale is labelled with dates at an even step of days, weeks or months,
    never more than SLIDER_LABELS of them; ticks mark the days a state changed.
    """

    first: str
    days: int
    value: int
    changes: tuple[str, ...]
    labels: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, data: MapData) -> Slider:
        changes = data.dates
        first, last = date.fromisoformat(changes[0]), date.fromisoformat(changes[-1])
        days = (last - first).days
        every = next((s for s in (1, 2, 3, 7, 14, 30, 61, 91, 182, 365) if days / s < SLIDER_LABELS), 730)
        labels = []
        for n in range(0, days + 1, every):
            day = first + timedelta(n)
            text = f"{day.day} {day:%b}" if every < 30 else f"{day:%b %Y}"
            labels.append((n, text + (f" {day.year}" if n == 0 and every < 30 else "")))
        value = (date.fromisoformat(data.at) - first).days
        return cls(first.isoformat(), days, value, tuple(changes), tuple(labels))

    def offset(self, n: int) -> str:
        """Where day n sits under the range input, whose thumb is 16 px wide in most browsers."""
        return f"calc(8px + (100% - 16px) * {n / max(self.days, 1):.4f})"

    def css(self) -> str:
        ticks = "".join(
            f".tick{n}{{left:{self.offset((date.fromisoformat(d) - date.fromisoformat(self.first)).days)}}}"
            for n, d in enumerate(self.changes)
        )
        labels = "".join(f".at{n}{{left:{self.offset(day)}}}" for n, (day, _) in enumerate(self.labels))
        return ticks + labels

    def html(self) -> str:
        ticks = "".join(f'<i class="tick tick{n}" title="{d}"></i>' for n, d in enumerate(self.changes))
        labels = "".join(f'<span class="at at{n}">{text}</span>' for n, (_, text) in enumerate(self.labels))
        return (
            '<nav><button id="prev" type="button" aria-label="previous change">◀</button>'
            f'<div class="scale" data-first="{self.first}"><input id="slider" type="range" min="0" '
            f'max="{self.days}" value="{self.value}" aria-label="day">'
            f'<div class="ticks">{ticks}</div><div class="dates">{labels}</div></div>'
            '<button id="next" type="button" aria-label="next change">▶</button>'
            f'<span class="hint">{len(self.changes)} days with changes (ticks); '
            "click a place for the claims behind its state</span></nav>"
        )


Drawn = tuple[MapPlace, float, float]  # a place and where it is drawn
Dot = tuple[str, str | None, float, float]  # a place with no claim: name, kind, where


def drawn_in(data: MapData, view: View) -> tuple[list[Drawn], list[Dot]]:
    """The places with a state inside the view, and the gazetteer's other points there."""
    drawn = [(p, *view.xy(*p.point)) for p in data.places if p.point is not None and view.contains(*p.point)]
    shown = {p.name for p in data.places}
    dots = [
        (name, kind, *view.xy(lon, lat))
        for name, ((lon, lat), kind) in sorted(data.context.items())
        if name not in shown and kind not in AREAS and view.contains(lon, lat)
    ]
    return drawn, dots


def svg(data: MapData) -> tuple[str, list[str]]:
    """The drawing, and the places with a state whose labels found no room."""
    view = data.view
    r = marker_radius(view)
    height = view.height
    drawn, dots = drawn_in(data, view)
    numbers = popup_numbers(data)
    labels = Labels((2.0, 2.0, view.width - 2.0, height - 2.0))
    bar, bar_box = scale_bar(view)
    labels.block(bar_box, mark=False)
    inset = Inset.of(data, r, drawn, dots, bar_box)
    members: set[str] = set()
    if inset is not None:
        labels.block(inset.box, mark=False)
        labels.block(inset.area)
        members = set(inset.members)
    main, hidden = layer(data, view, r, labels, drawn, dots, numbers, skip=members)
    countries = []
    for name, lon, lat in basemap.country_labels(view.bounds, data.countries):
        x, y = view.xy(lon, lat)
        # Near its point if that is taken (by the inset, say): a country is large.
        spots = (labels.place(x, y, gap, name.upper(), 12, leader=False) for gap in (0, 40, 90))
        spot = next((s for s in spots if s is not None), None)
        if spot is not None:
            countries.append(text(spot, name.upper(), "country"))
    parts = [
        f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view.width:.0f} '
        f'{height:.1f}" role="img" aria-label="map">',
        defs(data, r),
        f'<rect class="sea" width="{view.width:.0f}" height="{height:.1f}"/>',
        basemap.svg(view.bounds, view.xy, data.countries),
        graticule(view),
        *countries,
        bar,
        *main,
    ]
    if inset is not None:
        drawing, missing = inset.svg(data, r, numbers)
        parts.append(drawing)
        hidden += missing
    parts.append("</svg>")
    return "".join(parts), sorted(hidden)


def popup_numbers(data: MapData) -> dict[str, int]:
    """The number of each place's first popup, in the order `popups` writes them."""
    numbers, number = {}, 0
    for place in data.places:
        if place.point is not None:
            numbers[place.name] = number
            number += len(place.held)
    return numbers


def layer(
    data: MapData,
    view: View,
    r: float,
    labels: Labels,
    drawn: list[Drawn],
    dots: list[Dot],
    numbers: dict[str, int],
    *,
    skip: Collection[str] = (),
    copy: bool = False,
    first_rank: int = 0,
) -> tuple[list[str], list[str]]:
    """The dots and markers of one drawing (the map or its inset), labelled by the rule.

    Places in `skip` get a marker but no label (the inset labels them). A copy's
    markers open the same popups as the map's, but do not count as the place's own.
    """
    for _, x, y in drawn:
        labels.block((x - r - 1, y - r - 1, x + r + 1, y + r + 1))
    for _, _, x, y in dots:
        labels.block((x - r / 3, y - r / 3, x + r / 3, y + r / 3))
    places = sorted(drawn, key=lambda d: rank(True, d[0].kind, claim_count(d[0]), d[0].name))
    placed = {
        p.name: labels.place(x, y, r * 1.35, p.name, 14, bold=True)
        for p, x, y in places
        if p.name not in skip
    }
    hidden = [name for name, spot in placed.items() if spot is None]
    quiet = sorted(dots, key=lambda d: rank(False, d[1], 0, d[0]))
    context = {name: labels.place(x, y, r / 2, name, 11, leader=False) for name, _, x, y in quiet}
    parts = []
    for n, (name, _, x, y) in enumerate(quiet):
        spot = context[name]
        parts.append(
            f'<g class="context"><circle cx="{x:.1f}" cy="{y:.1f}" r="{r / 3:.1f}"/>'
            f"{text(spot, name, 'quiet', n=first_rank + 10_000 + n) if spot else ''}</g>"
        )
    ranks = {p.name: n for n, (p, _, _) in enumerate(places)}
    whose = "data-copy" if copy else "data-place"
    for place, x, y in drawn:
        parts.append(f'<g class="place" {whose}="{escape(place.name)}">')
        for n, h in enumerate(place.held, start=numbers[place.name] + 1):
            parts.append(marker(h, n, place.name, x, y, r, h.holds(data.at), data.palette))
        spot = placed.get(place.name)
        if spot is not None:
            if spot.leader is not None:
                x1, y1, x2, y2 = spot.leader
                parts.append(
                    f'<line class="leader" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
                )
            parts.append(text(spot, place.name, "label", n=first_rank + ranks[place.name]))
        parts.append("</g>")
    return parts, hidden


@dataclass(frozen=True)
class Inset:
    """A magnified panel of the map's most crowded spot, where markers would cover each other.

    On the whole map, places a few kilometres apart (Damascus and its suburbs)
    are drawn closer than a marker is wide. The largest such cluster is drawn
    again, magnified until its markers stand apart, in a corner of the map that
    holds no place; a box on the map shows the area it magnifies, and the
    cluster's places are labelled in the panel only.
    """

    view: View
    x: float
    y: float
    members: tuple[str, ...]
    area: Box
    title: str

    @property
    def box(self) -> Box:
        return (self.x, self.y, self.x + self.view.width, self.y + self.view.height)

    @classmethod
    def of(cls, data: MapData, r: float, drawn: list[Drawn], dots: list[Dot], bar: Box) -> Inset | None:
        view = data.view
        cluster = crowded(drawn, 2.4 * r)
        if not view.wide or len(cluster) < 2:
            return None
        closest = min(math.dist(a[1:], b[1:]) for a, b in itertools.combinations(cluster, 2))
        points = [p.point for p, _, _ in cluster if p.point]
        lon = sum(p[0] for p in points) / len(points)
        lat = sum(p[1] for p in points) / len(points)
        width, height = 320.0, 230.0
        magnify = max(2.0, 4.2 * r / max(closest, 0.5))
        while magnify >= 1.5:
            half_lat = height / 2 / (view.scale * magnify)
            half_lon = width / 2 / (view.scale * magnify * view.squash)
            inset = View(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat, width)
            if all(within(inset, p, 0.12) for p in points):
                break
            magnify /= 1.25
        else:
            return None
        (left, top), (right, bottom) = view.xy(inset.west, inset.north), view.xy(inset.east, inset.south)
        area = (left, top, right, bottom)
        taken = [(x - r, y - r, x + r, y + r) for _, x, y in drawn] + [(x, y, x, y) for _, _, x, y in dots]
        taken += [bar, area]
        for x, y in (
            (view.width - width - 8, view.height - inset.height - 8),
            (view.width - width - 8, 8),
            (8, 8),
            (8, view.height - inset.height - 8),
        ):
            box = (x, y, x + width, y + inset.height)
            if not any(overlaps(box, t) for t in taken):
                ranked = sorted(cluster, key=lambda d: rank(True, d[0].kind, claim_count(d[0]), d[0].name))
                names = tuple(p.name for p, _, _ in cluster)
                return cls(inset, x, y, names, area, f"{ranked[0][0].name} area")
        return None

    def svg(self, data: MapData, r: float, numbers: dict[str, int]) -> tuple[str, list[str]]:
        """The panel, a nested SVG in the map's units, and the places it could not label."""
        view = self.view
        height = view.height
        labels = Labels((2.0, 2.0, view.width - 2.0, height - 2.0))
        bar, bar_box = scale_bar(view)
        title_box = (0.0, 0.0, 12 + text_width(self.title, 12, True), 24.0)
        labels.block(bar_box, mark=False)
        labels.block(title_box, mark=False)
        drawn, dots = drawn_in(data, view)
        parts, hidden = layer(data, view, r, labels, drawn, dots, numbers, copy=True, first_rank=5_000)
        (left, top, right, bottom) = self.area
        return (
            f'<rect class="inset-area" x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
            f'height="{bottom - top:.1f}"/>'
            f'<svg class="inset" x="{self.x:.1f}" y="{self.y:.1f}" width="{view.width:.0f}" '
            f'height="{height:.1f}" viewBox="0 0 {view.width:.0f} {height:.1f}">'
            f'<rect class="sea" width="{view.width:.0f}" height="{height:.1f}"/>'
            + basemap.svg(view.bounds, view.xy, data.countries)
            + bar
            + "".join(parts)
            + f'<text class="inset-title" x="6" y="17">{escape(self.title)}</text>'
            f'<rect class="inset-frame" width="{view.width:.0f}" height="{height:.1f}"/></svg>',
            hidden,
        )


def within(view: View, point: tuple[float, float], share: float) -> bool:
    """Inside the view and `share` of its size away from its edges."""
    lon, lat = point
    dx, dy = (view.east - view.west) * share, (view.north - view.south) * share
    return view.west + dx <= lon <= view.east - dx and view.south + dy <= lat <= view.north - dy


def crowded(drawn: list[Drawn], apart: float) -> list[Drawn]:
    """The largest group of places drawn closer than `apart` to another of the group."""
    groups: list[list[Drawn]] = []
    for place in sorted(drawn, key=lambda d: d[0].name):
        near = [g for g in groups if any(math.dist(place[1:], o[1:]) < apart for o in g)]
        merged = [place] + [o for g in near for o in g]
        groups = [g for g in groups if g not in near] + [merged]
    return max(groups, key=len, default=[])


def marker_radius(view: View) -> float:
    """Smaller markers on the whole map, where towns a few kilometres apart would cover each other."""
    return WIDTH / (110 if not view.wide else 150)


def quiet_rank(quiet: list[tuple[str, str | None, float, float]], name: str) -> int:
    """Context labels rank after every place with a state."""
    return 10_000 + next(n for n, d in enumerate(quiet) if d[0] == name)


def claim_count(place: MapPlace) -> int:
    return len({ref for h in place.held for ref in h.step.claims})


def text(spot: Placed, name: str, css: str, n: int | None = None) -> str:
    """A label; `data-rank` orders them for the page's own overlap check (lower wins)."""
    ranked = "" if n is None else f' data-rank="{n}"'
    return (
        f'<text class="{css}"{ranked} x="{spot.x:.1f}" y="{spot.y:.1f}" '
        f'text-anchor="{spot.anchor}">{escape(name)}</text>'
    )


def marker(
    h: Held, number: int, place: str, x: float, y: float, r: float, shown: bool, colours: Palette
) -> str:
    s = h.step
    classes = "step shown" if shown else "step"
    head = (
        f'<g class="{classes}" data-from="{h.start}" data-to="{h.end or ""}" '
        f'data-status="{s.status}" data-popup="popup-{number}" tabindex="0">'
        f"<title>{escape(place)}: {escape(describe(s))}</title>"
    )
    circle = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"'
    if s.status == "disputed":
        body = (
            f'{circle} class="base disputed"/><text class="mark" x="{x:.1f}" y="{y + r / 2.2:.1f}">?</text>'
        )
    elif s.status == "unknown":
        body = f'{circle} fill="{UNKNOWN}" class="base unknown"/>'
    else:
        body = f'{circle} fill="{colours(s.controller)}" class="base"/>'
        if s.contested_by:
            ring = colours(s.contested_by[0])
            body += (
                f'{circle} fill="url(#{s.status}-{ring[1:]})" stroke="{ring}" stroke-width="{r / 2.2:.1f}"/>'
            )
    return head + body + "</g>"


def describe(s: Step) -> str:
    """The state in words, e.g. "contested by opposition (held by Syrian government)"."""
    if s.status == "disputed":
        text = f"disputed between {' and '.join(s.candidates)}"
    elif s.status == "unknown":
        text = "unknown (the last holder withdrew)"
    elif s.status == "controlled":
        text = f"controlled by {s.controller}"
    else:
        text = f"{s.status} by {', '.join(s.contested_by)}"
        text += f" (held by {s.controller})" if s.controller else ""
    return f"{text}, since {s.since}"


def defs(data: MapData, r: float) -> str:
    """Hatch patterns, one per status and pressing actor's colour."""
    wanted = {
        (h.step.status, data.palette(h.step.contested_by[0]))
        for p in data.places
        for h in p.held
        if h.step.contested_by
    }
    patterns = []
    for status, colour in sorted(wanted):
        gap = r / 2.5
        lines = (
            f'<line x1="0" y1="0" x2="0" y2="{gap:.1f}" stroke="{colour}" stroke-width="{gap / 2.5:.1f}"/>'
        )
        if status == "besieged":
            lines += (
                f'<line x1="0" y1="0" x2="{gap:.1f}" y2="0" stroke="{colour}" '
                f'stroke-width="{gap / 2.5:.1f}"/>'
            )
        patterns.append(
            f'<pattern id="{status}-{colour[1:]}" patternUnits="userSpaceOnUse" '
            f'width="{gap:.1f}" height="{gap:.1f}" '
            f'patternTransform="rotate(45)">{lines}</pattern>'
        )
    return f"<defs>{''.join(patterns)}</defs>"


def graticule(view: View) -> str:
    span = max(view.east - view.west, view.north - view.south)
    step = 0.1 if span < 0.6 else 0.25 if span < 1.5 else 0.5 if span < 6 else 1.0
    parts = ['<g class="graticule">']
    lon = math.ceil(view.west / step) * step
    while lon < view.east:
        x, _ = view.xy(lon, view.north)
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{view.height:.1f}"/>'
            f'<text x="{x + 3:.1f}" y="{view.height - 4:.1f}">{degrees(lon)}°E</text>'
        )
        lon += step
    lat = math.ceil(view.south / step) * step
    while lat < view.north:
        _, y = view.xy(view.west, lat)
        parts.append(
            f'<line x1="0" y1="{y:.1f}" x2="{view.width:.0f}" y2="{y:.1f}"/>'
            f'<text x="3" y="{y - 3:.1f}">{degrees(lat)}°N</text>'
        )
        lat += step
    parts.append("</g>")
    return "".join(parts)


def degrees(value: float) -> str:
    return f"{round(value, 2):g}"


def scale_bar(view: View) -> tuple[str, Box]:
    """A bar of a round number of kilometres, bottom left, and the room it takes."""
    km_per_unit = KM_PER_DEGREE / view.scale
    wanted = view.width / 5 * km_per_unit
    km = next((k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500) if k >= wanted / 2), 1000)
    length = km / km_per_unit
    y = view.height - 24
    drawing = (
        f'<g class="scale"><rect x="12" y="{y - 22:.1f}" width="{length + 16:.1f}" height="30"/>'
        f'<line x1="20" y1="{y:.1f}" x2="{20 + length:.1f}" '
        f'y2="{y:.1f}"/><text x="20" y="{y - 6:.1f}">{km} km</text></g>'
    )
    return drawing, (12.0, y - 22, 28 + length, y + 8)


def swatch(colour: str, css: str = "") -> str:
    """A colour key as SVG, whose fill is an attribute: the page allows no inline style."""
    kind = f' class="{css}"' if css else ""
    return (
        f'<svg class="swatch" viewBox="0 0 12 12" aria-hidden="true"><rect{kind} x="0.5" y="0.5" '
        f'width="11" height="11" fill="{colour}"/></svg>'
    )


def legend(data: MapData, hidden: Sequence[str]) -> str:
    """Who holds what (sides, their members under them), the states, and the grades."""
    named = {a for p in data.places for h in p.held for a in actors(h.step)}
    order = [a for a in data.palette.colours if a in named] + sorted(named - set(data.palette.colours))
    items = []
    for a in order:
        side = data.palette.side(a)
        member = f' <span class="side">({escape(side)})</span>' if side != a else ""
        kind = "member" if member else "top"
        items.append(f'<li class="{kind}">{swatch(data.palette(a))}{escape(a)}{member}</li>')
    parts = [
        '<h2>Controller</h2><p class="note">a hue per side; its members in shades of it</p>',
        '<ul class="legend">' + "".join(items) + "</ul>",
        '<h2>Status</h2><ul class="legend">'
        "<li>filled: controlled by that actor</li>"
        "<li>hatched, ringed: contested (///) or besieged (xx) by the ring's actor</li>"
        "<li>white with ?: disputed between candidates</li>"
        f"<li>{swatch(UNKNOWN)}unknown</li>"
        "<li>small grey dot: a place with no claim</li></ul>",
        grades(data),
        f'<p class="note">{escape(data.filter.caption())}</p>',
    ]
    if hidden:
        parts.append(
            '<p class="note">Left unlabelled for want of room (hover or click the marker): '
            f"{escape(', '.join(hidden))}</p>"
        )
    return "".join(parts)


def grades(data: MapData) -> str:
    """The sources on the map with the grades of their claims, and what the grades mean."""
    seen: dict[str, set[str]] = {}
    for claim in data.claims.values():
        seen.setdefault(claim.source, set()).add(claim.grade)
    sources = "".join(
        f'<li>{escape(source)} <span class="grade">{" ".join(sorted(g))}</span></li>'
        for source, g in sorted(seen.items(), key=lambda s: (min(s[1]), s[0]))
    )
    reliability = "; ".join(f"{k} {v}" for k, v in RELIABILITY_WORDS.items())
    credibility = "; ".join(f"{k} {v}" for k, v in CREDIBILITY_WORDS.items())
    return (
        '<h2>Sources and their grades</h2><ul class="legend sources">' + sources + "</ul>"
        f'<p class="note">Letter: the source\'s reliability ({reliability}). '
        f"Digit: the claim's credibility ({credibility}).</p>"
    )


def popups(data: MapData) -> str:
    """The popups' contents, one per marker, hidden until a marker is clicked."""
    parts = []
    number = 0
    for place in data.places:
        if place.point is None:
            continue
        for h in place.held:
            number += 1
            items = "".join(claim_item(data.claims[ref]) for ref in h.step.claims)
            parts.append(
                f'<section class="popup" id="popup-{number}" hidden>'
                f'<button type="button" class="close" aria-label="close">&times;</button>'
                f"<h3>{escape(place.name)}</h3><p>{escape(describe(h.step))}</p>"
                f'<p class="known">From {h.start}{" to " + h.end if h.end else ""}; '
                f"as known at {escape(data.known_at)}. Claims behind this state:</p>"
                f"<ol>{items}</ol></section>"
            )
    return "\n".join(parts) + "\n"


def claim_item(c: ExportedClaim) -> str:
    source = escape(c.source)
    if c.url and is_link(c.url):
        source = f'<a href="{escape(c.url)}" rel="noopener noreferrer">{source}</a>'
    elif c.url:  # not http(s): shown, never followed
        source += f' <span class="url">({escape(c.url)})</span>'
    said = f" <q>{escape(c.quote)}</q>" if c.quote else ""
    who = f' <span class="by">({escape(c.attributed_to)})</span>' if c.attributed_to else ""
    return (
        f"<li><b>{c.date}</b> {escape(c.actor)} {c.status} — <cite>{source}</cite> "
        f'<span class="grade" title="source reliability, claim credibility">{c.grade}'
        f'</span>{said}{who} <span class="ref">{escape(c.report)}#{c.claim}</span></li>'
    )


CSS = """
body{font:14px/1.4 "DejaVu Sans",Verdana,system-ui,sans-serif;margin:0;color:#222;background:#fff}
header{padding:8px 16px;border-bottom:1px solid #ddd}
h1{font-size:20px;margin:0}header p{margin:2px 0;color:#555}
nav{display:flex;gap:8px;align-items:flex-start}nav button{margin-top:2px}
.scale{position:relative;flex:0 1 560px;height:44px}#slider{width:100%;margin:0}
.ticks i{position:absolute;top:22px;width:1px;height:6px;background:#555;margin-left:-0.5px}
.dates span{position:absolute;top:28px;font-size:11px;color:#444;transform:translateX(-50%);
white-space:nowrap}.hint{color:#777;font-size:12px;margin-top:3px}
main{display:flex;gap:12px;padding:8px 16px}
#map{flex:1 1 auto;max-height:80vh;border:1px solid #bbb;background:#dde8ef}
aside{flex:0 0 250px;font-size:12px}aside h2{font-size:13px;margin:8px 0 2px}
.legend{list-style:none;padding:0;margin:0}.legend li{margin:2px 0}.legend li.member{padding-left:14px}
.side,.note,.credit{color:#666}.note,.credit{margin:4px 0}.sources li{margin:1px 0}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px}
.swatch rect{stroke:#555;stroke-width:1}
.sea{fill:#dde8ef}.land{fill:#ece9df;stroke:none}.land.home{fill:#fbfaf4}
.coast{fill:none;stroke:#7f9fb5;stroke-width:1}
.borders{fill:none;stroke:#8d8674;stroke-width:1.6;stroke-linejoin:round}
.governorates{fill:none;stroke:#b9b2a0;stroke-width:0.9;stroke-dasharray:5 3}
.graticule line{stroke:#c9d5dd;stroke-width:0.6}.graticule text{fill:#8a9aa5;font-size:10px}
.country{font-size:12px;letter-spacing:2px;fill:#9b9585}
.scale rect{fill:#fff;fill-opacity:.7}.scale line{stroke:#333;stroke-width:3}
.scale text{font-size:12px;fill:#333}
.context circle{fill:#9a9a9a}.context text{fill:#777;font-size:11px}
g.step{display:none;cursor:pointer}g.step.shown{display:inline}
g.step circle.base{stroke:#333;stroke-width:1.5}
g.place.stateless .label,g.place.stateless .leader{display:none}
circle.disputed{fill:#fff;stroke-dasharray:4 3}.mark{font:bold 13px sans-serif;text-anchor:middle}
.label{font-size:14px;font-weight:bold;fill:#1a1a1a;paint-order:stroke;stroke:#fff;stroke-width:3;
stroke-linejoin:round}.leader{stroke:#444;stroke-width:1}
text.crowded{display:none}
.inset-area{fill:none;stroke:#222;stroke-width:1.2}.inset-frame{fill:none;stroke:#222;stroke-width:2}
.inset-title{font-size:12px;font-weight:bold;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3}
.popup{position:fixed;z-index:2;max-width:440px;max-height:60vh;overflow:auto;background:#fff;
border:1px solid #888;box-shadow:0 2px 10px rgba(0,0,0,.3);padding:8px 12px;font-size:12px}
.popup h3{margin:0 0 4px;font-size:15px}.popup ol{padding-left:18px;margin:4px 0}
.popup li{margin:4px 0}.popup .close{float:right;border:none;background:none;font-size:18px}
.grade{font-weight:bold;background:#eee;padding:0 3px}.ref,.by,.known{color:#777}
"""

SCRIPT = """
(function () {
  const changes = JSON.parse(document.getElementById("dates").textContent);
  const slider = document.getElementById("slider");
  const first = Date.parse(document.querySelector(".scale").dataset.first + "T00:00:00Z");
  let open = null;
  function dayOf(n) { return new Date(first + n * 86400000).toISOString().slice(0, 10); }
  function indexOf(day) { return Math.round((Date.parse(day + "T00:00:00Z") - first) / 86400000); }
  function hide() { if (open) { open.hidden = true; open = null; } }
  function show(day) {
    for (const g of document.querySelectorAll("g.step")) {
      const on = g.dataset.from <= day && (!g.dataset.to || day < g.dataset.to);
      g.classList.toggle("shown", on);
    }
    for (const p of document.querySelectorAll("g.place")) {
      p.classList.toggle("stateless", !p.querySelector("g.step.shown"));
    }
    document.getElementById("day").textContent = day;
    document.body.dataset.day = day;
    hide();
  }
  function pick(day) {
    const n = indexOf(day);
    if (isNaN(n)) { return; }
    slider.value = Math.max(0, Math.min(+slider.max, n));
    show(n < 0 || n > +slider.max ? dayOf(+slider.value) : day);
  }
  function step(forward) {
    const day = dayOf(+slider.value);
    const next = forward ? changes.find(function (d) { return d > day; })
      : changes.slice().reverse().find(function (d) { return d < day; });
    if (next) { pick(next); }
  }
  function crowding() {
    // Labels were placed apart for DejaVu Sans; with another font, the lower-ranked
    // of two labels that still meet gives way. Each label's box is kept for checks.
    // Boxes are taken in the map's own units, the inset's labels included.
    const map = document.getElementById("map");
    const toMap = map.getScreenCTM().inverse();
    const labels = Array.from(document.querySelectorAll("#map text[data-rank]"));
    labels.sort(function (a, b) { return +a.dataset.rank - +b.dataset.rank; });
    const kept = [];
    let hidden = 0;
    for (const t of labels) {
      const own = t.getBBox();
      const m = toMap.multiply(t.getScreenCTM());
      const p = new DOMPoint(own.x, own.y).matrixTransform(m);
      const q = new DOMPoint(own.x + own.width, own.y + own.height).matrixTransform(m);
      const b = { x: p.x, y: p.y, width: q.x - p.x, height: q.y - p.y };
      t.dataset.box = [b.x, b.y, b.x + b.width, b.y + b.height]
        .map(function (v) { return v.toFixed(1); }).join(" ");
      const meets = kept.some(function (k) {
        return b.x < k.x + k.width && k.x < b.x + b.width && b.y < k.y + k.height && k.y < b.y + b.height;
      });
      if (meets) { t.classList.add("crowded"); hidden += 1; } else { kept.push(b); }
    }
    document.body.dataset.crowded = hidden;
  }
  function popup(g) {
    // In the half of the map away from the marker, so the marker and its neighbours show.
    hide();
    open = document.getElementById(g.dataset.popup);
    open.hidden = false;
    const map = document.getElementById("map").getBoundingClientRect();
    const mark = g.getBoundingClientRect();
    const left = mark.left + mark.width / 2 < map.left + map.width / 2
      ? map.right - open.offsetWidth - 8 : map.left + 8;
    open.style.left = Math.max(4, left) + "px";
    open.style.top = Math.max(4, map.top + 8) + "px";
  }
  slider.addEventListener("input", function () { show(dayOf(+slider.value)); });
  document.getElementById("prev").addEventListener("click", function () { step(false); });
  document.getElementById("next").addEventListener("click", function () { step(true); });
  document.addEventListener("click", function (event) {
    const g = event.target.closest("g.step.shown");
    if (g) { popup(g); }
    else if (event.target.closest(".close") || !event.target.closest(".popup")) { hide(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { hide(); }
    const g = event.target.closest && event.target.closest("g.step.shown");
    if (g && event.key === "Enter") { popup(g); }
  });
  crowding();
  const wanted = new URLSearchParams(location.hash.slice(1));
  pick(wanted.get("date") || document.body.dataset.day);
  const place = wanted.get("place");
  if (place) {
    for (const p of document.querySelectorAll("g.place")) {
      const g = p.dataset.place === place && p.querySelector("g.step.shown");
      if (g) { popup(g); }
    }
  }
})();
"""


def render(
    archive: Archive,
    at: str,
    known_at: str | None = None,
    around: str | None = None,
    radius_km: float = DEFAULT_RADIUS_KM,
    min_reliability: str = "F",
    min_credibility: int = 6,
) -> str:
    """The map page for one archive, date and record time."""
    return page(gather(archive, at, known_at, around, radius_km, min_reliability, min_credibility))
