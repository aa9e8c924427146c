"""CometBFT v0.38 light-client verification for the Amino wallet.

Lets the wallet check that an app hash comes from a block header that
validators holding more than 2/3 of the voting power actually signed, and
that those validators descend from a set the wallet already trusts. It
follows CometBFT's light client (``light/verifier.go``, ``light/client.go``,
``types/validation.go``):

* adjacent verification (height X+1 after a trusted X): the new header's
  ``validators_hash`` must be the trusted header's ``next_validators_hash``
  and more than 2/3 of the new set signed;
* skipping verification (any later height): validators of the TRUSTED set
  holding more than 1/3 of its power (trust level 1/3) signed the new
  header, each signature checked against the trusted set's own public keys,
  and more than 2/3 of the new set signed it; when too little of the
  trusted set signed, bisect (verify a header half way first, then go on
  from there);
* a trusting period: a trusted header older than it cannot be used any
  more (the validators that signed it may have unbonded and can no longer
  be punished for signing a fork), and the wallet must be re-anchored;
* header time strictly increasing, and not in the future beyond a clock
  drift; chain id checked on every header;
* heights below the trusted one are checked backwards through the
  ``last_block_id`` hash chain;
* optional witnesses: the verified header's hash must be the one a witness
  node reports at the same height.

The pure functions work on the JSON that the CometBFT RPC returns
(``/commit`` and ``/validators``); :class:`LightClient` fetches that JSON
with httpx.

The protobuf encodings are written out by hand (rather than through the
generated ``tendermint.*`` classes) so that the gogoproto quirks CometBFT
relies on are explicit and the module has no dependency on ``build/gen``:

* non-nullable embedded messages (``BlockID.part_set_header``,
  ``CanonicalBlockID.part_set_header``, ``CanonicalVote.timestamp``) are
  always emitted, even when empty;
* proto3 scalars are omitted when zero / empty;
* ``CanonicalVote.height`` and ``.round`` are ``sfixed64``.

Go references (cometbft v0.38.26): ``types/block.go`` ``Header.Hash``,
``types/encoding_helper.go`` ``cdcEncode``, ``crypto/merkle/tree.go``,
``types/vote.go`` ``VoteSignBytes``, ``types/canonical.go``,
``types/validator_set.go`` ``Hash``, ``types/validation.go``
``VerifyCommitLight`` / ``VerifyCommitLightTrusting`` and ``light/verifier.go``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import nacl.exceptions
import nacl.signing

__all__ = [
    "LightClientError",
    "TrustExpiredError",
    "NewValidatorSetNotTrustedError",
    "WitnessError",
    "VerifiedHeader",
    "TrustedState",
    "LightClient",
    "header_hash",
    "validator_set_hash",
    "vote_sign_bytes",
    "verify_commit",
    "verify_commit_trusting",
    "verify_adjacent",
    "verify_non_adjacent",
    "verify_light_block",
    "verify_backwards",
    "check_not_expired",
    "fetch_verified_header",
    "merkle_hash_from_byte_slices",
    "parse_rfc3339_nano",
    "BLOCK_ID_FLAG_ABSENT",
    "BLOCK_ID_FLAG_COMMIT",
    "BLOCK_ID_FLAG_NIL",
    "DEFAULT_TRUSTING_PERIOD_SECONDS",
    "DEFAULT_MAX_CLOCK_DRIFT_SECONDS",
]

BLOCK_ID_FLAG_ABSENT = 1
BLOCK_ID_FLAG_COMMIT = 2
BLOCK_ID_FLAG_NIL = 3

PRECOMMIT_TYPE = 2  # tendermint.types.SignedMsgType.SIGNED_MSG_TYPE_PRECOMMIT
ED25519_PUBKEY_TYPE = "tendermint/PubKeyEd25519"
HASH_SIZE = 32  # tmhash.Size
ADDRESS_SIZE = 20  # crypto.AddressSize
ED25519_SIG_SIZE = 64
ED25519_PUBKEY_SIZE = 32

_UINT64_MASK = (1 << 64) - 1
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


# Trust level of skipping verification (light.DefaultTrustLevel): more than
# 1/3 of the trusted set's power guarantees at least one correct validator signed.
TRUST_LEVEL = (1, 3)
# CometBFT recommends a trusting period well below the unbonding period (21 days here).
DEFAULT_TRUSTING_PERIOD_SECONDS = 14 * 86_400
DEFAULT_MAX_CLOCK_DRIFT_SECONDS = 10  # light/client.go defaultMaxClockDrift
# Bounds on what one verification may fetch from a node, so a lying node cannot keep the wallet busy.
MAX_LIGHT_BLOCKS_PER_VERIFICATION = 64
MAX_BACKWARDS_HEADERS = 256
_NANOS = 1_000_000_000


class LightClientError(Exception):
    """Raised when a header / commit / validator set fails verification."""


class TrustExpiredError(LightClientError):
    """The trusted header is older than the trusting period: the wallet must be re-anchored."""


class NewValidatorSetNotTrustedError(LightClientError):
    """Too little of the trusted set signed a non-adjacent header (bisection may still verify it)."""


class WitnessError(LightClientError):
    """A witness node reports another header at the verified height, or cannot be asked."""


@dataclass(frozen=True)
class VerifiedHeader:
    """A header whose commit was verified against its validator set."""

    chain_id: str
    height: int
    time: str  # RFC3339 string exactly as returned by the RPC
    app_hash: bytes
    header_hash: bytes
    # Extra, for chaining trust from one height to the next.
    validators_hash: bytes = b""
    next_validators_hash: bytes = b""
    last_block_id_hash: bytes = b""


# ---------------------------------------------------------------------------
# Protobuf wire-format helpers
# ---------------------------------------------------------------------------


def _uvarint(n: int) -> bytes:
    if n < 0 or n > _UINT64_MASK:
        raise LightClientError(f"varint out of range: {n}")
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _uvarint((field << 3) | wire_type)


def _field_varint(field: int, value: int) -> bytes:
    """int64/uint64/int32/enum varint field; omitted when zero (proto3)."""
    if value == 0:
        return b""
    # negative int64/int32 are encoded as their 64-bit two's complement
    return _key(field, 0) + _uvarint(value & _UINT64_MASK)


def _field_sfixed64(field: int, value: int) -> bytes:
    if value == 0:
        return b""
    return _key(field, 1) + (value & _UINT64_MASK).to_bytes(8, "little")


def _field_bytes(field: int, value: bytes) -> bytes:
    """bytes/string field; omitted when empty (proto3)."""
    if not value:
        return b""
    return _key(field, 2) + _uvarint(len(value)) + value


def _field_message(field: int, encoded: bytes) -> bytes:
    """Embedded message that gogoproto always emits (non-nullable)."""
    return _key(field, 2) + _uvarint(len(encoded)) + encoded


def _timestamp_proto(seconds: int, nanos: int) -> bytes:
    # google.protobuf.Timestamp{int64 seconds = 1; int32 nanos = 2}
    return _field_varint(1, seconds) + _field_varint(2, nanos)


def _part_set_header_proto(total: int, hash_: bytes) -> bytes:
    # PartSetHeader / CanonicalPartSetHeader {uint32 total = 1; bytes hash = 2}
    return _field_varint(1, total) + _field_bytes(2, hash_)


def _block_id_proto(hash_: bytes, total: int, parts_hash: bytes) -> bytes:
    # BlockID / CanonicalBlockID {bytes hash = 1; PartSetHeader psh = 2 (non-nullable)}
    return _field_bytes(1, hash_) + _field_message(2, _part_set_header_proto(total, parts_hash))


# cdcEncode: proto.Marshal(gogotypes.{String,Int64,Bytes}Value{Value: item}),
# or nil for empty values.  Both give the empty byte string here.
def _cdc_string(s: str) -> bytes:
    return _field_bytes(1, s.encode("utf-8"))


def _cdc_int64(n: int) -> bytes:
    return _field_varint(1, n)


def _cdc_bytes(b: bytes) -> bytes:
    return _field_bytes(1, b)


# ---------------------------------------------------------------------------
# Merkle (RFC-6962, crypto/merkle/tree.go)
# ---------------------------------------------------------------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _split_point(n: int) -> int:
    """Largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def merkle_hash_from_byte_slices(items: Sequence[bytes]) -> bytes:
    """``merkle.HashFromByteSlices``: RFC-6962 tree with 0x00/0x01 prefixes."""
    n = len(items)
    if n == 0:
        return _sha256(b"")
    if n == 1:
        return _sha256(b"\x00" + items[0])
    k = _split_point(n)
    left = merkle_hash_from_byte_slices(items[:k])
    right = merkle_hash_from_byte_slices(items[k:])
    return _sha256(b"\x01" + left + right)


# ---------------------------------------------------------------------------
# JSON field parsing
# ---------------------------------------------------------------------------

_RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def parse_rfc3339_nano(value: str) -> tuple[int, int]:
    """Parse an RFC3339(Nano) timestamp to (unix seconds, nanos), exactly.

    Integer arithmetic only (no floats), so all nine fractional digits survive.
    """
    if not isinstance(value, str):
        raise LightClientError(f"timestamp must be a string, got {type(value).__name__}")
    m = _RFC3339_RE.match(value)
    if not m:
        raise LightClientError(f"invalid RFC3339 timestamp: {value!r}")
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac, tz = m.group(7), m.group(8)
    if hour > 23 or minute > 59 or second > 59:
        raise LightClientError(f"invalid RFC3339 timestamp (time out of range): {value!r}")
    try:
        ordinal = _dt.date(year, month, day).toordinal()
    except ValueError as exc:
        raise LightClientError(f"invalid RFC3339 timestamp (date): {value!r}") from exc
    offset = 0
    if tz not in ("Z", "z"):
        oh, om = int(tz[1:3]), int(tz[4:6])
        if oh > 23 or om > 59:
            raise LightClientError(f"invalid RFC3339 timestamp (offset): {value!r}")
        offset = (oh * 3600 + om * 60) * (1 if tz[0] == "+" else -1)
    seconds = (ordinal - _EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second - offset
    nanos = int(frac.ljust(9, "0")) if frac else 0
    return seconds, nanos


def _hex(value: Any, what: str, size: int | None = None, allow_empty: bool = True) -> bytes:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LightClientError(f"{what}: expected hex string, got {type(value).__name__}")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise LightClientError(f"{what}: invalid hex {value!r}") from exc
    if not raw:
        if allow_empty:
            return raw
        raise LightClientError(f"{what}: must not be empty")
    if size is not None and len(raw) != size:
        raise LightClientError(f"{what}: expected {size} bytes, got {len(raw)}")
    return raw


def _b64(value: Any, what: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise LightClientError(f"{what}: expected base64 string, got {type(value).__name__}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LightClientError(f"{what}: invalid base64") from exc


def _int(value: Any, what: str, lo: int = _INT64_MIN, hi: int = _INT64_MAX) -> int:
    """Integers arrive as JSON strings (int64/uint64) or numbers (int32)."""
    if isinstance(value, bool):
        raise LightClientError(f"{what}: expected integer, got bool")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        n = int(value)
    else:
        raise LightClientError(f"{what}: expected integer, got {value!r}")
    if not lo <= n <= hi:
        raise LightClientError(f"{what}: {n} out of range [{lo}, {hi}]")
    return n


def _get(obj: Any, key: str, what: str) -> Any:
    if not isinstance(obj, dict):
        raise LightClientError(f"{what}: expected object, got {type(obj).__name__}")
    if key not in obj:
        raise LightClientError(f"{what}: missing field {key!r}")
    return obj[key]


def _block_id(bid_json: Any, what: str) -> tuple[bytes, int, bytes]:
    if bid_json is None:
        return b"", 0, b""
    if not isinstance(bid_json, dict):
        raise LightClientError(f"{what}: expected object, got {type(bid_json).__name__}")
    hash_ = _hex(bid_json.get("hash", ""), f"{what}.hash", HASH_SIZE)
    parts = bid_json.get("parts") or {}
    if not isinstance(parts, dict):
        raise LightClientError(f"{what}.parts: expected object")
    total = _int(parts.get("total", 0), f"{what}.parts.total", 0, 0xFFFFFFFF)
    parts_hash = _hex(parts.get("hash", ""), f"{what}.parts.hash", HASH_SIZE)
    return hash_, total, parts_hash


# ---------------------------------------------------------------------------
# Header hash
# ---------------------------------------------------------------------------


def header_hash(header_json: dict) -> bytes:
    """CometBFT v0.38 ``Header.Hash()`` from ``/commit`` ``signed_header.header`` JSON."""
    h = header_json
    version = _get(h, "version", "header")
    version_pb = _field_varint(1, _int(version.get("block", 0), "header.version.block", 0, _UINT64_MASK)) \
        + _field_varint(2, _int(version.get("app", 0), "header.version.app", 0, _UINT64_MASK))
    chain_id = _get(h, "chain_id", "header")
    if not isinstance(chain_id, str):
        raise LightClientError("header.chain_id: expected string")
    height = _int(_get(h, "height", "header"), "header.height")
    seconds, nanos = parse_rfc3339_nano(_get(h, "time", "header"))
    lbid_hash, lbid_total, lbid_parts = _block_id(h.get("last_block_id"), "header.last_block_id")
    validators_hash = _hex(_get(h, "validators_hash", "header"), "header.validators_hash", HASH_SIZE)
    if not validators_hash:
        # Go returns a nil hash in this case; it can never match a BlockID.
        raise LightClientError("header.validators_hash is empty; header has no hash")

    def hx(name: str, size: int | None = HASH_SIZE) -> bytes:
        return _cdc_bytes(_hex(h.get(name, ""), f"header.{name}", size))

    leaves = [
        version_pb,
        _cdc_string(chain_id),
        _cdc_int64(height),
        _timestamp_proto(seconds, nanos),
        _block_id_proto(lbid_hash, lbid_total, lbid_parts),
        hx("last_commit_hash"),
        hx("data_hash"),
        _cdc_bytes(validators_hash),
        hx("next_validators_hash"),
        hx("consensus_hash"),
        hx("app_hash", None),  # app hash is app-defined, any length
        hx("last_results_hash"),
        hx("evidence_hash"),
        hx("proposer_address", ADDRESS_SIZE),
    ]
    return merkle_hash_from_byte_slices(leaves)


# ---------------------------------------------------------------------------
# Validator set hash
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Validator:
    address: bytes
    pub_key: bytes
    voting_power: int


def _parse_validator(v: Any, idx: int) -> _Validator:
    what = f"validators[{idx}]"
    pk = _get(v, "pub_key", what)
    pk_type = _get(pk, "type", f"{what}.pub_key")
    if pk_type != ED25519_PUBKEY_TYPE:
        raise LightClientError(f"{what}: unsupported pub_key type {pk_type!r}")
    key = _b64(_get(pk, "value", f"{what}.pub_key"), f"{what}.pub_key.value")
    if len(key) != ED25519_PUBKEY_SIZE:
        raise LightClientError(f"{what}: ed25519 pub_key must be 32 bytes, got {len(key)}")
    power = _int(_get(v, "voting_power", what), f"{what}.voting_power")
    if power < 0:
        raise LightClientError(f"{what}: negative voting power {power}")
    address = _sha256(key)[:ADDRESS_SIZE]
    claimed = v.get("address")
    if claimed not in (None, "") and _hex(claimed, f"{what}.address", ADDRESS_SIZE) != address:
        raise LightClientError(f"{what}: address {claimed} does not match its pub_key")
    return _Validator(address=address, pub_key=key, voting_power=power)


def _simple_validator_bytes(v: _Validator) -> bytes:
    # SimpleValidator{PublicKey pub_key = 1; int64 voting_power = 2}
    # PublicKey{oneof sum {bytes ed25519 = 1; ...}}
    pub_key_pb = _field_bytes(1, v.pub_key)
    return _field_message(1, pub_key_pb) + _field_varint(2, v.voting_power)


def _unwrap_validators(validators_json: Any) -> list:
    if isinstance(validators_json, dict):
        if "result" in validators_json:
            validators_json = validators_json["result"]
        validators_json = _get(validators_json, "validators", "validators response")
    if not isinstance(validators_json, list):
        raise LightClientError("validators: expected a list")
    return validators_json


def validator_set_hash(validators_json: list[dict]) -> bytes:
    """``ValidatorSet.Hash()`` from ``/validators`` ``result.validators`` JSON.

    The list must be in the order the RPC returns it (the set's canonical order:
    voting power descending, then address ascending).
    """
    vals = [_parse_validator(v, i) for i, v in enumerate(_unwrap_validators(validators_json))]
    return merkle_hash_from_byte_slices([_simple_validator_bytes(v) for v in vals])


# ---------------------------------------------------------------------------
# Vote sign bytes
# ---------------------------------------------------------------------------


def vote_sign_bytes(
    chain_id: str,
    height: int,
    round_: int,
    block_id_hash: bytes,
    part_set_total: int,
    part_set_hash: bytes,
    timestamp: str,
) -> bytes:
    """``types.VoteSignBytes`` for a precommit: length-delimited CanonicalVote.

    Pass an empty ``block_id_hash``/``part_set_hash`` and total 0 for a nil vote
    (the canonical block id is then omitted entirely).
    """
    seconds, nanos = parse_rfc3339_nano(timestamp)
    block_id_zero = not block_id_hash and part_set_total == 0 and not part_set_hash
    body = (
        _field_varint(1, PRECOMMIT_TYPE)
        + _field_sfixed64(2, height)
        + _field_sfixed64(3, round_)
        + (b"" if block_id_zero else _field_message(
            4, _block_id_proto(block_id_hash, part_set_total, part_set_hash)))
        + _field_message(5, _timestamp_proto(seconds, nanos))
        + _field_bytes(6, chain_id.encode("utf-8"))
    )
    return _uvarint(len(body)) + body  # protoio.MarshalDelimited


# ---------------------------------------------------------------------------
# Commit verification
# ---------------------------------------------------------------------------


def _unwrap_signed_header(obj: Any) -> dict:
    if isinstance(obj, dict) and "result" in obj and "jsonrpc" in obj:
        obj = obj["result"]
    if isinstance(obj, dict) and "signed_header" in obj:
        obj = obj["signed_header"]
    if not isinstance(obj, dict):
        raise LightClientError("signed_header: expected object")
    return obj


def _time_ns(value: Any) -> int:
    seconds, nanos = parse_rfc3339_nano(value)
    return seconds * _NANOS + nanos


@dataclass(frozen=True)
class _SignedHeader:
    """A signed header whose commit is for exactly this header (CometBFT ``SignedHeader.ValidateBasic``)."""

    header: dict
    commit: dict
    height: int
    round: int
    hash: bytes
    block_id: tuple[bytes, int, bytes]
    signatures: list

    def verified(self, chain_id: str) -> VerifiedHeader:
        header = self.header
        last_block_id_hash, _total, _parts = _block_id(header.get("last_block_id"), "header.last_block_id")
        return VerifiedHeader(
            chain_id=chain_id,
            height=self.height,
            time=header["time"],
            app_hash=_hex(header.get("app_hash", ""), "header.app_hash"),
            header_hash=self.hash,
            validators_hash=_hex(_get(header, "validators_hash", "header"), "header.validators_hash", HASH_SIZE),
            next_validators_hash=_hex(header.get("next_validators_hash", ""),
                                      "header.next_validators_hash", HASH_SIZE),
            last_block_id_hash=last_block_id_hash,
        )


def _check_signed_header(
    chain_id: str, signed_header_json: Any, check_validators: Callable[[dict], None] | None = None
) -> _SignedHeader:
    """Chain id, heights and block id of a signed header; no signature is looked at yet.

    ``check_validators(header)``, when given, runs before the header hash is compared.
    """
    if not isinstance(chain_id, str) or not chain_id:
        raise LightClientError("chain_id must be a non-empty string")
    sh = _unwrap_signed_header(signed_header_json)
    header = _get(sh, "header", "signed_header")
    commit = _get(sh, "commit", "signed_header")

    header_chain_id = _get(header, "chain_id", "header")
    if header_chain_id != chain_id:
        raise LightClientError(
            f"chain id mismatch: header is for {header_chain_id!r}, expected {chain_id!r}")
    height = _int(_get(header, "height", "header"), "header.height", 1)
    commit_height = _int(_get(commit, "height", "commit"), "commit.height", 1)
    if commit_height != height:
        raise LightClientError(f"commit height {commit_height} does not match header height {height}")
    round_ = _int(commit.get("round", 0), "commit.round", 0, (1 << 31) - 1)
    _time_ns(_get(header, "time", "header"))
    if check_validators is not None:
        check_validators(header)

    # The commit must be for exactly this header.
    hh = header_hash(header)
    bid_hash, bid_total, bid_parts = _block_id(_get(commit, "block_id", "commit"), "commit.block_id")
    if not bid_hash or not bid_parts:
        raise LightClientError("commit.block_id is empty")
    if bid_hash != hh:
        raise LightClientError(
            f"header hash mismatch: commit signs block {bid_hash.hex().upper()}, "
            f"header hashes to {hh.hex().upper()}")
    sigs = _get(commit, "signatures", "commit")
    if not isinstance(sigs, list):
        raise LightClientError("commit.signatures: expected a list")
    return _SignedHeader(header, commit, height, round_, hh, (bid_hash, bid_total, bid_parts), sigs)


def _parse_validator_set(validators_json: Any) -> list[_Validator]:
    vals = [_parse_validator(v, i) for i, v in enumerate(_unwrap_validators(validators_json))]
    if not vals:
        raise LightClientError("empty validator set")
    if len({v.address for v in vals}) != len(vals):
        raise LightClientError("duplicate validator in validator set")
    for i, v in enumerate(vals):
        if v.voting_power <= 0:
            raise LightClientError(f"validators[{i}]: voting power must be positive")
    return vals


def _verify_signature(chain_id: str, sh: _SignedHeader, idx: int, sig_json: Any, flag: int, val: _Validator) -> None:
    """Check the ed25519 signature of commit.signatures[idx] against ``val``'s public key."""
    what = f"commit.signatures[{idx}]"
    signature = _b64(sig_json.get("signature"), f"{what}.signature")
    if len(signature) != ED25519_SIG_SIZE:
        raise LightClientError(f"{what}: signature must be {ED25519_SIG_SIZE} bytes, got {len(signature)}")
    timestamp = _get(sig_json, "timestamp", what)
    bid_hash, bid_total, bid_parts = sh.block_id
    if flag == BLOCK_ID_FLAG_COMMIT:
        msg = vote_sign_bytes(chain_id, sh.height, sh.round, bid_hash, bid_total, bid_parts, timestamp)
    else:
        msg = vote_sign_bytes(chain_id, sh.height, sh.round, b"", 0, b"", timestamp)
    try:
        nacl.signing.VerifyKey(val.pub_key).verify(msg, signature)
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError) as exc:
        raise LightClientError(
            f"{what}: invalid signature from validator {val.address.hex().upper()}") from exc


def verify_commit(chain_id: str, signed_header_json: dict, validators_json: list[dict]) -> VerifiedHeader:
    """Verify a ``/commit`` signed header against a ``/validators`` list.

    Checks (raising :class:`LightClientError` on the first failure):

    * header.chain_id == ``chain_id``;
    * commit.height == header.height;
    * validator_set_hash(validators) == header.validators_hash;
    * commit.block_id.hash == header_hash(header);
    * one commit signature per validator, addresses matching by index;
    * every present signature (flags 2 and 3) is a valid ed25519 signature over
      the CanonicalVote sign bytes;
    * validators with flag 2 (commit) hold more than 2/3 of the total voting power.
      Flag 1 (absent) is skipped; flag 3 (nil) never counts towards the block.

    This alone proves only that the header is consistent with the set it
    names; :func:`verify_light_block` ties that set to a trusted one.
    """
    vals: list[_Validator] = []

    def check_validators(header: dict) -> None:
        # Validator set must be the one the header commits to.
        vals.extend(_parse_validator_set(validators_json))
        vals_hash = merkle_hash_from_byte_slices([_simple_validator_bytes(v) for v in vals])
        header_vals_hash = _hex(_get(header, "validators_hash", "header"), "header.validators_hash", HASH_SIZE)
        if vals_hash != header_vals_hash:
            raise LightClientError(
                f"validator set hash mismatch: validators hash to {vals_hash.hex().upper()}, "
                f"header.validators_hash is {header_vals_hash.hex().upper()}")

    sh = _check_signed_header(chain_id, signed_header_json, check_validators)

    if len(sh.signatures) != len(vals):
        raise LightClientError(
            f"commit has {len(sh.signatures)} signatures but validator set has {len(vals)} validators")

    total_power = sum(v.voting_power for v in vals)
    needed = total_power * 2 // 3  # Go: TotalVotingPower() * 2 / 3; need strictly more
    tallied = 0
    for idx, (sig_json, val) in enumerate(zip(sh.signatures, vals)):
        what = f"commit.signatures[{idx}]"
        flag = _int(_get(sig_json, "block_id_flag", what), f"{what}.block_id_flag")
        if flag == BLOCK_ID_FLAG_ABSENT:
            signature = _b64(sig_json.get("signature"), f"{what}.signature")
            address = _hex(sig_json.get("validator_address", ""), f"{what}.validator_address")
            if signature or address:
                raise LightClientError(f"{what}: absent vote must not carry an address or signature")
            continue
        if flag not in (BLOCK_ID_FLAG_COMMIT, BLOCK_ID_FLAG_NIL):
            raise LightClientError(f"{what}: unknown block_id_flag {flag}")
        address = _hex(sig_json.get("validator_address", ""), f"{what}.validator_address")
        if address != val.address:
            raise LightClientError(
                f"{what}: validator address mismatch: expected {val.address.hex().upper()}, "
                f"got {address.hex().upper()}")
        _verify_signature(chain_id, sh, idx, sig_json, flag, val)
        if flag == BLOCK_ID_FLAG_COMMIT:
            tallied += val.voting_power

    if tallied <= needed:
        raise LightClientError(
            f"insufficient voting power signed the block: got {tallied} of {total_power}, "
            f"need more than {needed} (> 2/3)")
    return sh.verified(chain_id)


def verify_commit_trusting(
    chain_id: str,
    trusted_validators_json: Any,
    signed_header_json: dict,
    trust_level: tuple[int, int] = TRUST_LEVEL,
) -> int:
    """``VerifyCommitLightTrusting``: validators of a TRUSTED set holding more than
    ``trust_level`` of its power signed this header's commit.

    The trusted set need not be the one that signed the header: its
    validators are found in the commit by address, and each of their
    signatures is checked against the trusted set's own public key (never
    against keys the node supplies). Signatures from validators outside the
    trusted set are ignored. Returns the trusted power that signed.

    Raises :class:`NewValidatorSetNotTrustedError` when too little signed
    (bisection may still help), :class:`LightClientError` for a bad or
    duplicated signature.
    """
    numerator, denominator = trust_level
    if denominator <= 0 or numerator * 3 < denominator or numerator > denominator:
        raise LightClientError(f"trust level must be within [1/3, 1], got {numerator}/{denominator}")
    sh = _check_signed_header(chain_id, signed_header_json)
    vals = _parse_validator_set(trusted_validators_json)
    by_address = {v.address: v for v in vals}
    total_power = sum(v.voting_power for v in vals)
    needed = total_power * numerator // denominator
    seen: dict[bytes, int] = {}
    tallied = 0
    for idx, sig_json in enumerate(sh.signatures):
        what = f"commit.signatures[{idx}]"
        flag = _int(_get(sig_json, "block_id_flag", what), f"{what}.block_id_flag")
        if flag != BLOCK_ID_FLAG_COMMIT:
            continue
        address = _hex(sig_json.get("validator_address", ""), f"{what}.validator_address")
        val = by_address.get(address)
        if val is None:
            continue
        if address in seen:
            raise LightClientError(
                f"double vote from validator {address.hex().upper()} (signatures {seen[address]} and {idx})")
        seen[address] = idx
        _verify_signature(chain_id, sh, idx, sig_json, flag, val)
        tallied += val.voting_power
    if tallied <= needed:
        raise NewValidatorSetNotTrustedError(
            f"validators holding only {tallied} of the trusted set's {total_power} power signed header "
            f"{sh.height}; need more than {needed} ({numerator}/{denominator})")
    return tallied


# ---------------------------------------------------------------------------
# Trusted state and verification against it (light/verifier.go)
# ---------------------------------------------------------------------------


def _canonical_validator_json(v: _Validator) -> dict:
    return {
        "address": v.address.hex().upper(),
        "pub_key": {"type": ED25519_PUBKEY_TYPE, "value": base64.b64encode(v.pub_key).decode()},
        "voting_power": str(v.voting_power),
    }


@dataclass(frozen=True)
class TrustedState:
    """A verified header and the validator set that signed it: the light client's trust anchor."""

    header: VerifiedHeader
    validators: tuple[dict, ...]

    @property
    def height(self) -> int:
        return self.header.height

    @classmethod
    def from_verified(cls, header: VerifiedHeader, validators_json: Any) -> "TrustedState":
        vals = _parse_validator_set(validators_json)
        if merkle_hash_from_byte_slices([_simple_validator_bytes(v) for v in vals]) != header.validators_hash:
            raise LightClientError("the validator set does not hash to the header's validators_hash")
        return cls(header, tuple(_canonical_validator_json(v) for v in vals))

    def to_dict(self) -> dict:
        h = self.header
        return {
            "version": 2,
            "chain_id": h.chain_id,
            "height": h.height,
            "time": h.time,
            "header_hash": h.header_hash.hex().upper(),
            "last_block_id_hash": h.last_block_id_hash.hex().upper(),
            "app_hash": h.app_hash.hex().upper(),
            "validators_hash": h.validators_hash.hex().upper(),
            "next_validators_hash": h.next_validators_hash.hex().upper(),
            "validators": list(self.validators),
        }

    @classmethod
    def from_dict(cls, data: Any) -> "TrustedState":
        """Parse what :meth:`to_dict` wrote; raise LightClientError if anything is off."""
        if not isinstance(data, dict) or data.get("version") != 2:
            raise LightClientError("not a version 2 trusted state")
        chain_id = data.get("chain_id")
        if not isinstance(chain_id, str) or not chain_id:
            raise LightClientError("trusted state: chain_id must be a non-empty string")
        time_text = data.get("time")
        _time_ns(time_text)
        header = VerifiedHeader(
            chain_id=chain_id,
            height=_int(data.get("height"), "trusted state height", 1),
            time=time_text,
            app_hash=_hex(data.get("app_hash", ""), "trusted state app_hash"),
            header_hash=_hex(data.get("header_hash"), "trusted state header_hash", HASH_SIZE, allow_empty=False),
            validators_hash=_hex(data.get("validators_hash"), "trusted state validators_hash", HASH_SIZE,
                                 allow_empty=False),
            next_validators_hash=_hex(data.get("next_validators_hash"), "trusted state next_validators_hash",
                                      HASH_SIZE, allow_empty=False),
            last_block_id_hash=_hex(data.get("last_block_id_hash", ""), "trusted state last_block_id_hash",
                                    HASH_SIZE),
        )
        return cls.from_verified(header, data.get("validators"))


def _format_seconds(seconds: int) -> str:
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds}s"


def check_not_expired(trusted: TrustedState, now_ns: int, trusting_period_seconds: int) -> None:
    """``HeaderExpired``: the trusted header may be used until its time plus the trusting period."""
    if trusting_period_seconds <= 0:
        raise LightClientError("the trusting period must be positive")
    expires_ns = _time_ns(trusted.header.time) + trusting_period_seconds * _NANOS
    if expires_ns <= now_ns:
        raise TrustExpiredError(
            f"the trusted header (height {trusted.height}, time {trusted.header.time}) is older than the "
            f"trusting period of {_format_seconds(trusting_period_seconds)}")


def _check_new_header(trusted: TrustedState, sh: _SignedHeader, now_ns: int, max_clock_drift_seconds: int) -> None:
    """``verifyNewHeaderAndVals``: later height, later time, not from the future."""
    if sh.height <= trusted.height:
        raise LightClientError(
            f"header height {sh.height} is not above the trusted height {trusted.height}")
    new_time = _time_ns(sh.header["time"])
    if new_time <= _time_ns(trusted.header.time):
        raise LightClientError(
            f"header {sh.height} time {sh.header['time']} is not after the trusted header's time "
            f"{trusted.header.time}")
    if new_time >= now_ns + max_clock_drift_seconds * _NANOS:
        raise LightClientError(
            f"header {sh.height} time {sh.header['time']} is in the future "
            f"(more than {max_clock_drift_seconds}s ahead of this computer's clock)")


def verify_adjacent(
    trusted: TrustedState,
    signed_header_json: dict,
    validators_json: list[dict],
    *,
    now_ns: int,
    trusting_period_seconds: int = DEFAULT_TRUSTING_PERIOD_SECONDS,
    max_clock_drift_seconds: int = DEFAULT_MAX_CLOCK_DRIFT_SECONDS,
) -> VerifiedHeader:
    """``VerifyAdjacent``: the header right after the trusted one.

    Its validator set must be the trusted header's ``next_validators_hash``,
    and more than 2/3 of it must have signed.
    """
    check_not_expired(trusted, now_ns, trusting_period_seconds)
    sh = _check_signed_header(trusted.header.chain_id, signed_header_json)
    if sh.height != trusted.height + 1:
        raise LightClientError(f"header {sh.height} is not adjacent to the trusted height {trusted.height}")
    _check_new_header(trusted, sh, now_ns, max_clock_drift_seconds)
    validators_hash = _hex(_get(sh.header, "validators_hash", "header"), "header.validators_hash", HASH_SIZE)
    if validators_hash != trusted.header.next_validators_hash:
        raise LightClientError(
            f"header {sh.height} is signed by validator set {validators_hash.hex().upper()}, but the trusted "
            f"header {trusted.height} names {trusted.header.next_validators_hash.hex().upper()} as the next set")
    return verify_commit(trusted.header.chain_id, signed_header_json, validators_json)


def verify_non_adjacent(
    trusted: TrustedState,
    signed_header_json: dict,
    validators_json: list[dict],
    *,
    now_ns: int,
    trusting_period_seconds: int = DEFAULT_TRUSTING_PERIOD_SECONDS,
    max_clock_drift_seconds: int = DEFAULT_MAX_CLOCK_DRIFT_SECONDS,
    trust_level: tuple[int, int] = TRUST_LEVEL,
) -> VerifiedHeader:
    """``VerifyNonAdjacent``: skipping verification of a header more than one above the trusted one.

    More than ``trust_level`` (1/3) of the TRUSTED set's power must have
    signed it (signatures checked with the trusted keys), then more than 2/3
    of its own set. Raises :class:`NewValidatorSetNotTrustedError` when only
    the first check fails, so that the caller can bisect.
    """
    check_not_expired(trusted, now_ns, trusting_period_seconds)
    chain_id = trusted.header.chain_id
    sh = _check_signed_header(chain_id, signed_header_json)
    if sh.height == trusted.height + 1:
        raise LightClientError("headers must be non adjacent in height")
    _check_new_header(trusted, sh, now_ns, max_clock_drift_seconds)
    validators_hash = _hex(_get(sh.header, "validators_hash", "header"), "header.validators_hash", HASH_SIZE)
    if validator_set_hash(validators_json) != validators_hash:
        raise LightClientError(f"the validator set supplied for header {sh.height} does not hash to its validators_hash")
    verify_commit_trusting(chain_id, list(trusted.validators), signed_header_json, trust_level)
    # last, as in CometBFT: the new set can be made arbitrarily large by a node that wants to slow the wallet down
    return verify_commit(chain_id, signed_header_json, validators_json)


def verify_light_block(
    trusted: TrustedState,
    signed_header_json: dict,
    validators_json: list[dict],
    *,
    now_ns: int,
    trusting_period_seconds: int = DEFAULT_TRUSTING_PERIOD_SECONDS,
    max_clock_drift_seconds: int = DEFAULT_MAX_CLOCK_DRIFT_SECONDS,
) -> VerifiedHeader:
    """``light.Verify``: adjacent verification for the next height, skipping verification beyond it."""
    sh = _check_signed_header(trusted.header.chain_id, signed_header_json)
    options = {"now_ns": now_ns, "trusting_period_seconds": trusting_period_seconds,
               "max_clock_drift_seconds": max_clock_drift_seconds}
    if sh.height == trusted.height + 1:
        return verify_adjacent(trusted, signed_header_json, validators_json, **options)
    return verify_non_adjacent(trusted, signed_header_json, validators_json, **options)


def verify_backwards(chain_id: str, header_json: dict, newer: VerifiedHeader) -> VerifiedHeader:
    """``VerifyBackwards``: a header one below a verified one is the block its ``last_block_id`` names."""
    header = header_json
    if _get(header, "chain_id", "header") != chain_id:
        raise LightClientError("header belongs to another chain")
    height = _int(_get(header, "height", "header"), "header.height", 1)
    if height != newer.height - 1:
        raise LightClientError(f"header {height} is not right below the verified header {newer.height}")
    if not _time_ns(_get(header, "time", "header")) < _time_ns(newer.time):
        raise LightClientError(f"header {height} time {header['time']} is not before the newer header's {newer.time}")
    hh = header_hash(header)
    if hh != newer.last_block_id_hash:
        raise LightClientError(
            f"header {height} hashes to {hh.hex().upper()}, but header {newer.height} names "
            f"{newer.last_block_id_hash.hex().upper()} as its previous block")
    last_block_id_hash, _total, _parts = _block_id(header.get("last_block_id"), "header.last_block_id")
    return VerifiedHeader(
        chain_id=chain_id,
        height=height,
        time=header["time"],
        app_hash=_hex(header.get("app_hash", ""), "header.app_hash"),
        header_hash=hh,
        validators_hash=_hex(_get(header, "validators_hash", "header"), "header.validators_hash", HASH_SIZE),
        next_validators_hash=_hex(header.get("next_validators_hash", ""), "header.next_validators_hash", HASH_SIZE),
        last_block_id_hash=last_block_id_hash,
    )


# ---------------------------------------------------------------------------
# RPC helper
# ---------------------------------------------------------------------------

_VALIDATORS_PER_PAGE = 100


def _rpc_get(client: Any, url: str, params: dict) -> Any:
    import httpx

    try:
        resp = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise LightClientError(f"RPC request to {url} failed: {exc}") from exc
    try:
        body = resp.json()
    except ValueError as exc:
        raise LightClientError(f"RPC {url} returned non-JSON (HTTP {resp.status_code})") from exc
    if isinstance(body, dict) and body.get("error"):
        error = body["error"]
        if isinstance(error, dict):
            error = " ".join(str(error.get(part, "")) for part in ("message", "data")).strip()
        raise LightClientError(f"RPC {url} error: {error}")
    if resp.status_code != 200:
        raise LightClientError(f"RPC {url} returned HTTP {resp.status_code}")
    if not isinstance(body, dict) or "result" not in body:
        raise LightClientError(f"RPC {url}: response has no result")
    return body["result"]


def _fetch_validators(client: Any, base: str, height: int) -> list[dict]:
    out: list[dict] = []
    page = 1
    while True:
        result = _rpc_get(client, f"{base}/validators",
                          {"height": height, "page": page, "per_page": _VALIDATORS_PER_PAGE})
        block_height = _int(_get(result, "block_height", "validators response"), "validators.block_height")
        if block_height != height:
            raise LightClientError(f"/validators returned height {block_height}, asked for {height}")
        batch = _get(result, "validators", "validators response")
        if not isinstance(batch, list):
            raise LightClientError("validators response: validators is not a list")
        total = _int(_get(result, "total", "validators response"), "validators.total", 0)
        out.extend(batch)
        if len(out) >= total or not batch:
            break
        page += 1
        if page > total // _VALIDATORS_PER_PAGE + 2:  # defensive bound
            raise LightClientError("validators pagination did not terminate")
    if len(out) != total:
        raise LightClientError(f"/validators returned {len(out)} validators, expected total {total}")
    return out


def _fetch_signed_header(client: Any, base: str, height: int) -> dict:
    sh = _unwrap_signed_header(_rpc_get(client, f"{base}/commit", {"height": height}))
    got_height = _int(_get(_get(sh, "header", "signed_header"), "height", "header"), "header.height")
    if got_height != height:
        raise LightClientError(f"/commit returned height {got_height}, asked for {height}")
    return sh


def fetch_verified_header(
    rpc_url: str,
    height: int,
    chain_id: str,
    trusted_validators_hash: bytes | None = None,
    *,
    client: Any = None,
    timeout: float = 10.0,
) -> VerifiedHeader:
    """Fetch ``/commit`` and ``/validators`` at ``height`` and verify them.

    If ``trusted_validators_hash`` is given (e.g. a hash pinned in the wallet
    config), the header's ``validators_hash`` must equal it; otherwise the
    validator set is only trusted as far as it matches the header
    (self-consistency). To follow a trusted set to a later height use
    :class:`LightClient`.

    ``client`` may be an existing ``httpx.Client`` (useful for tests with
    ``httpx.MockTransport``); otherwise a short-lived one is created.
    """
    import httpx

    if isinstance(height, bool) or not isinstance(height, int) or height < 1:
        raise LightClientError(f"height must be a positive integer, got {height!r}")
    base = rpc_url.rstrip("/")
    own_client = client is None
    if own_client:
        client = httpx.Client(timeout=timeout)
    try:
        sh = _fetch_signed_header(client, base, height)
        validators = _fetch_validators(client, base, height)
    finally:
        if own_client:
            client.close()

    verified = verify_commit(chain_id, sh, validators)
    if trusted_validators_hash is not None and bytes(trusted_validators_hash) != verified.validators_hash:
        raise LightClientError(
            f"untrusted validator set: header.validators_hash {verified.validators_hash.hex().upper()} "
            f"!= trusted {bytes(trusted_validators_hash).hex().upper()}")
    return verified


# ---------------------------------------------------------------------------
# The light client: fetch from a primary node, verify, cross-check witnesses
# ---------------------------------------------------------------------------


class LightClient:
    """Verifies headers of one chain fetched from a primary RPC node against a trusted state.

    Nothing here writes the trusted state: :meth:`verify_to` returns the new
    one and the caller stores it once everything it wanted to check passed.
    """

    def __init__(
        self,
        primary: str,
        chain_id: str,
        *,
        trusting_period_seconds: int = DEFAULT_TRUSTING_PERIOD_SECONDS,
        max_clock_drift_seconds: int = DEFAULT_MAX_CLOCK_DRIFT_SECONDS,
        witnesses: Sequence[str] = (),
        client: Any = None,
        timeout: float = 10.0,
        clock: Callable[[], int] | None = None,
        witness_wait_seconds: float = 10.0,
    ) -> None:
        import time

        import httpx

        if not isinstance(chain_id, str) or not chain_id:
            raise LightClientError("chain_id must be a non-empty string")
        if trusting_period_seconds <= 0:
            raise LightClientError("the trusting period must be positive")
        self.primary = primary.rstrip("/")
        self.chain_id = chain_id
        self.trusting_period_seconds = trusting_period_seconds
        self.max_clock_drift_seconds = max_clock_drift_seconds
        self.witnesses = tuple(w.rstrip("/") for w in witnesses)
        self._own_client = client is None
        self._client = httpx.Client(timeout=timeout) if client is None else client
        self._clock = clock or time.time_ns
        self._witness_wait_seconds = witness_wait_seconds

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> "LightClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- fetching ------------------------------------------------------------

    def light_block(self, height: int) -> tuple[dict, list[dict]]:
        """The signed header and validator set at ``height`` from the primary (unverified)."""
        return (_fetch_signed_header(self._client, self.primary, height),
                _fetch_validators(self._client, self.primary, height))

    # -- trust ---------------------------------------------------------------

    def anchor(
        self,
        height: int,
        *,
        expected_hash: bytes | None = None,
        expected_validators_hash: bytes | None = None,
    ) -> TrustedState:
        """A new trust anchor at ``height``: the header verified by its own validator set.

        Trusts the primary for the choice of validator set unless
        ``expected_hash`` (the header hash from a source the user trusts) or
        ``expected_validators_hash`` pins it. The header must be within the
        trusting period and not from the future, and witnesses must agree.
        """
        now_ns = self._clock()
        sh, validators = self.light_block(height)
        header = verify_commit(self.chain_id, sh, validators)
        if expected_hash is not None and header.header_hash != bytes(expected_hash):
            raise LightClientError(
                f"header {height} hashes to {header.header_hash.hex().upper()}, "
                f"not the expected {bytes(expected_hash).hex().upper()}")
        if expected_validators_hash is not None and header.validators_hash != bytes(expected_validators_hash):
            raise LightClientError(
                f"header {height} is signed by validator set {header.validators_hash.hex().upper()}, "
                f"not the trusted {bytes(expected_validators_hash).hex().upper()}")
        state = TrustedState.from_verified(header, validators)
        check_not_expired(state, now_ns, self.trusting_period_seconds)
        if _time_ns(header.time) >= now_ns + self.max_clock_drift_seconds * _NANOS:
            raise LightClientError(f"header {height} time {header.time} is in the future")
        self.cross_check(header)
        return state

    def verify_to(self, trusted: TrustedState, height: int) -> tuple[VerifiedHeader, TrustedState]:
        """Verify the header at ``height`` from ``trusted``; return it and the trusted state to keep.

        Above the trusted height the new state is the verified header;
        at or below it the trusted state is unchanged.
        """
        if trusted.header.chain_id != self.chain_id:
            raise LightClientError(
                f"the trusted state is for chain {trusted.header.chain_id!r}, not {self.chain_id!r}")
        if isinstance(height, bool) or not isinstance(height, int) or height < 1:
            raise LightClientError(f"height must be a positive integer, got {height!r}")
        now_ns = self._clock()
        check_not_expired(trusted, now_ns, self.trusting_period_seconds)
        if height == trusted.height:
            header, state = trusted.header, trusted
        elif height < trusted.height:
            header, state = self._verify_backwards(trusted, height), trusted
        else:
            header, state = self._verify_skipping(trusted, self.light_block(height), now_ns)
        self.cross_check(header)
        return header, state

    def _verify_skipping(
        self, trusted: TrustedState, target: tuple[dict, list[dict]], now_ns: int
    ) -> tuple[VerifiedHeader, TrustedState]:
        """``Client.verifySkipping``: try the target; when too little of the trusted set signed it,
        verify a header half way first and go on from there."""
        cache = [target]
        depth = 0
        verified = trusted
        fetched = 1
        while True:
            signed_header, validators = cache[depth]
            try:
                header = verify_light_block(
                    verified, signed_header, validators, now_ns=now_ns,
                    trusting_period_seconds=self.trusting_period_seconds,
                    max_clock_drift_seconds=self.max_clock_drift_seconds)
            except NewValidatorSetNotTrustedError:
                if depth == len(cache) - 1:
                    upper = _int(signed_header["header"]["height"], "header.height")
                    pivot = verified.height + (upper - verified.height) // 2
                    if pivot <= verified.height or fetched >= MAX_LIGHT_BLOCKS_PER_VERIFICATION:
                        raise
                    cache.append(self.light_block(pivot))
                    fetched += 1
                depth += 1
                continue
            state = TrustedState.from_verified(header, validators)
            if depth == 0:
                return header, state
            verified = state
            cache = cache[:depth]
            depth = 0

    def _verify_backwards(self, trusted: TrustedState, height: int) -> VerifiedHeader:
        if trusted.height - height > MAX_BACKWARDS_HEADERS:
            raise LightClientError(
                f"height {height} is {trusted.height - height} blocks below the trusted height {trusted.height}; "
                f"at most {MAX_BACKWARDS_HEADERS} are checked backwards")
        current = trusted.header
        for lower in range(trusted.height - 1, height - 1, -1):
            sh = _fetch_signed_header(self._client, self.primary, lower)
            current = verify_backwards(self.chain_id, sh["header"], current)
        return current

    # -- witnesses -----------------------------------------------------------

    def cross_check(self, header: VerifiedHeader) -> None:
        """Every witness must report the same header hash at ``header.height``."""
        for witness in self.witnesses:
            theirs = self._witness_header_hash(witness, header.height)
            if theirs != header.header_hash:
                raise WitnessError(
                    f"witness {witness} reports header {theirs.hex().upper()} at height {header.height}, "
                    f"the node gave {header.header_hash.hex().upper()}: one of them is lying (or on a fork)")

    def _witness_header_hash(self, witness: str, height: int) -> bytes:
        import time

        deadline = time.monotonic() + self._witness_wait_seconds
        while True:
            try:
                sh = _fetch_signed_header(self._client, witness, height)
                return header_hash(_get(sh, "header", "signed_header"))
            except LightClientError as exc:
                # a witness a block or two behind has not committed the height yet: wait briefly
                if time.monotonic() >= deadline:
                    raise WitnessError(f"witness {witness} cannot confirm header {height}: {exc}") from None
            time.sleep(0.2)
