"""Timeline pictures: one row per place over valid time, drawn with matplotlib.

Each row is a band of intervals coloured by who controlled the place;
contested and besieged stretches are hatched in the colour of the actor
pressing the place, disputed ones are outlined, striped with the candidates'
colours and marked "?". Below the band, each claim behind the row is a tick,
darker for better grades, so a reader sees how much (and how good) evidence
an interval stands on. The title says which record time the picture shows,
because the same archive draws different pictures as known at different times.

An actor's colour comes from a hash of its name into a fixed palette, so it
is the same in every picture and on every map (`webmap` uses it too), in every
run; two actors may share a colour, which the legend makes plain.

matplotlib is imported only when drawing, through its object API and the
Agg (PNG) or SVG canvas, never pyplot, so no display or global state is used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO

from warlog.archive import Archive
from warlog.errors import WarlogError
from warlog.export import queries
from warlog.readmodel.exports import ExportedClaim
from warlog.results import Interval, Timeline

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
)
NO_CONTROLLER = "#d9d9d9"
UNKNOWN = "#f0f0f0"
HATCHES = {"contested": "///", "besieged": "xxx"}
PICTURE_FORMATS = ("png", "svg")
RELIABILITY = "ABCDEF"


def actor_colour(name: str | None) -> str:
    """The actor's colour: stable across runs, pictures and maps."""
    if name is None:
        return NO_CONTROLLER
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


def grade_shade(reliability: str, credibility: int) -> str:
    """A grey for a claim's grade: A1 nearly black, F6 pale."""
    weakness = (RELIABILITY.index(reliability) + credibility - 1) / 10
    level = round(255 * (0.08 + 0.72 * weakness))
    return f"#{level:02x}{level:02x}{level:02x}"


def text_colour(background: str) -> str:
    red, green, blue = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 130 else "white"


def picture_format(path: str) -> str:
    """PNG or SVG, from the file name; anything else is a user error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PICTURE_FORMATS:
        raise WarlogError(f"-o {path}: name the picture .png or .svg")
    return suffix


@dataclass(frozen=True)
class Row:
    """One place: its timeline and the claims it was resolved from."""

    timeline: Timeline
    claims: tuple[ExportedClaim, ...]


def rows(
    archive: Archive,
    places: Sequence[str],
    known_at: str,
    min_reliability: str = "F",
    min_credibility: int = 6,
    **options: Any,
) -> list[Row]:
    """The timelines of these places and their claims, as known at `known_at`."""
    view = queries(archive)
    found = []
    for place in places:
        timeline = archive.timeline(place, known_at, min_reliability, min_credibility, **options)
        claims = view.effective_claims(
            known_at,
            place=timeline.qualified,
            min_reliability=min_reliability,
            min_credibility=min_credibility,
        )
        found.append(Row(timeline, tuple(claims)))
    return found


def draw(
    places: Sequence[Row],
    out: BinaryIO,
    fmt: str,
    known_at: str,
    since: str | None = None,
    until: str | None = None,
) -> None:
    """Draw the rows, first place on top, and save them as PNG or SVG."""
    import matplotlib.dates as mdates
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    start, end = span(places, since, until)
    figure = Figure(figsize=(11, 1.9 + 0.7 * len(places)), layout="constrained")
    axes = figure.add_subplot()
    for index, row in enumerate(places):
        y = len(places) - 1 - index
        for interval in row.timeline.intervals:
            left = max(day_number(interval.start), start)
            right = min(end if interval.end is None else day_number(interval.end), end)
            if right > left:
                band(axes, left, right, y, interval, (end - start))
        for claim_day, group in groupby(row.claims, key=lambda c: c.date):
            x, same_day = day_number(claim_day), list(group)
            if not start <= x <= end:
                continue
            for n, claim in enumerate(same_day, start=1):
                # Claims of one day side by side within it, so each one shows.
                axes.vlines(
                    x + n / (len(same_day) + 1),
                    y - 0.47,
                    y - 0.33,
                    linewidth=1.4,
                    colors=grade_shade(claim.reliability, claim.credibility),
                )
    axes.set_yticks(range(len(places)), [r.timeline.place for r in reversed(places)])
    axes.set_ylim(-0.6, len(places) - 0.45)
    axes.set_xlim(start, end)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.grid(axis="x", color="#cccccc", linewidth=0.5)
    axes.set_axisbelow(True)
    axes.set_xlabel("valid time (the day a claim is about)")
    axes.set_title(f"Control over valid time, as known at record time {known_at}", loc="left")
    figure.legend(handles=legend(places), loc="outside lower center", ncols=5, fontsize=8, frameon=False)
    # A fixed salt for the SVG's element ids, so the same archive draws the same file.
    with rc_context({"svg.hashsalt": "warlog"}):
        figure.savefig(
            out, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else {"Software": None}
        )


def span(places: Sequence[Row], since: str | None, until: str | None) -> tuple[float, float]:
    """The days shown: every interval and claim, with a margin after the last."""
    days = [day_number(i.start) for r in places for i in r.timeline.intervals]
    days += [day_number(c.date) for r in places for c in r.claims]
    if not days:
        raise WarlogError("nothing to draw: no claim about these places as known then")
    start = day_number(since) if since else min(days)
    end = day_number(until) if until else max(days) + 1
    if end <= start:
        raise WarlogError("--until must be after --since")
    return start, end + (0 if until else max(1.0, 0.08 * (end - start)))


def day_number(day: str) -> float:
    from matplotlib.dates import date2num

    return float(date2num(date.fromisoformat(day)))  # type: ignore[no-untyped-call]


def band(axes: Any, left: float, right: float, y: float, interval: Interval, width: float) -> None:
    """One interval of one row: colour, hatching or the disputed mark, and a label."""
    from matplotlib.patches import Rectangle

    height, bottom = 0.6, y - 0.3
    face = UNKNOWN if interval.status == "unknown" else actor_colour(interval.controller)
    if interval.status == "disputed":
        face = "white"
        share = height / len(interval.candidates)
        for n, candidate in enumerate(interval.candidates):
            axes.add_patch(
                Rectangle(
                    (left, bottom + n * share),
                    right - left,
                    share,
                    facecolor=actor_colour(candidate),
                    alpha=0.45,
                    linewidth=0,
                )
            )
        axes.add_patch(
            Rectangle(
                (left, bottom),
                right - left,
                height,
                facecolor="none",
                edgecolor="black",
                linestyle="--",
                linewidth=1,
            )
        )
        axes.text((left + right) / 2, y, "?", ha="center", va="center", fontsize=13, fontweight="bold")
        return
    axes.add_patch(
        Rectangle((left, bottom), right - left, height, facecolor=face, edgecolor="white", linewidth=0.8)
    )
    hatch = HATCHES.get(interval.status)
    if hatch is not None:
        axes.add_patch(
            Rectangle(
                (left, bottom),
                right - left,
                height,
                facecolor="none",
                edgecolor=actor_colour(interval.contested_by[0]),
                hatch=hatch,
                linewidth=0,
            )
        )
    label = interval.controller or interval.status
    if interval.controller and hatch is not None:
        label += f", {interval.status}"
    if (right - left) / width > 0.006 * len(label) + 0.02:
        axes.text(
            left + 0.01 * width,
            y,
            label,
            ha="left",
            va="center",
            fontsize=7,
            color=text_colour(face),
            clip_on=True,
        )


def legend(places: Sequence[Row]) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    actors = sorted(
        {
            a
            for r in places
            for i in r.timeline.intervals
            for a in (i.controller, *i.contested_by, *i.candidates)
            if a
        }
    )
    handles: list[Any] = [Patch(facecolor=actor_colour(a), label=a) for a in actors]
    statuses = {i.status for r in places for i in r.timeline.intervals}
    if "contested" in statuses:
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#555555",
                hatch="///",
                label="contested (hatched in the contester's colour)",
            )
        )
    if "besieged" in statuses:
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="xxx", label="besieged"))
    if "disputed" in statuses:
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="black",
                linestyle="--",
                label="disputed (?): candidates' colours",
            )
        )
    if "unknown" in statuses:
        handles.append(Patch(facecolor=UNKNOWN, edgecolor="#999999", label="unknown"))
    handles.append(Line2D([], [], color=grade_shade("A", 1), label="claim, graded A1 (dark)"))
    handles.append(Line2D([], [], color=grade_shade("F", 6), label="… to F6 (pale)"))
    return handles
