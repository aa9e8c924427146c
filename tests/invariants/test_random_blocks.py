"""Random sends, multi-sends and failing txs through FinalizeBlock/Commit of two app instances.

After every block: the supply invariant holds, both instances agree on the
app hash, and every balance, sequence and result code matches a plain model.
"""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from abci_app.codec import encode_tx, decode_tx
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.state import get_vesting
from chain_modules.bank.types import FEE_COLLECTOR
from tests.support import KEYS, AppDriver, multi_send, send

SENDERS = [KEYS[name] for name in ("alice", "bob", "carol")]
RECIPIENTS = [KEYS[name] for name in ("alice", "bob", "carol", "eve", "mallory")]
BLOCK_SECONDS = 5

operation = st.tuples(
    st.sampled_from(["send", "multi", "bad_signature", "wrong_sequence", "overspend"]),
    st.integers(0, len(SENDERS) - 1),
    st.lists(st.tuples(st.integers(0, len(RECIPIENTS) - 1), st.integers(1, 5_000_000)), min_size=1, max_size=3),
    st.integers(1_000, 3_000),  # above the minimum fee of both tx shapes
)


class Model:
    def __init__(self, driver: AppDriver) -> None:
        state = driver.app.store.committed
        self.balances = {key.address: driver.balance(key.address) for key in RECIPIENTS}
        self.balances[FEE_COLLECTOR] = driver.balance(FEE_COLLECTOR)
        self.sequences = {key.address: 0 for key in SENDERS}
        self.schedules = {key.address: get_vesting(state, key.address) for key in SENDERS}

    def spendable(self, address: bytes, now: int) -> int:
        schedule = self.schedules.get(address)
        locked = schedule.locked(now) if schedule else 0
        return self.balances[address] - locked

    def apply(self, kind: str, sender: bytes, outputs: list[tuple[bytes, int]], fee: int, now: int) -> tuple[str, int]:
        if kind == "bad_signature":
            return ("tx", 6)
        if kind == "wrong_sequence":
            return ("tx", 7)
        if self.spendable(sender, now) < fee:
            return ("tx", 16)
        self.balances[sender] -= fee
        self.balances[FEE_COLLECTOR] += fee
        self.sequences[sender] += 1
        total = sum(amount for _to, amount in outputs)
        if self.balances[sender] < total:
            return ("bank", 2)
        if self.spendable(sender, now) < total:
            return ("bank", 6)
        self.balances[sender] -= total
        for to, amount in outputs:
            self.balances[to] += amount
        return ("", 0)


def build_tx(kind, key, outputs, fee, sequence, spendable):
    if kind == "overspend":
        outputs = [(outputs[0][0], spendable + 1)]
    if kind == "multi":
        tx = multi_send(key, outputs, sequence, fee=fee)
    else:
        tx = send(key, outputs[0][0], outputs[0][1], sequence + (3 if kind == "wrong_sequence" else 0), fee=fee)
        outputs = outputs[:1]
    if kind == "bad_signature":
        decoded = decode_tx(tx)
        tx = encode_tx(decoded.sign_doc_bytes, decoded.pubkey, bytes(64))
    return tx, outputs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks=st.lists(st.lists(operation, max_size=8), min_size=1, max_size=5))
def test_random_blocks_keep_supply_and_agree_on_app_hash(blocks):
    with tempfile.TemporaryDirectory() as tmp:
        first = AppDriver(Path(tmp) / "a")
        second = AppDriver(Path(tmp) / "b")
        first.block([])
        second.block([])
        model = Model(first)
        try:
            for block in blocks:
                now = first.time + BLOCK_SECONDS
                txs, expected = [], []
                for kind, sender_index, raw_outputs, fee in block:
                    key = SENDERS[sender_index]
                    outputs = [(RECIPIENTS[i].address, amount) for i, amount in raw_outputs]
                    tx, outputs = build_tx(kind, key, outputs, fee, model.sequences[key.address],
                                           max(0, model.spendable(key.address, now) - fee))
                    txs.append(tx)
                    expected.append(model.apply("send" if kind == "overspend" else kind, key.address, outputs, fee, now))
                results_first = first.block(txs, BLOCK_SECONDS)
                results_second = second.block(txs, BLOCK_SECONDS)
                assert first.last_app_hash == second.last_app_hash
                assert [(r.codespace, r.code) for r in results_first] == expected
                assert [(r.codespace, r.code, r.log) for r in results_first] == [(r.codespace, r.code, r.log) for r in results_second]
                check_supply(first.app.store.committed)
                for address, balance in model.balances.items():
                    assert first.balance(address) == balance
                for address, sequence in model.sequences.items():
                    assert first.sequence(address) == sequence
        finally:
            first.close()
            second.close()
