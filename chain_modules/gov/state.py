"""The only code that reads and writes gov keys."""

from __future__ import annotations

from typing import Iterator

from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.gov import keys
from chain_modules.gov.types import OPTIONS, GovParams, Proposal

_ID = 8
_ADDRESS = 20


def get_params(state: StateRead) -> GovParams:
    raw = state.get(keys.PARAMS_KEY)
    return GovParams() if raw is None else GovParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: GovParams) -> None:
    state.set(keys.PARAMS_KEY, encode(params.to_dict()))


def _get_int(state: StateRead, key: bytes) -> int:
    raw = state.get(key)
    return 0 if raw is None else int.from_bytes(raw, "big")


def _set_int(state: StateWrite, key: bytes, value: int) -> None:
    assert value >= 0, f"gov counter {key!r} went negative"
    if value == 0:
        state.delete(key)
    else:
        state.set(key, value.to_bytes(16, "big"))


# -- proposals -----------------------------------------------------------------------------------------


def peek_next_id(state: StateRead) -> int:
    return _get_int(state, keys.NEXT_ID_KEY) + 1


def take_next_id(state: StateWrite) -> int:
    """The next proposal id (ids start at 1)."""
    proposal_id = _get_int(state, keys.NEXT_ID_KEY) + 1
    _set_int(state, keys.NEXT_ID_KEY, proposal_id)
    return proposal_id


def get_proposal(state: StateRead, proposal_id: int) -> Proposal | None:
    raw = state.get(keys.proposal_key(proposal_id))
    return None if raw is None else Proposal.from_list(proposal_id, decode(raw))


def set_proposal(state: StateWrite, proposal: Proposal) -> None:
    state.set(keys.proposal_key(proposal.id), encode(proposal.to_list()))


def iter_proposals(state: StateRead) -> Iterator[Proposal]:
    for key, raw in state.iter_prefix(keys.PROPOSAL_PREFIX):
        yield Proposal.from_list(int.from_bytes(key[len(keys.PROPOSAL_PREFIX):], "big"), decode(raw))


def get_voting_count(state: StateRead) -> int:
    return _get_int(state, keys.VOTING_COUNT_KEY)


def set_voting_count(state: StateWrite, count: int) -> None:
    _set_int(state, keys.VOTING_COUNT_KEY, count)


# -- deposits ----------------------------------------------------------------------------------------------


def get_deposit(state: StateRead, proposal_id: int, depositor: bytes) -> int:
    return _get_int(state, keys.deposit_key(proposal_id, depositor))


def set_deposit(state: StateWrite, proposal_id: int, depositor: bytes, amount: int) -> None:
    _set_int(state, keys.deposit_key(proposal_id, depositor), amount)


def iter_deposits(state: StateRead, proposal_id: int | None = None) -> Iterator[tuple[int, bytes, int]]:
    """(proposal id, depositor, uamio), of one proposal or all."""
    prefix = keys.DEPOSIT_PREFIX + (b"" if proposal_id is None else keys.u64(proposal_id))
    for key, raw in state.iter_prefix(prefix):
        body = key[len(keys.DEPOSIT_PREFIX):]
        yield int.from_bytes(body[:_ID], "big"), body[_ID:], int.from_bytes(raw, "big")


# -- the period queues -------------------------------------------------------------------------------------


def queue(state: StateWrite, voting: bool, end: int, proposal_id: int) -> None:
    state.set((keys.voting_queue_key if voting else keys.deposit_queue_key)(end, proposal_id), b"")


def unqueue(state: StateWrite, voting: bool, end: int, proposal_id: int) -> None:
    state.delete((keys.voting_queue_key if voting else keys.deposit_queue_key)(end, proposal_id))


def iter_queue(state: StateRead, voting: bool) -> Iterator[tuple[int, int]]:
    """(end, proposal id) of the proposals in their deposit (or voting) period, soonest end first."""
    prefix = keys.VOTING_QUEUE_PREFIX if voting else keys.DEPOSIT_QUEUE_PREFIX
    for key, _raw in state.iter_prefix(prefix):
        body = key[len(prefix):]
        yield int.from_bytes(body[:_ID], "big"), int.from_bytes(body[_ID:], "big")


# -- votes and the running tally ------------------------------------------------------------------------


def get_tally(state: StateRead, proposal_id: int) -> list[int]:
    raw = state.get(keys.tally_key(proposal_id))
    return [0] * len(OPTIONS) if raw is None else decode(raw)


def set_tally(state: StateWrite, proposal_id: int, tally: list[int]) -> None:
    assert all(value >= 0 for value in tally), "a tally went negative"
    state.set(keys.tally_key(proposal_id), encode(list(tally)))


def get_vote(state: StateRead, proposal_id: int, voter: bytes) -> tuple[str, int] | None:
    """(option, investor-locked uamio counted for the voter)."""
    raw = state.get(keys.vote_key(proposal_id, voter))
    if raw is None:
        return None
    option, locked = decode(raw)
    return option, locked


def set_vote(state: StateWrite, proposal_id: int, voter: bytes, option: str, locked: int) -> None:
    state.set(keys.vote_key(proposal_id, voter), encode([option, locked]))


def delete_vote(state: StateWrite, proposal_id: int, voter: bytes) -> None:
    state.delete(keys.vote_key(proposal_id, voter))


def iter_votes(state: StateRead, proposal_id: int) -> Iterator[tuple[bytes, str, int]]:
    prefix = keys.VOTE_PREFIX + keys.u64(proposal_id)
    for key, raw in state.iter_prefix(prefix):
        option, locked = decode(raw)
        yield key[len(prefix):], option, locked


def get_vote_shares(state: StateRead, proposal_id: int, voter: bytes, candidate: bytes) -> int:
    return _get_int(state, keys.vote_shares_key(proposal_id, voter, candidate))


def set_vote_shares(state: StateWrite, proposal_id: int, voter: bytes, candidate: bytes, shares: int) -> None:
    _set_int(state, keys.vote_shares_key(proposal_id, voter, candidate), shares)


def iter_vote_shares(state: StateRead, proposal_id: int, voter: bytes) -> Iterator[tuple[bytes, int]]:
    """(candidate, shares counted) of one voter's delegations on one proposal."""
    prefix = keys.VOTE_SHARES_PREFIX + keys.u64(proposal_id) + voter
    for key, raw in state.iter_prefix(prefix):
        yield key[len(prefix):], int.from_bytes(raw, "big")


def get_candidate_record(state: StateRead, proposal_id: int, candidate: bytes) -> list[int] | None:
    """[voted shares by option (4), tokens counted by option (4)] of a candidate on one proposal."""
    raw = state.get(keys.candidate_key(proposal_id, candidate))
    return None if raw is None else decode(raw)


def set_candidate_record(state: StateWrite, proposal_id: int, candidate: bytes, record: list[int] | None) -> None:
    if record is None:
        state.delete(keys.candidate_key(proposal_id, candidate))
    else:
        state.set(keys.candidate_key(proposal_id, candidate), encode(list(record)))


def iter_candidate_records(state: StateRead, proposal_id: int) -> Iterator[tuple[bytes, list[int]]]:
    prefix = keys.CANDIDATE_PREFIX + keys.u64(proposal_id)
    for key, raw in state.iter_prefix(prefix):
        yield key[len(prefix):], decode(raw)


# -- upgrade plans -------------------------------------------------------------------------------------


def get_upgrade_plan(state: StateRead) -> tuple[str, int, int] | None:
    raw = state.get(keys.UPGRADE_KEY)
    if raw is None:
        return None
    name, height, proposal_id = decode(raw)
    return name, height, proposal_id


def set_upgrade_plan(state: StateWrite, name: str, height: int, proposal_id: int) -> None:
    state.set(keys.UPGRADE_KEY, encode([name, height, proposal_id]))


def clear_upgrade_plan(state: StateWrite) -> None:
    state.delete(keys.UPGRADE_KEY)


def get_upgrade_done(state: StateRead, name: str) -> int | None:
    raw = state.get(keys.done_key(name))
    return None if raw is None else int.from_bytes(raw, "big")


def iter_upgrades_done(state: StateRead) -> Iterator[tuple[str, int]]:
    for key, raw in state.iter_prefix(keys.DONE_PREFIX):
        yield key[len(keys.DONE_PREFIX):].decode(), int.from_bytes(raw, "big")


def set_upgrade_done(state: StateWrite, name: str, height: int) -> None:
    state.set(keys.done_key(name), keys.u64(height))
