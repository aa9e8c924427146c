"""fog/redeem and redemption periods: a request sets FOG aside; at the period's close every request of the period is
burned at one rate, pool / supply at the close (the supply counting FOG minted but not yet settled), and paid in
order, a bounded number per block. FOG credited during a period is redeemable from the next one.

Setup (redeemers_world): in epoch 0, W0 (weight 1) and W1 (weight 2) under MASTER earn 100, 200 and 30 routing
points; the epoch closes at NOW+60 minting 9,000,000 ufog; period 0 closes at NOW+300 with no request. In period 1
each earner's share is redeemable as soon as it is settled (it was minted in period 0).
"""

from __future__ import annotations

import pytest

from abci_app.modules import ROUTES
from abci_app.router import Router
from abci_app.store import MemoryState, Overlay
from chain_modules.common.context import BlockContext
from chain_modules.common.messages import ErrInvalidAddress, ErrInvalidAmount
from chain_modules.compute.api import REVENUE_POOL
from chain_modules.fog import keys
from chain_modules.fog import state as st
from chain_modules.fog.errors import ErrInsufficientFog
from chain_modules.fog.logic import REDEMPTION
from chain_modules.fog.types import MsgRedeem
from tests.modules.fog.helpers import LOCKERS, MASTER, NOW, PARAMS, W0, W1, W2, events_of, make_world, snapshot
from tests.support import signed

EMISSION = PARAMS.emission_per_epoch
POOL = 900_000_000
SHARE_W0 = 100 * EMISSION // 330  # 2,727,272 when W0 settles first
SHARE_W1 = 200 * EMISSION // 330  # 5,454,545 when W1 settles first


def earn_epoch_zero(world) -> None:
    for worker, class_name in ((W0, "small"), (W1, "medium")):
        world.verified(worker, class_name=class_name)
        world.verified(worker, class_name=class_name)
        world.heartbeat(worker)
    world.close_epoch()


def redeemers_world(pool: int = POOL):
    world = make_world(pool=pool)
    earn_epoch_zero(world)
    world.close_period()
    assert st.get_open_period(world.state).index == 1
    return world


def fog_state(world) -> dict[bytes, bytes]:
    return dict(world.state.iter_prefix(keys.PREFIX))


# -- a request ----------------------------------------------------------------------------------------


def test_redeem_settles_the_signer_then_sets_the_fog_aside_until_the_period_closes():
    world = redeemers_world()
    world.state.take_events()
    world.redeem(W0, 1_000_000)

    account = world.account(W0)
    assert (account.balance, account.requested, account.earned) == (SHARE_W0 - 1_000_000, 1_000_000, SHARE_W0)
    ledger = st.get_ledger(world.state)
    assert (ledger.settled, ledger.requested, ledger.burned) == (SHARE_W0 - 1_000_000, 1_000_000, 0)
    period = st.get_open_period(world.state)
    assert (period.requested, period.requests) == (1_000_000, 1)
    assert st.get_request(world.state, 1, 0) == (W0.address, 1_000_000)
    assert events_of(world.state, "fog_redeem_requested") == [
        {"address": W0.bech32, "period": "1", "amount": "1000000ufog", "period_end": str(NOW + 600)}]
    assert world.amio(REVENUE_POOL) == POOL  # nothing paid before the close
    world.check()


def test_every_request_of_a_period_is_paid_at_the_rate_fixed_at_its_close():
    """W1 asks after revenue arrived, W0 before: both get pool / supply at the close."""
    world = redeemers_world()
    w0_amio, w1_amio = world.amio(W0.address), world.amio(W1.address)
    world.redeem(W0, 1_000_000)
    world.pay_revenue(450_000_000)
    world.redeem(W1, 2_000_000)
    world.close_period()

    closed = st.get_closed_period(world.state, 1)
    payout = 3_000_000 * 1_350_000_000 // EMISSION  # requested x pool / supply = 450,000,000
    assert (closed.pool, closed.supply, closed.requested, closed.payout) == (1_350_000_000, EMISSION, 3_000_000, payout)
    paid_w0 = world.amio(W0.address) - w0_amio
    paid_w1 = world.amio(W1.address) - w1_amio
    assert (paid_w0, paid_w1) == (1_000_000 * payout // 3_000_000, payout - 1_000_000 * payout // 3_000_000)
    assert (paid_w0, paid_w1) == (150_000_000, 300_000_000)  # 150 uamio per ufog for both
    assert world.amio(REVENUE_POOL) == 1_350_000_000 - payout and world.amio(REDEMPTION) == 0
    ledger = st.get_ledger(world.state)
    assert (ledger.burned, ledger.requested, ledger.supply) == (3_000_000, 0, EMISSION - 3_000_000)
    assert (world.account(W0).redeemed, world.account(W0).requested) == (1_000_000, 0)
    world.check()


def test_requests_of_one_period_share_the_payout_in_order_and_the_last_takes_the_rest():
    world = redeemers_world(pool=1_000)
    amio_before = {key.name: world.amio(key.address) for key in (W0, W1, MASTER)}
    for key, amount in ((W0, 1), (W1, 1), (MASTER, 1)):
        world.redeem(key, amount)
    world.close_period()
    payout = 3 * 1_000 // EMISSION
    assert payout == 0  # 3 ufog are worth 0.33 uamio: nobody is paid, nothing is created
    assert [world.amio(key.address) - amio_before[key.name] for key in (W0, W1, MASTER)] == [0, 0, 0]
    assert st.get_ledger(world.state).burned == 3
    world.check()


def test_the_supply_at_the_close_counts_fog_minted_but_not_yet_settled():
    world = redeemers_world()
    world.lock(LOCKERS[0], 1_000, 10_000)
    world.heartbeat(W0)
    world.close_epoch()  # a second emission for providers and the locker's ninth, unsettled
    world.redeem(W0, 1_000_000)  # settles W0's two shares (the second minted in this period)
    world.close_period()
    closed = st.get_closed_period(world.state, 1)
    assert closed.supply == 2 * EMISSION + EMISSION // 9
    assert closed.payout == 1_000_000 * POOL // closed.supply
    ledger = st.get_ledger(world.state)
    assert ledger.provider_unsettled > 0 and ledger.locker_unsettled > 0  # counted though nobody holds them yet
    world.check()


def test_a_period_without_requests_burns_and_pays_nothing():
    world = redeemers_world()
    world.close_period()
    closed = st.get_closed_period(world.state, 1)
    assert (closed.requested, closed.payout, closed.requests) == (0, 0, 0)
    assert world.amio(REVENUE_POOL) == POOL and st.get_ledger(world.state).burned == 0
    world.check()


def test_payouts_are_bounded_per_block_and_paid_oldest_first():
    world = redeemers_world()
    for key, amount in ((W0, 100), (W1, 200), (MASTER, 300), (W0, 400), (W1, 500)):
        world.redeem(key, amount)
    world.state.take_events()
    world.close_period()  # the closing block pays two requests (max_redemptions_per_block)
    paid = [event["burned"] for event in events_of(world.state, "fog_redeemed")]
    assert paid == ["100ufog", "200ufog"]
    closed = st.get_closed_period(world.state, 1)
    assert closed.next_request == 2 and st.get_ledger(world.state).paying_period == 1
    owed = closed.payout_remaining
    assert world.amio(REDEMPTION) == owed > 0
    world.check()

    world.state.take_events()
    world.advance(1)
    assert [event["burned"] for event in events_of(world.state, "fog_redeemed")] == ["300ufog", "400ufog"]
    world.state.take_events()
    world.advance(1)
    assert [event["burned"] for event in events_of(world.state, "fog_redeemed")] == ["500ufog"]
    assert st.get_ledger(world.state).paying_period == 2 and world.amio(REDEMPTION) == 0
    assert [request for request in st.iter_requests(world.state)] == []
    world.check()


# -- when FOG becomes redeemable ----------------------------------------------------------------------


def test_fog_credited_during_a_period_is_redeemable_only_from_the_next():
    world = make_world(pool=POOL)
    earn_epoch_zero(world)  # minted at NOW+60, in period 0
    world.settle(W0)
    assert (world.balance(W0), world.account(W0).recent) == (SHARE_W0, SHARE_W0)
    with pytest.raises(ErrInsufficientFog):
        world.redeem(W0, 1)
    world.close_period()
    world.redeem(W0, SHARE_W0)
    assert world.balance(W0) == 0
    world.check()


def test_fog_minted_in_an_earlier_period_is_redeemable_when_settled_later():
    world = redeemers_world()
    assert world.balance(W1) == 0  # not settled yet
    world.redeem(W1, SHARE_W1)  # the handler settles it first; it was minted in period 0
    assert (world.balance(W1), world.account(W1).requested) == (0, SHARE_W1)


def test_old_fog_stays_redeemable_beside_fog_credited_in_this_period():
    world = redeemers_world()
    world.settle(W0)
    world.heartbeat(W0)
    world.close_epoch()  # closes in period 1: W0 and its master's routing share the emission
    world.heartbeat(W0)  # settles it into period 1
    new = 100 * EMISSION // 110
    assert (world.balance(W0), world.account(W0).recent) == (SHARE_W0 + new, new)
    with pytest.raises(ErrInsufficientFog):
        world.redeem(W0, SHARE_W0 + 1)
    world.redeem(W0, SHARE_W0)
    world.close_period()
    world.redeem(W0, new)  # redeemable in period 2
    # the redeem settled the epoch that closed in the block that closed period 1: fog's end-block closes the epoch
    # before the period, so it was minted in period 1 and is redeemable now, in period 2
    assert (world.balance(W0), world.account(W0).recent) == (105 * EMISSION // 115, 0)
    world.redeem(W0, 105 * EMISSION // 115)
    world.check()


# -- invalid requests ---------------------------------------------------------------------------------


def test_invalid_insufficient_fog():
    world = redeemers_world()
    world.settle(W0)
    world.state = Overlay(MemoryState(dict(world.state.iter_prefix(b""))))
    _writes, events, visible = snapshot(world.state)
    with pytest.raises(ErrInsufficientFog, match=rf"{SHARE_W0 + 1}ufog asked, {SHARE_W0}ufog redeemable now"):
        world.redeem(W0, SHARE_W0 + 1)
    assert (list(world.state.events), dict(world.state.iter_prefix(b""))) == (events, visible)


def test_invalid_insufficient_fog_without_any_fog():
    world = redeemers_world()
    world.state = Overlay(MemoryState(dict(world.state.iter_prefix(b""))))
    _writes, events, visible = snapshot(world.state)
    with pytest.raises(ErrInsufficientFog):
        world.redeem(W2, 1)
    assert world.state.writes == {} and (list(world.state.events), dict(world.state.iter_prefix(b""))) == (events, visible)


def run_signed(world, key, body: dict):
    """``body`` as a fog/redeem message of a tx signed by ``key``, through the app's router and routes."""
    raw = signed(key, [(MsgRedeem.TYPE, body)], 0, fee=1_000, gas=100_000)
    ctx = BlockContext("amino-test", world.height, world.now * 1_000_000_000)
    return Router(ROUTES, verify_threads=1).run_tx(world.state, ctx, raw)


def test_invalid_insufficient_fog_through_the_router_undoes_the_settlement_it_made():
    """The handler settles the signer before it checks: the failed tx's overlay drops that too."""
    world = redeemers_world()
    before = fog_state(world)
    result = run_signed(world, W1, {"account": W1.address, "amount": SHARE_W1 + 1})
    assert (result.codespace, result.code) == ("fog", 2)
    assert f"{SHARE_W1}ufog redeemable now" in result.log
    assert fog_state(world) == before
    assert world.amio(W1.address) == 10**9 - 1_000  # the fee is kept


def test_invalid_address():
    world = redeemers_world()
    before = fog_state(world)
    with pytest.raises(ErrInvalidAddress):
        MsgRedeem.from_body({"account": W0.address[:19], "amount": 1})
    result = run_signed(world, W0, {"account": W0.address[:19], "amount": 1})
    assert (result.codespace, result.code) == ("bank", 4)
    assert "field 'account'" in result.log
    assert fog_state(world) == before


def test_invalid_amount():
    world = redeemers_world()
    before = fog_state(world)
    for amount in (0, -5, "7", 2**63):
        with pytest.raises(ErrInvalidAmount):
            MsgRedeem.from_body({"account": W0.address, "amount": amount})
    result = run_signed(world, W0, {"account": W0.address, "amount": 0})
    assert (result.codespace, result.code) == ("bank", 3)
    assert fog_state(world) == before


def test_a_redeem_signed_by_another_account_is_refused():
    world = redeemers_world()
    before = fog_state(world)
    result = run_signed(world, W1, {"account": W0.address, "amount": 1})
    assert (result.codespace, result.code) == ("tx", 14)
    assert fog_state(world) == before


def test_a_valid_redeem_through_the_router_succeeds():
    world = redeemers_world()
    result = run_signed(world, W0, {"account": W0.address, "amount": 5})
    assert result.code == 0, result.log
    assert world.account(W0).requested == 5
    world.check()
