"""Name matching for people who type: forgiving lookup keys and did-you-mean suggestions.

Sources spell the same place many ways: `Deir-ez-Zor` and `Deir ez-Zor`,
`Ḥimṣ` and `Hims`, `Ma'arat` and `Maarat`, `HOMS` and `Homs`. A name's lookup
key ignores case, diacritics, hyphens, apostrophes and runs of spaces, and
folds the Arabic letters that are written interchangeably (hamza on alef,
alef maqsura, tatweel), so all of these find one entry; names are still
shown as written.

Suggestions come from rapidfuzz, a maintained C++ fuzzy matcher, scoring
each entry by its closest name or alias; it is far faster than difflib on a
gazetteer of tens of thousands of names, and its scores rank a near-miss of
the intended name above a different name that merely shares words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

# Hyphens and dashes part words; apostrophes and the marks for ayn and hamza vanish.
_SEPARATORS = str.maketrans({c: " " for c in "-_/\u2010\u2011\u2012\u2013\u2014"})
_DROPPED = str.maketrans({c: None for c in "'`\u2019\u2018\u02bc\u02bb\u00b4\u02be\u02bf\u0640"})
# Arabic letters written interchangeably: hamza on or under alef, madda, wasla; alef maqsura.
_ARABIC = str.maketrans(
    {"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627", "\u0649": "\u064a"}
)
CUTOFF = 60.0


@lru_cache(maxsize=262144)
def key(name: str) -> str:
    """The lookup key of a name: what two spellings of one name have in common."""
    if name.isascii():
        folded = name
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        folded = unicodedata.normalize("NFC", folded.translate(_ARABIC))
    folded = folded.translate(_DROPPED).translate(_SEPARATORS)
    return " ".join(folded.split()).casefold()


def suggestions(
    word: str, choices: Iterable[str], limit: int = 3, entries: Mapping[str, str] | None = None
) -> list[str]:
    """The choices closest to a mistyped word, best first, one per entry.

    `entries` maps a name or alias to the entry it names; a suggestion is then
    the alias the user was closest to, and two aliases of one entry never
    crowd out a second entry.
    """
    from rapidfuzz import fuzz, process

    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(key(choice), choice)
    if not by_key:
        return []
    found = process.extract(key(word), list(by_key), scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=limit * 4)
    best: dict[str, str] = {}
    for candidate, _, _ in sorted(found, key=lambda hit: (-hit[1], hit[0])):
        name = by_key[candidate]
        best.setdefault(entries.get(name, name) if entries else name, name)
    return list(best.values())[:limit]


def did_you_mean(word: str, choices: Iterable[str], entries: Mapping[str, str] | None = None) -> str:
    """A ' (did you mean …?)' tail for an error message, or '' when nothing is close."""
    close = suggestions(word, choices, entries=entries)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def qualified(
    name: str, matches: Callable[[str], list[str]], ancestor_keys: Callable[[str], list[set[str]]]
) -> list[str]:
    """The places 'NAME, PARENT[, PARENT…]' stands for: NAME's places under those ancestors, in order.

    The registry and the read model both answer with this one function, each
    from its own data (`matches`: the entries a name or alias stands for;
    `ancestor_keys`: for each ancestor of an entry, nearest first, the keys of
    its name and aliases), so a name typed on the command line finds the same
    place as the same name in an import.
    """
    parts = [p.strip() for p in name.split(",")]
    for cut in range(len(parts) - 1, 0, -1):
        wanted = [key(p) for p in parts[cut:]]
        narrowed = [p for p in matches(", ".join(parts[:cut])) if _in_order(wanted, ancestor_keys(p))]
        # 'Bir al-Abd, North Sinai' is the district under North Sinai, not the town in it.
        nearest = [p for p in narrowed if wanted[0] in ancestor_keys(p)[0]]
        if nearest or narrowed:
            return nearest or narrowed
    return []


def _in_order(wanted: list[str], chain: list[set[str]]) -> bool:
    """Whether each wanted key names an ancestor, the later ones further up the chain."""
    position = 0
    for want in wanted:
        while position < len(chain) and want not in chain[position]:
            position += 1
        if position == len(chain):
            return False
        position += 1
    return True
