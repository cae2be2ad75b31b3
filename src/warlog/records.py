"""Import records: JSON Lines in, checked against the JSON Schemas in `schemas/`.

This is the first gate. It catches what a schema can see (bad JSON, unknown
types and fields, wrong value types, grades out of range) and what no schema
can (a key given twice, text the archive refuses — see `text` — and lines too
long or nested too deep), and says where, as `FILE:LINE: field: message`.
What needs the archive's knowledge (names, report ids, calendar dates) is
the importer's job.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from warlog import text
from warlog.canonical import nfc
from warlog.errors import Problem
from warlog.names import did_you_mean

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMAS = Path(__file__).parent / "schemas"

RECORD_TYPES = ("place", "actor", "report", "correction", "retraction")

# Limits that keep a mistake, or a hostile file, from exhausting the archive or
# the process; the README's import format lists them. Text sizes are in `text`.
MAX_LINE_BYTES = 1024**2
MAX_DEPTH = 16  # a record nests 4 deep (report, claims, claim, value)


@dataclass(frozen=True)
class Record:
    """One parsed, schema-valid record and where it came from."""

    where: str
    type: str
    fields: dict[str, Any]
    valid: bool = True  # False: the schema found problems; only names are worth checking


@cache
def schema(record_type: str) -> dict[str, Any]:
    text = (SCHEMAS / f"{record_type}.json").read_bytes()
    loaded: dict[str, Any] = orjson.loads(text)
    return loaded


@cache
def validator(record_type: str) -> Draft202012Validator:
    """The pure-Python validator: slower, but it explains; used only for records that fail."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(record_type))


@cache
def fast_validator(record_type: str) -> Any:
    """The same schema compiled in Rust: a yes/no in microseconds for the common, valid record."""
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(schema(record_type))


def read_records(lines: Iterable[str | bytes], source: str) -> Iterator[Record | Problem]:
    """Yield each non-blank line as a Record, or one Problem per thing wrong with it."""
    for number, line in enumerate(lines, start=1):
        where = f"{source}:{number}"
        if number == 1:
            if isinstance(line, bytes) and line.startswith((b"\xff\xfe", b"\xfe\xff")):
                yield Problem(where, "", "the file is UTF-16 text, not UTF-8; save it as UTF-8")
                return  # every line would say the same
            # a byte-order mark some editors write is not part of the record
            line = (
                line.removeprefix(b"\xef\xbb\xbf") if isinstance(line, bytes) else line.removeprefix("\ufeff")
            )
        if len(line) > MAX_LINE_BYTES:
            yield Problem(where, "", too_long_line())
            continue
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield Problem(where, "", not_json(line, error))
            continue
        yield from check(value, where, normalized=line.isascii(), raw=line)


def too_long_line() -> str:
    return "the line is longer than 1 MiB; a record must fit in 1 MiB: split it, or shorten its texts"


def not_json(line: str | bytes, error: orjson.JSONDecodeError) -> str:
    """Why a line is not JSON, in the user's terms: not UTF-8 at all, or where the JSON breaks."""
    if isinstance(line, bytes):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            return (
                f"not UTF-8 (byte 0x{line[bad.start]:02X} at byte offset {bad.start} of the "
                "line); save the file as UTF-8"
            )
        if b"\x00" in line:
            return (
                "holds NUL bytes, which JSON text never does; if the file is UTF-16 or "
                "binary, save it as UTF-8 text"
            )
        if line.startswith(b"\xef\xbb\xbf"):
            return (
                "starts with a byte-order mark (U+FEFF); only the file's first line may have one: delete it"
            )
    elif any("\ud800" <= c <= "\udfff" for c in line):
        return "not valid Unicode text (it holds a lone surrogate); save the file as UTF-8"
    if error.msg.startswith("depth limit"):
        return too_deep()
    return f"not valid JSON ({error.msg} at character {error.pos + 1}); each line must be one JSON object"


def too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep; no record nests that deep: check the brackets"


def check(
    value: Any, where: str, *, normalized: bool = False, raw: str | bytes | None = None
) -> Iterator[Record | Problem]:
    """Schema-check one decoded record (its text first put in Unicode normal form C).

    `raw` is the line the record was decoded from, when there was one: JSON
    decoders keep only the last of two equal keys, so duplicates are found there.
    """
    if not isinstance(value, dict):
        yield Problem(where, "", 'a record must be a JSON object with a "type" field')
        return
    plain = _plain(value, raw) if isinstance(raw, bytes) else None
    found = plain or survey(value)
    if found.too_deep:
        yield Problem(where, "", too_deep())
        return
    written = plain.written_keys if plain is not None else _key_ends(raw)
    if raw is not None and written > found.keys:
        duplicates = list(duplicate_keys(raw))
        if duplicates:
            yield from (
                Problem(where, path, f"duplicate key {shown(name)}; each field may appear once")
                for path, name in duplicates
            )
            return
    if not normalized:
        value = nfc(value)
    record_type = value.get("type")
    if record_type not in RECORD_TYPES:
        kinds = ", ".join(RECORD_TYPES)
        if record_type is None:
            yield Problem(where, "type", f"missing; say which record this is: one of {kinds}")
        else:
            hint = did_you_mean(str(record_type), RECORD_TYPES)
            yield Problem(
                where, "type", f"unknown record type {shown(record_type)}{hint}; use one of {kinds}"
            )
        return
    problems = [Problem(where, path, message) for path, message in found.problems]
    if not problems and fast_validator(record_type).is_valid(value):
        yield Record(where, record_type, value)
        return
    errors = sorted(validator(record_type).iter_errors(value), key=lambda e: list(e.path))
    said = {p.field for p in problems}  # a field whose text is refused needs no second line
    problems += [p for p in (Problem(where, *located(e)) for e in errors) if p.field not in said]
    yield from dict.fromkeys(problems)  # two rules can say the same thing about one field
    if found.problems:
        return  # text the archive cannot store: not worth looking up as a name either
    yield Record(where, record_type, value, valid=not errors)


@dataclass
class Survey:
    """What one walk over a decoded record found, before any schema looks at it."""

    keys: int = 0
    too_deep: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Plain(Survey):
    """A survey taken from the raw line, which also knows how many keys the line writes."""

    written_keys: int = 0


def _plain(record: dict[str, Any], raw: bytes) -> _Plain | None:
    """The survey of a line that plainly has nothing to find, or None to look closer.

    Most lines are ASCII without escapes: then no string can hold a control,
    invisible or foreign character (JSON must escape controls) nor a quote, so
    counting brackets shows that nothing is deeply nested, and every `":` ends
    a key. Only string lengths and objects are looked at on the decoded record,
    where a record can have them.
    """
    if (
        not raw.isascii()
        or b"\\" in raw
        or b"\x7f" in raw
        or raw.count(b"[") + raw.count(b"{") > MAX_DEPTH
        or b'" ' in raw
        or b'"\t' in raw
        or b'"\r' in raw
        or _long(record.values())
    ):
        return None
    # Counting only where records have objects can only come out low, never hiding a duplicate.
    keys = len(record)
    for nested in (record.get("claims"), record.get("set"), record.get("aliases")):
        if type(nested) is list:
            for item in nested:
                if type(item) is dict:
                    keys += len(item)
                    if _long(item.values()):
                        return None
                elif type(item) is str and len(item) > text.MAX_NAME:
                    return None
        elif type(nested) is dict:
            keys += len(nested)
            if _long(nested.values()):
                return None
    return _Plain(keys=keys, written_keys=raw.count(b'":'))


def _long(values: Iterable[Any]) -> bool:
    """Whether any of the values is text longer than the shortest limit."""
    return any(type(value) is str and len(value) > text.MAX_NAME for value in values)


def survey(record: dict[str, Any]) -> Survey:
    """Count keys, measure depth and check every string of a record.

    A decoded line may nest up to the decoder's own limit (1,024), deeper than
    Python's stack allows a recursive walk to go; this one stops at MAX_DEPTH.
    """
    found = Survey()
    _walk(record, (), "", 1, found)
    return found


def _walk(value: Any, path: tuple[str | int, ...], name: str, depth: int, found: Survey) -> None:
    if depth > MAX_DEPTH:
        found.too_deep = True
        return
    items: Iterable[tuple[str | int, Any]]
    if type(value) is dict:
        found.keys += len(value)
        items = value.items()
    else:
        items = enumerate(value)
    for key, item in items:
        kind = type(item)
        field = key if type(key) is str else name
        if kind is str:
            # Most text is short, printable ASCII: nothing to check but that.
            if len(item) > text.MAX_NAME or not item.isprintable() or not item.isascii():
                wrong = text.problem(item, text.kind_of(field))
                if wrong is not None:
                    found.problems.append((_path((*path, key)), wrong))
        elif kind is dict or kind is list:
            _walk(item, (*path, key), field, depth + 1, found)
            if found.too_deep:
                return


_KEY_END = re.compile(rb'"\s*:')
_KEY_END_TEXT = re.compile(r'"\s*:')


def _key_ends(raw: str | bytes | None) -> int:
    """How many keys the line can hold at most: every key ends in `"` and `:`.

    Without a backslash in the line no string can contain a quote, so the count
    is exact; with one it can only be too high, which costs a second parse.
    """
    if raw is None:
        return 0
    if isinstance(raw, bytes):
        return len(_KEY_END.findall(raw))
    return len(_KEY_END_TEXT.findall(raw))


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as a decoder saw it: its (key, value) pairs, repeats included."""


def duplicate_keys(raw: str | bytes) -> list[tuple[str, str]]:
    """(path of the object, key) for every key an object of the line repeats."""
    try:
        decoded = json.loads(raw, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return []
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(decoded, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, _Pairs):
            counts = Counter(k for k, _ in value)
            found.extend((_path(path), k) for k, n in counts.items() if n > 1)
            stack.extend((v, (*path, k)) for k, v in reversed(value))
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(value))))
    return found


def _path(parts: tuple[str | int, ...]) -> str:
    """A field path as messages write it: claims[0].place."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if _PLAIN_KEY.fullmatch(part) else f"[{shown(part)}]"
    return path.lstrip(".")


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def shown(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it, in JSON (null, true, "x"), cut short when long."""
    try:
        written = orjson.dumps(value).decode()
    except TypeError:  # text that is not valid Unicode, from a command line
        written = json.dumps(value)
    return written if len(written) <= limit else written[: limit - 1] + "…"


def located(error: ValidationError) -> tuple[str, str]:
    """The field a jsonschema error is about and a sentence that says how to fix it."""
    if error.validator == "dependentRequired":
        missing = [name for name in error.validator_value if name not in error.instance]
        given = next(
            (
                k
                for k, v in error.schema.get("dependentRequired", {}).items()
                if k in error.instance and set(missing) & set(v)
            ),
            "",
        )
        path = field_path(error)
        field = ".".join(p for p in (path, missing[0] if missing else "") if p)
        together = " and ".join(sorted({given, *missing} - {""}))
        return field, f"missing, but {given} is given; give {together} together"
    return field_path(error), explain(error)


def field_path(error: ValidationError) -> str:
    return _path(tuple(error.absolute_path))


TYPE_WORDS = {
    "string": "text (a JSON string)",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
    "null": "null",
}


def explain(error: ValidationError) -> str:
    """Turn a jsonschema error into a sentence that says how to fix it, values in JSON."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if name not in instance]
        return f"missing required field {', '.join(shown(m) for m in missing)}"
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [name for name in instance if name not in allowed]
        return (
            "; ".join(f"unknown field {shown(name)}{did_you_mean(name, allowed)}" for name in extra)
            + f"; allowed fields are {', '.join(allowed)}"
        )
    if kind == "enum":
        choices = [str(c) for c in expected]
        return (
            f"{shown(instance)} is not allowed{did_you_mean(str(instance), choices)}; "
            f"use one of {', '.join(choices)}"
        )
    if kind == "type":
        types = expected if isinstance(expected, list) else [expected]
        words = [TYPE_WORDS.get(str(t), str(t)) for t in types]
        return f"{shown(instance)} is not {' or '.join(words)}"
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return f"{shown(instance)} is out of range; it must be {bound} {expected}"
    if kind in ("minLength", "pattern") and isinstance(instance, str) and not instance.strip():
        return "must not be empty"
    if kind == "minItems":
        return f"needs at least {expected} item(s)"
    if kind == "minProperties":
        return f"needs at least {expected} field(s)"
    if kind == "uniqueItems" and isinstance(instance, list):
        twice = next((v for i, v in enumerate(instance) if v in instance[:i]), None)
        return f"lists {shown(twice)} more than once; give each one once"
    if kind == "anyOf" and error.path and error.path[-1] == "published":
        return f"{shown(instance)} is not a date (YYYY-MM-DD) or an RFC 3339 date-time"
    if kind == "pattern" and error.path and error.path[-1] in ("date",):
        from warlog.dates import FORMS

        return f"{shown(instance)} is not a date; write it as {FORMS}"
    if kind == "pattern" and error.path and error.path[-1] in ("id", "report"):
        return (
            f"{shown(instance)} is not a report id: use letters, digits and . _ : - only, "
            "starting with a letter or digit, at most 128 characters"
        )
    return str(error.message)
