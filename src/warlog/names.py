"""Name matching for people who type: case-insensitive keys and did-you-mean suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def key(name: str) -> str:
    """The lookup key of a name: case and surrounding space do not matter."""
    return " ".join(name.split()).casefold()


def suggestions(word: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """The choices closest to a mistyped word, best first."""
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(key(choice), choice)
    close = difflib.get_close_matches(key(word), list(by_key), n=limit, cutoff=0.6)
    return [by_key[k] for k in close]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean …?)' tail for an error message, or '' when nothing is close."""
    close = suggestions(word, choices)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"
