"""encode_address writes exactly the bech32 string of the reference library, for any 20 bytes and prefix."""

from __future__ import annotations

import bech32
from hypothesis import given, settings, strategies as st

from chain_modules.common.address import ADDRESS_PREFIX, decode_address, encode_address


def reference(raw: bytes, prefix: str) -> str:
    return bech32.bech32_encode(prefix, bech32.convertbits(raw, 8, 5, True))


@settings(max_examples=2_000, deadline=None)
@given(st.binary(min_size=20, max_size=20), st.sampled_from([ADDRESS_PREFIX, "amiovaloper", "cosmos", "a"]))
def test_the_written_out_checksum_matches_the_reference_library(raw: bytes, prefix: str) -> None:
    text = encode_address(raw, prefix)
    assert text == reference(raw, prefix)
    if prefix == ADDRESS_PREFIX:
        assert decode_address(text) == raw


def test_edge_addresses_match_the_reference_library() -> None:
    for raw in (bytes(20), b"\xff" * 20, b"\x80" + bytes(19), bytes(19) + b"\x01"):
        assert encode_address(raw) == reference(raw, ADDRESS_PREFIX)
