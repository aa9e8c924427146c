"""State keys owned by staking. Integers in keys are 8-byte big-endian so that keys sort by value."""

PREFIX = b"staking/"  # every key below starts with it

PARAMS_KEY = b"staking/params"
CANDIDATE_PREFIX = b"staking/cand/"
CONSENSUS_KEY_PREFIX = b"staking/cons/"
CONSENSUS_ADDRESS_PREFIX = b"staking/consaddr/"
POWER_INDEX_PREFIX = b"staking/power/"
DELEGATION_PREFIX = b"staking/del/"
UNBONDING_PREFIX = b"staking/ubd/"
UNBONDING_BY_CANDIDATE_PREFIX = b"staking/ubd_by_cand/"
UNBONDING_QUEUE_PREFIX = b"staking/ubdq/"
REDELEGATION_PREFIX = b"staking/red/"
REDELEGATION_BY_SOURCE_PREFIX = b"staking/red_by_src/"
REDELEGATION_QUEUE_PREFIX = b"staking/redq/"
VALIDATOR_SET_PREFIX = b"staking/valset/"

_U64 = 2**64 - 1


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def candidate_key(operator: bytes) -> bytes:
    return CANDIDATE_PREFIX + operator


def consensus_key_key(pubkey: bytes) -> bytes:
    return CONSENSUS_KEY_PREFIX + pubkey


def consensus_address_key(address: bytes) -> bytes:
    return CONSENSUS_ADDRESS_PREFIX + address


MASTER_POWER_INDEX_PREFIX = b"staking/mpower/"
ACTIVE_MASTER_PREFIX = b"staking/masters/"
NETWORK_SIZE_KEY = b"staking/active_workers"
SPONSOR_CONSENT_PREFIX = b"staking/consent/"  # + master operator -> the consenting super node's operator


def power_index_key(tokens: int, operator: bytes, kind: str = "super") -> bytes:
    """Highest tokens first; equal tokens by operator address (a deterministic tie-break). One index per kind."""
    prefix = POWER_INDEX_PREFIX if kind == "super" else MASTER_POWER_INDEX_PREFIX
    return prefix + u64(_U64 - tokens) + operator


def active_master_key(operator: bytes) -> bytes:
    return ACTIVE_MASTER_PREFIX + operator


def delegation_key(delegator: bytes, candidate: bytes) -> bytes:
    return DELEGATION_PREFIX + delegator + candidate


def unbonding_key(delegator: bytes, candidate: bytes) -> bytes:
    return UNBONDING_PREFIX + delegator + candidate


def unbonding_by_candidate_key(candidate: bytes, delegator: bytes) -> bytes:
    return UNBONDING_BY_CANDIDATE_PREFIX + candidate + delegator


def unbonding_queue_key(completion_time: int, delegator: bytes, candidate: bytes) -> bytes:
    return UNBONDING_QUEUE_PREFIX + u64(completion_time) + delegator + candidate


def redelegation_key(delegator: bytes, source: bytes, destination: bytes) -> bytes:
    return REDELEGATION_PREFIX + delegator + source + destination


def redelegation_by_source_key(source: bytes, delegator: bytes, destination: bytes) -> bytes:
    return REDELEGATION_BY_SOURCE_PREFIX + source + delegator + destination


def redelegation_queue_key(completion_time: int, delegator: bytes, source: bytes, destination: bytes) -> bytes:
    return REDELEGATION_QUEUE_PREFIX + u64(completion_time) + delegator + source + destination


def validator_set_key(operator: bytes) -> bytes:
    return VALIDATOR_SET_PREFIX + operator


def sponsor_consent_key(master: bytes) -> bytes:
    return SPONSOR_CONSENT_PREFIX + master
