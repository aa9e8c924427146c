"""decode_canonical's single walk accepts and rejects exactly what the straightforward definition does.

The reference below is the definition it replaced: decode, reject any float (depth first, with the nesting
limit), then require the bytes to equal ``encode(value)``. Transactions and seed records are decoded this way
on every node, so a difference in what is accepted (or in the error text) would be a consensus change.
"""

from __future__ import annotations

import msgpack
from hypothesis import given, settings, strategies as st

from chain_modules.common.encoding import MAX_DEPTH, EncodingError, decode, decode_canonical, encode


def _contains_float(value, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        raise EncodingError("value nested too deeply")
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_contains_float(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_contains_float(v, depth + 1) for v in value)
    return False


def reference_decode_canonical(data: bytes):
    value = decode(data)
    if _contains_float(value):
        raise EncodingError("floats are not allowed in consensus data")
    if encode(value) != data:
        raise EncodingError("encoding is not canonical")
    return value


def outcome(function, data: bytes):
    try:
        return "ok", function(data)
    except EncodingError as error:
        return "error", str(error)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**64 - 1), st.floats(allow_nan=False),
    st.text(max_size=6), st.binary(max_size=6),
    st.builds(msgpack.ExtType, st.integers(min_value=0, max_value=127), st.binary(max_size=3)),
    st.builds(msgpack.Timestamp, st.integers(min_value=0, max_value=2**34), st.integers(min_value=0, max_value=999_999_999)),
)
keys = st.one_of(st.sampled_from(["a", "b", "c", "chain_id", "fee", "msgs", "sequence"]), st.text(max_size=3), st.binary(max_size=2))
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=25,
)


def packed_as_given(value) -> bytes:
    """msgpack bytes that keep the map order hypothesis built (often unsorted), floats as 64 or 32 bits."""
    return msgpack.packb(value, use_bin_type=True)


def nested(depth: int, leaf) -> list:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@settings(max_examples=600, deadline=None)
@given(values)
def test_the_single_walk_matches_the_reference_on_random_values(value) -> None:
    data = packed_as_given(value)
    assert outcome(decode_canonical, data) == outcome(reference_decode_canonical, data)
    try:
        canonical = encode(value)
    except EncodingError:
        return
    assert outcome(decode_canonical, canonical) == outcome(reference_decode_canonical, canonical)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_the_single_walk_matches_the_reference_on_random_bytes(data: bytes) -> None:
    assert outcome(decode_canonical, data) == outcome(reference_decode_canonical, data)


def test_the_first_problem_in_depth_first_order_decides_the_error() -> None:
    too_deep = nested(MAX_DEPTH + 1, 1)
    cases = [
        [1.5, too_deep],                      # a float before the too-deep value
        [too_deep, 1.5],                      # the too-deep value first
        {"a": too_deep, "b": 2.5},
        {b"k": 1, "z": 0.5},                  # a float wins over a bytes key
        {b"k": 1, "a": [1]},                  # a bytes key, nothing else wrong
        {"b": 1, "a": 2},                     # unsorted keys
        nested(MAX_DEPTH, 1),                 # exactly at the limit: fine
        nested(MAX_DEPTH, [1]),               # one level too deep
        nested(MAX_DEPTH - 1, {"a": 1}),      # a map's value exactly at the limit
        nested(MAX_DEPTH, {}),
        [msgpack.ExtType(1, b"x")],           # ext types: an array to ``encode``, so never canonical
        {b"k": msgpack.ExtType(1, b"x")},
        nested(MAX_DEPTH, msgpack.ExtType(1, b"x")),
        [{b"k": 1}, nested(MAX_DEPTH, msgpack.ExtType(1, b"x"))],
        [msgpack.Timestamp(5, 0)],            # a timestamp re-encodes to the same bytes
    ]
    for value in cases:
        data = packed_as_given(value)
        assert outcome(decode_canonical, data) == outcome(reference_decode_canonical, data), value
    assert outcome(decode_canonical, packed_as_given([1.5, too_deep]))[1] == "floats are not allowed in consensus data"
    assert outcome(decode_canonical, packed_as_given([too_deep, 1.5]))[1] == "value nested too deeply"
    assert outcome(decode_canonical, packed_as_given({b"k": 1}))[1] == "map keys must be strings"
    assert outcome(decode_canonical, packed_as_given({"b": 1, "a": 2}))[1] == "encoding is not canonical"


def test_duplicate_map_keys_are_not_canonical() -> None:
    data = b"\x82\xa1a\x01\xa1a\x02"  # {"a": 1, "a": 2}
    assert outcome(decode_canonical, data) == outcome(reference_decode_canonical, data) == ("error", "encoding is not canonical")
