"""Checks that ``OrjsonTranscoder`` keeps the library's transcoder contract.

The library's own ``TranscoderTestCase`` is the contract; the extra tests cover what
the archive relies on beyond it: plain JSON values survive untouched, the bytes are
the ones ``JSONTranscoder`` would have stored (so existing rows stay readable by
either), and the transcodings an application registers by default work.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from eventsourcing.tests.persistence import (
    CustomType1AsDict,
    CustomType2AsDict,
    MyInt,
    MyList,
    MyStr,
    TranscoderTestCase,
)
from eventsourcing.tests.persistence import Mydict as MyDict
from hypothesis import given
from hypothesis import strategies as st

from warlog.transcoder import OrjsonTranscoder

# Transcodings for the types the library's test case uses. It leaves registering
# them to each transcoder's test, since JSONTranscoder cannot use them at all.


class TupleAsList(Transcoding):
    type = tuple
    name = "tuple_as_list"

    def encode(self, obj: tuple[Any, ...]) -> list[Any]:
        return list(obj)

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class MyDictAsDict(Transcoding):
    type = MyDict
    name = "mydict"

    def encode(self, obj: MyDict[Any, Any]) -> dict[Any, Any]:
        return dict(obj)

    def decode(self, data: dict[Any, Any]) -> MyDict[Any, Any]:
        return MyDict(data)


class MyListAsList(Transcoding):
    type = MyList
    name = "mylist"

    def encode(self, obj: MyList[Any]) -> list[Any]:
        return list(obj)

    def decode(self, data: list[Any]) -> MyList[Any]:
        return MyList(data)


class MyStrAsStr(Transcoding):
    type = MyStr
    name = "mystr"

    def encode(self, obj: MyStr) -> str:
        return str(obj)

    def decode(self, data: str) -> MyStr:
        return MyStr(data)


class MyIntAsInt(Transcoding):
    type = MyInt
    name = "myint"

    def encode(self, obj: MyInt) -> int:
        return int(obj)

    def decode(self, data: int) -> MyInt:
        return MyInt(data)


class TestOrjsonTranscoderContract(TranscoderTestCase):
    """The library's full transcoder test case, nothing skipped."""

    def construct_transcoder(self) -> Transcoder:
        transcoder = OrjsonTranscoder()
        for transcoding in (
            UUIDAsHex(),
            CustomType1AsDict(),
            CustomType2AsDict(),
            TupleAsList(),
            MyDictAsDict(),
            MyListAsList(),
            MyStrAsStr(),
            MyIntAsInt(),
        ):
            transcoder.register(transcoding)
        return transcoder


# Unbound, or pytest would also collect the abstract base and fail on it.
del TranscoderTestCase


def app_transcoder(cls: type[JSONTranscoder] = OrjsonTranscoder) -> JSONTranscoder:
    """A transcoder with the transcodings ``Application`` registers by default."""
    transcoder = cls()
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    return transcoder


# JSON-like values: what most event attributes in the archive are. Floats are left
# out because orjson and json spell some of them differently (1e16 vs 1e+16).
json_like = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=40,
)


@given(json_like)
def test_json_like_values_round_trip(value: Any) -> None:
    transcoder = app_transcoder()
    assert transcoder.decode(transcoder.encode(value)) == value


@given(json_like)
def test_bytes_match_json_transcoder(value: Any) -> None:
    # Rows written by either transcoder must be the same bytes, so the archive can
    # switch between them without re-encoding or a mixed-format history.
    assert app_transcoder().encode(value) == app_transcoder(JSONTranscoder).encode(value)


# Wider values for comparing with JSONTranscoder: any int, floats, tuples (which
# both write as lists when no transcoding is registered for tuple), and the types
# the application's default transcodings cover.
event_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.datetimes(timezones=st.none() | st.just(UTC))
    | st.uuids()
    | st.decimals(allow_nan=False),
    lambda children: (
        st.lists(children) | st.lists(children).map(tuple) | st.dictionaries(st.text(), children)
    ),
    max_leaves=30,
)


@given(event_like)
def test_interchangeable_with_json_transcoder(value: Any) -> None:
    # Either transcoder must read what the other wrote, to the same value.
    ours, library = app_transcoder(), app_transcoder(JSONTranscoder)
    expected = library.decode(library.encode(value))
    assert ours.decode(library.encode(value)) == expected
    assert library.decode(ours.encode(value)) == expected
    assert ours.decode(ours.encode(value)) == expected


def test_deep_nesting_beyond_orjson_limits() -> None:
    value: list[Any] = []
    for _ in range(400):
        value = [value]
    data = app_transcoder().encode(value)
    assert data == app_transcoder(JSONTranscoder).encode(value)
    assert app_transcoder().decode(data) == value


def test_application_transcodings_round_trip() -> None:
    transcoder = app_transcoder()
    state = {
        "timestamp": datetime(2024, 12, 7, 14, 30, 5, 123456, tzinfo=UTC),
        "report_uuid": UUID("b2723fe2c01a40d2875ea3aac6a09ff5"),
        "amount": Decimal("12.50"),
        "claims": [{"place": "Homs", "at": datetime(2024, 12, 6, tzinfo=UTC)}],
    }
    data = transcoder.encode(state)
    assert data == app_transcoder(JSONTranscoder).encode(state)
    copy = transcoder.decode(data)
    assert copy == state
    assert type(copy["timestamp"]) is datetime
    assert type(copy["report_uuid"]) is UUID
    assert type(copy["claims"][0]["at"]) is datetime


def test_aggregate_event_round_trips_through_mapper_state() -> None:
    # What the mapper actually passes: vars() of an event, less the id and version.
    class Report(Aggregate):
        @event("Filed")
        def __init__(self, source: str, claims: list[dict[str, Any]]) -> None:
            self.source = source
            self.claims = claims

    report = Report(source="Reuters", claims=[{"place": "Homs", "holder": "HTS"}])
    (filed,) = report.collect_events()
    state = dict(vars(filed))
    transcoder = app_transcoder()
    assert transcoder.decode(transcoder.encode(state)) == state


def test_application_selects_it_by_topic_and_registers_transcodings() -> None:
    # Application.construct_transcoder() registers the default transcodings only on
    # JSONTranscoder instances, which is why OrjsonTranscoder subclasses it.
    class Place(Aggregate):
        @event("Named")
        def __init__(self, name: str, aliases: list[str], lat: float) -> None:
            self.name = name
            self.aliases = aliases
            self.lat = lat

    app: Application[UUID] = Application(env={"TRANSCODER_TOPIC": "warlog.transcoder:OrjsonTranscoder"})
    assert isinstance(app.mapper.transcoder, OrjsonTranscoder)
    place = Place(name="Homs", aliases=["Hims"], lat=34.73)
    app.save(place)
    copy: Place = app.repository.get(place.id)
    assert (copy.name, copy.aliases, copy.lat) == ("Homs", ["Hims"], 34.73)
    assert copy.created_on == place.created_on


def test_reads_what_json_transcoder_wrote() -> None:
    legacy = app_transcoder(JSONTranscoder)
    state = {
        "timestamp": datetime(2024, 12, 7, tzinfo=UTC),
        "big": 2**70,
        "negative_big": -(2**64),
        "ratio": 0.1,
        "huge_float": 1e300,
        "nan": math.nan,
        "inf": math.inf,
    }
    copy = app_transcoder().decode(legacy.encode(state))
    assert copy["big"] == 2**70
    assert type(copy["big"]) is int
    assert copy["negative_big"] == -(2**64)
    assert copy["huge_float"] == 1e300
    assert math.isnan(copy["nan"])
    assert copy["inf"] == math.inf
    assert copy["timestamp"] == state["timestamp"]


@pytest.mark.parametrize(
    "value",
    [
        2**64,
        -(2**63) - 1,
        {"n": 10**30},
        {2: "a", True: "b", False: "c", None: "d", 1.5: "e"},
        [math.nan, math.inf, -math.inf],
        {math.nan: 1},
        (1, (2, "a")),
        {"nested": ({"a": 1},)},
    ],
)
def test_edge_values_encode_as_json_transcoder_does(value: Any) -> None:
    expected = app_transcoder(JSONTranscoder).encode(value)
    data = app_transcoder().encode(value)
    assert data == expected
    assert repr(app_transcoder().decode(data)) == repr(app_transcoder(JSONTranscoder).decode(expected))


def test_builtin_subclasses_reduce_to_builtins_when_not_registered() -> None:
    class Colour(Enum):
        RED = "red"

    class Level(IntEnum):
        HIGH = 3

    value = {"level": Level.HIGH, "name": MyStr("x"), "items": MyList([1]), "d": MyDict()}
    data = app_transcoder().encode(value)
    assert data == app_transcoder(JSONTranscoder).encode(value)
    assert data == b'{"level":3,"name":"x","items":[1],"d":{}}'
    # A plain Enum has no built-in form, so it needs a transcoding, as with json.
    with pytest.raises(TranscodingNotRegisteredError):
        app_transcoder().encode({"colour": Colour.RED})


def test_uuid_without_transcoding_is_refused() -> None:
    # orjson would quietly write a hyphenated string; the contract asks for an error.
    with pytest.raises(TypeError, match="is not serializable"):
        OrjsonTranscoder().encode({"id": UUID(int=1)})


def test_bad_keys_are_refused_like_json() -> None:
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None"):
        app_transcoder().encode({(1, 2): "x"})


def test_input_is_not_mutated() -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    claims = [{"at": when}, {"place": "Homs"}]
    value = {"claims": claims, "timestamp": when}
    app_transcoder().encode(value)
    assert value == {"claims": [{"at": when}, {"place": "Homs"}], "timestamp": when}
    assert value["claims"] is claims


def test_encoded_events_hold_no_more_memory_than_their_bytes() -> None:
    """A command keeps every event it encodes until it is appended: no growth buffer behind each."""
    import tracemalloc

    claim = {"place": "Ras Kabashayb, Kafr Bouwah", "actor": "Western Guard", "status": "controlled"}
    event = {"report_id": "wire-2024-12-07-0001", "claims": [dict(claim, n=n) for n in range(8)]}
    transcoder = OrjsonTranscoder()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [transcoder.encode(event) for _ in range(500)]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 1.5 * sum(map(len, kept)) + 16_384
