"""A faster drop-in for the library's ``JSONTranscoder``, with ``orjson`` doing the bytes.

The archive stores every event's state through the application's transcoder, and
reads it all back whenever an aggregate or a projection is rebuilt, so the cost of
turning state into bytes and back is paid on every row, many times over. The
library's ``JSONTranscoder`` does that with the standard :mod:`json` module, which
calls back into Python for every datetime and UUID and parses in pure C without
SIMD; ``orjson`` is several times faster at the byte work.

``orjson`` cannot simply replace :mod:`json`, though, because it disagrees with the
contract in ways that would silently change stored data:

* it serialises ``UUID``, ``tuple`` and ``Enum`` values natively, so a registered
  transcoding (``uuid_hex``, say) would never be asked, and the stored form would
  differ from what every other reader of the archive expects;
* it writes ``NaN`` and infinities as ``null``, where :mod:`json` writes ``NaN``;
* it refuses integers beyond 64 bits and non-``str`` dict keys on the way out, and on
  the way in it reads integers beyond 64 bits as (rounded) floats.

So values are first *prepared* in Python: each container is checked in C
(``frozenset.issuperset(map(type, ...))``) and walked element by element only when
it holds something other than ``str``/``int``/``bool``/``None``, and it is copied only
when something in it actually has to change. ``orjson`` then sees nothing but plain
JSON types. On the way back, ``orjson`` parses, and a similar walk replaces the
``{"_type_": ..., "_data_": ...}`` objects, innermost first, exactly as the
``object_hook`` of ``JSONTranscoder`` does. Anything ``orjson`` cannot read exactly
(``NaN``, huge integers, lone surrogate escapes, very deep nesting) is handed to the
library's own :mod:`json` decoding, so every byte string ``JSONTranscoder`` can
decode, this class decodes to the same value.
"""

from __future__ import annotations

import math
from typing import Any, Final

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

__all__ = ["OrjsonTranscoder"]

_NoneType: Final = type(None)

# Types that orjson writes byte-for-byte as json does, so need no Python attention.
# ``int`` is here for speed: orjson rejects the rare integer beyond 64 bits, and
# that rejection sends the value through ``_repair``.
_PLAIN: Final[frozenset[type]] = frozenset({str, int, bool, _NoneType})

# orjson parses integer literals outside [-2**63, 2**64) as floats, losing digits.
# A float outside this range might be such an integer, so the json module rereads it.
_EXACT_FLOAT_LOW: Final = -(2.0**63)
_EXACT_FLOAT_HIGH: Final = 2.0**64

_NAN: Final = orjson.Fragment(b"NaN")
_POS_INF: Final = orjson.Fragment(b"Infinity")
_NEG_INF: Final = orjson.Fragment(b"-Infinity")


class _InexactNumberError(Exception):
    """orjson may have rounded a number that json would have read exactly."""


class OrjsonTranscoder(JSONTranscoder):
    """Encodes like ``JSONTranscoder`` and decodes what it encodes, several times faster.

    It subclasses ``JSONTranscoder`` rather than only ``Transcoder`` because
    ``Application.construct_transcoder()`` registers the application's transcodings
    (``UUIDAsHex``, ``DecimalAsStr``, ``DatetimeAsISO`` and any added by
    ``register_transcodings()``) only on instances of ``JSONTranscoder``; a transcoder
    chosen with ``TRANSCODER_TOPIC`` that is not one would silently get none of them.
    The inherited ``register()`` is used unchanged, and the inherited ``decode()``
    remains the exact fallback for input orjson cannot read exactly.

    Output is the same as ``JSONTranscoder``'s for the same registrations (floats
    may be spelled differently, e.g. ``1e16`` for ``1e+16``, with the same value),
    with one deliberate extension needed by the library's ``TranscoderTestCase``: a
    transcoding registered for ``tuple`` or for a subclass of ``str``, ``int``,
    ``float``, ``list`` or ``dict`` is used, where :mod:`json` would silently write
    such values as the built-in type. Transcodings registered for the built-in JSON
    types themselves are ignored, as they are by ``JSONTranscoder``. Dict keys keep
    their insertion order (keys are not sorted, as ``_type_`` must precede
    ``_data_``), so equal inputs built the same way give identical bytes.
    """

    def encode(self, obj: Any) -> bytes:
        """Return ``obj`` as UTF-8 JSON bytes, using registered transcodings."""
        prepared = self._prepare(obj)
        try:
            return orjson.dumps(prepared)
        except orjson.JSONEncodeError:
            # Non-str keys or integers beyond 64 bits; both are rare, so they are
            # fixed in a second pass rather than checked for on every value.
            return orjson.dumps(_repair(prepared))

    def decode(self, data: bytes) -> Any:
        """Return the value encoded in ``data``, reviving registered transcodings."""
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            # NaN/Infinity literals, lone surrogates, 1e400, nesting orjson will not
            # follow: the json module accepts these, so let it decide.
            return super().decode(data)
        try:
            return self._revive(obj)
        except _InexactNumberError:
            return super().decode(data)

    # Encoding.

    def _prepare(self, obj: Any) -> Any:
        """Return ``obj`` as plain JSON types, sharing every part that needs no change."""
        t = type(obj)
        if t in _PLAIN:
            return obj
        if t is dict:
            return self._prepare_dict(obj)
        if t is list:
            return self._prepare_list(obj)
        if t is float:
            return _prepare_float(obj)
        return self._prepare_other(obj)

    def _prepare_dict(self, d: dict[Any, Any]) -> dict[Any, Any]:
        if _PLAIN.issuperset(map(type, d.values())):
            return d
        copy: dict[Any, Any] | None = None
        for key, value in d.items():
            if type(value) in _PLAIN:
                continue
            prepared = self._prepare(value)
            if prepared is not value:
                if copy is None:
                    copy = d.copy()
                copy[key] = prepared
        return d if copy is None else copy

    def _prepare_list(self, items: list[Any]) -> list[Any]:
        if _PLAIN.issuperset(map(type, items)):
            return items
        copy: list[Any] | None = None
        for i, value in enumerate(items):
            if type(value) in _PLAIN:
                continue
            prepared = self._prepare(value)
            if prepared is not value:
                if copy is None:
                    copy = items.copy()
                copy[i] = prepared
        return items if copy is None else copy

    def _prepare_other(self, obj: Any) -> Any:
        """Transcode ``obj``, or reduce a built-in subclass as :mod:`json` would."""
        transcoding = self.types.get(type(obj))
        if transcoding is not None:
            return {
                "_type_": transcoding.name,
                "_data_": self._prepare(transcoding.encode(obj)),
            }
        # The json module's C encoder tests these with isinstance, in this order,
        # before it ever calls its default hook, so StrEnum and IntEnum members,
        # named tuples and so on become their built-in values. The unbound methods
        # give the built-in value even when a subclass overrides __str__ or __int__.
        if isinstance(obj, str):
            return str.__str__(obj)
        if isinstance(obj, int):
            return int.__int__(obj)
        if isinstance(obj, float):
            return _prepare_float(float.__float__(obj))
        if isinstance(obj, list | tuple):
            return self._prepare_list(list(obj))
        if isinstance(obj, dict):
            return self._prepare_dict(dict(obj))
        msg = (
            f"Object of type {type(obj)} is not "
            "serializable. Please define and register "
            "a custom transcoding for this type."
        )
        raise TranscodingNotRegisteredError(msg)

    # Decoding.

    def _revive(self, obj: Any) -> Any:
        """Replace tagged objects in freshly parsed ``obj``, innermost first, in place."""
        t = type(obj)
        if t is dict:
            return self._revive_dict(obj)
        if t is list:
            self._revive_list(obj)
        elif t is float:
            _check_exact(obj)
        return obj

    def _revive_dict(self, d: dict[str, Any]) -> Any:
        if not _PLAIN.issuperset(map(type, d.values())):
            for key, value in d.items():
                t = type(value)
                if t is dict:
                    # Replacing the value of an existing key does not disturb iteration.
                    d[key] = self._revive_dict(value)
                elif t is list:
                    self._revive_list(value)
                elif t is float:
                    _check_exact(value)
        if len(d) == 2 and "_type_" in d and "_data_" in d:
            name = d["_type_"]
            try:
                transcoding = self.names[name]
            except KeyError:
                msg = (
                    f"Data serialized with name '{name}' is not "
                    "deserializable. Please register a "
                    "custom transcoding for this type."
                )
                raise TranscodingNotRegisteredError(msg) from None
            return transcoding.decode(d["_data_"])
        return d

    def _revive_list(self, items: list[Any]) -> None:
        if _PLAIN.issuperset(map(type, items)):
            return
        for i, value in enumerate(items):
            t = type(value)
            if t is dict:
                items[i] = self._revive_dict(value)
            elif t is list:
                self._revive_list(value)
            elif t is float:
                _check_exact(value)


def _prepare_float(value: float) -> float | orjson.Fragment:
    """Keep non-finite floats as json writes them; orjson would write ``null``."""
    if math.isfinite(value):
        return value
    if value != value:
        return _NAN
    return _POS_INF if value > 0 else _NEG_INF


def _check_exact(value: float) -> None:
    if not _EXACT_FLOAT_LOW < value < _EXACT_FLOAT_HIGH:
        raise _InexactNumberError


def _repair(obj: Any) -> Any:
    """Rewrite prepared data so orjson accepts it and writes what json would.

    Integers beyond 64 bits become literal fragments, and keys that are not ``str``
    become the strings json makes of them. Only called after orjson has refused
    prepared data, so it favours plainness over speed.
    """
    t = type(obj)
    if t is dict:
        return {_json_key(key): _repair(value) for key, value in obj.items()}
    if t is list:
        return [_repair(value) for value in obj]
    if t is int and not -(2**63) <= obj < 2**64:
        return orjson.Fragment(int.__repr__(obj).encode("ascii"))
    return obj


def _json_key(key: Any) -> str:
    """Convert a dict key as the json module does (same tests, same order)."""
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, float):
        value = float.__float__(key)
        if math.isfinite(value):
            return float.__repr__(value)
        if value != value:
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    msg = f"keys must be str, int, float, bool or None, not {type(key).__name__}"
    raise TypeError(msg)
