"""A faster drop-in for the library's ``JSONTranscoder``, with ``orjson`` doing the bytes.

The archive stores every event's state through the application's transcoder, and
reads it all back whenever an aggregate or a projection is rebuilt, so the cost of
turning state into bytes and back is paid on every row, many times over. The
library's ``JSONTranscoder`` uses the standard :mod:`json` module, which is several
times slower than ``orjson`` at the byte work itself.

``orjson`` cannot simply replace :mod:`json`, though, because it disagrees with the
contract in ways that would silently change stored data:

* it serialises ``UUID``, ``tuple`` and ``Enum`` values natively, so a registered
  transcoding (``uuid_hex``, say) would never be asked, and the stored form would
  differ from what every other reader of the archive expects;
* it writes ``NaN`` and infinities as ``null``, where :mod:`json` writes ``NaN``;
* on the way in it reads integers beyond 64 bits as (rounded) floats.

So values are first *prepared* in Python: each container is checked in C
(``frozenset.issuperset(map(type, ...))``) and walked element by element only when
it holds something other than ``str``/``int``/``bool``/``None``, and it is copied only
when something in it actually has to change. ``orjson`` then sees nothing but plain
JSON types. The few plain values ``orjson`` refuses to write (non-``str`` keys,
integers beyond 64 bits, nesting deeper than 254, and non-finite floats, which are
marked so that it refuses them) are written by the library's own encoder instead.

On the way back, ``orjson`` parses, and a similar walk replaces the
``{"_type_": ..., "_data_": ...}`` objects, innermost first, exactly as the
``object_hook`` of ``JSONTranscoder`` does. Anything ``orjson`` cannot read exactly
(``NaN``, huge integers, lone surrogate escapes, very deep nesting) is handed to the
library's own decoder, so every byte string ``JSONTranscoder`` can decode, this
class decodes to the same value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

__all__ = ["OrjsonTranscoder"]

_NoneType: Final = type(None)

# Types that orjson writes byte-for-byte as json does, so need no Python attention.
# ``int`` is here for speed: orjson refuses the rare integer beyond 64 bits, and
# that refusal sends the value to json.
_PLAIN: Final[frozenset[type]] = frozenset({str, int, bool, _NoneType})

# orjson parses integer literals outside [-2**63, 2**64) as floats, losing digits.
# A float outside this range might be such an integer, so the json module rereads it.
_EXACT_FLOAT_LOW: Final = -(2.0**63)
_EXACT_FLOAT_HIGH: Final = 2.0**64


class _InexactNumberError(Exception):
    """orjson may have rounded a number that json would have read exactly."""


class OrjsonTranscoder(JSONTranscoder):
    """Encodes like ``JSONTranscoder``, decodes what it encodes, and does both faster.

    It subclasses ``JSONTranscoder`` rather than only ``Transcoder`` because
    ``Application.construct_transcoder()`` registers the application's transcodings
    (``UUIDAsHex``, ``DecimalAsStr``, ``DatetimeAsISO`` and any added by
    ``register_transcodings()``) only on instances of ``JSONTranscoder``; a transcoder
    chosen with ``TRANSCODER_TOPIC`` that is not one would silently get none of them.
    The inherited ``register()`` is used unchanged, and the inherited ``encode()`` and
    ``decode()`` remain the exact fallbacks for what orjson cannot handle exactly.

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
            # A copy: orjson's result keeps its whole growth buffer (4 KiB for a
            # 1 KiB event), and a command holds every event it encodes until it
            # is appended; exact-sized copies hold a third of that.
            return bytes(memoryview(orjson.dumps(prepared)))
        except orjson.JSONEncodeError:
            # orjson refuses non-str keys, integers beyond 64 bits, nesting deeper
            # than 254 and non-finite floats (as marked by _prepare_float); json
            # writes them all, so the prepared value, now free of anything needing
            # a transcoding, goes to the library's own encoder.
            return super().encode(prepared)

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
            if _PLAIN.issuperset(map(type, obj.values())):
                return obj
            return self._prepare_children(obj, obj.items())
        if t is list:
            if _PLAIN.issuperset(map(type, obj)):
                return obj
            return self._prepare_children(obj, enumerate(obj))
        if t is float:
            return _prepare_float(obj)
        return self._prepare_other(obj)

    def _prepare_children(self, container: Any, pairs: Iterable[tuple[Any, Any]]) -> Any:
        """Prepare the values of a dict or list, copying it only if one changes.

        This repeats the dispatch of ``_prepare`` inline, because for the archive's
        typical event (a list of small dicts of strings) a call per element is most
        of the cost of the walk.
        """
        copy: Any = None
        for key, value in pairs:
            t = type(value)
            if t in _PLAIN:
                continue
            if t is dict:
                if _PLAIN.issuperset(map(type, value.values())):
                    continue
                prepared = self._prepare_children(value, value.items())
            elif t is list:
                if _PLAIN.issuperset(map(type, value)):
                    continue
                prepared = self._prepare_children(value, enumerate(value))
            elif t is float:
                prepared = _prepare_float(value)
            else:
                prepared = self._prepare_other(value)
            if prepared is not value:
                if copy is None:
                    copy = container.copy()
                copy[key] = prepared
        return container if copy is None else copy

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
            return self._prepare(list(obj))
        if isinstance(obj, dict):
            return self._prepare(dict(obj))
        msg = (
            f"Object of type {type(obj)} is not "
            "serializable. Please define and register "
            "a custom transcoding for this type."
        )
        raise TranscodingNotRegisteredError(msg)

    # Decoding.

    def _revive(self, obj: Any) -> Any:
        """Replace tagged objects in freshly parsed ``obj``, innermost first."""
        t = type(obj)
        if t is dict:
            if not _PLAIN.issuperset(map(type, obj.values())):
                self._revive_children(obj, obj.items())
            if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
                return self._revive_tagged(obj)
        elif t is list:
            if not _PLAIN.issuperset(map(type, obj)):
                self._revive_children(obj, enumerate(obj))
        elif t is float:
            _check_exact(obj)
        return obj

    def _revive_children(self, container: Any, pairs: Iterable[tuple[Any, Any]]) -> None:
        """Revive the values of a parsed dict or list in place (it is ours to change).

        Like ``_prepare_children``, this repeats ``_revive`` inline to save a call
        per element. Assigning to an existing key or index does not disturb the
        iteration over ``pairs``.
        """
        for key, value in pairs:
            t = type(value)
            if t is dict:
                if not _PLAIN.issuperset(map(type, value.values())):
                    self._revive_children(value, value.items())
                if len(value) == 2 and "_type_" in value and "_data_" in value:
                    container[key] = self._revive_tagged(value)
            elif t is list:
                if not _PLAIN.issuperset(map(type, value)):
                    self._revive_children(value, enumerate(value))
            elif t is float:
                _check_exact(value)

    def _revive_tagged(self, d: dict[str, Any]) -> Any:
        """Decode a ``{"_type_": ..., "_data_": ...}`` object, as ``JSONTranscoder`` does."""
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


class _NonFiniteFloat(float):
    """A NaN or infinity that orjson must not be given.

    orjson writes these as ``null`` without complaint, where json writes ``NaN``
    or ``Infinity``. Being a float subclass, this makes orjson refuse the value
    instead, and json, which writes any float subclass as a float, takes over.
    """

    __slots__ = ()


def _prepare_float(value: float) -> float:
    if math.isfinite(value):
        return value
    return _NonFiniteFloat(value)


def _check_exact(value: float) -> None:
    if not _EXACT_FLOAT_LOW < value < _EXACT_FLOAT_HIGH:
        raise _InexactNumberError
