"""F1 fee distribution (docs/modules/distribution.md).

Per candidate: a current period with the rewards accumulated in it, and for
every closed period the cumulative reward ratio (uamio per bonded token,
fixed point RATIO_SCALE). A delegation remembers the period it started in
and its stake; its rewards are stake x (ratio[end] - ratio[start]). So a
block's fees are allocated in O(validators) work, and a delegator's rewards
are computed only when its delegation changes or it withdraws.

Rounding: every payout is rounded down; what is allocated to a candidate
and not (yet) paid stays in its ``outstanding`` amount, and when the last
delegation of a candidate ends, the dust left goes to the community amount.
Nothing is created or lost: the distribution pool's balance always equals
the sum of outstanding amounts plus the community amount.
"""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.distribution import state as st
from chain_modules.distribution.types import RATIO_SCALE
from chain_modules.staking import api as staking_api

DISTRIBUTION_POOL = bank_api.module_address("distribution")
BPS = 10_000


# -- periods ---------------------------------------------------------------------------


def initialize_candidate(state: StateWrite, operator: bytes) -> None:
    """Period 0 has ratio 0; the candidate accrues into period 1."""
    st.set_historical(state, operator, 0, 0, 1)
    st.set_current(state, operator, 1, 0)


def _closing_ratio(state: StateRead, operator: bytes) -> tuple[int, int, int]:
    """(current period, ratio the current period would close at, rewards that ratio cannot express)."""
    current = st.get_current(state, operator)
    assert current is not None, "candidate without distribution records"
    period, rewards = current
    previous_ratio, _refs = st.get_historical(state, operator, period - 1)
    candidate = staking_api.get_candidate(state, operator)
    tokens = candidate.tokens if candidate else 0
    if tokens == 0:
        return period, previous_ratio, rewards  # nobody to pay: goes to the community amount
    return period, previous_ratio + rewards * RATIO_SCALE // tokens, 0


def increment_period(state: StateWrite, operator: bytes) -> int:
    """Close the current period at the candidate's current tokens; return the closed period."""
    period, ratio, unpayable = _closing_ratio(state, operator)
    if unpayable:
        st.set_outstanding(state, operator, st.get_outstanding(state, operator) - unpayable)
        st.set_community(state, st.get_community(state) + unpayable)
    _release(state, operator, period - 1)
    st.set_historical(state, operator, period, ratio, 1)
    st.set_current(state, operator, period + 1, 0)
    return period


def _retain(state: StateWrite, operator: bytes, period: int) -> None:
    ratio, references = st.get_historical(state, operator, period)
    st.set_historical(state, operator, period, ratio, references + 1)


def _release(state: StateWrite, operator: bytes, period: int) -> None:
    ratio, references = st.get_historical(state, operator, period)
    st.set_historical(state, operator, period, ratio, references - 1)


# -- delegations -------------------------------------------------------------------------


def _rewards_between(state: StateRead, operator: bytes, start_period: int, stake: int, end_period: int | None, end_ratio: int) -> int:
    """stake x ratio increase from start to end, with the stake reduced at every slash in between."""
    rewards = 0
    ratio, _refs = st.get_historical(state, operator, start_period)
    for period, removed, tokens_before in st.iter_slash_events(state, operator, start_period + 1, end_period):
        slash_ratio, _refs = st.get_historical(state, operator, period)
        rewards += stake * (slash_ratio - ratio) // RATIO_SCALE
        stake -= -(-stake * removed // tokens_before)  # the stake loses its share of the slash (rounded up)
        ratio = slash_ratio
    return rewards + stake * (end_ratio - ratio) // RATIO_SCALE


def pending_rewards(state: StateRead, delegator: bytes, operator: bytes) -> int:
    """Rewards a withdrawal would pay now (read-only)."""
    starting = st.get_starting(state, delegator, operator)
    if starting is None:
        return 0
    start_period, stake = starting
    _period, end_ratio, _unpayable = _closing_ratio(state, operator)
    return _rewards_between(state, operator, start_period, stake, None, end_ratio)


def withdraw_delegation_rewards(state: StateWrite, delegator: bytes, operator: bytes) -> int:
    """Pay the rewards of one delegation and end its reward interval; returns the amount paid."""
    starting = st.get_starting(state, delegator, operator)
    if starting is None:
        return 0
    start_period, stake = starting
    end_period = increment_period(state, operator)
    end_ratio, _refs = st.get_historical(state, operator, end_period)
    rewards = _rewards_between(state, operator, start_period, stake, end_period, end_ratio)
    _release(state, operator, start_period)
    st.delete_starting(state, delegator, operator)
    if rewards:
        st.set_outstanding(state, operator, st.get_outstanding(state, operator) - rewards)
        bank_api.transfer_module(state, DISTRIBUTION_POOL, delegator, rewards)
    return rewards


def start_interval(state: StateWrite, delegator: bytes, operator: bytes) -> None:
    """Begin a new reward interval with the delegation's current value as stake.

    A delegation that still holds shares gets an interval even when they are worth nothing now (a heavy slash):
    rounding in later undelegations can give those shares value again, and a delegation with value must always
    have an interval (tests/invariants/test_rewards_and_slashing.py)."""
    stake = staking_api.delegation_tokens(state, delegator, operator)
    if staking_api.get_delegation_shares(state, delegator, operator) == 0:
        _sweep_if_empty(state, operator)
        return
    current = st.get_current(state, operator)
    assert current is not None
    previous = current[0] - 1
    _retain(state, operator, previous)
    st.set_starting(state, delegator, operator, previous, stake)


def _sweep_if_empty(state: StateWrite, operator: bytes) -> None:
    """A candidate with no tokens left owes nothing to delegators: its dust goes to the community amount."""
    candidate = staking_api.get_candidate(state, operator)
    if candidate is not None and candidate.shares == 0:
        dust = st.get_outstanding(state, operator) - st.get_commission(state, operator)
        if dust > 0:
            st.set_outstanding(state, operator, st.get_outstanding(state, operator) - dust)
            st.set_community(state, st.get_community(state) + dust)


# -- allocation ----------------------------------------------------------------------------


def allocate(state: StateWrite, fee_collector: bytes, signers: list[tuple[bytes, int]]) -> None:
    """Move the collected fees to the validators that signed the last block, by voting power.

    ``signers`` are (consensus address, power). Commission goes to the
    operator's commission; the rest accrues to the candidate's current period.
    Remainders of the integer split go to the community amount.
    """
    fees = bank_api.get_balance(state, fee_collector)
    if fees == 0:
        return
    recipients = []
    for address, power in sorted(signers):
        operator = staking_api.get_operator_by_consensus_address(state, address)
        if operator is not None and power > 0 and st.get_current(state, operator) is not None:
            recipients.append((operator, power))
    if not recipients:
        return  # e.g. the first block: the fees wait in the collector for a block with signers
    bank_api.transfer_module(state, fee_collector, DISTRIBUTION_POOL, fees)
    total_power = sum(power for _operator, power in recipients)
    paid = 0
    for operator, power in recipients:
        share = fees * power // total_power
        candidate = staking_api.get_candidate(state, operator)
        assert candidate is not None
        commission = share * candidate.commission_bps // BPS
        st.set_commission(state, operator, st.get_commission(state, operator) + commission)
        period, rewards = st.get_current(state, operator)  # type: ignore[misc]
        st.set_current(state, operator, period, rewards + share - commission)
        st.set_outstanding(state, operator, st.get_outstanding(state, operator) + share)
        paid += share
    st.set_community(state, st.get_community(state) + fees - paid)


def withdraw_commission(state: StateWrite, operator: bytes) -> int:
    amount = st.get_commission(state, operator)
    if amount:
        st.set_commission(state, operator, 0)
        st.set_outstanding(state, operator, st.get_outstanding(state, operator) - amount)
        bank_api.transfer_module(state, DISTRIBUTION_POOL, operator, amount)
    return amount


def record_slash(state: StateWrite, operator: bytes, removed: int, tokens_before: int) -> None:
    """Close the period at the pre-slash tokens and remember the fraction every stake lost in it."""
    period = increment_period(state, operator)
    _retain(state, operator, period)  # the ratio at a slash stays readable for every older delegation
    st.set_slash_event(state, operator, period, removed, tokens_before)


def add_to_community(state: StateWrite, amount: int) -> None:
    """Credit tokens a module moved into the distribution pool (slashed stake) to the community amount."""
    st.set_community(state, st.get_community(state) + amount)


def community_pool(state: StateRead) -> int:
    """Uamio in the community pool (slashed stake, rounding dust, burned governance deposits)."""
    return st.get_community(state)


def spend_community(state: StateWrite, recipient: bytes, amount: int) -> None:
    """Pay ``amount`` of the community pool to ``recipient`` (governance's community spend). The caller checks
    ``community_pool`` first; asking for more is a bug."""
    community = st.get_community(state)
    assert 0 < amount <= community, "community spend above the pool"
    st.set_community(state, community - amount)
    bank_api.transfer_module(state, DISTRIBUTION_POOL, recipient, amount)


class DistributionHooks:
    """The staking hooks of distribution (registered by the app)."""

    def after_candidate_created(self, state: StateWrite, operator: bytes) -> None:
        initialize_candidate(state, operator)

    def before_delegation_modified(self, state: StateWrite, delegator: bytes, operator: bytes) -> None:
        if st.get_starting(state, delegator, operator) is not None:
            withdraw_delegation_rewards(state, delegator, operator)
        else:
            increment_period(state, operator)

    def after_delegation_modified(self, state: StateWrite, delegator: bytes, operator: bytes) -> None:
        start_interval(state, delegator, operator)

    def before_candidate_slashed(self, state: StateWrite, operator: bytes, removed: int, tokens_before: int) -> None:
        record_slash(state, operator, removed, tokens_before)
