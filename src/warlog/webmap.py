"""A self-contained HTML map of the state of control, with the claims behind it.

Why hand-made SVG and not folium: a folium page loads Leaflet, its CSS and
its plugins from CDNs when it is opened, and Leaflet is what draws the
markers, so offline (or in CI, or in an archive of the page years later) it
shows nothing at all; vendoring Leaflet means shipping JavaScript that no
Python package provides. This page has no external resource of any kind:
an equirectangular SVG of the places from the gazetteer's coordinates, over
a graticule, a scale bar and an approximate outline of Syria (Natural Earth
1:110m, public domain). It opens from a file, prints, and draws the same
offline as online. What it gives up is a tiled basemap and free zooming;
`--around PLACE --radius KM` draws a close-up instead.

Every marker is drawn in the page, one per place and per step of its state
(a valid date on which its claims changed), each carrying the days it holds
(`data-from`, `data-to`). The markers in effect on `at` are marked shown, so
the page is complete without JavaScript; a few lines of script move a date
slider over the steps' dates and show the markers in effect on the chosen
day, and open a popup with the claims behind a marker's state (source,
grade, quote) when it is clicked. `#date=YYYY-MM-DD&place=NAME` in the URL
picks the day and opens a place's popup.

A marker's fill is its controller's colour (`plot.actor_colour`, as in the
timeline pictures); contested and besieged places are hatched and ringed in
the colour of the actor pressing them; disputed ones are white with a "?".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import groupby
from typing import Any

import orjson

from warlog import clock
from warlog.archive import Archive
from warlog.errors import WarlogError
from warlog.export import coordinates, queries
from warlog.links import is_link
from warlog.plot import UNKNOWN, actor_colour
from warlog.readmodel.exports import ExportedClaim
from warlog.resolution import ClaimRef, Step

WIDTH = 1000.0
Box = tuple[float, float, float, float]  # left, top, right, bottom
KM_PER_DEGREE = 111.32
DEFAULT_RADIUS_KM = 40.0
AREAS = ("country", "governorate", "district", "region")  # not drawn as points for context
CLOSE_UP_DEGREES = 2.5  # narrower than this, the 1:110m outline misleads more than it helps
ASPECT = 1.4  # width / height of the drawing, about that of the map's place on a screen
# Natural Earth 1:110m admin-0 outline of Syria (public domain), lon/lat; coarse: a
# few coastal towns fall just outside it.
OUTLINE = (
    (38.792341, 33.378686),
    (36.834062, 32.312938),
    (35.719918, 32.709192),
    (35.700798, 32.716014),
    (35.836397, 32.868123),
    (35.821101, 33.277426),
    (36.06646, 33.824912),
    (36.61175, 34.201789),
    (36.448194, 34.593935),
    (35.998403, 34.644914),
    (35.905023, 35.410009),
    (36.149763, 35.821535),
    (36.41755, 36.040617),
    (36.685389, 36.259699),
    (36.739494, 36.81752),
    (37.066761, 36.623036),
    (38.167727, 36.90121),
    (38.699891, 36.712927),
    (39.52258, 36.716054),
    (40.673259, 37.091276),
    (41.212089, 37.074352),
    (42.349591, 37.229873),
    (41.837064, 36.605854),
    (41.289707, 36.358815),
    (41.383965, 35.628317),
    (41.006159, 34.419372),
    (38.792341, 33.378686),
)


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


@dataclass(frozen=True)
class View:
    """The projection: lon/lat to SVG units, equirectangular at the view's middle latitude."""

    west: float
    south: float
    east: float
    north: float

    @property
    def scale(self) -> float:
        return WIDTH / ((self.east - self.west) * self.squash)

    @property
    def squash(self) -> float:
        return math.cos(math.radians((self.north + self.south) / 2))

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

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

    @property
    def dates(self) -> list[str]:
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
    claims: dict[ClaimRef, ExportedClaim] = {}
    places = []
    rows = queries(archive).effective_claims(
        moment, min_reliability=min_reliability, min_credibility=min_credibility
    )
    for place, group in groupby(rows, key=lambda c: c.place):
        found = list(group)
        claims.update((c.ref, c) for c in found)
        places.append(
            MapPlace(label[place], where.get(label[place]), held(archive.walk(found, moment, rule)))
        )
    context = {label.get(n, n): (p, gazetteer.entries[n].get("kind")) for n, p in points.items() if p}
    return MapData(
        at,
        moment,
        tuple(places),
        context,
        claims,
        view_of(places, where, centre and label.get(centre, centre), radius_km),
    )


def held(walk: Iterable[Step]) -> tuple[Held, ...]:
    walked = list(walk)
    ends: list[str | None] = [s.date for s in walked[1:]]
    return tuple(Held(s.date, end, s) for s, end in zip(walked, [*ends, None], strict=True))


def view_of(
    places: Sequence[MapPlace],
    where: dict[str, tuple[float, float] | None],
    centre: str | None,
    radius_km: float,
) -> View:
    """Around one place, or around every place with a state, with a margin."""
    if centre is not None:
        point = where.get(centre)
        if point is None:
            raise WarlogError(f"--around: '{centre}' has no coordinates in the gazetteer")
        if not radius_km > 0:
            raise WarlogError("--radius: give a distance in kilometres above 0")
        lon, lat = point
        half_lat = radius_km / KM_PER_DEGREE
        half_lon = half_lat / math.cos(math.radians(lat))
        return landscape(View(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat))
    points = [p.point for p in places if p.point] or [p for p in where.values() if p]
    if not points:
        raise WarlogError("nothing to map: no place in the archive has coordinates")
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    margin = max(0.15, 0.08 * max(max(lons) - min(lons), max(lats) - min(lats)))
    return landscape(View(min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin))


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
    dates = data.dates
    unmapped = sorted(p.name for p in data.places if p.point is None)
    return "".join(
        (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n",
            f'<body data-day="{data.at}" data-known-at="{escape(data.known_at)}">\n',
            '<header><h1>State of control on <span id="day">',
            data.at,
            f"</span></h1><p>as known at record time {escape(data.known_at)}</p>\n",
            '<nav><button id="prev" type="button" aria-label="previous date">◀</button>',
            f'<input id="slider" type="range" min="0" max="{len(dates) - 1}" '
            f'value="{dates.index(data.at)}" aria-label="date">',
            '<button id="next" type="button" aria-label="next date">▶</button>',
            f'<span class="hint">{len(dates)} dates with claims; click a place for the claims '
            "behind its state</span></nav></header>\n<main>\n",
            svg(data),
            "\n<aside>",
            legend(data),
            ""
            if not unmapped
            else f'<p class="unmapped">Not on the map, no coordinates: {escape(", ".join(unmapped))}</p>',
            ""
            if data.view.east - data.view.west < CLOSE_UP_DEGREES
            else '<p class="credit">Outline of Syria: Natural Earth 1:110m (public domain), approximate.</p>',
            "</aside>\n</main>\n",
            popups(data),
            f'<script type="application/json" id="dates">{orjson.dumps(dates).decode()}</script>\n',
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n",
        )
    )


def svg(data: MapData) -> str:
    view = data.view
    r = WIDTH / 110
    labels = Labels()
    drawn = [(p, *view.xy(*p.point)) for p in data.places if p.point is not None]
    labels.taken.extend((x - r, y - r, x + r, y + r) for _, x, y in drawn)
    places = [(p, x, y, labels.text(x, y, r * 1.3, p.name, 14, css="label", force=True)) for p, x, y in drawn]
    parts = [
        f'<svg id="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} '
        f'{view.height:.1f}" role="img" aria-label="map">',
        defs(data, r),
        f'<rect class="ground" width="{WIDTH:.0f}" height="{view.height:.1f}"/>',
        graticule(view),
        outline(view),
        scale_bar(view),
    ]
    shown = {p.name for p in data.places}
    for name, ((lon, lat), kind) in sorted(data.context.items()):
        if name in shown or kind in AREAS or not view.contains(lon, lat):
            continue
        x, y = view.xy(lon, lat)
        parts.append(
            f'<g class="context"><circle cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{r / 3:.1f}"/>{labels.text(x, y, r / 2, name, 11)}</g>'
        )
    number = 0
    for place, x, y, label in places:
        parts.append(f'<g class="place" data-place="{escape(place.name)}">')
        for h in place.held:
            number += 1
            parts.append(marker(h, number, place.name, x, y, r, h.holds(data.at)))
        parts.append(f"{label}</g>")
    parts.append("</svg>")
    return "".join(parts)


class Labels:
    """Greedy placement of labels beside their points, so that none overlaps another."""

    def __init__(self) -> None:
        self.taken: list[Box] = []

    def text(
        self, x: float, y: float, gap: float, name: str, size: float, *, css: str = "", force: bool = False
    ) -> str:
        """A <text> at the first free side (right, left, above, below); "" if none is free,
        unless `force`, which puts it on the right anyway."""
        wide, high = 0.6 * size * len(name), size
        sides = (
            (x + gap, y + high / 3, "start", x + gap),
            (x - gap, y + high / 3, "end", x - gap - wide),
            (x, y - gap - high / 4, "middle", x - wide / 2),
            (x, y + gap + high, "middle", x - wide / 2),
        )
        boxes = [(left, ty - high, left + wide, ty + high / 4) for _, ty, _, left in sides]
        free = [n for n, b in enumerate(boxes) if not any(overlaps(b, o) for o in self.taken)]
        if not free and not force:
            return ""
        chosen = free[0] if free else 0
        self.taken.append(boxes[chosen])
        tx, ty, anchor, _ = sides[chosen]
        kind = f' class="{css}"' if css else ""
        return f'<text{kind} x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}">{escape(name)}</text>'


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def marker(h: Held, number: int, place: str, x: float, y: float, r: float, shown: bool) -> str:
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
        body = f'{circle} fill="{actor_colour(s.controller)}" class="base"/>'
        if s.contested_by:
            ring = actor_colour(s.contested_by[0])
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
        (h.step.status, actor_colour(h.step.contested_by[0]))
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
            f'<line x1="0" y1="{y:.1f}" x2="{WIDTH:.0f}" y2="{y:.1f}"/>'
            f'<text x="3" y="{y - 3:.1f}">{degrees(lat)}°N</text>'
        )
        lat += step
    parts.append("</g>")
    return "".join(parts)


def degrees(value: float) -> str:
    return f"{round(value, 2):g}"


def outline(view: View) -> str:
    if view.east - view.west < CLOSE_UP_DEGREES:
        return ""
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (view.xy(*p) for p in OUTLINE))
    return f'<polygon class="outline" points="{points}"/>'


def scale_bar(view: View) -> str:
    km_per_unit = KM_PER_DEGREE / view.scale
    wanted = WIDTH / 5 * km_per_unit
    km = next((k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500) if k >= wanted / 2), 1000)
    length = km / km_per_unit
    y = view.height - 24
    return (
        f'<g class="scale"><line x1="20" y1="{y:.1f}" x2="{20 + length:.1f}" '
        f'y2="{y:.1f}"/><text x="20" y="{y - 6:.1f}">{km} km</text></g>'
    )


def legend(data: MapData) -> str:
    actors = sorted(
        {
            a
            for p in data.places
            for h in p.held
            for a in (h.step.controller, *h.step.contested_by, *h.step.candidates)
            if a
        }
    )
    items = "".join(
        f'<li><span class="swatch" style="background:{actor_colour(a)}"></span>{escape(a)}</li>'
        for a in actors
    )
    return (
        '<h2>Controller</h2><ul class="legend">' + items + "</ul>"
        '<h2>Status</h2><ul class="legend">'
        "<li>filled: controlled by that actor</li>"
        "<li>hatched, ringed: contested (///) or besieged (xx) by the ring's actor</li>"
        "<li>white with ?: disputed between candidates</li>"
        f'<li><span class="swatch" style="background:{UNKNOWN}"></span>unknown</li>'
        "<li>small grey dot: no claim</li></ul>"
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
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fff}
header{padding:8px 16px;border-bottom:1px solid #ddd}
h1{font-size:20px;margin:0}header p{margin:2px 0;color:#555}
nav{display:flex;gap:8px;align-items:center}#slider{flex:0 1 420px}.hint{color:#777;font-size:12px}
main{display:flex;gap:12px;padding:8px 16px}
#map{flex:1 1 auto;max-height:82vh;border:1px solid #ccc;background:#fbfbf8}
aside{flex:0 0 230px;font-size:12px}aside h2{font-size:13px;margin:8px 0 4px}
.legend{list-style:none;padding:0;margin:0}.legend li{margin:2px 0}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;border:1px solid #555;
vertical-align:middle}
.ground{fill:#fbfbf8}.outline{fill:#f1efe6;stroke:#9a957f;stroke-width:1.5}
.graticule line{stroke:#e2e2e2;stroke-width:1}.graticule text{fill:#aaa;font-size:11px}
.scale line{stroke:#333;stroke-width:3}.scale text{font-size:12px;fill:#333}
.context circle{fill:#b5b5b5}.context text{fill:#999;font-size:11px}
g.step{display:none;cursor:pointer}g.step.shown{display:inline}
g.step circle.base{stroke:#333;stroke-width:1.5}g.place.stateless .label{display:none}
circle.disputed{fill:#fff;stroke-dasharray:4 3}.mark{font:bold 13px sans-serif;text-anchor:middle}
.label{font-size:14px;font-weight:600;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3}
.popup{position:fixed;z-index:2;max-width:440px;max-height:60vh;overflow:auto;background:#fff;
border:1px solid #888;box-shadow:0 2px 10px rgba(0,0,0,.3);padding:8px 12px;font-size:12px}
.popup h3{margin:0 0 4px;font-size:15px}.popup ol{padding-left:18px;margin:4px 0}
.popup li{margin:4px 0}.popup .close{float:right;border:none;background:none;font-size:18px}
.grade{font-weight:bold;background:#eee;padding:0 3px}.ref,.by,.known{color:#777}
"""

SCRIPT = """
(function () {
  const dates = JSON.parse(document.getElementById("dates").textContent);
  const slider = document.getElementById("slider");
  let open = null;
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
    let index = 0;
    dates.forEach(function (d, i) { if (d <= day) { index = i; } });
    slider.value = index;
    show(day);
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
  slider.addEventListener("input", function () { show(dates[+slider.value]); });
  document.getElementById("prev").addEventListener("click", function () {
    slider.value = Math.max(0, +slider.value - 1); show(dates[+slider.value]);
  });
  document.getElementById("next").addEventListener("click", function () {
    slider.value = Math.min(dates.length - 1, +slider.value + 1); show(dates[+slider.value]);
  });
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
