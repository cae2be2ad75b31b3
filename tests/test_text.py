"""The text rules and the schema patterns: what a record may hold, said the same by every path.

The fast validator (Rust) answers yes or no; the Python one explains a no.
They must agree, including on the values where Python's `$` and ECMA-262's
`$` differ (a trailing newline) and where Python's `\\d` matches digits of
other scripts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from warlog import text
from warlog.errors import Problem
from warlog.records import SCHEMAS, Record, check, fast_validator, read_records, validator

NAMES_THAT_ARE_FINE = [
    "Homs",
    "Deir ez-Zor",
    "Al-Hamah",
    "حمص",
    "Tell Abyad تل أبيض",
    "Ḥimṣ",
    "Ma'arrat al-Nu'man",
    "Кобані",
    "Αθήνα",
    "東京",
    "とうきょう東京",
    "서울特別市",
    "\u30e9\u30fc\u30e1\u30f3",
    "Qudsaya 2",
    "Hayat Tahrir al-Sham (HTS)",
]


@pytest.mark.parametrize("name", NAMES_THAT_ARE_FINE)
def test_names_in_one_script_per_word_are_fine(name: str) -> None:
    assert text.problem(name, "name") is None


@pytest.mark.parametrize(
    "name",
    [
        "H\u043ems",
        "\U0001d407oms",
        "Ho\u200bms",
        "Ho\u00adms",
        "\u202esmoH",
        "Homs\u2066",
        "Ho\tms",
        "Ho\x00ms",
        "x" * 257,
    ],
)
def test_look_alike_invisible_and_control_characters_are_refused_in_names(name: str) -> None:
    assert text.problem(name, "name") is not None


def test_free_text_keeps_tabs_and_line_feeds_but_no_other_controls() -> None:
    assert text.problem("first line\n\tsecond line", "free") is None
    assert text.problem("zero\u200bwidth and joiners\u200d are text", "free") is None
    for refused in ("\r", "\x00", "\x1b", "\x85", "\u2028", "\u202e", "\ud800"):
        assert text.problem(f"a{refused}b", "free") is not None, repr(refused)


def test_every_refused_character_is_unprintable() -> None:
    """`problem` skips the search for printable text; that is only right if this holds."""
    refused = [chr(c) for c in range(0x110000) if text._REFUSED_IN_TEXT.search(chr(c)) is not None]
    assert refused and not any(c.isprintable() for c in refused)


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


SCHEMA_FILES = sorted(Path(SCHEMAS).glob("*.json"))
PATTERNS = sorted({p for f in SCHEMA_FILES for p in _patterns(json.loads(f.read_text()))})


@pytest.mark.parametrize("pattern", PATTERNS)
def test_anchored_patterns_cannot_end_before_a_trailing_newline(pattern: str) -> None:
    """Python's `$` also matches before a final newline; `$(?!\\n)` means the end in both."""
    if pattern.endswith("$"):
        pytest.fail(f"{pattern!r} ends in a bare $; end it in $(?!\\n)")
    assert "\\d" not in pattern or not pattern.startswith("^"), (
        f"{pattern!r}: \\d matches other scripts' digits in Python; write [0-9]"
    )


RECORDS_WITH_A_TRAILING_NEWLINE = [
    {
        "type": "report",
        "id": "abc\n",
        "source": "S",
        "published": "2024-12-07",
        "claims": [{"place": "Homs", "actor": "rebels", "status": "contested"}],
    },
    {
        "type": "report",
        "source": "S",
        "published": "2024-12-07\n",
        "claims": [{"place": "Homs", "actor": "rebels", "status": "contested"}],
    },
    {
        "type": "report",
        "source": "S",
        "published": "2024-12-07T10:00:00Z\n",
        "claims": [{"place": "Homs", "actor": "rebels", "status": "contested"}],
    },
    {"type": "correction", "report": "abc\n", "claim": 1, "set": {"status": "besieged"}, "reason": "r"},
    {"type": "retraction", "report": "abc\n", "reason": "r"},
]


@pytest.mark.parametrize(
    "record", RECORDS_WITH_A_TRAILING_NEWLINE, ids=lambda r: f"{r['type']}-{sorted(r)[0]}"
)
def test_both_validators_refuse_a_trailing_newline(record: dict[str, Any]) -> None:
    kind = record["type"]
    assert not fast_validator(kind).is_valid(record)
    assert list(validator(kind).iter_errors(record))
    items = list(check(record, "t"))
    assert items and all(isinstance(i, Problem) for i in items), items


ARABIC_INDIC_DATE = "\u0662\u0660\u0662\u0664-\u0661\u0662-\u0660\u0667"
FULLWIDTH_YEAR = "\uff12\uff10\uff12\uff14"


@pytest.mark.parametrize("value", [ARABIC_INDIC_DATE, f"{FULLWIDTH_YEAR}-12-07", "2024-12-07T1\u0660:00:00Z"])
def test_both_validators_refuse_other_scripts_digits_in_published(value: str) -> None:
    record = {
        "type": "report",
        "source": "S",
        "published": value,
        "claims": [{"place": "Homs", "actor": "rebels", "status": "contested"}],
    }
    assert not fast_validator("report").is_valid(record)
    assert list(validator("report").iter_errors(record))


def test_lowercase_t_and_z_and_nanoseconds_are_rfc_3339() -> None:
    line = json.dumps(
        {
            "type": "report",
            "source": "S",
            "published": "2024-12-07t10:00:00.123456789z",
            "claims": [{"place": "Homs", "actor": "rebels", "status": "contested"}],
        }
    )
    (item,) = read_records([line.encode()], "t")
    assert isinstance(item, Record) and item.valid


def test_duplicate_keys_are_found_however_the_line_is_spaced() -> None:
    for line in (
        '{"type":"place","name":"A","name":"B"}',
        '{"type" : "place" , "name" : "A" , "name" : "B"}',
        '{"type": "place", "name": "A", "n\\u0061me": "B"}',
        '{"type": "place", "name": "Ā", "name": "B"}',
    ):
        items = list(read_records([line.encode()], "t"))
        assert [str(i) for i in items] == ['t:1: duplicate key "name"; each field may appear once'], line


def test_a_line_without_duplicates_is_never_called_one() -> None:
    line = json.dumps(
        {
            "type": "report",
            "source": "S",
            "published": "2024-12-07",
            "note": 'he said "x": y',
            "claims": [
                {"place": "Homs", "actor": "rebels", "status": "contested"},
                {"place": "Hama", "actor": "rebels", "status": "contested"},
            ],
        }
    )
    (item,) = read_records([line.encode()], "t")
    assert isinstance(item, Record) and item.valid


def test_messages_write_values_as_json() -> None:
    record = {"type": "place", "name": None}
    (problem, _) = check(record, "t")
    assert str(problem) == "t: name: null is not text (a JSON string)"
    assert not re.search(r"\bNone\b|\bTrue\b", str(problem))
