"""The only code that reads and writes fog keys."""

from __future__ import annotations

from typing import Iterator

from chain_modules.common.encoding import decode, encode
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.fog import keys
from chain_modules.fog.types import (
    Account,
    ClosedEpoch,
    ClosedPeriod,
    Contribution,
    FogParams,
    Ledger,
    LockerShare,
    OpenEpoch,
    OpenPeriod,
)


def get_params(state: StateRead) -> FogParams:
    raw = state.get(keys.PARAMS_KEY)
    return FogParams() if raw is None else FogParams.from_dict(decode(raw))


def set_params(state: StateWrite, params: FogParams) -> None:
    state.set(keys.PARAMS_KEY, encode(params.to_dict()))


def _get(state: StateRead, key: bytes, cls, default=None):
    raw = state.get(key)
    return default if raw is None else cls.from_list(decode(raw))


def get_ledger(state: StateRead) -> Ledger:
    return _get(state, keys.LEDGER_KEY, Ledger, Ledger())


def set_ledger(state: StateWrite, ledger: Ledger) -> None:
    state.set(keys.LEDGER_KEY, encode(ledger.to_list()))


def get_open_epoch(state: StateRead) -> OpenEpoch | None:
    return _get(state, keys.EPOCH_KEY, OpenEpoch)


def set_open_epoch(state: StateWrite, epoch: OpenEpoch) -> None:
    state.set(keys.EPOCH_KEY, encode(epoch.to_list()))


def get_closed_epoch(state: StateRead, index: int) -> ClosedEpoch | None:
    return _get(state, keys.epoch_key(index), ClosedEpoch)


def set_closed_epoch(state: StateWrite, index: int, epoch: ClosedEpoch) -> None:
    state.set(keys.epoch_key(index), encode(epoch.to_list()))


def iter_closed_epochs(state: StateRead) -> Iterator[tuple[int, ClosedEpoch]]:
    for key, raw in state.iter_prefix(keys.EPOCH_PREFIX):
        yield int.from_bytes(key[len(keys.EPOCH_PREFIX):], "big"), ClosedEpoch.from_list(decode(raw))


def get_open_period(state: StateRead) -> OpenPeriod | None:
    return _get(state, keys.PERIOD_KEY, OpenPeriod)


def set_open_period(state: StateWrite, period: OpenPeriod) -> None:
    state.set(keys.PERIOD_KEY, encode(period.to_list()))


def get_closed_period(state: StateRead, index: int) -> ClosedPeriod | None:
    return _get(state, keys.period_key(index), ClosedPeriod)


def set_closed_period(state: StateWrite, index: int, period: ClosedPeriod) -> None:
    state.set(keys.period_key(index), encode(period.to_list()))


def iter_unpaid_periods(state: StateRead) -> Iterator[tuple[int, ClosedPeriod]]:
    """Closed periods with requests still to pay, oldest first (paid-out periods keep their record)."""
    for key, raw in state.iter_prefix(keys.PERIOD_PREFIX):
        period = ClosedPeriod.from_list(decode(raw))
        if period.next_request < period.requests:
            yield int.from_bytes(key[len(keys.PERIOD_PREFIX):], "big"), period


def get_account(state: StateRead, address: bytes) -> Account:
    return _get(state, keys.account_key(address), Account, Account())


def set_account(state: StateWrite, address: bytes, account: Account) -> None:
    state.set(keys.account_key(address), encode(account.to_list()))


def iter_accounts(state: StateRead) -> Iterator[tuple[bytes, Account]]:
    for key, raw in state.iter_prefix(keys.ACCOUNT_PREFIX):
        yield key[len(keys.ACCOUNT_PREFIX):], Account.from_list(decode(raw))


def get_contribution(state: StateRead, address: bytes) -> Contribution | None:
    return _get(state, keys.contribution_key(address), Contribution)


def set_contribution(state: StateWrite, address: bytes, contribution: Contribution) -> None:
    state.set(keys.contribution_key(address), encode(contribution.to_list()))


def iter_contributions(state: StateRead) -> Iterator[tuple[bytes, Contribution]]:
    for key, raw in state.iter_prefix(keys.CONTRIBUTION_PREFIX):
        yield key[len(keys.CONTRIBUTION_PREFIX):], Contribution.from_list(decode(raw))


def get_share(state: StateRead, owner: bytes, lock_id: int) -> LockerShare | None:
    return _get(state, keys.lock_key(owner, lock_id), LockerShare)


def set_share(state: StateWrite, owner: bytes, lock_id: int, share: LockerShare) -> None:
    state.set(keys.lock_key(owner, lock_id), encode(share.to_list()))


def delete_share(state: StateWrite, owner: bytes, lock_id: int) -> None:
    state.delete(keys.lock_key(owner, lock_id))


def iter_shares(state: StateRead, owner: bytes | None = None) -> Iterator[tuple[bytes, int, LockerShare]]:
    prefix = keys.LOCK_PREFIX if owner is None else keys.owner_locks_prefix(owner)
    for key, raw in state.iter_prefix(prefix):
        rest = key[len(keys.LOCK_PREFIX):]
        yield rest[:20], int.from_bytes(rest[20:], "big"), LockerShare.from_list(decode(raw))


def get_request(state: StateRead, period: int, sequence: int) -> tuple[bytes, int] | None:
    raw = state.get(keys.request_key(period, sequence))
    if raw is None:
        return None
    address, amount = decode(raw)
    return address, amount


def set_request(state: StateWrite, period: int, sequence: int, address: bytes, amount: int) -> None:
    state.set(keys.request_key(period, sequence), encode([address, amount]))


def delete_request(state: StateWrite, period: int, sequence: int) -> None:
    state.delete(keys.request_key(period, sequence))


def iter_requests(state: StateRead) -> Iterator[tuple[int, int, bytes, int]]:
    for key, raw in state.iter_prefix(keys.REQUEST_PREFIX):
        rest = key[len(keys.REQUEST_PREFIX):]
        address, amount = decode(raw)
        yield int.from_bytes(rest[:8], "big"), int.from_bytes(rest[8:], "big"), address, amount


def add_probe_draw(state: StateWrite, height: int, worker: bytes) -> None:
    state.set(keys.probe_draw_key(height, worker), b"")


def delete_probe_draw(state: StateWrite, height: int, worker: bytes) -> None:
    state.delete(keys.probe_draw_key(height, worker))


def iter_probe_draws(state: StateRead) -> Iterator[tuple[int, bytes]]:
    """(height, worker) of the waiting probe draws, oldest first."""
    start = len(keys.PROBE_DRAW_PREFIX)
    for key, _raw in state.iter_prefix(keys.PROBE_DRAW_PREFIX):
        yield int.from_bytes(key[start:start + 8], "big"), key[start + 8:]
