"""fog invariants, checked by tests after every block and on an exported genesis."""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.state import StateRead
from chain_modules.fog import state as st
from chain_modules.fog.logic import REDEMPTION


def check_supply(state: StateRead) -> None:
    """minted - burned = balances + unsettled (providers and lockers) + requested in the open period; the
    counters agree with the records they sum."""
    ledger = st.get_ledger(state)
    balances = 0
    requested = 0
    for _address, account in st.iter_accounts(state):
        assert account.balance >= 0 and account.requested >= 0, "a negative FOG balance"
        balances += account.balance
        requested += account.requested
    assert balances == ledger.settled, f"balances {balances} != settled {ledger.settled}"
    assert ledger.supply == ledger.settled + ledger.provider_unsettled + ledger.locker_unsettled + ledger.requested, \
        "FOG minted - burned != settled + unsettled + requested"
    unsettled = 0
    for _index, epoch in st.iter_closed_epochs(state):
        assert 0 <= epoch.remaining <= epoch.emission and 0 <= epoch.points_remaining <= epoch.points
        assert epoch.points_remaining > 0 or epoch.remaining == 0, "an epoch fully settled still holds FOG"
        unsettled += epoch.remaining
    assert unsettled == ledger.provider_unsettled, "closed epochs' remaining != provider_unsettled"
    owed = 0
    for index, period in st.iter_unpaid_periods(state):
        owed += period.payout_remaining
    assert bank_api.get_balance(state, REDEMPTION) == owed, "the redemption account != payouts still owed"
    open_period = st.get_open_period(state)
    pending = sum(amount for period, _seq, _address, amount in st.iter_requests(state))
    assert pending == requested, "requests on record != the accounts' requested FOG"
    assert open_period.requested == ledger.requested


def check_points(state: StateRead) -> None:
    """The open epoch's points are the sum of its earners' points."""
    epoch = st.get_open_epoch(state)
    total = sum(record.points for _address, record in st.iter_contributions(state) if record.epoch == epoch.index)
    assert total == epoch.points, f"earners' points {total} != the epoch's {epoch.points}"
