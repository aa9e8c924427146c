"""The FOG commands against a real 4-validator localnet: every query answers sensibly on a fresh chain, FOG cannot
be sent, and a redemption without FOG is refused by the wallet, and by the chain when the wallet is bypassed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def amino(localnet, *args: str, node: int = 1) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cli.main", "--home", str(localnet.wallet_home), "--node", localnet.rpc_url(node),
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def shown(localnet, *args: str) -> dict:
    completed = amino(localnet, "-o", "json", *args)
    assert completed.returncode == 0, f"amino {' '.join(args)}: {completed.stderr}"
    return json.loads(completed.stdout)


def error_lines(completed: subprocess.CompletedProcess) -> list[str]:
    return [line for line in completed.stderr.splitlines() if not line.startswith("WARNING: keyring backend")]


def test_the_fog_queries_answer_sensibly_on_a_fresh_localnet(localnet):
    params = shown(localnet, "query", "fog", "params")
    assert params["emission_per_epoch"] > 0 and params["windows_per_epoch"] > 0

    epoch = shown(localnet, "query", "fog", "epoch")
    assert epoch["closed"] is False and epoch["emission"] == params["emission_per_epoch"]
    assert epoch["ends"] == epoch["start"] + params["epoch_seconds"] and epoch["points"] >= 0
    assert shown(localnet, "query", "fog", "epoch", str(epoch["epoch"]))["epoch"] == epoch["epoch"]
    text = amino(localnet, "query", "fog", "epoch")
    assert text.returncode == 0 and f"{epoch['epoch']} (open)" in text.stdout and "fog to workers" in text.stdout

    missing = amino(localnet, "query", "fog", "epoch", str(epoch["epoch"] + 1000))
    assert missing.returncode == 1
    assert error_lines(missing) == [f"Error: query failed (query 5): no epoch {epoch['epoch'] + 1000} "
                                    f"(the open epoch is {epoch['epoch']})"]

    alice = shown(localnet, "keys", "show", "alice")["address"]
    balance = shown(localnet, "query", "fog", "balance", "alice")
    assert balance["address"] == alice
    assert (balance["balance"], balance["unsettled"], balance["redeemable"], balance["history"]) == (0, 0, 0, [])
    text = amino(localnet, "query", "fog", "balance", alice)
    assert text.returncode == 0 and "0 fog" in text.stdout

    contribution = shown(localnet, "query", "fog", "contribution", "alice")
    assert contribution["points"] == 0 and contribution["windows_per_epoch"] == params["windows_per_epoch"]

    redemption = shown(localnet, "query", "fog", "redemption")
    assert redemption["ends"] == redemption["start"] + params["redemption_period_seconds"]
    assert redemption["requested"] == 0 and redemption["revenue_pool"] >= 0

    supply = shown(localnet, "query", "fog", "supply")
    assert supply["supply"] == supply["minted"] - supply["burned"] == redemption["supply"]
    assert supply["settled"] == 0  # nobody has been credited FOG on a fresh chain
    text = amino(localnet, "query", "fog", "supply")
    assert text.returncode == 0 and "(minted - burned)" in text.stdout


def test_fog_is_not_sent_and_is_not_redeemed_before_it_is_earned(localnet, tmp_path):
    sequence = shown(localnet, "query", "account", "alice")["sequence"]

    sent = amino(localnet, "tx", "bank", "send", "alice", "bob", "5fog", "--yes")
    assert sent.returncode == 1
    assert error_lines(sent) == ["Error: FOG cannot be sent: it is earned by contributing to the network and only "
                                 "redeemed (amino tx fog redeem)"]

    redeemed = amino(localnet, "tx", "fog", "redeem", "1fog", "--from", "alice", "--yes")
    assert redeemed.returncode == 1
    assert error_lines(redeemed) == ["Error: cannot redeem 1fog: 0fog is redeemable now (balance 0fog; FOG of epochs "
                                     "closed in the current redemption period is redeemable from the next)"]
    assert shown(localnet, "query", "account", "alice")["sequence"] == sequence  # nothing was signed

    # the wallet's check bypassed: the same message signed offline and broadcast is refused by the chain itself
    unsigned = amino(localnet, "tx", "fog", "redeem", "1fog", "--from", "alice", "--generate-only")
    assert unsigned.returncode == 0, unsigned.stderr
    (tmp_path / "unsigned.json").write_text(unsigned.stdout)
    signed = amino(localnet, "tx", "sign", str(tmp_path / "unsigned.json"), "--from", "alice")
    assert signed.returncode == 0, signed.stderr
    (tmp_path / "signed.json").write_text(signed.stdout[signed.stdout.index("{"):])
    refused = amino(localnet, "-o", "json", "tx", "broadcast", str(tmp_path / "signed.json"))
    assert refused.returncode == 1
    result = json.loads(refused.stdout)
    assert result["codespace"] == "fog" and result["check_code"] == 2 and "redeemable" in result["check_log"]
    assert shown(localnet, "query", "account", "alice")["sequence"] == sequence
