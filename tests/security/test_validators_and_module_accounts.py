"""Validator-update edge cases (the whole set offline or double-signing, power zero, the power cap, unknown
evidence) and module accounts (no sends to them; FOG never moves between accounts)."""

from __future__ import annotations

from abci_app import metrics
from abci_app.modules import ROUTES
from abci_app.proto import abci
from chain_modules.bank.errors import ErrModuleAccountRecipient
from chain_modules.bank.types import MODULE_ACCOUNT_NAMES, MsgMultiSend, MsgSend, Output, module_address
from chain_modules.staking.types import MsgDelegate, MsgUndelegate
from tests.reliability.workload import ALICE, BOB, CONSENSUS, OPERATORS, Workload, consensus_address
from tests.support import timestamp


def evidence(node: Workload, addresses: list[bytes]) -> list:
    powers = dict(node.validators())
    return [abci.Misbehavior(type=1, validator=abci.Validator(address=address, power=powers.get(address, 1)),
                             height=node.driver.height - 1, time=timestamp(node.driver.time - 5), total_voting_power=1)
            for address in addresses]


def test_validators_going_offline_one_after_another_never_jail_the_set_below_four(twin):
    """Hole: whole set jailed. Downtime jails a validator only while at least four other eligible super nodes
    remain, so validators failing one after another (an outage moving through the network, or every node
    restarted in turn) cannot jail the set away."""
    twin.blocks(8)
    assert len(twin.a.validators()) == 4
    smallest = 4
    jailed = 0
    for index in range(4):
        for node in (twin.a, twin.b):
            node.absent = {index}
        for _ in range(25):
            twin.blocks(seconds=5)
            smallest = min(smallest, len(twin.a.validators()))
        jailed = sum(1 for c in twin.query("/staking/candidates") if c["jailed"])
    assert jailed == 1, "the first absentee is jailed (five candidates), the later ones are not"
    assert smallest >= 4, f"the validator set shrank to {smallest}"
    assert all(power > 0 for _address, power in twin.a.validators())


def test_evidence_against_every_validator_at_once_never_empties_the_validator_set(tmp_path):
    """Hole: whole set jailed by evidence. A block whose evidence names every validator must not produce
    validator updates that remove all of them (CometBFT refuses an empty set and stops): every one is
    tombstoned, and the set stays as it was until new candidates can replace it."""
    node = Workload(tmp_path / "db", 0)
    try:
        for _ in range(3):
            node.block()
        addresses = [address for address, _power in node.validators()]
        assert len(addresses) == 4
        node.block(misbehavior=evidence(node, addresses))
        assert not [u for u in node.driver.last_validator_updates if u.power == 0]
        for _ in range(12):
            node.block()
            assert sum(1 for u in node.driver.last_validator_updates if u.power > 0) or \
                not node.driver.last_validator_updates, "an update set with only removals"
        statuses = {c["status"] for c in node.query("/staking/candidates")}
        assert statuses == {"tombstoned"}
        assert len(node.validators()) == 4, "the validator set was emptied"
    finally:
        node.driver.close()


def test_a_validator_that_unbonds_its_whole_self_bond_leaves_with_power_zero_and_the_set_stays(twin):
    """Hole: power zero. A candidate with nothing bonded leaves the set through an update of power 0 (never a
    negative or duplicate update), and the others stay."""
    twin.blocks(8)
    operator = OPERATORS[1]
    own = twin.query(f"/staking/delegations/{operator.bech32}")["delegations"]
    tokens = next(d["tokens"] for d in own if d["candidate"] == operator.bech32)
    result = twin.run(operator, MsgUndelegate(operator.address, operator.address, tokens))
    assert result.code == 0, result.log
    updates = [(bytes(u.pub_key.ed25519), u.power) for u in twin.a.driver.last_validator_updates]
    for _ in range(12):
        twin.blocks()
        updates += [(bytes(u.pub_key.ed25519), u.power) for u in twin.a.driver.last_validator_updates]
    assert (CONSENSUS[1].pubkey, 0) in updates
    assert all(power >= 0 for _key, power in updates)
    validators = dict(twin.a.validators())
    assert consensus_address(CONSENSUS[1]) not in validators and len(validators) >= 4


def test_no_validator_reaches_a_third_of_the_power_after_a_huge_delegation(twin):
    """Hole 1 of docs/security.md: one validator with a third of the power can halt the chain; every election
    caps powers below a third however much is delegated to one candidate."""
    twin.blocks(8)
    spendable = twin.query(f"/bank/spendable/{ALICE.bech32}")["spendable"]
    assert twin.run(ALICE, MsgDelegate(ALICE.address, OPERATORS[3].address, spendable - 10**7)).code == 0
    twin.blocks(10)
    powers = dict(twin.a.validators())
    total = sum(powers.values())
    assert 3 * max(powers.values()) < total, powers


def test_evidence_for_an_unknown_validator_changes_nothing_and_breaks_no_step(twin):
    """Hole: forged evidence. CometBFT passes misbehaviour through; evidence naming an address that is no
    validator is ignored without a failing begin-block step."""
    twin.blocks(2)
    failures = metrics.STEP_FAILURES.labels("slashing", "begin_block")._value.get()
    stranger = [b"\x42" * 20]
    twin.blocks(misbehavior=evidence(twin.a, stranger))
    assert metrics.STEP_FAILURES.labels("slashing", "begin_block")._value.get() == failures
    assert not [e for e in twin.a.driver.last_response.events if e.type == "slash"]
    assert len(twin.a.validators()) == 4


def test_sends_to_every_module_account_are_refused(twin):
    """Hole: module-account sends. A transfer into a pool its module accounts for would break the module's
    books (escrow = open tasks' escrow) or be stuck for ever."""
    for name in MODULE_ACCOUNT_NAMES:
        twin.fails_cleanly(ALICE, MsgSend(ALICE.address, module_address(name), 1), ErrModuleAccountRecipient)


def test_multi_send_outputs_to_a_module_account_are_refused(twin):
    """Hole: module-account sends hidden among honest outputs of a multi-send."""
    outputs = (Output(BOB.address, 5), Output(module_address("compute_escrow"), 5))
    twin.fails_cleanly(ALICE, MsgMultiSend(ALICE.address, outputs), ErrModuleAccountRecipient)


def test_no_message_type_can_move_fog_between_accounts():
    """Hole: FOG transfers. FOG is not transferable: the fog module's only message burns it (redeem), and no
    other module's message names FOG."""
    fog_messages = sorted(route.message.TYPE for route in ROUTES if route.module == "fog")
    assert fog_messages == ["fog/redeem"]
    assert not [route.message.TYPE for route in ROUTES if "fog" in route.message.TYPE and route.module != "fog"]
