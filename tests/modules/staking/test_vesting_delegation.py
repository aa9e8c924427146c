"""Delegating vesting funds: locked tokens may be bonded, are used before free ones, and come back locked.

Eve holds 1200 uamio of which 1000 vest linearly over 30 days from NOW; 200 are free.
"""

import pytest

from chain_modules.bank import api as bank_api
from chain_modules.bank.errors import ErrInsufficientFunds, ErrLockedByVesting
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.keys import delegated_vesting_key
from chain_modules.bank.state import get_delegated_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.staking import state as st
from chain_modules.staking.epoch import end_block
from chain_modules.staking.handlers import handle_create_super_node, handle_delegate, handle_undelegate
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.types import MsgDelegate, MsgUndelegate
from tests.modules.staking.helpers import (
    ALICE,
    BOB,
    EVE,
    NOW,
    PARAMS,
    balances,
    context,
    create_msg,
    pre_state,
    rejects,
)

MONTH = 30 * 86_400
UNBONDED = NOW + PARAMS.unbonding_seconds  # when an undelegation made at NOW completes


def eve_vesting(start: int = NOW, end: int = NOW + MONTH):
    schedule = VestingSchedule("linear", 1_000, start, end)
    return pre_state(
        {ALICE.address: 5_000, BOB.address: 1_000, EVE.address: 1_200},
        candidates={ALICE: 2_000},
        vesting={EVE.address: schedule},
    )


def spendable(state, address, now=NOW):
    return bank_api.spendable(state, address, now)


def delegate(state, amount, now=NOW, delegator=EVE):
    handle_delegate(state, context(now), MsgDelegate(delegator.address, ALICE.address, amount))


def undelegate_and_complete(state, amount, now=NOW, delegator=EVE):
    handle_undelegate(state, context(now), MsgUndelegate(delegator.address, ALICE.address, amount))
    end_block(state, context(now + PARAMS.unbonding_seconds, height=8))


def test_vesting_account_starts_with_only_its_free_part_spendable():
    state = eve_vesting()
    assert spendable(state, EVE.address) == 200
    assert bank_api.locked_amount(state, EVE.address, NOW) == 1_000


def test_vesting_account_can_delegate_locked_tokens_and_keeps_its_spendable_balance():
    state = eve_vesting()
    delegate(state, 700)
    assert balances(state, EVE.address) == [500]
    assert get_delegated_vesting(state, EVE.address) == (700, 0)
    assert bank_api.locked_amount(state, EVE.address, NOW) == 300
    assert spendable(state, EVE.address) == 200
    assert st.get_delegation_shares(state, EVE.address, ALICE.address) == 700
    check_pools(state)
    check_supply(state)


def test_vesting_account_delegating_more_than_its_locked_part_takes_the_rest_from_the_free_part():
    state = eve_vesting()
    delegate(state, 1_100)
    assert get_delegated_vesting(state, EVE.address) == (1_000, 100)
    assert balances(state, EVE.address) == [100]
    assert spendable(state, EVE.address) == 100


def test_vesting_account_cannot_delegate_more_than_its_balance():
    state = eve_vesting()
    _error, child = rejects(state, handle_delegate, MsgDelegate(EVE.address, ALICE.address, 1_201), ErrInsufficientFunds)
    assert child.writes == {}
    assert state.get(delegated_vesting_key(EVE.address)) is None


def test_vesting_operator_can_self_bond_locked_tokens():
    state = eve_vesting()
    handle_create_super_node(state, context(), create_msg(EVE, 1_000))
    assert st.get_candidate(state, EVE.address).tokens == 1_000
    assert get_delegated_vesting(state, EVE.address) == (1_000, 0)
    assert spendable(state, EVE.address) == 200


def test_undelegated_tokens_come_back_locked_while_the_schedule_still_locks_them():
    state = eve_vesting()
    delegate(state, 700)
    undelegate_and_complete(state, 700)
    assert balances(state, EVE.address) == [1_200]
    assert get_delegated_vesting(state, EVE.address) == (0, 0)
    assert state.get(delegated_vesting_key(EVE.address)) is None
    assert spendable(state, EVE.address, UNBONDED) == 200
    with pytest.raises(ErrLockedByVesting):
        bank_api.withdraw(state, EVE.address, 201, UNBONDED)


def test_undelegation_returns_the_free_part_first():
    state = eve_vesting()
    delegate(state, 1_100)
    undelegate_and_complete(state, 100)
    assert get_delegated_vesting(state, EVE.address) == (1_000, 0)
    assert balances(state, EVE.address) == [200]
    assert spendable(state, EVE.address, UNBONDED) == 200
    undelegate_and_complete(state, 1_000, now=UNBONDED)
    assert get_delegated_vesting(state, EVE.address) == (0, 0)
    assert balances(state, EVE.address) == [1_200]
    assert spendable(state, EVE.address, UNBONDED + PARAMS.unbonding_seconds) == 200


def test_delegating_does_not_delay_unlocking():
    state = eve_vesting()
    delegate(state, 1_000)
    halfway = NOW + MONTH // 2
    undelegate_and_complete(state, 1_000, now=halfway)
    # 100 s past the midpoint 500.03 uamio have unlocked: 500 after rounding down
    assert bank_api.locked_amount(state, EVE.address, halfway + PARAMS.unbonding_seconds) == 500
    assert spendable(state, EVE.address, halfway + PARAMS.unbonding_seconds) == 700


def test_undelegated_tokens_come_back_free_once_the_schedule_has_ended():
    state = eve_vesting(start=NOW, end=UNBONDED)
    delegate(state, 1_000)
    undelegate_and_complete(state, 1_000)
    assert balances(state, EVE.address) == [1_200]
    assert spendable(state, EVE.address, UNBONDED) == 1_200


def test_free_account_delegates_and_gets_its_tokens_back_without_vesting_records():
    state = eve_vesting()
    delegate(state, 400, delegator=BOB)
    assert state.get(delegated_vesting_key(BOB.address)) is None
    assert spendable(state, BOB.address) == 600
    undelegate_and_complete(state, 400, delegator=BOB)
    assert state.get(delegated_vesting_key(BOB.address)) is None
    assert balances(state, BOB.address) == [1_000]
    assert spendable(state, BOB.address, UNBONDED) == 1_000
