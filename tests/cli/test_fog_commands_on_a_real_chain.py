"""`amino query fog ...` and `amino tx fog redeem` against the real app in process (tests.services.localchain): a
worker earns points, an epoch closes, a period closes, the worker redeems and is paid, and every command shows
the real views; FOG is never sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chain_modules.common.amount import format_amio
from cli.output import format_amount
from chain_modules.fog.types import FogParams
from cli.context import CliContext
from cli.main import cli
from client.wallet.keyring import open_keyring
from tests.services.localchain import PARAMS as COMPUTE, LocalChain, sha
from tests.support import make_key

MASTER = make_key("fog-cli-master")
WORKER = make_key("fog-cli-worker")
PARTNER = make_key("fog-cli-partner")  # the second replica: a result two workers agree on is verified
FOG = 1_000_000
PARAMS = FogParams()


@dataclass
class Wallet:
    chain: LocalChain
    home: Path

    def amino(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--home", str(self.home), "--keyring-backend", "test", "--chain-id",
                                        self.chain.chain_id, *args], prog_name="amino")

    def json(self, *args: str) -> dict:
        result = self.amino("-o", "json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def text(self, *args: str) -> str:
        result = self.amino(*args)
        assert result.exit_code == 0, result.output
        return " ".join(result.stdout.split())


@pytest.fixture
def wallet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wallet]:
    chain = LocalChain(tmp_path / "chain")
    chain.register_master(MASTER)
    chain.register_worker(WORKER, MASTER)
    chain.register_worker(PARTNER, MASTER)
    keyring = open_keyring(tmp_path / "wallet", "test")
    for name, key in (("worker", WORKER), ("master", MASTER)):
        keyring._store(name, key.signing_key, False, None)
    rpc = chain.client(WORKER).rpc
    monkeypatch.setattr(CliContext, "rpc", lambda self: rpc)
    yield Wallet(chain, tmp_path / "wallet")
    chain.close()


def test_a_worker_earns_redeems_and_is_paid_and_the_cli_shows_each_step(wallet: Wallet) -> None:
    chain = wallet.chain
    app = sha(b"fog cli module")
    chain.register_app(app, verified=True)
    task = chain.submit(app, sha(b"fog cli input"), master=MASTER, max_fuel=COMPUTE.max_fuel, replicas=2)
    chain.assign(task, WORKER, PARTNER)
    for worker in (WORKER, PARTNER):  # the customer pays for it all: a revenue pool worth redeeming
        chain.commit(worker, task, fuel=COMPUTE.max_fuel)
    for worker in (WORKER, PARTNER):
        chain.reveal(worker, task)  # a verified result proves the small class (weight 1)
    chain.confirm(task)
    chain.advance(PARAMS.epoch_seconds // PARAMS.windows_per_epoch, keep_online=(WORKER,))  # one window counted

    contribution = wallet.json("query", "fog", "contribution", "worker")
    assert contribution == chain.query(f"/fog/contribution/{WORKER.bech32}") | {"height": chain.height}
    points = 100 * PARAMS.probation_bps // 10_000  # 100 points x weight 1, on probation
    work = COMPUTE.max_fuel // 1_000_000 * PARAMS.probation_bps // 10_000
    assert (contribution["availability"], contribution["work"]) == (points, work)
    assert (contribution["windows"], contribution["verified_results"], contribution["proven_weight"]) == (1, 1, 1)
    text = wallet.text("query", "fog", "contribution", "worker")
    assert f"{points} points in 1 of {PARAMS.windows_per_epoch} windows" in text
    assert f"fewer than {PARAMS.probation_results} verified results" in text
    routing = points * PARAMS.routing_bps // 10_000 + work * PARAMS.routing_bps // 10_000
    assert f"{routing} points (a master node's share" in wallet.text("query", "fog", "contribution", "master")

    chain.advance(PARAMS.epoch_seconds)  # epoch 0 closes
    earned = wallet.json("query", "fog", "balance", "worker")
    assert earned["balance"] == 0 and earned["unsettled"] > 0 and earned["redeemable"] == 0
    assert earned["history"] == [{"epoch": 0, "amount": earned["unsettled"]}]
    assert wallet.json("query", "fog", "epoch", "0")["closed"] is True
    assert wallet.json("query", "fog", "epoch")["epoch"] == 1
    refused = wallet.amino("tx", "fog", "redeem", "1fog", "--from", "worker", "--yes")
    assert refused.exit_code == 1 and "cannot redeem 1fog: 0fog is redeemable now" in refused.output
    sent_before = len(chain.attempts)

    # period 0 closes: the FOG of every epoch that closed during it (epoch 0's and the later ones) is redeemable now
    chain.advance(PARAMS.redemption_period_seconds, keep_online=(WORKER,))
    now = wallet.json("query", "fog", "balance", "worker")
    assert now["redeemable"] == now["balance"] + now["unsettled"] > earned["unsettled"]
    redeemed = wallet.amino("tx", "fog", "redeem", "800fog", "--from", "worker", "--yes")
    assert redeemed.exit_code == 0, redeemed.output
    assert "fog_redeem_requested" in redeemed.output
    assert len(chain.attempts) == sent_before + 1
    assert wallet.json("query", "fog", "balance", "worker")["requested"] == 800 * FOG
    period = wallet.json("query", "fog", "redemption")
    assert (period["period"], period["requested"], period["requests"]) == (1, 800 * FOG, 1)

    refusal = wallet.amino("tx", "bank", "send", "worker", MASTER.bech32, "5fog", "--yes")
    assert refusal.exit_code == 1 and "FOG cannot be sent" in refusal.output
    assert len(chain.attempts) == sent_before + 1  # nothing reached the chain

    amio_before = chain.driver.balance(WORKER.address)
    chain.advance(PARAMS.redemption_period_seconds)  # period 1 closes at one rate and pays
    closed = wallet.json("query", "fog", "redemption")["last_close"]
    assert closed["requested"] == 800 * FOG and closed["payout"] == 800 * FOG * closed["pool"] // closed["supply"] > 0
    assert chain.driver.balance(WORKER.address) == amio_before + closed["payout"]
    assert wallet.json("query", "fog", "balance", "worker")["redeemed"] == 800 * FOG
    assert format_amount(f"800fog redeemed for {format_amio(closed['payout'])}") in wallet.text("query", "fog", "redemption")
    supply = wallet.json("query", "fog", "supply")
    assert supply["burned"] == 800 * FOG and supply["supply"] == supply["minted"] - supply["burned"]
    assert "800 fog (redeemed)" in wallet.text("query", "fog", "supply")
