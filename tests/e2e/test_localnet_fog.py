"""FOG end to end on a real localnet: workers run tasks for several epochs and earn FOG exactly as the chain's
formula says, a locker receives the lockers' share, and three accounts that redeem in the same period are paid
at one rate fixed at its close.

The localnet's fog params: 30 s epochs, 3 windows, 120 s redemption periods (localnet/launcher.py).
"""

from __future__ import annotations

import pytest

from chain_modules.common.address import decode_address
from chain_modules.fog.types import LOCKER_DIVISOR, MsgRedeem
from chain_modules.locks.types import MsgCreateLock
from client.rpc import CometRpc
from localnet.services import MASTER, ComputeServices
from tests.e2e.helpers import events_of, query, send, wait_until
from wasm_jobs.examples import EXAMPLES, build

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

LOCK_AMOUNT = 50_000 * 1_000_000


def events(services: ComputeServices, kind: str) -> list[dict]:
    return events_of(CometRpc(services.net.rpc_url(0)), kind)


def amount(text: str) -> int:
    return int(text.removesuffix("ufog").removesuffix("uamio"))


def test_workers_earn_fog_by_the_formula_a_locker_gets_its_share_and_redemptions_share_one_rate(services):
    alice = services.address("alice")
    send(services, "alice", MsgCreateLock(decode_address(alice), LOCK_AMOUNT, 40 * 86_400))
    first_epoch = query(services, "/fog/epoch")["epoch"]

    # tasks over several epochs: every worker proves the small class and earns work and availability points
    from client.tasks import TaskClient

    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    customer = TaskClient(services.client("bob"))
    for _ in range(3):
        summary = customer.run(build("hash_chain"), sample, class_name="small", replicas=3, timeout=300)
        assert summary.state == "settled" and summary.output == expected_fn(sample)
    wait_until(lambda: query(services, "/fog/epoch")["epoch"] >= first_epoch + 4, 240, "four epochs to close")

    workers = {name: services.address(name) for name in ("worker0", "worker1", "worker2")}
    # every worker's FOG is settled, shown, and grows with the epochs
    for name, address in workers.items():
        balance = query(services, f"/fog/balance/{address}")
        assert balance["balance"] + balance["unsettled"] > 0, (name, balance)

    # the settlement formula, replayed from the chain's events: amount = points x remaining / points_remaining
    closed = {int(e["epoch"]): e for e in events(services, "fog_epoch_closed")}
    remaining = {epoch: (amount(e["emission"]), int(e["points"])) for epoch, e in closed.items()}
    for settled in events(services, "fog_settled"):
        epoch, points, got = int(settled["epoch"]), int(settled["points"]), amount(settled["amount"])
        left, points_left = remaining[epoch]
        assert got == points * left // points_left, settled
        remaining[epoch] = (left - got, points_left - points)
    assert any(e["emission"] != "0ufog" for e in closed.values())

    # the locker: its settled share is the lockers' part of the closed epochs it was locked through (it is the
    # only locker), less at most one ufog of rounding per epoch
    locker = sum(amount(e["amount"]) for e in events(services, "fog_locker_settled") if e["owner"] == alice)
    balance = query(services, f"/fog/balance/{alice}")
    owed = locker + balance["unsettled"]
    lockers_part = sum(amount(e["locker_emission"]) for epoch, e in closed.items() if epoch > first_epoch)
    assert owed > 0 and lockers_part - len(closed) <= owed <= sum(amount(e["locker_emission"]) for e in closed.values())
    assert all(amount(e["locker_emission"]) == amount(e["emission"]) // LOCKER_DIVISOR
               or amount(e["locker_emission"]) == (amount(e["emission"]) + 8) // LOCKER_DIVISOR
               for e in closed.values() if e["locked_seconds"] != "0")

    # three accounts redeem in one period: the worker, the master and the locker
    redeemers = {"worker0": workers["worker0"], MASTER: services.address(MASTER), "alice": alice}
    wait_until(lambda: all(query(services, f"/fog/balance/{a}")["redeemable"] > 1 for a in redeemers.values()), 300,
               "FOG redeemable by all three (credited before the current period)")
    period = query(services, "/fog/redemption")["period"]
    asked = {}
    for name, address in redeemers.items():
        asked[address] = query(services, f"/fog/balance/{address}")["redeemable"] // 2
        send(services, name, MsgRedeem(decode_address(address), asked[address]))
    assert query(services, "/fog/redemption")["period"] == period, "the period closed while the requests were sent"
    wait_until(lambda: len([e for e in events(services, "fog_redeemed") if int(e["period"]) == period]) >= 3, 300,
               "the period to close and pay")
    close = next(e for e in events(services, "fog_period_closed") if int(e["period"]) == period)
    pool, supply, requested, payout = (amount(close[k]) for k in ("pool", "supply", "requested", "payout"))
    assert requested == sum(asked.values()) and payout == requested * pool // supply > 0
    paid_left, asked_left = payout, requested
    for redeemed in [e for e in events(services, "fog_redeemed") if int(e["period"]) == period]:
        burned, paid = amount(redeemed["burned"]), amount(redeemed["paid"])
        assert burned == asked[redeemed["address"]]
        assert paid == burned * paid_left // asked_left  # one rate for all: amount x payout / requested, in order
        paid_left, asked_left = paid_left - paid, asked_left - burned
    assert paid_left == 0 and asked_left == 0
