"""Sealing sensitive text into events, and opening it again for readers.

A sealed value is a string: a marker, the id of the field key, and the
AES-GCM nonce and ciphertext. The marker starts with a control character
(U+001E) that the import rules refuse in every user text, so no typed quote
can pass for a sealed one. Sealing is deterministic (the nonce is derived
from the key and the text, as in SIV), so the same text under the same key
gives the same bytes: re-importing a file still finds its reports present,
and "changes nothing" still holds for a correction.

Each (report, claim, field) has its own random key, so destroying one key
redacts exactly one field of one claim, across all of its versions. The key
id is the associated data: a token cannot be moved to another key's slot.
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warlog.domain import Report
    from warlog.evidence.keys import FieldKeys
    from warlog.results import Change, LogEntry

MARKER = "\x1esealed:v1:"
REDACTED = "[redacted]"
SENSITIVE = ("attributed_to", "quote", "note")
"""The claim fields sealed in events (and a report's own `note`)."""
REPORT_LEVEL = 0
"""The claim number of a report's own fields in a slot name."""


def slot(claim: int, name: str) -> str:
    """Which key a field uses: claim 0 is the report itself, `attachment` slots name a file."""
    return f"{claim}.{name}"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(MARKER)


def key_id(token: str) -> str:
    return token[len(MARKER) :].split(":", 1)[0]


KEY_BYTES = 64
"""A field key: 32 bytes of AES-256-GCM key, then 32 of HMAC-SHA256 key for the nonce."""


def seal_bytes(key: bytes, kid: str, plain: bytes) -> bytes:
    """Nonce and ciphertext of `plain` under a field key, the same for the same input."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = hmac.digest(key[32:], plain, "sha256")[:12]
    return nonce + AESGCM(key[:32]).encrypt(nonce, plain, kid.encode())


def open_bytes(key: bytes, kid: str, sealed: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key[:32]).decrypt(sealed[:12], sealed[12:], kid.encode())


def seal_text(key: bytes, kid: str, text: str) -> str:
    return MARKER + kid + ":" + base64.b64encode(seal_bytes(key, kid, text.encode())).decode()


def new_key() -> tuple[str, bytes]:
    """A fresh field key and its id (random, so the id tells nothing of what it seals)."""
    return os.urandom(12).hex(), os.urandom(KEY_BYTES)


@dataclass
class Sealer:
    """Seals one command's sensitive values, creating field keys as they are first needed.

    New keys are kept in memory and written to the key store by `persist`,
    which the archive calls before it appends: a key is never missing for a
    stored event, and a command that writes nothing leaves at most unused keys.
    """

    keys: FieldKeys
    pending: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # kid -> report, slot, key
    live: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)

    def report(self, report_id: str, content: dict[str, Any], existing: Report | None) -> dict[str, Any]:
        """A filing's content with its sensitive text sealed.

        Against a report already filed under the same id, each value is sealed
        with the key the filing used, so equal text gives equal bytes; a value
        whose key was destroyed is taken as it was filed: redacted text can be
        neither compared nor recovered. Reports imported from ACLED carry
        ACLED's public row in clear and are not sealed.
        """
        if content.get("acled") is not None:
            return content
        before = None if existing is None else existing.content()
        sealed = dict(content)
        if content.get("note") is not None:
            sealed["note"] = self._value(
                report_id, REPORT_LEVEL, "note", content["note"], _at(before, None), fresh=before is None
            )
        claims = []
        for number, claim in enumerate(content["claims"], start=1):
            old = None if before is None else _claim(before, number)
            claims.append(
                {
                    k: (
                        self._value(report_id, number, k, v, _at(old, k), fresh=before is None)
                        if k in SENSITIVE
                        else v
                    )
                    for k, v in claim.items()
                }
            )
        sealed["claims"] = claims
        return sealed

    def changes(
        self, report: Report, claim: int, changes: dict[str, Any], repeat_of: str | None = None
    ) -> dict[str, Any]:
        """A correction's changes with its sensitive text sealed under the claim's field keys.

        `repeat_of`: the reason, when an identical correction already recorded is
        to be skipped (an import). Such a correction is sealed as it was recorded:
        under its own keys where they are held, and taken as recorded where they
        were destroyed, so importing a file again never brings redacted text back.
        """
        if report.acled is not None:
            return changes
        for number, recorded, reason in report.corrections:
            if (number, reason) == (claim, repeat_of) and recorded.keys() == changes.keys():
                again = {
                    k: (
                        self._value(report.report_id, claim, k, v, recorded[k])
                        if k in SENSITIVE and v is not None
                        else v
                    )
                    for k, v in changes.items()
                }
                if again == recorded:
                    return again
        return {
            k: (self._value(report.report_id, claim, k, v, None) if k in SENSITIVE and v is not None else v)
            for k, v in changes.items()
        }

    def _value(
        self, report_id: str, claim: int, name: str, value: Any, filed: Any, *, fresh: bool = False
    ) -> Any:
        """`filed`: the value as the report was filed, if it was; `fresh`: the report is new."""
        if not isinstance(value, str) or is_sealed(value):
            return value
        if is_sealed(filed):
            kid = key_id(filed)
            key = self._key(kid)
            if key is None:
                return filed  # redacted: taken as filed, never compared
            return seal_text(key, kid, value)
        kid, key = self.live_key(report_id, slot(claim, name), known=not fresh)
        return seal_text(key, kid, value)

    def live_key(self, report_id: str, name: str, *, known: bool = True) -> tuple[str, bytes]:
        """The slot's key in force, made now if it has none (or its last was destroyed).

        `known=False`: a new report's slot, which has no key yet; the store is not asked.
        """
        found = self.live.get((report_id, name))
        if found is None and known:
            found = self.keys.live(report_id, name)
        if found is None:
            found = new_key()
            self.pending[found[0]] = (report_id, name, found[1])
        self.live[(report_id, name)] = found
        return found

    def _key(self, kid: str) -> bytes | None:
        if kid in self.pending:
            return self.pending[kid][2]
        return self.keys.get(kid)

    def persist(self) -> None:
        if self.pending:
            self.keys.add([(kid, r, s, k) for kid, (r, s, k) in self.pending.items()])
            self.pending.clear()


def _claim(content: dict[str, Any], number: int) -> dict[str, Any] | None:
    claims = content.get("claims") or []
    return claims[number - 1] if number <= len(claims) else None


def _at(values: dict[str, Any] | None, name: str | None) -> Any:
    if values is None:
        return None
    return values.get("note" if name is None else name)


class Opener:
    """Turns sealed values back into text for readers: the text, or `[redacted]` once its key is gone."""

    def __init__(self, keys: FieldKeys | Callable[[], FieldKeys]) -> None:
        self._keys = keys
        self._cache: dict[str, bytes | None] = {}

    @property
    def keys(self) -> FieldKeys:
        if callable(self._keys):
            self._keys = self._keys()
        return self._keys

    def text(self, value: Any) -> Any:
        if not is_sealed(value):
            return value
        kid = key_id(value)
        if kid not in self._cache:
            self._cache[kid] = self.keys.get(kid)
        key = self._cache[kid]
        if key is None:
            return REDACTED
        try:
            sealed = base64.b64decode(value[len(MARKER) + len(kid) + 1 :], validate=True)
            return open_bytes(key, kid, sealed).decode()
        except Exception:  # an altered token reads as unreadable, never as a crash
            return "[unreadable: the sealed text does not open with its key]"

    def deep(self, value: Any) -> Any:
        """Every sealed string inside a JSON value opened; the value itself when there is none."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()} if _any_sealed(value) else value
        if isinstance(value, list):
            return [self.deep(v) for v in value] if _any_sealed(value) else value
        return value

    def change(self, change: Change) -> Change:
        """A history row with its sealed values opened."""
        if not (_any_sealed(change.before) or _any_sealed(change.after)):
            return change
        return replace(change, before=self.deep(change.before), after=self.deep(change.after))

    def log_entry(self, entry: LogEntry) -> LogEntry:
        return replace(entry, data=self.deep(entry.data)) if _any_sealed(entry.data) else entry

    def claims(self, rows: Iterable[Any], include_sensitive: bool) -> Iterator[Any]:
        """Exported claim rows with sensitive fields opened, or left out (None) unless asked for."""
        for row in rows:
            if include_sensitive:
                if any(is_sealed(getattr(row, n)) for n in SENSITIVE):
                    row = replace(row, **{n: self.text(getattr(row, n)) for n in SENSITIVE})
            elif any(getattr(row, n) is not None for n in SENSITIVE):
                row = replace(row, **dict.fromkeys(SENSITIVE))
            yield row


def _any_sealed(value: Any) -> bool:
    if isinstance(value, str):
        return is_sealed(value)
    if isinstance(value, dict):
        return any(_any_sealed(v) for v in value.values())
    if isinstance(value, list):
        return any(_any_sealed(v) for v in value)
    return False
