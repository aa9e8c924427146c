"""Staking and distribution driven block by block through the app: InitChain returns the elected
validator set, epoch boundaries return only the differences, fees reach the validators that signed,
commission goes to operators and the rest to delegators in proportion to stake."""

import hashlib

import pytest

from chain_modules.bank.invariants import check_supply
from chain_modules.common.encoding import decode
from chain_modules.distribution.invariants import check_pool
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.types import MsgCreateSuperNode, MsgDelegate, MsgUndelegate, StakingParams
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state
from tests.support import BUCKET_NAMES, IEO_NAMES, KEYS, AppDriver, create_super_node_msg, make_key, send, signed

AMIO = 1_000_000
PARAMS = StakingParams(epoch_blocks=3, max_super_nodes=2, unbonding_seconds=30, max_entries=3,
                       min_super_self_bond=1_000 * AMIO, power_reduction=AMIO)
OPERATORS = [make_key(f"operator{i}") for i in range(3)]
CONSENSUS = [make_key(f"consensus{i}") for i in range(3)]
alice, bob = KEYS["alice"], KEYS["bob"]


def consensus_address(key) -> bytes:
    return hashlib.sha256(key.pubkey).digest()[:20]


def staking_app_state() -> dict:
    recipients = {"ieo": [KEYS[n].bech32 for n in IEO_NAMES]}
    recipients.update({allocation: [KEYS[name].bech32] for allocation, name in BUCKET_NAMES.items()})
    recipients["infrastructure"] = [op.bech32 for op in OPERATORS]
    nodes = [
        SuperNodeSpec(OPERATORS[i].bech32, GenesisValidator(f"node{i}", CONSENSUS[i].pubkey, 0), (1_000_000 - i) * AMIO, 1_000, 100)
        for i in range(2)
    ]
    return build_app_state(recipients, staking_params=PARAMS, super_nodes=nodes)


@pytest.fixture
def driver(tmp_path):
    d = AppDriver(tmp_path / "db", app_state=staking_app_state())
    yield d
    d.close()


def signers_of(driver) -> list[tuple[bytes, int]]:
    validators = decode(driver.query("/staking/validators").value)
    by_key = {c.pubkey.hex(): consensus_address(c) for c in CONSENSUS}
    return [(by_key[v["consensus_pubkey"]], v["power"]) for v in validators]


def check_all(driver) -> None:
    state = driver.app.store.committed
    check_supply(state)
    check_pools(state)
    check_pool(state)


def test_init_chain_returns_the_elected_super_nodes(tmp_path):
    from abci_app.app import AminoApp
    from abci_app.proto import abci
    import json
    from tests.support import CHAIN_ID, GENESIS_TIME, timestamp

    app = AminoApp(tmp_path / "db")
    response = app.init_chain(abci.RequestInitChain(time=timestamp(GENESIS_TIME), chain_id=CHAIN_ID,
                                                    app_state_bytes=json.dumps(staking_app_state()).encode()))
    assert sorted((bytes(v.pub_key.ed25519), v.power) for v in response.validators) == sorted(
        [(CONSENSUS[0].pubkey, 1_000_000), (CONSENSUS[1].pubkey, 999_999)])
    app.close()


def test_a_new_candidate_with_more_stake_replaces_the_weakest_at_the_epoch(driver):
    driver.block([])
    create = create_super_node_msg(OPERATORS[2].address, CONSENSUS[2], "node2", 500, 100, 1_000 * AMIO)
    vote = MsgDelegate(alice.address, OPERATORS[2].address, 1_000_000 * AMIO)
    results = driver.block([signed(OPERATORS[2], [(create.TYPE, create.to_body())], 0, fee=2_000, gas=200_000),
                            signed(alice, [(vote.TYPE, vote.to_body())], 0, fee=2_000, gas=200_000)])
    assert [r.code for r in results] == [0, 0], [r.log for r in results]
    updates = driver.last_validator_updates  # height 2: not an epoch boundary
    assert updates == []
    driver.block([])  # height 3: epoch boundary
    updates = {(bytes(u.pub_key.ed25519), u.power) for u in driver.last_validator_updates}
    assert updates == {(CONSENSUS[2].pubkey, 1_001_000), (CONSENSUS[1].pubkey, 0)}
    check_all(driver)
    driver.block([])
    driver.block([])
    driver.block([])  # the next epoch: nothing changed, nothing sent
    assert driver.last_validator_updates == []


def test_fees_go_to_signers_with_commission_and_to_delegators_by_stake(driver):
    driver.block([])
    # bob delegates as much as operator0's self-bond: operator0's delegators now split 50/50
    vote = MsgDelegate(bob.address, OPERATORS[0].address, 1_000_000 * AMIO)
    assert driver.block([signed(bob, [(vote.TYPE, vote.to_body())], 0, fee=2_000, gas=200_000)])[0].code == 0
    signers = signers_of(driver)
    driver.block([], signers=signers)  # distributes the 2,000 uamio fee of the delegation tx
    fees = 100_000
    earlier = decode(driver.query(f"/distribution/rewards/{bob.bech32}").value)["rewards"][OPERATORS[0].bech32]
    commission_before = decode(driver.query(f"/distribution/commission/{OPERATORS[0].bech32}").value)["commission"]
    assert driver.block([send(alice, KEYS["eve"].address, 1, 0, fee=fees, gas=50_000)])[0].code == 0
    before_bob = driver.balance(bob.address)
    driver.block([], signers=[s for s in signers if s[0] == consensus_address(CONSENSUS[0])])  # only node0 signed
    # node0 gets all 100,000: 10% commission, 90,000 split between operator0 and bob by stake (equal)
    commission = decode(driver.query(f"/distribution/commission/{OPERATORS[0].bech32}").value)["commission"]
    assert commission - commission_before == 10_000
    pending = decode(driver.query(f"/distribution/rewards/{bob.bech32}").value)["rewards"][OPERATORS[0].bech32]
    assert pending - earlier == 45_000
    withdraw = MsgWithdrawRewards(bob.address)
    assert driver.block([signed(bob, [(withdraw.TYPE, withdraw.to_body())], 1, fee=2_000, gas=200_000)])[0].code == 0
    assert driver.balance(bob.address) == before_bob + pending - 2_000
    assert decode(driver.query(f"/distribution/rewards/{bob.bech32}").value)["total"] == 0
    check_all(driver)


def test_commission_withdrawal_pays_the_operator_once(driver):
    driver.block([])
    assert driver.block([send(alice, KEYS["eve"].address, 1, 0, fee=50_000, gas=50_000)])[0].code == 0
    driver.block([], signers=signers_of(driver))
    before = driver.balance(OPERATORS[1].address)
    commission = decode(driver.query(f"/distribution/commission/{OPERATORS[1].bech32}").value)["commission"]
    assert commission > 0
    msg = MsgWithdrawCommission(OPERATORS[1].address)
    results = driver.block([signed(OPERATORS[1], [(msg.TYPE, msg.to_body())], 0, fee=2_000, gas=200_000),
                            signed(OPERATORS[1], [(msg.TYPE, msg.to_body())], 1, fee=2_000, gas=200_000)])
    assert results[0].code == 0
    assert (results[1].codespace, results[1].code) == ("distribution", 3)
    assert driver.balance(OPERATORS[1].address) == before + commission - 4_000
    check_all(driver)


def test_undelegated_tokens_arrive_after_the_unbonding_period_and_stay_slashable_until(driver):
    driver.block([])
    vote = MsgDelegate(bob.address, OPERATORS[0].address, 10 * AMIO)
    driver.block([signed(bob, [(vote.TYPE, vote.to_body())], 0, fee=2_000, gas=200_000)])
    leave = MsgUndelegate(bob.address, OPERATORS[0].address, 10 * AMIO)
    driver.block([signed(bob, [(leave.TYPE, leave.to_body())], 1, fee=2_000, gas=200_000)], seconds=5)
    balance = driver.balance(bob.address)
    entries = decode(driver.query(f"/staking/delegations/{bob.bech32}").value)["unbondings"][0]["entries"]
    assert entries[0]["balance"] == 10 * AMIO
    driver.block([], seconds=20)
    assert driver.balance(bob.address) == balance  # 20 s of 30: still unbonding
    driver.block([], seconds=10)
    assert driver.balance(bob.address) == balance + 10 * AMIO
    assert decode(driver.query(f"/staking/delegations/{bob.bech32}").value)["unbondings"] == []
    check_all(driver)


def test_double_sign_evidence_in_finalize_block_slashes_jails_and_tombstones(driver):
    from abci_app.proto import abci
    from chain_modules.slashing.types import MsgUnjail
    from tests.support import timestamp

    driver.block([])
    driver.block([])
    before = decode(driver.query(f"/staking/candidate/{OPERATORS[0].bech32}").value)
    community_before = decode(driver.query("/distribution/community").value)["community"]
    evidence = abci.Misbehavior(
        type=abci.MisbehaviorType.DUPLICATE_VOTE,
        validator=abci.Validator(address=consensus_address(CONSENSUS[0]), power=1_000_000),
        height=2, time=timestamp(driver.time), total_voting_power=1_999_999,
    )
    driver.time += 5
    driver.height += 1
    response = driver.app.finalize_block(abci.RequestFinalizeBlock(height=driver.height, time=timestamp(driver.time), misbehavior=[evidence]))
    driver.app.commit(abci.RequestCommit())
    after = decode(driver.query(f"/staking/candidate/{OPERATORS[0].bech32}").value)
    slashed = 1_000_000 * AMIO * 500 // 10_000  # 5% of the stake at the infraction
    assert before["tokens"] - after["tokens"] == slashed
    assert after["status"] == "tombstoned" and after["jailed"]
    assert decode(driver.query("/distribution/community").value)["community"] == community_before + slashed
    # the tombstoned validator leaves the set at once
    assert [(bytes(u.pub_key.ed25519), u.power) for u in response.validator_updates] == [(CONSENSUS[0].pubkey, 0)]
    slash_events = [e for e in response.events if e.type == "slash"]
    assert {a.key: a.value for a in slash_events[0].attributes}["reason"] == "double_sign"
    # it can never come back
    unjail = MsgUnjail(OPERATORS[0].address)
    result = driver.block([signed(OPERATORS[0], [(unjail.TYPE, unjail.to_body())], 0, fee=2_000, gas=200_000)])[0]
    assert (result.codespace, result.code) == ("slashing", 4)
    check_all(driver)


def test_a_validator_that_stops_signing_is_jailed_slashed_and_can_unjail_after_the_jail_time(tmp_path):
    from chain_modules.slashing.types import MsgUnjail, SlashingParams

    state = staking_app_state()
    state["slashing"]["params"] = SlashingParams(signed_blocks_window=8, min_signed_bps=5_000, downtime_jail_seconds=60,
                                                 slash_fraction_downtime_bps=100, slash_fraction_double_sign_bps=500,
                                                 min_downtime_seconds=0, min_validators_after_jail=1).to_dict()
    driver = AppDriver(tmp_path / "db", app_state=state)
    driver.block([])
    only_node0 = [(consensus_address(CONSENSUS[0]), 1_000_000)]
    from abci_app.proto import abci

    def block_with_votes():
        votes = [abci.VoteInfo(validator=abci.Validator(address=consensus_address(CONSENSUS[0]), power=1_000_000), block_id_flag=2),
                 abci.VoteInfo(validator=abci.Validator(address=consensus_address(CONSENSUS[1]), power=999_999), block_id_flag=1)]
        from tests.support import timestamp
        driver.time += 5
        driver.height += 1
        response = driver.app.finalize_block(abci.RequestFinalizeBlock(height=driver.height, time=timestamp(driver.time),
                                                                        decided_last_commit=abci.CommitInfo(votes=votes)))
        driver.app.commit(abci.RequestCommit())
        return response

    jailed_at = None
    for _ in range(8):
        response = block_with_votes()
        candidate = decode(driver.query(f"/staking/candidate/{OPERATORS[1].bech32}").value)
        if candidate["jailed"]:
            jailed_at = driver.time
            break
    assert jailed_at is not None, "node1 missed 8 of 8 blocks and was never jailed"
    assert candidate["tokens"] == 999_999 * AMIO - 999_999 * AMIO // 100  # 1% downtime slash
    assert [(bytes(u.pub_key.ed25519), u.power) for u in response.validator_updates] == [(CONSENSUS[1].pubkey, 0)]
    unjail = MsgUnjail(OPERATORS[1].address)
    early = driver.block([signed(OPERATORS[1], [(unjail.TYPE, unjail.to_body())], 0, fee=2_000, gas=200_000)], signers=only_node0)[0]
    assert (early.codespace, early.code) == ("slashing", 3)
    driver.block([], seconds=60, signers=only_node0)
    late = driver.block([signed(OPERATORS[1], [(unjail.TYPE, unjail.to_body())], 1, fee=2_000, gas=200_000)], signers=only_node0)[0]
    assert late.code == 0, late.log
    assert decode(driver.query(f"/staking/candidate/{OPERATORS[1].bech32}").value)["jailed"] is False
    check_all(driver)
    driver.close()


def test_master_nodes_are_elected_by_stake_and_a_master_fault_also_costs_its_sponsor(driver):
    from chain_modules.staking.api import penalise_master_node
    from chain_modules.staking.types import MsgConsentSponsorship, MsgCreateMasterNode
    from chain_modules.common.context import BlockContext
    from abci_app.store import Overlay
    from abci_app.modules import HOOKS
    from chain_modules.distribution.api import DISTRIBUTION_POOL

    driver.block([])
    masters = [make_key(f"master{i}") for i in range(3)]
    funding = [send(alice, m.address, 20_000 * AMIO, i, fee=2_000) for i, m in enumerate(masters)]
    assert all(r.code == 0 for r in driver.block(funding))
    consents = [signed(OPERATORS[0], [(MsgConsentSponsorship.TYPE, MsgConsentSponsorship(OPERATORS[0].address, m.address).to_body())
                                      for m in masters[:2]], 0, fee=2_000, gas=200_000)]
    assert all(r.code == 0 for r in driver.block(consents))
    creates = [
        signed(m, [(MsgCreateMasterNode.TYPE, MsgCreateMasterNode(m.address, f"master{i}", f"http://127.0.0.1:{8000 + i}",
                                                                   "eu-west", OPERATORS[0].address, (5_000 + i) * AMIO).to_body())],
               0, fee=2_000, gas=200_000)
        for i, m in enumerate(masters)
    ]
    bad = signed(bob, [(MsgCreateMasterNode.TYPE, MsgCreateMasterNode(bob.address, "bad", "ftp://x.example", "eu", OPERATORS[0].address,
                                                                       5_000 * AMIO).to_body())], 0, fee=2_000, gas=200_000)
    results = driver.block(creates + [bad])
    assert [r.code for r in results[:2]] == [0, 0], [r.log for r in results]
    assert (results[2].codespace, results[2].code) == ("staking", 22)  # node0 never consented to sponsor master2
    assert (results[3].codespace, results[3].code) == ("staking", 16)  # not an http(s) endpoint
    consent = signed(OPERATORS[0], [(MsgConsentSponsorship.TYPE, MsgConsentSponsorship(OPERATORS[0].address, masters[2].address).to_body())],
                     1, fee=2_000, gas=200_000)
    retry = signed(masters[2], [(MsgCreateMasterNode.TYPE, MsgCreateMasterNode(masters[2].address, "master2", "http://127.0.0.1:8002",
                                                                            "eu-west", OPERATORS[0].address, 5_002 * AMIO).to_body())],
                   1, fee=2_000, gas=200_000)
    assert [r.code for r in driver.block([consent, retry])] == [0, 0]
    while driver.height % PARAMS.epoch_blocks:
        driver.block([])
    listed = {m["operator"]: m for m in decode(driver.query("/staking/master_nodes").value)}
    # max_master_nodes defaults to 16: all three are active; the super node list is unchanged
    assert {m["status"] for m in listed.values()} == {"active"}
    assert len(decode(driver.query("/staking/candidates").value)) == 2

    # the compute module's hook: a master node fault costs it an amount of its stake, and its sponsor 20% of that
    state = Overlay(driver.app.store.committed)
    ctx = BlockContext("amino-test", driver.height + 1, (driver.time + 5) * 10**9, hooks=HOOKS)
    master_cut, sponsor_cut = penalise_master_node(state, ctx, masters[0].address, driver.height, 500 * AMIO,
                                                   OPERATORS[0].address, DISTRIBUTION_POOL)
    assert master_cut == 500 * AMIO and sponsor_cut == 100 * AMIO


def test_minimum_bonds_scale_with_the_number_of_active_workers(driver):
    from abci_app.store import Overlay
    from chain_modules.staking.api import min_master_bond, min_super_self_bond, set_active_workers

    driver.block([])  # commit genesis
    state = Overlay(driver.app.store.committed)
    base_super, base_master = PARAMS.min_super_self_bond, PARAMS.min_master_bond
    assert (min_super_self_bond(state), min_master_bond(state)) == (base_super, base_master)
    set_active_workers(state, 2_500)  # +2.5x of the base per 1,000 workers, rounded down
    assert min_super_self_bond(state) == base_super + base_super * 2_500 // 1_000
    set_active_workers(state, 10**9)  # capped at 10x
    assert min_master_bond(state) == 10 * base_master


def test_a_chain_can_start_at_an_initial_height_above_one(tmp_path):
    from abci_app.app import AminoApp
    from abci_app.proto import abci
    import json
    from tests.support import CHAIN_ID, GENESIS_TIME, timestamp

    app = AminoApp(tmp_path / "db")
    app.init_chain(abci.RequestInitChain(time=timestamp(GENESIS_TIME), chain_id=CHAIN_ID, initial_height=100,
                                         app_state_bytes=json.dumps(staking_app_state()).encode()))
    response = app.finalize_block(abci.RequestFinalizeBlock(height=100, time=timestamp(GENESIS_TIME + 1)))
    app.commit(abci.RequestCommit())
    assert len(response.app_hash) == 32 and app.info(None).last_block_height == 100
    app.close()


def test_init_chain_refuses_genesis_validators_that_are_not_the_elected_super_nodes(tmp_path):
    from abci_app.app import AminoApp, ConsensusFailure
    from abci_app.proto import abci, crypto_keys
    import json
    from tests.support import CHAIN_ID, GENESIS_TIME, timestamp

    app = AminoApp(tmp_path / "db")
    stranger = abci.ValidatorUpdate(pub_key=crypto_keys.PublicKey(ed25519=make_key("stranger").pubkey), power=10)
    with pytest.raises(ConsensusFailure):
        app.init_chain(abci.RequestInitChain(time=timestamp(GENESIS_TIME), chain_id=CHAIN_ID, validators=[stranger],
                                             app_state_bytes=json.dumps(staking_app_state()).encode()))
    app.close()


def test_a_nil_precommit_is_not_a_missed_block(tmp_path):
    from abci_app.proto import abci
    from chain_modules.slashing.types import SlashingParams
    from tests.support import timestamp

    state = staking_app_state()
    state["slashing"]["params"] = SlashingParams(signed_blocks_window=8, min_signed_bps=5_000, downtime_jail_seconds=60,
                                                 slash_fraction_downtime_bps=100, slash_fraction_double_sign_bps=500,
                                                 min_downtime_seconds=0, min_validators_after_jail=1).to_dict()
    driver = AppDriver(tmp_path / "db", app_state=state)
    driver.block([])
    for _ in range(12):
        votes = [abci.VoteInfo(validator=abci.Validator(address=consensus_address(CONSENSUS[i]), power=1_000_000), block_id_flag=3)
                 for i in range(2)]
        driver.time += 5
        driver.height += 1
        driver.app.finalize_block(abci.RequestFinalizeBlock(height=driver.height, time=timestamp(driver.time),
                                                            decided_last_commit=abci.CommitInfo(votes=votes)))
        driver.app.commit(abci.RequestCommit())
    missed = decode(driver.query("/slashing/missed_blocks").value)
    for operator in OPERATORS[:2]:
        candidate = decode(driver.query(f"/staking/candidate/{operator.bech32}").value)
        assert not candidate["jailed"] and missed[operator.bech32] == 0
    driver.close()
