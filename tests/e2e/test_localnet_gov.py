"""Governance end to end on a real localnet: proposals decided by the four validators' votes.

The localnet's gov params: 1,000 AMIO minimum deposit, 20 s deposit and voting periods (localnet/launcher.py).
The validators' operators (keys node0..node3) hold the bonded stake; alice proposes and deposits.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest

from chain_modules.bank.types import module_address
from chain_modules.common.address import decode_address, encode_address
from chain_modules.compute.epoch import next_price
from chain_modules.compute.types import ComputeParams
from chain_modules.gov.types import MsgDeposit, MsgSubmitProposal, MsgVote
from client.rpc import CometRpc
from client.tasks import TaskClient
from localnet.services import ComputeServices
from tests.e2e.helpers import events_of, query, send, wait_until
from wasm_jobs.examples import EXAMPLES, build

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

AMIO = 1_000_000
GOV_POOL = encode_address(module_address("gov"))
VALIDATORS = ("node0", "node1", "node2", "node3")
_titles = itertools.count(1)


def propose(services: ComputeServices, kind: str, content: dict, deposit: int, proposer: str = "alice") -> int:
    title = f"e2e proposal {next(_titles)} ({kind})"
    send(services, proposer, MsgSubmitProposal(decode_address(services.address(proposer)), kind, content, title,
                                               "decided by the localnet's validators", deposit, False))
    return next(p["id"] for p in query(services, "/gov/proposals") if p["title"] == title)


def vote(services: ComputeServices, proposal_id: int, options: dict[str, str]) -> None:
    for key, option in options.items():
        send(services, key, MsgVote(decode_address(services.address(key)), proposal_id, option))


def ended(services: ComputeServices, proposal_id: int, timeout: float = 90) -> dict:
    return wait_until(lambda: (lambda p: p if p["status"] not in ("deposit_period", "voting_period") else None)(
        query(services, f"/gov/proposal/{proposal_id}")), timeout, f"proposal {proposal_id} to end")


def ended_event(services: ComputeServices, proposal_id: int) -> dict:
    found = [e for e in events_of(CometRpc(services.net.rpc_url(0)), "proposal_ended")
             if e["proposal_id"] == str(proposal_id)]
    assert len(found) == 1, found
    return found[0]


def community(services: ComputeServices) -> int:
    return query(services, "/distribution/community")["community"]


def gov_pool_balance(services: ComputeServices) -> int:
    """The gov module account's balance (a raw, provable query: the stored 8-byte integer)."""
    result = CometRpc(services.net.rpc_url(0)).abci_query(f"/bank/balance/{GOV_POOL}")
    assert result.code == 0, result.log
    return int.from_bytes(result.value, "big")


def test_a_proposal_without_enough_deposit_expires_and_its_deposit_is_burned_to_the_community_pool(services):
    proposal_id = propose(services, "text", {}, 300 * AMIO)
    send(services, "bob", MsgDeposit(decode_address(services.address("bob")), proposal_id, 200 * AMIO))
    assert query(services, f"/gov/proposal/{proposal_id}")["status"] == "deposit_period"
    assert gov_pool_balance(services) >= 500 * AMIO
    before = community(services)
    proposal = ended(services, proposal_id)
    assert proposal["status"] == "expired" and proposal["total_deposit"] == 500 * AMIO
    burned = [e for e in events_of(CometRpc(services.net.rpc_url(0)), "proposal_deposits_burned")
              if e["proposal_id"] == str(proposal_id)]
    assert [e["amount"] for e in burned] == [f"{500 * AMIO}uamio"]
    assert community(services) >= before + 500 * AMIO
    assert query(services, f"/gov/deposits/{proposal_id}") == []
    assert gov_pool_balance(services) == 0


def test_a_vetoed_proposal_burns_its_deposit(services):
    proposal_id = propose(services, "text", {}, 1_000 * AMIO)
    assert query(services, f"/gov/proposal/{proposal_id}")["status"] == "voting_period"
    before = community(services)
    vote(services, proposal_id, {"node0": "no_with_veto", "node1": "no_with_veto", "node2": "yes", "node3": "yes"})
    proposal = ended(services, proposal_id)
    assert proposal["status"] == "vetoed"
    assert proposal["tally"]["no_with_veto"] == proposal["tally"]["yes"] > 0  # half the turnout: above 33.4%
    assert community(services) >= before + 1_000 * AMIO
    assert ended_event(services, proposal_id)["result"] == "vetoed"


def test_a_param_change_raising_the_price_step_passes_and_the_next_price_epoch_moves_by_the_new_step(services):
    old = ComputeParams.from_dict(query(services, "/compute/params"))
    assert old.price_step_bps == 500
    proposal_id = propose(services, "param_change",
                          {"changes": [{"module": "compute", "params": {"price_step_bps": 2_000}}]}, 1_000 * AMIO)
    vote(services, proposal_id, {"node0": "yes", "node1": "yes", "node2": "yes"})
    proposal = ended(services, proposal_id)
    assert proposal["status"] == "passed", proposal
    passed_at = ended_event(services, proposal_id)["height"]
    new = ComputeParams.from_dict(query(services, "/compute/params"))
    assert new.price_step_bps == 2_000 and new.to_dict() == old.to_dict() | {"price_step_bps": 2_000}

    # the small class has idle workers online, so every price epoch moves its price; wait for one after the change
    def epochs_after():
        history = query(services, "/compute/prices/small")
        later = [(before, after) for before, after in zip(history, history[1:]) if after["height"] > passed_at]
        return (history, later) if later else None

    history, later = wait_until(epochs_after, 120, "a price epoch after the change")
    earlier = [(before, after) for before, after in zip(history, history[1:]) if after["height"] <= passed_at]
    for before, after in earlier[-2:]:
        assert after["price"] == next_price(old, before["price"], after["utilisation_bps"]), (before, after)
    before, after = later[0]
    assert after["price"] == next_price(new, before["price"], after["utilisation_bps"]), (before, after)
    assert after["price"] != next_price(old, before["price"], after["utilisation_bps"])


def _renamed(module: bytes, tag: bytes) -> bytes:
    """The same program with a custom section appended: a different module hash, the same behaviour."""
    payload = bytes([len(b"amino-gov-e2e")]) + b"amino-gov-e2e" + tag
    return module + b"\x00" + bytes([len(payload)]) + payload


def test_an_app_verified_by_a_passing_proposal_is_then_run_by_workers(services):
    _wat, expected_fn, sample = EXAMPLES["hash_chain"]
    module = _renamed(build("hash_chain"), b"verify-by-vote")
    digest = hashlib.sha256(module).digest()
    customer = TaskClient(services.client("bob"))
    customer.register_app(module, "hash-chain-by-vote")
    assert query(services, f"/apppool/app/{digest.hex()}")["verified"] is False

    proposal_id = propose(services, "app_pool", {"action": "verify", "module_hash": digest}, 1_000 * AMIO)
    vote(services, proposal_id, {"node0": "yes", "node1": "yes", "node2": "yes", "node3": "no"})
    assert ended(services, proposal_id)["status"] == "passed"
    assert query(services, f"/apppool/app/{digest.hex()}")["verified"] is True

    summary = customer.run(module, sample, class_name="small", replicas=2, timeout=300)
    assert summary.state == "settled" and summary.output == expected_fn(sample)
    assert len(set(summary.workers)) == 2


RELEASE = '''"""The release that carries plan {name!r}: its migration (nothing to migrate on this chain)."""


def migrate(state, ctx):
    pass


UPGRADES = {{{name!r}: migrate}}
'''


def test_an_upgrade_plan_halts_every_node_at_its_height_until_they_run_a_build_that_knows_it(services, tmp_path,
                                                                                               monkeypatch):
    net = services.net
    height = CometRpc(net.rpc_url(0)).latest_height()
    plan_height = height + 300  # well after the 20 s voting period at ~3 blocks a second
    proposal_id = propose(services, "upgrade", {"name": "v2-e2e", "height": plan_height}, 1_000 * AMIO)
    vote(services, proposal_id, {key: "yes" for key in VALIDATORS})
    assert ended(services, proposal_id)["status"] == "passed"
    assert query(services, "/gov/upgrade")["plan"] == {"name": "v2-e2e", "height": plan_height, "proposal_id": proposal_id}
    services.down()  # the master and workers would only retry against a halted chain

    def log_count(index: int) -> int:
        return (net.node_dir(index) / "app.log").read_text(errors="replace").count(
            f"UPGRADE NEEDED: upgrade plan 'v2-e2e' (gov proposal {proposal_id}) is scheduled at height {plan_height}")

    def halted(count: int) -> bool:
        return all(not net.is_running(index, "app") and log_count(index) >= count for index in range(net.nodes))

    def near_the_plan() -> bool:  # blocks come slower on a loaded machine: wait for the height, then the halt
        if any(not net.is_running(index, "app") for index in range(net.nodes)):
            return True  # an app halted: the chain is at the planned height
        try:
            with CometRpc(net.rpc_url(0), timeout=5) as rpc:
                return rpc.latest_height() >= plan_height - 1
        except Exception:  # a slow answer on a loaded machine says nothing about the height: ask again
            return False

    wait_until(near_the_plan, 900, f"the chain to reach the planned height {plan_height}")
    wait_until(lambda: halted(1), 300, "every app to halt at the planned height")
    for index in range(net.nodes):
        if net.is_running(index, "cometbft"):  # a CometBFT that outlived its app is stuck before the planned block
            with CometRpc(net.rpc_url(index), timeout=2) as rpc:
                assert rpc.latest_height() == plan_height - 1
        net.stop_node(index)

    # the same build again: CometBFT replays the planned block and every node halts again
    for index in range(net.nodes):
        net.start_node(index)
    wait_until(lambda: halted(2), 300, "every app to halt again after a restart with the same build")
    for index in range(net.nodes):
        net.stop_node(index)

    # the release that knows the plan: the chain goes on past the planned height
    (tmp_path / "amino_e2e_release.py").write_text(RELEASE.format(name="v2-e2e"))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("AMINO_UPGRADE_MODULES", "amino_e2e_release")
    for index in range(net.nodes):
        net.start_node(index)
    net.wait_for_height(plan_height + 5, timeout=300)
    upgrade = query(services, "/gov/upgrade")
    assert upgrade["plan"] is None and {"name": "v2-e2e", "height": plan_height} in upgrade["applied"]
    hashes = set()
    for index in range(net.nodes):
        with CometRpc(net.rpc_url(index), timeout=5) as rpc:
            block = rpc.call("block", height=str(plan_height + 2))
            hashes.add(block["block"]["header"]["app_hash"])
    assert len(hashes) == 1
