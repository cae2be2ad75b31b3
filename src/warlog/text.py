"""What text the archive accepts: one definition, for every backend and every way in.

A record's text ends up in SQLite, in PostgreSQL, in JSON exports, CSV files,
HTML maps and on terminals. Both backends must be able to store it (PostgreSQL
refuses U+0000 in text and JSON), and a reader must see what the archive
stores: two names that look alike must not be two entries. So every string of
every record is checked here, before anything is written.

The rules, by kind of text:

- **All text** refuses C0 control characters (U+0000-U+001F), DEL (U+007F),
  C1 control characters (U+0080-U+009F), surrogates (U+D800-U+DFFF, which
  UTF-8 cannot encode), the line and paragraph separators U+2028 and U+2029,
  and the bidirectional embedding, override and isolate controls
  (U+202A-U+202E, U+2066-U+2069), which reorder what a reader sees. Plain
  text needs none of them: the Unicode bidirectional algorithm already lays
  out Arabic and Latin words correctly side by side.
- **Free text** (`quote`, `note`, `title`, `reason`, ACLED's `notes`) may in addition hold
  tab (U+0009) and line feed (U+000A): quotes and notes can have paragraphs.
- **Names** (of places and actors, their aliases, the places and actors a
  claim names, `within`, `part_of`, and archivists' names) also refuse every
  Unicode format character (category Cf: the invisible U+00AD soft hyphen,
  U+200B-U+200F zero-width spaces, joiners and marks, U+2060-U+2064, U+FEFF,
  the Arabic letter mark U+061C, …) and private-use characters, because a
  name with one of them looks exactly like a name without it. And no single
  word of a name may mix letters of two scripts (a Cyrillic o, U+043E, in
  the Latin `Homs`; a mathematical bold H, U+1D407, among Latin letters): a
  word is written in one script. Han, Hiragana and Katakana count as one script (Japanese), as
  do Han and Hangul (Korean). Different words of one name may be in different
  scripts, so `Tell Abyad تل أبيض` is a valid name.

Sizes are limited too, so that a mistake (or a hostile file) cannot fill the
archive: a name at most 256 characters, free text at most 65,536, other text
(`source`, `attributed_to`, `url`, ids) at most 4,096.

The functions here are pure: they take a string and return what is wrong with
it, as a message that says how to fix it, or None.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

FREE_TEXT_FIELDS = frozenset({"quote", "note", "title", "reason", "notes"})  # notes: ACLED's
NAME_FIELDS = frozenset({"name", "aliases", "place", "actor", "within", "part_of", "archivist"})

MAX_NAME = 256
MAX_FREE_TEXT = 65_536
MAX_TEXT = 4_096

_BIDI = "\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_TEXT = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029{_BIDI}]")
_REFUSED_IN_FREE_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029{_BIDI}]")

# Scripts written together within one word of a name; any other mix is refused.
_SCRIPT_GROUPS = {
    "HIRAGANA": "CJK",
    "KATAKANA": "CJK",
    "KATAKANA-HIRAGANA": "CJK",
    "HANGUL": "CJK",
    "BOPOMOFO": "CJK",
    "IDEOGRAPHIC": "CJK",
}
# Letters that belong to no script of their own (they go with any).
_NO_SCRIPT = frozenset({"MODIFIER"})


def kind_of(field: str) -> str:
    """Which rules apply to a field's text: 'name', 'free' or 'text'."""
    return _KINDS.get(field, "text")


_KINDS = {**dict.fromkeys(NAME_FIELDS, "name"), **dict.fromkeys(FREE_TEXT_FIELDS, "free")}
_LIMITS = {"name": MAX_NAME, "free": MAX_FREE_TEXT, "text": MAX_TEXT}


def problem(value: str, kind: str) -> str | None:
    """What is wrong with one string of the given kind ('name', 'free', 'text'), or None."""
    limit = _LIMITS[kind]
    if len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit:,} are allowed here"
    # Every refused character is unprintable, so printable text needs no closer look.
    if not value.isprintable():
        refused = (_REFUSED_IN_FREE_TEXT if kind == "free" else _REFUSED_IN_TEXT).search(value)
        if refused is not None:
            return _refused(refused.group(), kind, refused.start())
    if kind == "name" and not value.isascii():
        return name_problem(value)
    return None


def name_problem(name: str) -> str | None:
    """Invisible characters and mixed scripts in a name (other text already checked)."""
    for position, char in enumerate(name):
        category = unicodedata.category(char)
        if category == "Cf":
            return (
                f"contains the invisible character {_codepoint(char)} at position "
                f"{position + 1}; a name must look like what it is, so delete it"
            )
        if category == "Co":
            return (
                f"contains the private-use character {_codepoint(char)} at position "
                f"{position + 1}; names are plain text, so delete it"
            )
    for word in name.split():
        scripts = _scripts(word)
        if len(scripts) > 1:
            mixed = " and ".join(s.title() for s in sorted(scripts))
            return (
                f"the word {_quoted(word)} mixes {mixed} letters, which look alike; "
                "write each word in one script"
            )
    return None


def _scripts(word: str) -> set[str]:
    return {s for s in map(_script, word) if s is not None}


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name ('LATIN SMALL LETTER A' → LATIN)."""
    if char.isascii():
        return "LATIN" if char.isalpha() else None
    if not unicodedata.category(char).startswith("L"):
        return None  # digits, punctuation, combining marks go with any script
    first = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    if first in _NO_SCRIPT:
        return None
    if first == "CJK":
        return "CJK"
    return _SCRIPT_GROUPS.get(first, first)


def _refused(char: str, kind: str, position: int) -> str:
    code = _codepoint(char)
    where = f"at position {position + 1}"
    if "\ud800" <= char <= "\udfff":
        return (
            f"contains {code} {where}, which is not a character (the input was not "
            "valid UTF-8); save it as UTF-8"
        )
    if char in "\t\n\r\u2028\u2029":
        if kind == "free":
            return f"contains {code} {where}; write line breaks as \\n"
        return f"contains a line break or tab ({code}) {where}; write it on one line"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return (
            f"contains the bidirectional control {code} {where}, which reorders what a reader sees; delete it"
        )
    return f"contains the control character {code} {where}; delete it"


def _codepoint(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _quoted(word: str) -> str:
    return '"' + word + '"'
