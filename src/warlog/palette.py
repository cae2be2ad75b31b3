"""Colours for actors: one hue per side, shades of it for the side's members.

A reader of a map or a timeline must tell rivals apart at a glance and see
allies as allies. So colour follows the sides of the `part_of` tree as the
archive knew it: each top-level side in the picture gets its own hue from the
Okabe-Ito palette (chosen to stay apart under the common colour-vision
deficiencies), and an actor below a side gets a lighter or darker shade of
its side's hue. Sides take hues in the order the actors registry lists them,
so the same sides get the same colours in every picture of an archive; the
first two hues, blue and vermillion, differ most, and the registry lists the
principal parties first. With more sides than hues the hues repeat and the
legend says who is who.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from warlog.resolution import side_of

# Okabe and Ito (2008), "Color Universal Design", without black (the outlines), in the
# order that keeps each next hue farthest from those before it, for normal vision and
# the three colour-vision deficiencies (CAM02-UCS distance, checked by the tests):
# blue, vermillion, yellow, sky blue, orange, bluish green, reddish purple.
HUES = ("#0072B2", "#D55E00", "#F0E442", "#56B4E9", "#E69F00", "#009E73", "#CC79A7")
NO_CONTROLLER = "#d9d9d9"
UNKNOWN = "#f0f0f0"
# How far each further member of a side moves from its hue: toward white (+) or black (-).
SHADES = (0.0, 0.45, -0.35, 0.7, -0.55, 0.25, -0.2, 0.82)


def mix(colour: str, amount: float) -> str:
    """`colour` moved toward white (amount > 0) or black (amount < 0) by |amount|."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    moved = [round(c + (target - c) * abs(amount)) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in moved)


def text_colour(background: str) -> str:
    """Black or white, whichever reads on `background`."""
    red, green, blue = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 130 else "white"


@dataclass(frozen=True)
class Palette:
    """The colour of each actor in one picture, and the side it stands for."""

    colours: Mapping[str, str] = field(default_factory=dict)
    sides: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, actor: str | None) -> str:
        if actor is None:
            return NO_CONTROLLER
        return self.colours.get(actor, NO_CONTROLLER)

    def side(self, actor: str) -> str:
        return self.sides.get(actor, actor)

    def allies(self, a: str, b: str) -> bool:
        return self.side(a) == self.side(b)


def palette(
    actors: Iterable[str], parents: Mapping[str, str | None], registry_order: Sequence[str] = ()
) -> Palette:
    """Colours for `actors`: a hue per side in registry order, a shade per member of a side."""
    rank = {name: n for n, name in enumerate(registry_order)}

    def order(name: str) -> tuple[int, str]:
        return (rank.get(name, len(rank)), name)

    present = sorted(set(actors), key=order)
    sides = {a: side_of(a, parents) for a in present}
    hue = {s: HUES[n % len(HUES)] for n, s in enumerate(sorted(set(sides.values()), key=order))}
    colours: dict[str, str] = {}
    for side_name, base in hue.items():
        # The side itself takes its plain hue; its members the shades after it.
        members = sorted((a for a in present if sides[a] == side_name and a != side_name), key=order)
        if side_name in sides:
            colours[side_name] = base
        for n, member in enumerate(members, start=1 if side_name in sides else 0):
            colours[member] = mix(base, SHADES[n % len(SHADES)])
    return Palette(colours, sides)
