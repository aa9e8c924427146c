"""The locks messages through the real ante checks and router (routes built here, as
abci_app/modules.py lists them): signed, canonically encoded, atomic, fee kept on failure."""

from abci_app.router import Route, Router
from abci_app.store import Overlay
from chain_modules.bank.state import get_balance
from chain_modules.locks.api import LOCKS_POOL, has_api_access
from chain_modules.locks.epoch import end_block
from chain_modules.locks.handlers import handle_buy_api_access, handle_create_lock, handle_withdraw_lock
from chain_modules.locks.invariants import check_all
from chain_modules.locks.state import get_lock
from chain_modules.locks.types import DAY, MsgBuyApiAccess, MsgCreateLock, MsgWithdrawLock
from tests.modules.locks.helpers import ALICE, BOB, MONTH, NOW, context, pre_state
from tests.support import signed

ROUTES = [
    Route("locks", MsgCreateLock, handle_create_lock),
    Route("locks", MsgWithdrawLock, handle_withdraw_lock),
    Route("locks", MsgBuyApiAccess, handle_buy_api_access),
]
FEE = 1_000


def run(router: Router, block: Overlay, now: int, key, msgs, sequence: int):
    raw = signed(key, [(m.TYPE, m.to_body()) for m in msgs], sequence, fee=FEE)
    return router.run_tx(block, context(now), raw)


def test_create_buy_and_withdraw_as_signed_transactions():
    router = Router(ROUTES, verify_threads=1)
    block = pre_state({ALICE.address: 10**9})
    result = run(router, block, NOW, ALICE, [MsgCreateLock(ALICE.address, 1_000, MONTH), MsgBuyApiAccess(ALICE.address, DAY * 10, DAY)], 0)
    assert (result.code, result.log) == (0, "")
    assert result.gas_used > 20_000  # both messages' gas on top of the base
    types = [event.type for event in result.events]
    assert types.count("message") == 2 and "lock_created" in types and "api_access_bought" in types
    assert has_api_access(block, ALICE.address, NOW)
    end_block(block, context(NOW + MONTH))
    result = run(router, block, NOW + MONTH, ALICE, [MsgWithdrawLock(ALICE.address, 1), MsgWithdrawLock(ALICE.address, 2)], 1)
    assert result.code == 0, result.log
    assert get_balance(block, ALICE.address) == 10**9 - 2 * FEE
    assert get_balance(block, LOCKS_POOL) == 0
    check_all(block, NOW + MONTH)


def test_a_failing_lock_message_keeps_the_fee_and_undoes_the_whole_tx():
    router = Router(ROUTES, verify_threads=1)
    block = pre_state({ALICE.address: 10**9})
    result = run(router, block, NOW, ALICE, [MsgCreateLock(ALICE.address, 1_000, MONTH), MsgWithdrawLock(ALICE.address, 1)], 0)
    assert (result.codespace, result.code) == ("locks", 6)
    assert "lock 1 ends at" in result.log
    assert get_lock(block, 1) is None
    assert get_balance(block, ALICE.address) == 10**9 - FEE
    check_all(block, NOW)


def test_only_the_owner_can_sign_a_lock_message():
    router = Router(ROUTES, verify_threads=1)
    block = pre_state({ALICE.address: 10**9, BOB.address: 10**9})
    result = run(router, block, NOW, BOB, [MsgCreateLock(ALICE.address, 1_000, MONTH)], 0)
    assert (result.codespace, result.code) == ("tx", 14)
    assert get_balance(block, ALICE.address) == 10**9
