"""Laying out a table for a terminal of a given width, or for a pipe, without splitting a word.

Short fields (dates, statuses, ids, record times, numbers) are kept whole;
free text (names, reasons, changes, quotes) folds at spaces. Columns get
their natural width when the table fits the terminal; otherwise the free-text
columns narrow, never below their longest word; when even that does not fit,
each row is shown as a block of `column  value` lines instead. A pipe gets
one line per row, aligned, with no borders and no trailing spaces, so that
`grep`, `cut` and `awk` see whole rows.

Plain Python on purpose: a rich table of 5,000 places took seconds to draw,
this takes a few hundredths.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

GAP = "  "
# Columns whose text may fold at word boundaries; every other column is kept whole.
FREE_TEXT = frozenset(
    {
        "place",
        "name",
        "controller",
        "contested by",
        "candidates",
        "aliases",
        "within",
        "part of",
        "archivist",
        "reason",
        "change",
        "changed",
        "before",
        "after",
        "subject",
        "source",
        "title",
        "quote",
        "note",
        "value",
    }
)


def width_of(text: str) -> int:
    """The cells `text` takes on a terminal: wide East Asian characters two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _pad(text: str, width: int) -> str:
    return text + " " * (width - width_of(text))


def fold(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken only at spaces (a longer word stays whole)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for word in paragraph.split(" "):
            size = width_of(word)
            if line and used + 1 + size > width:
                lines.append(line)
                line, used = word, size
            elif line:
                line, used = f"{line} {word}", used + 1 + size
            else:
                line, used = word, size
        lines.append(line)
    return lines


def plain(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """One line per row, columns aligned, no trailing spaces: for pipes and files."""
    table = [list(columns), *(list(r) for r in rows)]
    widths = [max(width_of(row[i]) for row in table) for i in range(len(columns))]
    last = len(columns) - 1
    return [
        GAP.join(cell if i == last else _pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in table
    ]


def _longest_word(text: str) -> int:
    return max((width_of(w) for w in text.replace("\n", " ").split(" ")), default=0)


def layout(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """The table as lines of at most `width` cells wherever a word allows it.

    A column empty in every row is left out: on a terminal its width is worth
    more to the others (a pipe keeps every column, for the programs reading it).
    """
    kept = [i for i in range(len(columns)) if not rows or any(r[i] for r in rows)]
    if kept and len(kept) < len(columns):
        columns = [columns[i] for i in kept]
        rows = [[r[i] for i in kept] for r in rows]
    folds = [c in FREE_TEXT for c in columns]
    natural = [max([width_of(columns[i]), *(width_of(r[i]) for r in rows)]) for i in range(len(columns))]
    least = [
        max([_longest_word(columns[i]), *(_longest_word(r[i]) for r in rows)]) if folds[i] else natural[i]
        for i in range(len(columns))
    ]
    gaps = len(GAP) * (len(columns) - 1)
    if sum(natural) + gaps <= width:
        widths = natural
    elif sum(least) + gaps <= width:
        widths = _share(natural, least, width - gaps)
    else:
        return blocks(columns, rows, width)
    lines = _rows([fold(c, w) for c, w in zip(columns, widths, strict=True)], widths)
    spaced = any(len(fold(r[i], widths[i])) > 1 for r in rows for i in range(len(columns)) if folds[i])
    for row in rows:
        if spaced:
            lines.append("")  # a row of several lines is told from the next by a blank line
        lines.extend(_rows([fold(c, w) for c, w in zip(row, widths, strict=True)], widths))
    return lines


def _share(natural: list[int], least: list[int], room: int) -> list[int]:
    """Give each folding column its least width, then the room left in proportion to its want."""
    widths = list(least)
    spare = room - sum(least)
    wants = [n - m for n, m in zip(natural, least, strict=True)]
    total = sum(wants)
    for i, want in enumerate(wants):
        if want and total:
            extra = min(want, spare * want // total)
            widths[i] += extra
    left = room - sum(widths)
    for i, want in enumerate(wants):  # what rounding left over, to the first that still wants it
        give = min(left, natural[i] - widths[i])
        if give > 0 and want:
            widths[i] += give
            left -= give
    return widths


def _rows(cells: list[list[str]], widths: Sequence[int]) -> list[str]:
    height = max(len(c) for c in cells)
    last = len(cells) - 1
    return [
        GAP.join(
            (c[line] if line < len(c) else "")
            if i == last
            else _pad(c[line] if line < len(c) else "", widths[i])
            for i, c in enumerate(cells)
        ).rstrip()
        for line in range(height)
    ]


def blocks(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> list[str]:
    """Each row as a block of `column  value` lines, for a terminal too narrow for the table.

    Blocks are parted by a blank line; an empty cell is left out of its block.
    """
    label = max(width_of(c) for c in columns)
    room = max(width - label - len(GAP), 1)
    lines: list[str] = []
    for row in rows:
        if lines:
            lines.append("")
        for column, cell in zip(columns, row, strict=True):
            if not cell:
                continue  # a block names only what the row has
            folded = fold(cell, room) if column in FREE_TEXT else [cell]
            lines.append(f"{_pad(column, label)}{GAP}{folded[0]}".rstrip())
            lines.extend(f"{' ' * (label + len(GAP))}{more}".rstrip() for more in folded[1:])
    return lines
