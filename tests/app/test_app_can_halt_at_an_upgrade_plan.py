"""An upgrade plan passed by governance, driven block by block through the app: at the planned height a build
that does not know the plan halts before executing the block (and again after a restart); a build that knows it
applies its migration at the start of that block and goes on."""

from __future__ import annotations

import pytest

from abci_app import upgrades
from abci_app.app import ConsensusFailure
from chain_modules.common.encoding import decode
from chain_modules.gov import api as gov_api
from chain_modules.gov.types import GovParams, MsgSubmitProposal, MsgVote
from chain_modules.staking.types import MsgDelegate
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state
from tests.app.test_app_can_elect_and_reward import CONSENSUS, OPERATORS, PARAMS
from tests.support import BUCKET_NAMES, IEO_NAMES, KEYS, AppDriver, signed

AMIO = 1_000_000
GOV = GovParams(min_deposit=1_000 * AMIO, expedited_min_deposit=1_000 * AMIO, max_deposit_seconds=20,
                voting_period_seconds=20, expedited_voting_period_seconds=10)
alice = KEYS["alice"]
PLAN_HEIGHT = 12


def app_state() -> dict:
    recipients = {"ieo": [KEYS[n].bech32 for n in IEO_NAMES]}
    recipients.update({allocation: [KEYS[name].bech32] for allocation, name in BUCKET_NAMES.items()})
    recipients["infrastructure"] = [op.bech32 for op in OPERATORS]
    nodes = [SuperNodeSpec(OPERATORS[i].bech32, GenesisValidator(f"node{i}", CONSENSUS[i].pubkey, 0), 1_000_000 * AMIO,
                           1_000, 100) for i in range(2)]
    return build_app_state(recipients, staking_params=PARAMS, super_nodes=nodes, gov_params=GOV)


def tx(sequence: int, *msgs) -> bytes:
    return signed(alice, [(m.TYPE, m.to_body()) for m in msgs], sequence, fee=5_000, gas=400_000)


def schedule_plan(driver: AppDriver) -> None:
    """alice bonds 2,000,000 AMIO (half the stake), proposes plan 'v2' at PLAN_HEIGHT and votes yes; it passes."""
    submit = MsgSubmitProposal(alice.address, "upgrade", {"name": "v2", "height": PLAN_HEIGHT}, "v2", "", 1_000 * AMIO, False)
    results = driver.block([tx(0, MsgDelegate(alice.address, OPERATORS[0].address, 2_000_000 * AMIO), submit)])
    assert [r.code for r in results] == [0], results[0].log
    assert [r.code for r in driver.block([tx(1, MsgVote(alice.address, 1, "yes"))])] == [0]
    driver.block([], seconds=GOV.voting_period_seconds)
    assert decode(driver.query("/gov/proposal/1").value)["status"] == "passed"
    assert decode(driver.query("/gov/upgrade").value)["plan"] == {"name": "v2", "height": PLAN_HEIGHT, "proposal_id": 1}
    while driver.height < PLAN_HEIGHT - 1:
        driver.block([])


def test_a_build_that_does_not_know_the_plan_halts_at_its_height_and_again_after_a_restart(tmp_path, caplog):
    driver = AppDriver(tmp_path / "db", app_state=app_state())
    schedule_plan(driver)
    with pytest.raises(ConsensusFailure, match=r"UPGRADE NEEDED: upgrade plan 'v2' \(gov proposal 1\) is scheduled at height 12"):
        driver.block([])
    assert "UPGRADE NEEDED" in caplog.text
    assert driver.app.store.last_height == PLAN_HEIGHT - 1
    driver.close()

    restarted = AppDriver(tmp_path / "db")  # the same build again: CometBFT replays the block and it halts again
    with pytest.raises(ConsensusFailure, match="UPGRADE NEEDED"):
        restarted.block([])
    assert restarted.app.store.last_height == PLAN_HEIGHT - 1
    restarted.close()


def test_a_build_that_knows_the_plan_applies_it_at_its_height_and_goes_on(tmp_path, monkeypatch):
    driver = AppDriver(tmp_path / "db", app_state=app_state())
    schedule_plan(driver)
    with pytest.raises(ConsensusFailure):
        driver.block([])
    driver.close()

    applied = []

    def migration(state, ctx) -> None:  # what the release carrying plan 'v2' would migrate
        applied.append(ctx.height)

    monkeypatch.setitem(upgrades.UPGRADES, "v2", migration)  # the new build
    upgraded = AppDriver(tmp_path / "db")
    upgraded.block([])
    upgraded.block([])
    assert applied == [PLAN_HEIGHT] and upgraded.app.store.last_height == PLAN_HEIGHT + 1
    assert decode(upgraded.query("/gov/upgrade").value) == {"plan": None, "applied": [{"name": "v2", "height": PLAN_HEIGHT}]}
    assert gov_api.get_upgrade_done(upgraded.app.store.committed, "v2") == PLAN_HEIGHT
    upgraded.close()


def test_a_release_module_adds_its_plans_and_a_bad_one_stops_the_app_with_one_line(tmp_path, monkeypatch):
    (tmp_path / "release_ok.py").write_text("def migrate(state, ctx):\n    pass\n\nUPGRADES = {'v9': migrate}\n")
    (tmp_path / "release_bad.py").write_text("UPGRADES = ['v9']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(upgrades, "UPGRADES", {})
    assert upgrades.load_release_modules("release_ok") == ["v9"] and "v9" in upgrades.UPGRADES
    with pytest.raises(SystemExit, match="registers plan 'v9' a second time"):
        upgrades.load_release_modules("release_ok")
    with pytest.raises(SystemExit, match="must define UPGRADES"):
        upgrades.load_release_modules("release_bad")
    monkeypatch.setenv(upgrades.RELEASE_MODULES_ENV, "")
    assert upgrades.load_release_modules() == []
