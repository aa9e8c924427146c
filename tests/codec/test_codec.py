"""The canonical encoding, the transaction wire format, amounts and addresses."""

import hashlib

import bech32
import msgpack
import pytest
from hypothesis import given, strategies as st
from nacl.signing import VerifyKey

from abci_app.codec import SignDoc, TxDecodeError, decode_sign_doc, decode_tx, encode_tx, sign_bytes, sign_tx, tx_hash
from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.address import (
    AddressError,
    address_bytes_from_pubkey,
    address_from_pubkey,
    decode_address,
    encode_address,
    is_valid_address,
)
from chain_modules.common.amount import MAX_AMOUNT, format_amio, parse_amio
from chain_modules.common.encoding import EncodingError, decode, decode_canonical, encode
from tests.support import make_key

ALICE = make_key("alice")
BOB = make_key("bob")


def sample_doc(**overrides) -> SignDoc:
    fields = dict(
        chain_id="amino-test",
        sequence=3,
        fee=1_000,
        gas_limit=100_000,
        memo="thanks",
        msgs=(
            (MsgSend.TYPE, MsgSend(ALICE.address, BOB.address, 5).to_body()),
            (MsgMultiSend.TYPE, MsgMultiSend(ALICE.address, (Output(BOB.address, 7),)).to_body()),
        ),
    )
    fields.update(overrides)
    return SignDoc(**fields)


def raw_doc(**overrides) -> dict:
    fields = {"chain_id": "amino-test", "fee": 1, "gas_limit": 2, "memo": "", "msgs": [], "sequence": 0}
    fields.update(overrides)
    return fields


def pack(value) -> bytes:
    """msgpack bytes exactly as given: no key sorting, no float check."""
    return msgpack.packb(value, use_bin_type=True)


# -- sign doc and tx -----------------------------------------------------------------------------


def test_sign_doc_survives_its_encoding():
    doc = sample_doc()
    assert decode_sign_doc(doc.to_bytes()) == doc


def test_signed_tx_decodes_to_its_sign_doc_key_and_a_valid_signature():
    doc = sample_doc()
    tx = decode_tx(sign_tx(doc, ALICE.signing_key))
    assert tx.doc == doc
    assert tx.pubkey == ALICE.pubkey
    assert tx.sign_doc_bytes == doc.to_bytes()
    VerifyKey(tx.pubkey).verify(sign_bytes(tx.sign_doc_bytes), tx.signature)


def test_tx_hash_is_sha256_of_the_tx_bytes():
    raw = sign_tx(sample_doc(), ALICE.signing_key)
    assert decode_tx(raw).hash == hashlib.sha256(raw).digest() == tx_hash(raw)


def test_signature_covers_the_domain_prefix():
    doc_bytes = sample_doc().to_bytes()
    bare = ALICE.signing_key.sign(doc_bytes).signature
    with pytest.raises(Exception):
        VerifyKey(ALICE.pubkey).verify(sign_bytes(doc_bytes), bare)


def test_sign_doc_bytes_do_not_depend_on_body_key_order():
    body = {"to": BOB.address, "from": ALICE.address, "amount": 5}
    reordered = sample_doc(msgs=((MsgSend.TYPE, body),))
    assert reordered.to_bytes() == sample_doc(msgs=((MsgSend.TYPE, MsgSend(ALICE.address, BOB.address, 5).to_body()),)).to_bytes()


def envelope(doc_bytes=None, pubkey=None, signature=None) -> bytes:
    return encode_tx(
        sample_doc().to_bytes() if doc_bytes is None else doc_bytes,
        ALICE.pubkey if pubkey is None else pubkey,
        b"\x00" * 64 if signature is None else signature,
    )


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_decode_tx_rejects_a_pubkey_of_the_wrong_length(length):
    with pytest.raises(TxDecodeError, match="pubkey"):
        decode_tx(envelope(pubkey=b"\x01" * length))


@pytest.mark.parametrize("length", [0, 63, 65, 32])
def test_decode_tx_rejects_a_signature_of_the_wrong_length(length):
    with pytest.raises(TxDecodeError, match="signature"):
        decode_tx(envelope(signature=b"\x01" * length))


def test_decode_tx_rejects_a_pubkey_given_as_a_string():
    with pytest.raises(TxDecodeError, match="pubkey"):
        decode_tx(encode([sample_doc().to_bytes(), "k" * 32, b"\x00" * 64]))


@pytest.mark.parametrize("value", [[], [b"doc", ALICE.pubkey], [b"a", b"b", b"c", b"d"], {"doc": b""}, b"tx"])
def test_decode_tx_rejects_an_envelope_that_is_not_three_parts(value):
    with pytest.raises(TxDecodeError, match="envelope"):
        decode_tx(encode(value))


def test_decode_tx_rejects_a_sign_doc_that_is_not_bytes():
    with pytest.raises(TxDecodeError, match="sign doc"):
        decode_tx(encode([raw_doc(), ALICE.pubkey, b"\x00" * 64]))


def test_decode_tx_rejects_an_extra_sign_doc_field():
    with pytest.raises(TxDecodeError, match="exactly the fields"):
        decode_tx(envelope(doc_bytes=encode(raw_doc(nonce=1))))


def test_decode_tx_rejects_a_missing_sign_doc_field():
    fields = raw_doc()
    del fields["memo"]
    with pytest.raises(TxDecodeError, match="exactly the fields"):
        decode_tx(envelope(doc_bytes=encode(fields)))


@pytest.mark.parametrize(
    "overrides, problem",
    [
        ({"chain_id": b"amino-test"}, "chain_id"),
        ({"fee": -1}, "fee"),
        ({"gas_limit": "100"}, "gas_limit"),
        ({"sequence": True}, "sequence"),
        ({"memo": b"hi"}, "memo"),
        ({"msgs": {"bank/send": {}}}, "msgs"),
        ({"msgs": [["bank/send"]]}, "message 0"),
        ({"msgs": [["bank/send", [1, 2]]]}, "message 0"),
    ],
)
def test_decode_tx_rejects_a_sign_doc_field_of_the_wrong_type(overrides, problem):
    with pytest.raises(TxDecodeError, match=problem):
        decode_tx(envelope(doc_bytes=encode(raw_doc(**overrides))))


def test_decode_tx_rejects_unsorted_sign_doc_bytes():
    unsorted = pack({"sequence": 0, "chain_id": "x", "fee": 1, "gas_limit": 2, "memo": "", "msgs": []})
    with pytest.raises(TxDecodeError, match="sign doc: encoding is not canonical"):
        decode_tx(envelope(doc_bytes=unsorted))


def test_decode_tx_rejects_trailing_bytes_after_the_envelope():
    with pytest.raises(TxDecodeError, match="tx envelope"):
        decode_tx(sign_tx(sample_doc(), ALICE.signing_key) + b"\x00")


def test_decode_tx_rejects_a_map_mixing_string_and_bytes_keys():
    doc = pack({"chain_id": "x", b"fee": 1})
    with pytest.raises(TxDecodeError):
        decode_tx(pack([doc, ALICE.pubkey, b"\x00" * 64]))


# -- canonical encoding --------------------------------------------------------------------------------

canonical_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(max_size=20) | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(canonical_values)
def test_canonical_encoding_round_trips(value):
    data = encode(value)
    assert decode_canonical(data) == value
    assert encode(decode(data)) == data


def test_encoding_sorts_map_keys():
    assert encode({"b": 1, "a": 2}) == pack({"a": 2, "b": 1})


def test_decode_canonical_rejects_unsorted_map_keys():
    with pytest.raises(EncodingError, match="not canonical"):
        decode_canonical(pack({"b": 1, "a": 2}))


def test_decode_canonical_rejects_unsorted_keys_in_a_nested_map():
    with pytest.raises(EncodingError, match="not canonical"):
        decode_canonical(pack([1, {"z": {"y": 1, "x": 2}}]))


@pytest.mark.parametrize("value", [1.5, [1, {"a": 0.0}], {"a": [2.0]}])
def test_decode_canonical_rejects_floats(value):
    with pytest.raises(EncodingError, match="floats"):
        decode_canonical(pack(value))


def test_encode_rejects_floats():
    with pytest.raises(EncodingError, match="floats"):
        encode({"amount": 1.0})


def test_decode_canonical_rejects_a_single_precision_float():
    with pytest.raises(EncodingError, match="floats"):
        decode_canonical(msgpack.packb(1.5, use_single_float=True))


def test_decode_canonical_rejects_trailing_bytes():
    with pytest.raises(EncodingError):
        decode_canonical(encode({"a": 1}) + b"\xc0")


def test_decode_canonical_rejects_an_integer_not_in_its_shortest_form():
    assert decode(b"\xcd\x00\x05") == 5  # uint16 holding 5
    with pytest.raises(EncodingError, match="not canonical"):
        decode_canonical(b"\xcd\x00\x05")


def test_decode_canonical_rejects_a_repeated_map_key():
    with pytest.raises(EncodingError):
        decode_canonical(b"\x82\xa1a\x01\xa1a\x02")  # {"a": 1, "a": 2}


@pytest.mark.parametrize("data", [b"", b"\xc1", b"\x92\x01", b"\xa3ab", b"\xa2\xff\xfe"])
def test_decode_rejects_malformed_bytes(data):
    with pytest.raises(EncodingError, match="malformed"):
        decode(data)


def test_decode_canonical_rejects_nesting_deeper_than_the_limit():
    value = 0
    for _ in range(40):
        value = [value]
    with pytest.raises(EncodingError, match="deeply"):
        decode_canonical(pack(value))


# -- amounts -------------------------------------------------------------------------------------------


@given(st.integers(0, MAX_AMOUNT))
def test_format_then_parse_returns_the_same_amount(uamio):
    assert parse_amio(format_amio(uamio)) == uamio


@given(st.integers(0, MAX_AMOUNT))
def test_uamio_text_parses_to_the_same_amount(uamio):
    assert parse_amio(f"{uamio}uamio") == uamio


@pytest.mark.parametrize(
    "text, uamio",
    [
        ("10amio", 10_000_000),
        ("0.5amio", 500_000),
        ("0.000001amio", 1),
        ("1500uamio", 1_500),
        ("1000000000amio", 10**15),
        (" 2AMIO ", 2_000_000),
    ],
)
def test_parse_amio_reads_amio_and_uamio(text, uamio):
    assert parse_amio(text) == uamio


@pytest.mark.parametrize("uamio, text", [(0, "0amio"), (1, "0.000001amio"), (1_500_000, "1.5amio"), (10**15, "1000000000amio")])
def test_format_amio_writes_the_shortest_amio_text(uamio, text):
    assert format_amio(uamio) == text


@pytest.mark.parametrize(
    "text",
    ["1.0000001amio", "-1amio", "10", "1e3amio", "1.5uamio", "amio", ".5amio", "1.amio", "1,5amio", "1 amio", "", "9223372036854775808uamio"],
)
def test_parse_amio_rejects_malformed_text(text):
    with pytest.raises(ValueError, match="invalid amount"):
        parse_amio(text)


@pytest.mark.parametrize("text", ["\u0661\u0660amio", "\uff11\uff10amio"])  # Arabic-Indic and full-width "10"
def test_parse_amio_rejects_non_ascii_digits(text):
    with pytest.raises(ValueError):
        parse_amio(text)


# -- addresses --------------------------------------------------------------------------------------------


@given(st.binary(min_size=20, max_size=20))
def test_address_survives_bech32_encoding(raw):
    text = encode_address(raw)
    assert text.startswith("amio1")
    assert decode_address(text) == raw
    assert is_valid_address(text)


def test_address_is_the_first_20_bytes_of_sha256_of_the_pubkey():
    assert address_bytes_from_pubkey(ALICE.pubkey) == hashlib.sha256(ALICE.pubkey).digest()[:20]
    assert decode_address(address_from_pubkey(ALICE.pubkey)) == ALICE.address


def test_decode_address_rejects_another_prefix():
    with pytest.raises(AddressError, match="prefix 'cosmos'"):
        decode_address(encode_address(ALICE.address, prefix="cosmos"))


def test_decode_address_rejects_mixed_case():
    text = ALICE.bech32
    mixed = text[:10] + text[10:].upper()
    with pytest.raises(AddressError, match="lower case"):
        decode_address(mixed)


def test_decode_address_rejects_all_upper_case():
    with pytest.raises(AddressError, match="lower case"):
        decode_address(ALICE.bech32.upper())


def test_decode_address_rejects_a_bad_checksum():
    text = ALICE.bech32
    tampered = text[:-1] + ("q" if text[-1] != "q" else "p")
    with pytest.raises(AddressError, match="not valid bech32"):
        decode_address(tampered)


def test_decode_address_rejects_a_changed_data_character():
    text = ALICE.bech32
    index = 10
    tampered = text[:index] + ("q" if text[index] != "q" else "p") + text[index + 1 :]
    with pytest.raises(AddressError, match="not valid bech32"):
        decode_address(tampered)


@pytest.mark.parametrize("length", [19, 21, 32])
def test_decode_address_rejects_valid_bech32_of_the_wrong_length(length):
    text = bech32.bech32_encode("amio", bech32.convertbits(b"\x07" * length, 8, 5, True))
    with pytest.raises(AddressError, match="20 bytes"):
        decode_address(text)


@pytest.mark.parametrize("value", [None, b"amio1", 20])
def test_decode_address_rejects_a_value_that_is_not_a_string(value):
    with pytest.raises(AddressError):
        decode_address(value)
    assert not is_valid_address(value)


@pytest.mark.parametrize("length", [19, 21])
def test_encode_address_rejects_the_wrong_length(length):
    with pytest.raises(AddressError):
        encode_address(b"\x01" * length)


def test_address_from_a_pubkey_of_the_wrong_length_is_refused():
    with pytest.raises(AddressError):
        address_bytes_from_pubkey(ALICE.pubkey[:31])
