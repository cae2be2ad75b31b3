"""Map labels placed so that none overlaps another label, a marker or a dot.

The rule, in rank order (see `rank`): places with a state before places
without; then cities, then towns, then anything else; then the place with
more claims; then by name. Each label in turn tries eight spots next to its
point — right, left, upper right, lower right, upper left, lower left, above,
below — and then the same eight 2.2, 3.4, 4.8 and 6.5 times as far out, joined to
its point by a leader line. The first spot that lies inside the frame,
overlaps nothing placed before it (labels, markers, dots, leader lines, the
scale bar) and whose leader line crosses no label wins. A label that finds no
spot is left out; for a place with a state the page names it in the legend,
and its marker's tooltip and popup still name it.

Text is measured with the DejaVu Sans metrics that matplotlib ships, and the
page asks browsers for that font first, so the boxes computed here are the
ones the browser draws; the page's script also measures them after layout and
hides the lower-ranked of any two that still meet (another font, say).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom
ASCENT, DESCENT = 0.93, 0.24  # DejaVu Sans, in ems: the box a browser gives a <text>
PADDING = 2.0  # room for the label's white halo
KINDS = {"city": 0, "town": 1}
# Directions as (dx, dy) from the point, in the order they are tried.
DIRECTIONS = ((1, 0), (-1, 0), (1, -1), (1, 1), (-1, -1), (-1, 1), (0, -1), (0, 1))


@functools.cache
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` at `size` (SVG units) in DejaVu Sans, as matplotlib measures it."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=size)
    width, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return float(width)


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(a: Box, frame: Box) -> bool:
    return frame[0] <= a[0] and frame[1] <= a[1] and a[2] <= frame[2] and a[3] <= frame[3]


def rank(has_state: bool, kind: str | None, claims: int, name: str) -> tuple[int, int, int, str]:
    """The order labels are placed in: the first placed gets the best spot."""
    return (0 if has_state else 1, KINDS.get(kind or "", 2), -claims, name)


@dataclass(frozen=True)
class Placed:
    """A label's text position, anchor, box, and the leader line from its point if it has one."""

    x: float
    y: float
    anchor: str
    box: Box
    leader: tuple[float, float, float, float] | None


class Labels:
    """Greedy placement in rank order against everything already on the map."""

    def __init__(self, frame: Box) -> None:
        self.frame = frame
        self.taken: list[Box] = []  # labels and the scale bar: nothing may cross them
        self.marks: list[Box] = []  # markers and dots: labels keep off, leader lines may pass
        self.lines: list[tuple[float, float, float, float]] = []

    def block(self, box: Box, *, mark: bool = True) -> None:
        """Something labels must not cover: a marker or a dot (`mark`), or the scale bar."""
        (self.marks if mark else self.taken).append(box)

    def place(
        self,
        x: float,
        y: float,
        gap: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        leader: bool = True,
    ) -> Placed | None:
        """The first free spot for `text` about the point (x, y), or None if there is none."""
        wide = text_width(text, size, bold) + 2 * PADDING
        high = (ASCENT + DESCENT) * size + 2 * PADDING
        reaches = (1.0, 2.2, 3.4, 4.8, 6.5) if leader else (1.0,)
        for n, reach in enumerate(reaches):
            for dx, dy in DIRECTIONS:
                distance = gap * reach
                ox = distance * (0.7 if dy else 1.0)
                oy = distance * (0.7 if dx else 1.0)
                left = x + ox if dx > 0 else x - ox - wide if dx < 0 else x - wide / 2
                top = y + oy if dy > 0 else y - oy - high if dy < 0 else y - high / 2
                box = (left, top, left + wide, top + high)
                line = None if n == 0 else leader_line(x, y, gap * 0.8, box)
                if not self.free(box, line):
                    continue
                self.taken.append(box)
                if line is not None:
                    self.lines.append(line)
                baseline = box[1] + PADDING + ASCENT * size
                return Placed((box[0] + box[2]) / 2, baseline, "middle", box, line)
        return None

    def free(self, box: Box, line: tuple[float, float, float, float] | None) -> bool:
        if not inside(box, self.frame) or any(overlaps(box, t) for t in (*self.taken, *self.marks)):
            return False
        if any(crosses(other, box) for other in self.lines):
            return False
        return line is None or not any(crosses(line, t) for t in self.taken)


def leader_line(x: float, y: float, start: float, box: Box) -> tuple[float, float, float, float]:
    """From just outside the point toward the nearest point of the label's box."""
    tx = min(max(x, box[0]), box[2])
    ty = min(max(y, box[1]), box[3])
    length = math.hypot(tx - x, ty - y) or 1.0
    return (x + (tx - x) * start / length, y + (ty - y) * start / length, tx, ty)


def crosses(line: tuple[float, float, float, float], box: Box) -> bool:
    """Whether a segment passes through a box (sampled finely enough for map units)."""
    x1, y1, x2, y2 = line
    steps = max(2, int(math.hypot(x2 - x1, y2 - y1) / 2))
    shrunk = (box[0] + 0.5, box[1] + 0.5, box[2] - 0.5, box[3] - 0.5)
    for i in range(1, steps):
        t = i / steps
        px, py = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        if shrunk[0] < px < shrunk[2] and shrunk[1] < py < shrunk[3]:
            return True
    return False
