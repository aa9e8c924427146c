"""The block seed: derived from the previous commit's vote extension signatures, which no single proposer chooses.

Every validator's vote extension is the fixed ``VOTE_EXTENSION``; CometBFT signs it with the validator's
consensus key over (extension, height, round, chain id). The proposer of block H puts a *seed record*
first in the block: the round of the commit of H-1 and, for every vote of that commit flagged COMMIT,
the validator's address and extension signature. Every node checks the record (``verify_record``) in
ProcessProposal and again in FinalizeBlock before executing the block, and derives the block's seed
from it (``derive_seed``). docs/architecture.md, "Randomness", gives the argument and what a proposer
or a validator can still choose.

Wire form of the record: ``RECORD_PREFIX`` then canonical msgpack ``[round, [[address, signature], ...]]``
with the addresses strictly ascending. A user transaction is canonical msgpack of a three-element array,
so its first byte is always 0x93; the record's first byte is 0x00, so no bytes are both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from abci_app import ed25519_zip215
from abci_app.proto import canonical
from abci_app.varint import encode_uvarint
from chain_modules.common.encoding import EncodingError, decode_canonical, encode

VOTE_EXTENSION = b"amino/seed/v1"
RECORD_PREFIX = b"\x00amino/seed-record/v1\x00"
SEED_DOMAIN = b"amino/block-seed/v1\x00"
FALLBACK_DOMAIN = b"amino/block-seed/fallback/v1\x00"
BLOCK_ID_FLAG_COMMIT = 2  # tendermint.types.BlockIDFlag: the validator precommitted the block
_MAX_ROUND = 2**31 - 1  # CometBFT rounds are int32

# State keys (the app's own, beside app/chain_id): the vote extension enable height from InitChain's
# consensus params, and the consensus public key of every validator the chain ever had, by address.
ENABLE_HEIGHT_KEY = b"app/vote_extensions_enable_height"
CONSENSUS_KEY_PREFIX = b"app/consensus_key/"


class SeedRecordError(ValueError):
    """A block's seed record is missing, misplaced, malformed or does not verify; the message says which."""


@dataclass(frozen=True, slots=True)
class SeedRecord:
    round: int
    entries: tuple[tuple[bytes, bytes], ...]  # (validator address, extension signature), addresses ascending


# -- encoding ----------------------------------------------------------------------------------------


def extension_sign_bytes(chain_id: str, height: int, round: int, extension: bytes = VOTE_EXTENSION) -> bytes:
    """What CometBFT signs for a vote extension (types/canonical.go): the length-delimited protobuf
    CanonicalVoteExtension, from the classes generated from the pinned module's own .proto files."""
    body = canonical.CanonicalVoteExtension(extension=extension, height=height, round=round,
                                            chain_id=chain_id).SerializeToString()
    return encode_uvarint(len(body)) + body


def is_seed_record(raw: bytes) -> bool:
    """Whether ``raw`` claims to be a seed record (it can never be a user transaction)."""
    return raw.startswith(RECORD_PREFIX)


def encode_record(record: SeedRecord) -> bytes:
    return RECORD_PREFIX + encode([record.round, [[address, signature] for address, signature in record.entries]])


def decode_record(raw: bytes) -> SeedRecord:
    """Parse a seed record; raises SeedRecordError unless it is exactly the canonical form."""
    if not is_seed_record(raw):
        raise SeedRecordError("not a seed record")
    try:
        value = decode_canonical(raw[len(RECORD_PREFIX):])
    except EncodingError as exc:
        raise SeedRecordError(f"seed record: {exc}") from None
    if not (isinstance(value, list) and len(value) == 2):
        raise SeedRecordError("seed record must be [round, entries]")
    round_, items = value
    if type(round_) is not int or not 0 <= round_ <= _MAX_ROUND:
        raise SeedRecordError("seed record round must be an integer from 0 to 2^31-1")
    if not isinstance(items, list):
        raise SeedRecordError("seed record entries must be a list")
    entries = []
    for index, item in enumerate(items):
        if not (isinstance(item, list) and len(item) == 2):
            raise SeedRecordError(f"seed record entry {index} must be [address, signature]")
        address, signature = item
        if type(address) is not bytes or len(address) != 20:
            raise SeedRecordError(f"seed record entry {index}: the address must be 20 bytes")
        if type(signature) is not bytes or len(signature) != 64:
            raise SeedRecordError(f"seed record entry {index}: the signature must be 64 bytes")
        if entries and address <= entries[-1][0]:
            raise SeedRecordError(f"seed record entry {index}: addresses must be strictly ascending (no duplicates)")
        entries.append((address, signature))
    return SeedRecord(round_, tuple(entries))


# -- the rule ------------------------------------------------------------------------------------------


def record_required(height: int, first_block: bool, enable_height: int) -> bool:
    """Whether block ``height`` must carry a seed record: the previous height exists and had vote extensions."""
    return not first_block and enable_height > 0 and height - 1 >= enable_height


def fallback_seed(chain_id: str, height: int) -> bytes:
    """The seed of a block without a record (the first block, or extensions not enabled at the previous height).

    A constant function of the chain id and height: anyone can compute it in advance, nobody can steer it.
    """
    return hashlib.sha256(FALLBACK_DOMAIN + height.to_bytes(8, "big") + chain_id.encode()).digest()


def seed_signers(entries, powers: dict[bytes, int], total_power: int, proposer: bytes) -> list[tuple[bytes, bytes]]:
    """The signatures the seed uses: the record's entries without the block's proposer, in address order, up to
    and including the first at which their power exceeds a third of the previous validator set's (all of them if
    it never does). docs/architecture.md, "Randomness", says why this subset."""
    chosen = []
    power = 0
    for address, signature in entries:
        if address == proposer:
            continue
        chosen.append((address, signature))
        power += powers[address]
        if 3 * power > total_power:
            break
    return chosen


def derive_seed(height: int, chosen: list[tuple[bytes, bytes]]) -> bytes:
    """sha256(domain, height, then address and signature of each chosen signer in address order)."""
    digest = hashlib.sha256(SEED_DOMAIN + height.to_bytes(8, "big"))
    for address, signature in chosen:
        digest.update(address + signature)
    return digest.digest()


def split_block_txs(txs, required: bool) -> tuple[bytes | None, list[bytes]]:
    """The seed record (None when not required) and the user transactions of a block or proposal.

    Raises SeedRecordError when a required record is not first, when a record is not allowed, or when
    anything after position 0 claims to be a record.
    """
    txs = list(txs)
    for index, raw in enumerate(txs[1:], start=1):
        if is_seed_record(raw):
            raise SeedRecordError(f"tx {index} is a seed record: a block holds at most one, in position 0")
    if not required:
        if txs and is_seed_record(txs[0]):
            raise SeedRecordError("a seed record where none is allowed (first block, or no vote extensions at the previous height)")
        return None, txs
    if not txs or not is_seed_record(txs[0]):
        raise SeedRecordError("the seed record is missing: it must be the block's first tx")
    return txs[0], txs[1:]


def verify_record(raw: bytes, *, chain_id: str, height: int, commit, proposer: bytes,
                  consensus_key: Callable[[bytes], bytes | None]) -> bytes:
    """Check block ``height``'s seed record against the block's last commit and return the block's seed.

    ``commit`` is the CommitInfo CometBFT gives with the block (proposed_last_commit or decided_last_commit):
    the validator set of height-1 with each validator's power and vote flag, already verified by CometBFT.
    The record must hold the round of that commit and exactly the validators flagged COMMIT, each with a
    signature that CometBFT's own rule accepts, by the validator's consensus key, over the fixed extension at
    (height-1, round, chain id); those signers must hold more than 2/3 of the set's power.
    Raises SeedRecordError.
    """
    record = decode_record(raw)
    if record.round != commit.round:
        raise SeedRecordError(f"seed record round {record.round} differs from the last commit's round {commit.round}")
    powers = {bytes(vote.validator.address): vote.validator.power for vote in commit.votes}
    total_power = sum(powers.values())
    committed = {bytes(vote.validator.address) for vote in commit.votes if vote.block_id_flag == BLOCK_ID_FLAG_COMMIT}
    listed = {address for address, _signature in record.entries}
    if listed - committed:
        raise SeedRecordError(f"seed record lists {len(listed - committed)} validator(s) without a COMMIT vote in the last commit, "
                              f"e.g. {min(listed - committed).hex().upper()}")
    if committed - listed:
        raise SeedRecordError(f"seed record leaves out {len(committed - listed)} validator(s) whose COMMIT vote is in the last commit, "
                              f"e.g. {min(committed - listed).hex().upper()}")
    signed_power = sum(powers[address] for address in listed)
    if 3 * signed_power <= 2 * total_power:
        raise SeedRecordError(f"seed record signers hold {signed_power} of {total_power} power, not more than 2/3")
    message = extension_sign_bytes(chain_id, height - 1, record.round)
    for address, signature in record.entries:
        pubkey = consensus_key(address)
        if pubkey is None:
            raise SeedRecordError(f"no consensus key is known for validator {address.hex().upper()}")
        if not ed25519_zip215.verify(pubkey, message, signature):
            raise SeedRecordError(f"the extension signature of validator {address.hex().upper()} does not verify")
    return derive_seed(height, seed_signers(record.entries, powers, total_power, proposer))


def build_record(local_last_commit) -> tuple[bytes, list[str]]:
    """PrepareProposal's record from the ExtendedCommitInfo CometBFT gives the proposer, and the problems seen.

    Every vote flagged COMMIT goes in, as the last commit of the block lists them all. A vote whose extension
    is not ``VOTE_EXTENSION`` (possible only for a byzantine validator's vote that reached this node by block
    sync) is still listed, and the problems say so: the proposal will be rejected, and the next round's
    proposer, with its own last commit, goes on.
    """
    entries = []
    problems = []
    for vote in local_last_commit.votes:
        if vote.block_id_flag != BLOCK_ID_FLAG_COMMIT:
            continue
        address = bytes(vote.validator.address)
        if bytes(vote.vote_extension) != VOTE_EXTENSION:
            problems.append(f"validator {address.hex().upper()} extended its vote with {bytes(vote.vote_extension)[:32]!r}")
        if len(vote.extension_signature) != 64:
            problems.append(f"validator {address.hex().upper()} has a {len(vote.extension_signature)}-byte extension signature")
        entries.append((address, bytes(vote.extension_signature)))
    entries.sort()
    return encode_record(SeedRecord(local_last_commit.round, tuple(entries))), problems


# -- state -----------------------------------------------------------------------------------------------


def get_enable_height(state) -> int:
    raw = state.get(ENABLE_HEIGHT_KEY)
    return int.from_bytes(raw, "big") if raw else 0


def set_enable_height(state, height: int) -> None:
    state.set(ENABLE_HEIGHT_KEY, max(0, height).to_bytes(8, "big"))


def get_consensus_key(state, address: bytes) -> bytes | None:
    return state.get(CONSENSUS_KEY_PREFIX + address)


def remember_consensus_keys(state, pubkeys) -> None:
    """Record address -> public key for validators the app hands to CometBFT (kept for good: the map is tiny and
    a validator of height H-1 must still be found when block H is checked)."""
    for pubkey in sorted(set(pubkeys)):
        address = hashlib.sha256(pubkey).digest()[:20]
        if state.get(CONSENSUS_KEY_PREFIX + address) != pubkey:
            state.set(CONSENSUS_KEY_PREFIX + address, pubkey)
