"""Minimal CometBFT v0.38 light-client verification for the Amino wallet.

Lets the wallet check that an app hash comes from a block header that
validators holding more than 2/3 of the voting power actually signed.

Everything here is a pure, synchronous function over the JSON that the
CometBFT RPC returns (``/commit`` and ``/validators``), except
:func:`fetch_verified_header`, which fetches that JSON with httpx.

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
``types/validator_set.go`` ``Hash`` and ``types/validation.go``
``VerifyCommitLight``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Sequence

import nacl.exceptions
import nacl.signing

__all__ = [
    "LightClientError",
    "VerifiedHeader",
    "header_hash",
    "validator_set_hash",
    "vote_sign_bytes",
    "verify_commit",
    "fetch_verified_header",
    "merkle_hash_from_byte_slices",
    "parse_rfc3339_nano",
    "BLOCK_ID_FLAG_ABSENT",
    "BLOCK_ID_FLAG_COMMIT",
    "BLOCK_ID_FLAG_NIL",
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


class LightClientError(Exception):
    """Raised when a header / commit / validator set fails verification."""


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

    # Validator set must be the one the header commits to.
    vals = [_parse_validator(v, i) for i, v in enumerate(_unwrap_validators(validators_json))]
    if not vals:
        raise LightClientError("empty validator set")
    if len({v.address for v in vals}) != len(vals):
        raise LightClientError("duplicate validator in validator set")
    for i, v in enumerate(vals):
        if v.voting_power <= 0:
            raise LightClientError(f"validators[{i}]: voting power must be positive")
    vals_hash = merkle_hash_from_byte_slices([_simple_validator_bytes(v) for v in vals])
    header_vals_hash = _hex(_get(header, "validators_hash", "header"), "header.validators_hash", HASH_SIZE)
    if vals_hash != header_vals_hash:
        raise LightClientError(
            f"validator set hash mismatch: validators hash to {vals_hash.hex().upper()}, "
            f"header.validators_hash is {header_vals_hash.hex().upper()}")

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
    if len(sigs) != len(vals):
        raise LightClientError(
            f"commit has {len(sigs)} signatures but validator set has {len(vals)} validators")

    total_power = sum(v.voting_power for v in vals)
    needed = total_power * 2 // 3  # Go: TotalVotingPower() * 2 / 3; need strictly more
    tallied = 0
    for idx, (sig_json, val) in enumerate(zip(sigs, vals)):
        what = f"commit.signatures[{idx}]"
        flag = _int(_get(sig_json, "block_id_flag", what), f"{what}.block_id_flag")
        signature = _b64(sig_json.get("signature"), f"{what}.signature")
        address = _hex(sig_json.get("validator_address", ""), f"{what}.validator_address")
        if flag == BLOCK_ID_FLAG_ABSENT:
            if signature or address:
                raise LightClientError(f"{what}: absent vote must not carry an address or signature")
            continue
        if flag not in (BLOCK_ID_FLAG_COMMIT, BLOCK_ID_FLAG_NIL):
            raise LightClientError(f"{what}: unknown block_id_flag {flag}")
        if address != val.address:
            raise LightClientError(
                f"{what}: validator address mismatch: expected {val.address.hex().upper()}, "
                f"got {address.hex().upper()}")
        if len(signature) != ED25519_SIG_SIZE:
            raise LightClientError(f"{what}: signature must be {ED25519_SIG_SIZE} bytes, got {len(signature)}")
        timestamp = _get(sig_json, "timestamp", what)
        if flag == BLOCK_ID_FLAG_COMMIT:
            msg = vote_sign_bytes(chain_id, height, round_, bid_hash, bid_total, bid_parts, timestamp)
        else:
            msg = vote_sign_bytes(chain_id, height, round_, b"", 0, b"", timestamp)
        try:
            nacl.signing.VerifyKey(val.pub_key).verify(msg, signature)
        except (nacl.exceptions.BadSignatureError, ValueError, TypeError) as exc:
            raise LightClientError(
                f"{what}: invalid signature from validator {val.address.hex().upper()}") from exc
        if flag == BLOCK_ID_FLAG_COMMIT:
            tallied += val.voting_power

    if tallied <= needed:
        raise LightClientError(
            f"insufficient voting power signed the block: got {tallied} of {total_power}, "
            f"need more than {needed} (> 2/3)")

    return VerifiedHeader(
        chain_id=chain_id,
        height=height,
        time=header["time"],
        app_hash=_hex(header.get("app_hash", ""), "header.app_hash"),
        header_hash=hh,
        validators_hash=header_vals_hash,
        next_validators_hash=_hex(header.get("next_validators_hash", ""),
                                  "header.next_validators_hash", HASH_SIZE),
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
        raise LightClientError(f"RPC {url} error: {body['error']}")
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

    If ``trusted_validators_hash`` is given (e.g. the ``next_validators_hash`` of a
    previously verified header, or a hash pinned in the wallet config), the
    header's ``validators_hash`` must equal it; otherwise the validator set is
    only trusted as far as it matches the header (self-consistency).

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
        commit_result = _rpc_get(client, f"{base}/commit", {"height": height})
        validators = _fetch_validators(client, base, height)
    finally:
        if own_client:
            client.close()

    sh = _unwrap_signed_header(commit_result)
    got_height = _int(_get(_get(sh, "header", "signed_header"), "height", "header"), "header.height")
    if got_height != height:
        raise LightClientError(f"/commit returned height {got_height}, asked for {height}")

    verified = verify_commit(chain_id, sh, validators)
    if trusted_validators_hash is not None and bytes(trusted_validators_hash) != verified.validators_hash:
        raise LightClientError(
            f"untrusted validator set: header.validators_hash {verified.validators_hash.hex().upper()} "
            f"!= trusted {bytes(trusted_validators_hash).hex().upper()}")
    return verified


def verify_trusted_overlap(trusted_validators_json: list[dict], signed_header_json: dict, trusted_hash: bytes) -> None:
    """Check that validators of a trusted set holding more than 1/3 of its power signed ``signed_header_json``.

    This is CometBFT's skipping verification with the default trust level
    1/3: used once ``verify_commit`` accepted the header under its own (new)
    validator set, it moves trust from an older set to the new one. The
    signatures themselves were checked by ``verify_commit``; this counts the
    trusted set's power among the COMMIT signatures by address.
    """
    validators = [_parse_validator(v, i) for i, v in enumerate(_unwrap_validators(trusted_validators_json))]
    if validator_set_hash(trusted_validators_json) != bytes(trusted_hash):
        raise LightClientError("the fetched validator set does not hash to the trusted validators hash")
    power = {v.address: v.voting_power for v in validators}
    total = sum(power.values())
    sh = _unwrap_signed_header(signed_header_json)
    signed = 0
    for signature in _get(_get(sh, "commit", "signed_header"), "signatures", "commit"):
        if signature.get("block_id_flag") == BLOCK_ID_FLAG_COMMIT:
            address = _hex(signature.get("validator_address"), "validator_address", 20)
            signed += power.get(address, 0)
    if signed * 3 <= total:
        raise LightClientError(
            f"only {signed} of the trusted set's {total} power signed the new header: cannot move trust (need more than 1/3)"
        )


def fetch_header_following_trust(
    rpc_url: str, height: int, chain_id: str, trusted_hash: bytes, trusted_height: int, *, timeout: float = 10.0
) -> VerifiedHeader:
    """Verify the header at ``height`` and, if its validator set is not the trusted one, move trust
    from the set trusted at ``trusted_height`` (more than 1/3 of it must have signed)."""
    import httpx

    with httpx.Client(timeout=timeout) as client:
        verified = fetch_verified_header(rpc_url, height, chain_id, client=client)
        if verified.validators_hash == bytes(trusted_hash):
            return verified
        base = rpc_url.rstrip("/")
        commit_result = _rpc_get(client, f"{base}/commit", {"height": height})
        trusted_validators = _fetch_validators(client, base, trusted_height)
    verify_trusted_overlap(trusted_validators, commit_result, trusted_hash)
    return verified
