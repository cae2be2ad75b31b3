"""Import records: JSON Lines in, checked against the JSON Schemas in `schemas/`.

This is the first gate. It catches what a schema can see (bad JSON, unknown
types and fields, wrong value types, grades out of range) and says where, as
`FILE:LINE: field: message`. What needs the archive's knowledge (names, report
ids, calendar dates) is the importer's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from warlog.canonical import nfc
from warlog.errors import Problem
from warlog.names import did_you_mean

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMAS = Path(__file__).parent / "schemas"

RECORD_TYPES = ("place", "actor", "report", "correction", "retraction")


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
        if number == 1:  # a byte-order mark some editors write is not part of the record
            line = (line.removeprefix(b"\xef\xbb\xbf") if isinstance(line, bytes)
                    else line.removeprefix("\ufeff"))
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield Problem(where, "", f"not valid JSON ({error}); each line must be one JSON object")
            continue
        yield from check(value, where, normalized=line.isascii())


def check(value: Any, where: str, *, normalized: bool = False) -> Iterator[Record | Problem]:
    """Schema-check one decoded record (its text first put in Unicode normal form C)."""
    if not normalized:
        value = nfc(value)
    if not isinstance(value, dict):
        yield Problem(where, "", "a record must be a JSON object with a \"type\" field")
        return
    record_type = value.get("type")
    if record_type not in RECORD_TYPES:
        kinds = ", ".join(RECORD_TYPES)
        if record_type is None:
            yield Problem(where, "type", f"missing; say which record this is: one of {kinds}")
        else:
            hint = did_you_mean(str(record_type), RECORD_TYPES)
            yield Problem(where, "type", f"unknown record type {record_type!r}{hint}; use one of {kinds}")
        return
    if fast_validator(record_type).is_valid(value):
        yield Record(where, record_type, value)
        return
    errors = sorted(validator(record_type).iter_errors(value), key=lambda e: list(e.path))
    if errors:
        for error in errors:
            yield Problem(where, field_path(error), explain(error))
        yield Record(where, record_type, value, valid=False)
        return
    yield Record(where, record_type, value)


def field_path(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".")


def explain(error: ValidationError) -> str:
    """Turn a jsonschema error into a sentence that says how to fix it."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if name not in instance]
        return f"missing required field {', '.join(repr(m) for m in missing)}"
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = [name for name in instance if name not in allowed]
        return "; ".join(
            f"unknown field {name!r}{did_you_mean(name, allowed)}" for name in extra
        ) + f"; allowed fields are {', '.join(allowed)}"
    if kind == "enum":
        choices = [str(c) for c in expected]
        return (f"{instance!r} is not allowed{did_you_mean(str(instance), choices)}; "
                f"use one of {', '.join(choices)}")
    if kind == "type":
        return f"{instance!r} is not of type {expected}"
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return f"{instance!r} is out of range; it must be {bound} {expected}"
    if kind in ("minLength", "pattern") and isinstance(instance, str) and not instance.strip():
        return "must not be empty"
    if kind == "minItems":
        return f"needs at least {expected} item(s)"
    if kind == "minProperties":
        return f"needs at least {expected} field(s)"
    if kind == "anyOf" and error.path and error.path[-1] == "published":
        return f"{instance!r} is not a date (YYYY-MM-DD) or an RFC 3339 date-time"
    if kind == "pattern" and error.path and error.path[-1] in ("date",):
        return f"{instance!r} is not a date; write it as YYYY-MM-DD"
    return str(error.message)
