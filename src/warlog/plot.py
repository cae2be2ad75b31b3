"""Timeline pictures: one row per place over valid time, drawn with matplotlib.

Each row is a band of intervals coloured by who controlled the place
(`warlog.palette`: a hue per side, shades of it for the side's members);
contested and besieged stretches are hatched in the colour of the actor
pressing the place, disputed ones are outlined, striped with the candidates'
colours and marked "?". An interval still in force at the record time fades
out past the last day with a claim and ends in an arrow: it is open, not
known to end at the picture's edge.

Below the band, each claim behind the row is a marker: its shape is the
source's reliability (A to F), its shade the claim's credibility (1 to 6, darker
is more credible), so a reader sees how much evidence an interval stands on
and of which grades, without folding two scales into one. The caption says
which record time the picture shows, to the second, and the rule and grade
filter the intervals were resolved with: the same archive draws different
pictures as known at different times and under different options.

The day axis names the month on every label ("29 Nov", "1 Dec") and draws
month boundaries darker, so no day is read as belonging to the wrong month.

matplotlib is imported only when drawing, through its object API and the
Agg (PNG) or SVG canvas, never pyplot, so no display or global state is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any, BinaryIO

from warlog.archive import Archive
from warlog.errors import WarlogError
from warlog.export import queries
from warlog.palette import UNKNOWN, Palette, palette, text_colour
from warlog.readmodel.exports import ExportedClaim
from warlog.resolution import Rule
from warlog.results import Interval, Timeline

HATCHES = {"contested": "///", "besieged": "xxx"}
PICTURE_FORMATS = ("png", "svg")
RELIABILITY = "ABCDEF"
# The Admiralty code's words, as the import format documents them.
RELIABILITY_WORDS = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "cannot be judged",
}
CREDIBILITY_WORDS = {
    1: "confirmed",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "cannot be judged",
}
# Shape for reliability: round and full for the best sources, pointed, then a cross.
MARKERS = {"A": "o", "B": "s", "C": "D", "D": "^", "E": "v", "F": "X"}
# Shade for credibility: 1 nearly black to 6 nearly white (always with a dark edge).
SHADES = {1: "#111111", 2: "#444444", 3: "#777777", 4: "#a3a3a3", 5: "#cccccc", 6: "#f4f4f4"}


def credibility_shade(credibility: int) -> str:
    return SHADES[credibility]


def picture_format(path: str) -> str:
    """PNG or SVG, from the file name; anything else is a user error."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PICTURE_FORMATS:
        raise WarlogError(f"-o {path}: name the picture .png or .svg")
    return suffix


@dataclass(frozen=True)
class Filter:
    """What the intervals were resolved with, for the caption."""

    rule: Rule = field(default_factory=Rule)
    window_from_policy: bool = True
    min_reliability: str = "F"
    min_credibility: int = 6

    def caption(self) -> str:
        window = (
            "no pressure window (unlimited)"
            if self.rule.pressure_days is None
            else f"pressure window {self.rule.pressure_days} days"
        )
        window += " from the policy" if self.window_from_policy else " chosen for this picture"
        grades = (
            "all grades"
            if (self.min_reliability, self.min_credibility) == ("F", 6)
            else f"only from sources graded {self.min_reliability} or better, "
            f"of credibility {self.min_credibility} or better"
        )
        return f"Rule: by {self.rule.by}, {self.rule.dates} dates, {window}. Claims: {grades}."


@dataclass(frozen=True)
class Row:
    """One place: its timeline, the claims it was resolved from, and how the picture colours it."""

    timeline: Timeline
    claims: tuple[ExportedClaim, ...]
    palette: Palette = field(default_factory=Palette)
    filter: Filter = field(default_factory=Filter)


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
        found.append((timeline, tuple(claims)))
    colours = actor_palette(archive, known_at, (a for t, _ in found for i in t.intervals for a in actors(i)))
    rule = found[0][0].rule if found else Rule()
    from_policy = options.get("pressure_days", "policy") == "policy"
    chosen = Filter(rule, from_policy, min_reliability, min_credibility)
    return [Row(timeline, claims, colours, chosen) for timeline, claims in found]


def actors(interval: Interval | Any) -> tuple[str, ...]:
    """Every actor an interval (or a map's step) names: controller, contesters, candidates."""
    named = (interval.controller, *interval.contested_by, *interval.candidates)
    return tuple(a for a in named if a)


def actor_palette(archive: Archive, known_at: str, named: Any) -> Palette:
    """The palette for these actors, with the sides the archive knew at `known_at`."""
    return palette(named, archive.view.parents(known_at), list(archive.actors().entries))


def record_time_text(known_at: str) -> str:
    """The record time to the second, e.g. "2024-12-16 00:00:00 UTC"; a fraction is kept when set."""
    day, _, clock_time = known_at.removesuffix("Z").partition("T")
    seconds, _, fraction = clock_time.partition(".")
    shown = seconds if not fraction.strip("0") else f"{seconds}.{fraction}"
    return f"{day} {shown} UTC"


def draw(
    places: Sequence[Row],
    out: BinaryIO,
    fmt: str,
    known_at: str,
    since: str | None = None,
    until: str | None = None,
) -> None:
    """Draw the rows, first place on top, and save them as PNG or SVG."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    start, end, fade_from = span(places, since, until)
    colours = places[0].palette if places else Palette()
    figure = Figure(figsize=(11, 3.35 + 0.62 * len(places)), layout="constrained")
    grid = figure.add_gridspec(2, 1, height_ratios=(0.62 * len(places) + 0.6, 1.8))
    axes = figure.add_subplot(grid[0])
    for index, row in enumerate(places):
        y = len(places) - 1 - index
        for interval in row.timeline.intervals:
            left = max(day_number(interval.start), start)
            right = min(end if interval.end is None else day_number(interval.end), end)
            if right > left:
                band(
                    axes,
                    left,
                    min(right, fade_from) if interval.end is None else right,
                    right,
                    y,
                    interval,
                    end - start,
                    colours,
                )
                if interval.end is None and right >= end:
                    open_end(axes, max(left, fade_from), end, y, colours(interval.controller))
        claim_markers(axes, row.claims, y, start, end)
        if not row.timeline.intervals and not row.claims:
            axes.text(
                start + 0.008 * (end - start),
                y,
                "no claim about this place as known then",
                va="center",
                fontsize=7.5,
                color="#666666",
                style="italic",
            )
    axes.set_yticks(range(len(places)), [r.timeline.place for r in reversed(places)])
    axes.set_ylim(-0.62, len(places) - 0.45)
    axes.set_xlim(start, end)
    day_axis(axes, start, end)
    axes.set_axisbelow(True)
    axes.set_xlabel("valid time: the day a claim is about")
    axes.set_title("Control over valid time", loc="left", fontsize=12, fontweight="bold")
    keys = figure.add_subplot(grid[1])
    keys.set_axis_off()
    legends(keys, places, colours)
    caption = (
        f"As known at record time {record_time_text(known_at)}: claims and corrections recorded by then.\n"
        f"{places[0].filter.caption() if places else ''}"
    )
    keys.text(0, 0.0, caption, transform=keys.transAxes, fontsize=8, color="#333333", va="bottom")
    # A fixed salt for the SVG's element ids, so the same archive draws the same file.
    with rc_context({"svg.hashsalt": "warlog", "font.family": "DejaVu Sans"}):
        figure.savefig(
            out, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else {"Software": None}
        )


def span(places: Sequence[Row], since: str | None, until: str | None) -> tuple[float, float, float]:
    """The days shown (every interval and claim, with a margin after the last) and where
    an interval still open begins to fade: the margin, or the last tenth of a cut picture."""
    days = [day_number(i.start) for r in places for i in r.timeline.intervals]
    days += [day_number(d) for r in places for c in r.claims for d in (c.first_day, c.last_day)]
    if not days:
        raise WarlogError("nothing to draw: no claim about these places as known then")
    start = day_number(since) if since else min(days)
    end = day_number(until) if until else max(days) + 1
    if end <= start:
        raise WarlogError("--until must be after --since")
    margin = max(1.0, 0.1 * (end - start))
    if until:
        return start, end, end - margin
    return start, end + margin, end


def day_number(day: str) -> float:
    from matplotlib.dates import date2num

    return float(date2num(date.fromisoformat(day)))  # type: ignore[no-untyped-call]


def day_of(number: float) -> date:
    from matplotlib.dates import num2date

    return num2date(number).date()  # type: ignore[no-untyped-call,no-any-return]


def day_axis(axes: Any, start: float, end: float) -> None:
    """Labels that name the month, thin lines between days, darker ones between months.

    Up to 45 days, each label sits under the day it names ("29 Nov"), at a
    step of 1, 2, 3 or 7 days; longer spans are labelled at months' first days.
    """
    first, last = day_of(start), day_of(end)
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    months = [d for d in days if d.day == 1 and start < day_number(d.isoformat()) < end]
    for month in months:
        axes.axvline(day_number(month.isoformat()), color="#555555", linewidth=1.0, zorder=0.5)
    if len(days) <= 45:
        step = next(s for s in (1, 2, 3, 7) if len(days) / s <= 16)
        shown = [d for n, d in enumerate(days) if n % step == 0 and day_number(d.isoformat()) + 1 <= end]
        ticks = [day_number(d.isoformat()) + 0.5 for d in shown]
        labels = [f"{d.day} {d:%b}" for d in shown]
        if shown:
            labels[0] += f"\n{shown[0].year}"
            if shown[-1].year != shown[0].year:
                labels[-1] += f"\n{shown[-1].year}"
        axes.set_xticks(ticks, labels, fontsize=8)
        axes.tick_params(axis="x", length=0)
        axes.set_xticks([day_number(d.isoformat()) for d in days], minor=True)
        axes.grid(axis="x", which="minor", color="#dddddd", linewidth=0.5)
        return
    firsts = [d for d in days if d.day == 1 and start <= day_number(d.isoformat()) < end]
    every = next(s for s in (1, 2, 3, 6, 12, 24, 60) if len(firsts) / s <= 12)
    labelled = [m for n, m in enumerate(firsts) if n % every == 0]
    axes.set_xticks(
        [day_number(m.isoformat()) for m in labelled],
        [f"{m:%b}\n{m.year}" if m.month == 1 or n == 0 else f"{m:%b}" for n, m in enumerate(labelled)],
        fontsize=8,
    )
    axes.grid(axis="x", color="#dddddd", linewidth=0.5)


def band(
    axes: Any,
    left: float,
    room: float,
    right: float,
    y: float,
    interval: Interval,
    width: float,
    colours: Palette,
) -> None:
    """One interval of one row: colour, hatching or the disputed mark, and a label if it fits
    before `room` (where an open interval begins to fade)."""
    from matplotlib.patches import Rectangle

    height, bottom = 0.6, y - 0.3
    face = UNKNOWN if interval.status == "unknown" else colours(interval.controller)
    if interval.status == "disputed":
        face = "white"
        share = height / len(interval.candidates)
        for n, candidate in enumerate(interval.candidates):
            axes.add_patch(
                Rectangle(
                    (left, bottom + n * share),
                    right - left,
                    share,
                    facecolor=colours(candidate),
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
                edgecolor=colours(interval.contested_by[0]) if interval.contested_by else "#555555",
                hatch=hatch,
                linewidth=0,
            )
        )
    label = interval.controller or interval.status
    if interval.controller and hatch is not None:
        label += f", {interval.status}"
    if hatch is not None and interval.contested_by:
        label += f" by {', '.join(interval.contested_by)}"
    if (room - left) / width > 0.0062 * len(label) + 0.02:
        axes.text(
            left + 0.008 * width,
            y,
            label,
            ha="left",
            va="center",
            fontsize=7.5,
            color=text_colour(face),
            clip_on=True,
            bbox={"facecolor": face, "edgecolor": "none", "pad": 1.2} if hatch else None,
        )


def open_end(axes: Any, left: float, right: float, y: float, colour: str) -> None:
    """An open interval: the band fades to white past the evidence and ends in an arrow."""
    import numpy as np

    if right > left:
        fade = np.ones((1, 64, 4))
        fade[0, :, 3] = np.linspace(0.0, 0.9, 64) ** 1.5
        axes.imshow(
            fade,
            extent=(left, right, y - 0.3, y + 0.3),
            aspect="auto",
            interpolation="bilinear",
            zorder=2.5,
        )
    axes.plot(
        [right],
        [y],
        marker=">",
        markersize=9,
        color=colour,
        markeredgecolor="#333333",
        clip_on=False,
        zorder=3,
    )


def claim_markers(axes: Any, claims: Sequence[ExportedClaim], y: float, start: float, end: float) -> None:
    """The claims below a row: a marker per grade and date (shape for the source's reliability,
    shade for its credibility), with the number of claims beside it when there are several.

    The markers of one day sit side by side, centred on the day, a fixed number of
    points apart whatever the span, so they never cover one another.
    """
    from matplotlib.transforms import offset_copy

    # A claim dated by a month, a year or an interval sits in the middle of its days,
    # over a thin line across them.
    def dated(c: ExportedClaim) -> tuple[str, str]:
        return (c.first_day, c.last_day)

    for (first, last), group in groupby(sorted(claims, key=dated), key=dated):
        left, right = day_number(first), day_number(last) + 1
        x = (left + right) / 2
        if not start <= x < end:
            continue
        if right - left > 1:
            axes.plot([max(left, start), min(right, end)], [y - 0.44] * 2, color="#555555", linewidth=0.8)
        grades = Counter((c.reliability, c.credibility) for c in group)
        spacing = 12.0  # points per marker, with room for a count
        offset = -spacing * (len(grades) - 1) / 2
        for n, ((reliability, credibility), count) in enumerate(sorted(grades.items())):
            shift = offset_copy(axes.transData, fig=axes.figure, x=offset + n * spacing, y=0, units="points")
            axes.plot(
                [x],
                [y - 0.44],
                marker=MARKERS[reliability],
                markersize=5.5,
                markerfacecolor=credibility_shade(credibility),
                markeredgecolor="#222222",
                markeredgewidth=0.6,
                linestyle="none",
                transform=shift,
            )
            if count > 1:
                nudge = offset_copy(shift, fig=axes.figure, x=3.2, y=1.5, units="points")
                axes.text(x, y - 0.44, str(count), fontsize=5.5, ha="left", va="bottom", transform=nudge)


def legends(keys: Any, places: Sequence[Row], colours: Palette) -> None:
    """Three keys, one under the other: who and what state; reliability by shape; credibility
    by shade."""
    from matplotlib.lines import Line2D

    common = {"fontsize": 7.5, "frameon": False, "title_fontsize": 8, "alignment": "left", "borderaxespad": 0}
    first = keys.legend(
        handles=state_handles(places, colours),
        loc="upper left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=3,
        title="Controller (a hue per side, shades of it for the side's members) and state",
        **common,
    )
    keys.add_artist(first)
    shapes = [
        Line2D(
            [],
            [],
            marker=MARKERS[r],
            linestyle="none",
            markerfacecolor="white",
            markeredgecolor="#222222",
            markersize=6,
            label=f"{r} {RELIABILITY_WORDS[r]}",
        )
        for r in RELIABILITY
    ]
    second = keys.legend(
        handles=shapes,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.62),
        ncols=6,
        title=(
            "Claims below each row, centred on their day (a line spans a period). "
            "Shape: the source's reliability"
        ),
        **common,
    )
    keys.add_artist(second)
    shades = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markerfacecolor=SHADES[c],
            markeredgecolor="#222222",
            markersize=6,
            label=f"{c} {CREDIBILITY_WORDS[c]}",
        )
        for c in CREDIBILITY_WORDS
    ]
    keys.legend(
        handles=shades,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.36),
        ncols=6,
        title="Shade: the claim's credibility. A number beside a marker: that many claims of that grade",
        **common,
    )


def state_handles(places: Sequence[Row], colours: Palette) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    named = {a for r in places for i in r.timeline.intervals for a in actors(i)}
    ordered = sorted(named, key=lambda a: (list(colours.colours).index(a) if a in colours.colours else 99, a))
    handles: list[Any] = []
    for a in ordered:
        side = colours.side(a)
        handles.append(Patch(facecolor=colours(a), label=a if side == a else f"{a} ({side})"))
    statuses = {i.status for r in places for i in r.timeline.intervals}
    if "contested" in statuses:
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="#555555",
                hatch="///",
                label="contested: hatched in the contester's colour",
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
    if any(i.end is None for r in places for i in r.timeline.intervals):
        handles.append(
            Line2D(
                [],
                [],
                marker=">",
                color="#888888",
                markeredgecolor="#333333",
                markersize=7,
                linewidth=4,
                label="still in force at the record time (fades into the right edge)",
            )
        )
    return handles
