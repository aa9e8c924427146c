"""The only code that reads and writes staking keys."""

from __future__ import annotations

import hashlib
from typing import Iterator

from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.staking import keys
from chain_modules.staking.types import Candidate, RedelegationEntry, StakingParams, UnbondingEntry

_ADDR = 20


def get_params(state: StateRead) -> StakingParams:
    raw = state.get(keys.PARAMS_KEY)
    return StakingParams() if raw is None else StakingParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: StakingParams) -> None:
    state.set(keys.PARAMS_KEY, encode(params.to_dict()))


# -- candidates and the power index -------------------------------------------------


def get_candidate(state: StateRead, operator: bytes) -> Candidate | None:
    raw = state.get(keys.candidate_key(operator))
    return None if raw is None else Candidate.from_list(decode(raw))


def set_candidate(state: StateWrite, candidate: Candidate, previous: Candidate | None) -> None:
    """Store ``candidate`` and keep the power index in step (``previous`` is what was stored)."""
    if previous is not None and previous.eligible:
        state.delete(keys.power_index_key(previous.tokens, previous.operator, previous.kind))
    state.set(keys.candidate_key(candidate.operator), encode(candidate.to_list()))
    if candidate.kind == "super":
        state.set(keys.consensus_key_key(candidate.consensus_pubkey), candidate.operator)
        state.set(keys.consensus_address_key(consensus_address(candidate.consensus_pubkey)), candidate.operator)
    if candidate.eligible:
        state.set(keys.power_index_key(candidate.tokens, candidate.operator, candidate.kind), b"")


def get_operator_by_consensus_key(state: StateRead, pubkey: bytes) -> bytes | None:
    return state.get(keys.consensus_key_key(pubkey))


def consensus_address(pubkey: bytes) -> bytes:
    """CometBFT's validator address: the first 20 bytes of sha256 of the ed25519 key."""
    return hashlib.sha256(pubkey).digest()[:20]


def get_operator_by_consensus_address(state: StateRead, address: bytes) -> bytes | None:
    return state.get(keys.consensus_address_key(address))


def iter_candidates(state: StateRead) -> Iterator[Candidate]:
    for _key, raw in state.iter_prefix(keys.CANDIDATE_PREFIX):
        yield Candidate.from_list(decode(raw))


def iter_by_power(state: StateRead, kind: str = "super") -> Iterator[bytes]:
    """Operators of eligible candidates of ``kind``, most tokens first."""
    prefix = keys.POWER_INDEX_PREFIX if kind == "super" else keys.MASTER_POWER_INDEX_PREFIX
    for key, _ in state.iter_prefix(prefix):
        yield key[-_ADDR:]


def iter_active_masters(state: StateRead) -> Iterator[bytes]:
    strip = len(keys.ACTIVE_MASTER_PREFIX)
    for key, _ in state.iter_prefix(keys.ACTIVE_MASTER_PREFIX):
        yield key[strip:]


def is_active_master(state: StateRead, operator: bytes) -> bool:
    return state.get(keys.active_master_key(operator)) is not None


def set_active_master(state: StateWrite, operator: bytes, active: bool) -> None:
    if active:
        state.set(keys.active_master_key(operator), b"")
    else:
        state.delete(keys.active_master_key(operator))


def get_active_workers(state: StateRead) -> int:
    raw = state.get(keys.NETWORK_SIZE_KEY)
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_active_workers(state: StateWrite, count: int) -> None:
    state.set(keys.NETWORK_SIZE_KEY, count.to_bytes(8, "big"))


# -- delegations ---------------------------------------------------------------------


def get_delegation_shares(state: StateRead, delegator: bytes, candidate: bytes) -> int:
    raw = state.get(keys.delegation_key(delegator, candidate))
    return 0 if raw is None else int.from_bytes(raw, "big")


def set_delegation_shares(state: StateWrite, delegator: bytes, candidate: bytes, shares: int) -> None:
    if shares == 0:
        state.delete(keys.delegation_key(delegator, candidate))
    else:
        state.set(keys.delegation_key(delegator, candidate), shares.to_bytes(16, "big"))


def iter_delegations(state: StateRead, delegator: bytes | None = None) -> Iterator[tuple[bytes, bytes, int]]:
    """(delegator, candidate, shares); all of them, or those of ``delegator``."""
    prefix = keys.DELEGATION_PREFIX + (delegator or b"")
    strip = len(keys.DELEGATION_PREFIX)
    for key, raw in state.iter_prefix(prefix):
        body = key[strip:]
        yield body[:_ADDR], body[_ADDR:], int.from_bytes(raw, "big")


# -- unbonding -----------------------------------------------------------------------


def get_unbonding(state: StateRead, delegator: bytes, candidate: bytes) -> list[UnbondingEntry]:
    raw = state.get(keys.unbonding_key(delegator, candidate))
    return [] if raw is None else [UnbondingEntry(*entry) for entry in decode(raw)]


def set_unbonding(state: StateWrite, delegator: bytes, candidate: bytes, entries: list[UnbondingEntry]) -> None:
    if entries:
        state.set(keys.unbonding_key(delegator, candidate), encode([list(_fields(e)) for e in entries]))
        state.set(keys.unbonding_by_candidate_key(candidate, delegator), b"")
    else:
        state.delete(keys.unbonding_key(delegator, candidate))
        state.delete(keys.unbonding_by_candidate_key(candidate, delegator))


def iter_unbondings(state: StateRead, delegator: bytes | None = None) -> Iterator[tuple[bytes, bytes, list[UnbondingEntry]]]:
    prefix = keys.UNBONDING_PREFIX + (delegator or b"")
    strip = len(keys.UNBONDING_PREFIX)
    for key, raw in state.iter_prefix(prefix):
        body = key[strip:]
        yield body[:_ADDR], body[_ADDR:], [UnbondingEntry(*entry) for entry in decode(raw)]


def iter_unbonding_delegators_of(state: StateRead, candidate: bytes) -> Iterator[bytes]:
    prefix = keys.UNBONDING_BY_CANDIDATE_PREFIX + candidate
    for key, _ in state.iter_prefix(prefix):
        yield key[len(prefix):]


def queue_unbonding(state: StateWrite, completion_time: int, delegator: bytes, candidate: bytes) -> None:
    state.set(keys.unbonding_queue_key(completion_time, delegator, candidate), b"")


def pop_matured_unbondings(state: StateWrite, now: int) -> list[tuple[bytes, bytes]]:
    """Remove and return the (delegator, candidate) pairs whose queue time is <= now, oldest first."""
    matured = []
    strip = len(keys.UNBONDING_QUEUE_PREFIX)
    for key, _ in state.iter_prefix(keys.UNBONDING_QUEUE_PREFIX):
        if int.from_bytes(key[strip : strip + 8], "big") > now:
            break
        matured.append(key)
    for key in matured:
        state.delete(key)
    return [(key[strip + 8 : strip + 8 + _ADDR], key[strip + 8 + _ADDR :]) for key in matured]


# -- redelegation --------------------------------------------------------------------


def get_redelegation(state: StateRead, delegator: bytes, source: bytes, destination: bytes) -> list[RedelegationEntry]:
    raw = state.get(keys.redelegation_key(delegator, source, destination))
    return [] if raw is None else [RedelegationEntry(*entry) for entry in decode(raw)]


def set_redelegation(state: StateWrite, delegator: bytes, source: bytes, destination: bytes, entries: list[RedelegationEntry]) -> None:
    if entries:
        state.set(keys.redelegation_key(delegator, source, destination), encode([list(_fields(e)) for e in entries]))
        state.set(keys.redelegation_by_source_key(source, delegator, destination), b"")
    else:
        state.delete(keys.redelegation_key(delegator, source, destination))
        state.delete(keys.redelegation_by_source_key(source, delegator, destination))


def has_incoming_redelegation(state: StateRead, delegator: bytes, destination: bytes) -> bool:
    """Whether ``delegator`` has a maturing redelegation *to* ``destination`` (from any source)."""
    prefix = keys.REDELEGATION_PREFIX + delegator
    for key, _ in state.iter_prefix(prefix):
        if key[len(prefix) + _ADDR :] == destination:
            return True
    return False


def iter_redelegations(state: StateRead, delegator: bytes | None = None) -> Iterator[tuple[bytes, bytes, bytes, list[RedelegationEntry]]]:
    prefix = keys.REDELEGATION_PREFIX + (delegator or b"")
    strip = len(keys.REDELEGATION_PREFIX)
    for key, raw in state.iter_prefix(prefix):
        body = key[strip:]
        yield body[:_ADDR], body[_ADDR : 2 * _ADDR], body[2 * _ADDR :], [RedelegationEntry(*e) for e in decode(raw)]


def queue_redelegation(state: StateWrite, completion_time: int, delegator: bytes, source: bytes, destination: bytes) -> None:
    state.set(keys.redelegation_queue_key(completion_time, delegator, source, destination), b"")


def pop_matured_redelegations(state: StateWrite, now: int) -> list[tuple[bytes, bytes, bytes]]:
    matured = []
    strip = len(keys.REDELEGATION_QUEUE_PREFIX)
    for key, _ in state.iter_prefix(keys.REDELEGATION_QUEUE_PREFIX):
        if int.from_bytes(key[strip : strip + 8], "big") > now:
            break
        matured.append(key)
    for key in matured:
        state.delete(key)
    out = []
    for key in matured:
        body = key[strip + 8 :]
        out.append((body[:_ADDR], body[_ADDR : 2 * _ADDR], body[2 * _ADDR :]))
    return out


# -- the validator set as last sent to CometBFT ----------------------------------------


def iter_validator_set(state: StateRead) -> Iterator[tuple[bytes, bytes, int]]:
    """(operator, consensus pubkey, power) of the current validator set."""
    strip = len(keys.VALIDATOR_SET_PREFIX)
    for key, raw in state.iter_prefix(keys.VALIDATOR_SET_PREFIX):
        pubkey, power = decode(raw)[:2]
        yield key[strip:], pubkey, power


def set_validator(state: StateWrite, operator: bytes, pubkey: bytes, power: int, stake_power: int | None = None) -> None:
    """Store a member of the validator set with its voting power and, when the power cap lowered it, the power
    its stake would give (kept so that slashes follow the stake, not the capped power)."""
    if power == 0:
        state.delete(keys.validator_set_key(operator))
    elif stake_power is None or stake_power == power:
        state.set(keys.validator_set_key(operator), encode([pubkey, power]))
    else:
        state.set(keys.validator_set_key(operator), encode([pubkey, power, stake_power]))


def get_validator_powers(state: StateRead, operator: bytes) -> tuple[int, int] | None:
    """(voting power, stake power) of a member of the validator set, None for a non-member."""
    raw = state.get(keys.validator_set_key(operator))
    if raw is None:
        return None
    record = decode(raw)
    return record[1], record[2] if len(record) > 2 else record[1]


def _fields(entry) -> tuple:
    return tuple(getattr(entry, name) for name in entry.__dataclass_fields__)


def get_sponsor_consent(state: StateRead, master: bytes) -> bytes | None:
    """The super node operator that consents to sponsor ``master`` (registered or not yet), or None."""
    return state.get(keys.sponsor_consent_key(master))


def set_sponsor_consent(state: StateWrite, master: bytes, sponsor: bytes | None) -> None:
    if sponsor is None:
        state.delete(keys.sponsor_consent_key(master))
    else:
        state.set(keys.sponsor_consent_key(master), sponsor)
