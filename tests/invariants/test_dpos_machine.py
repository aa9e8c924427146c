"""The whole app, block by block, under random DPoS traffic: one hypothesis state machine.

Genesis has three super nodes competing for two validator seats (epoch every 3 blocks, 30 s
unbonding, 8-block signing window, 20 s downtime jail). The rules send signed transactions
(delegate, undelegate, redelegate, reward and commission withdrawals, unjail, investor lock
creation and withdrawal, a transfer paying a fee) and make blocks: plain blocks after a random
time, runs of blocks where some validators are absent (downtime slashing and jailing), a block
carrying double-sign evidence (slash, jail, tombstone). The last commit of block h holds the
validator set CometBFT uses at h - 1: updates returned at height H take effect at H + 2.

Two apps on two databases are fed exactly the same blocks (one of them is sometimes closed and
reopened from disk) and must agree on every app hash. After every block:

- bank check_supply; the total supply never changes and no balance is negative; a vesting
  account's balance holds at least what vesting still locks in it;
- staking check_pools, distribution check_pool, locks check_all (with the block time);
- every candidate's outstanding rewards cover its commission and all its delegators' pending rewards;
- the stored validator set is never empty and, after every election (epoch boundary or a
  validator became ineligible), it is exactly the election result, holding only eligible
  candidates;
- no transaction ever fails with an internal error (a handler bug);
- the fee collector holds exactly the fees of this block's transactions (the last block's were
  allocated, unless nobody signed it);
- a validator is jailed for downtime exactly when an independent model of its last 8 votes says
  it missed more than 4 of them, until block time + 20 s;
- no matured unbonding or redelegation entry is left;
- a tombstoned candidate stays tombstoned and jailed forever.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from abci_app.proto import abci
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.api import FEE_COLLECTOR, locked_amount
from chain_modules.bank.state import get_balance, get_supply, iter_balances, iter_vesting
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from chain_modules.distribution import state as distribution_state
from chain_modules.distribution.api import pending_rewards
from chain_modules.distribution.invariants import check_pool as check_distribution_pool
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.locks import invariants as locks_invariants
from chain_modules.locks import state as locks_state
from chain_modules.locks.types import LockParams, MsgCreateLock, MsgWithdrawLock
from chain_modules.slashing.types import MsgUnjail, SlashingParams
from chain_modules.staking import state as staking_state
from chain_modules.staking.api import delegation_tokens
from chain_modules.staking.epoch import elect
from chain_modules.staking.invariants import check_pools, check_validator_set_is_elected
from chain_modules.staking.types import MsgDelegate, MsgRedelegate, MsgUndelegate, StakingParams
from genesis.build import GenesisValidator, SuperNodeSpec, build_app_state
from tests.support import BUCKET_NAMES, IEO_NAMES, KEYS, AppDriver, make_key, send, signed, timestamp

AMIO = 1_000_000
STAKING = StakingParams(epoch_blocks=3, max_super_nodes=2, unbonding_seconds=30, max_entries=3,
                        min_super_self_bond=1_000 * AMIO, power_reduction=AMIO)
SLASHING = SlashingParams(signed_blocks_window=8, min_signed_bps=5_000, downtime_jail_seconds=20,
                          slash_fraction_downtime_bps=100, slash_fraction_double_sign_bps=500,
                          min_downtime_seconds=0, min_validators_after_jail=0)
LOCKS = LockParams(min_lock_seconds=10, max_lock_seconds=120)
OPERATORS = [make_key(f"dpos/operator{i}") for i in range(3)]
CONSENSUS = [make_key(f"dpos/consensus{i}") for i in range(3)]
SELF_BONDS = [1_000_000 * AMIO, 999_999 * AMIO, 999_998 * AMIO]
DELEGATORS = [KEYS[name] for name in IEO_NAMES]
ACTORS = DELEGATORS + OPERATORS  # operators also move their self-bond around
EVE = KEYS["eve"]
UNKNOWN_CONSENSUS = hashlib.sha256(make_key("dpos/nobody").pubkey).digest()[:20]
BLOCK_ID_FLAG_ABSENT, BLOCK_ID_FLAG_COMMIT = 1, 2


def consensus_address(pubkey: bytes) -> bytes:
    return hashlib.sha256(pubkey).digest()[:20]


def dpos_app_state() -> dict:
    recipients = {"ieo": [k.bech32 for k in DELEGATORS]}
    recipients.update({allocation: [KEYS[name].bech32] for allocation, name in BUCKET_NAMES.items()})
    recipients["infrastructure"] = [op.bech32 for op in OPERATORS]
    nodes = [
        SuperNodeSpec(OPERATORS[i].bech32, GenesisValidator(f"node{i}", CONSENSUS[i].pubkey, 0), SELF_BONDS[i], 1_000, 100)
        for i in range(3)
    ]
    state = build_app_state(recipients, staking_params=STAKING, super_nodes=nodes, slashing_params=SLASHING)
    state["locks"]["params"] = LOCKS.to_dict()
    return state


def stored_set(state) -> dict[bytes, tuple[bytes, int]]:
    return {operator: (pubkey, power) for operator, pubkey, power in staking_state.iter_validator_set(state)}


def brute_force_election(state) -> dict[bytes, tuple[bytes, int]]:
    """docs/modules/staking.md "The election", from the candidate records alone (no power index)."""
    ranked = sorted((c for c in staking_state.iter_candidates(state) if c.kind == "super" and c.eligible),
                    key=lambda c: (-c.tokens, c.operator))
    elected: dict[bytes, tuple[bytes, int]] = {}
    for candidate in ranked:
        power = candidate.tokens // STAKING.power_reduction
        if len(elected) == STAKING.max_super_nodes or power == 0:
            break
        own = candidate.tokens_for_shares(staking_state.get_delegation_shares(state, candidate.operator, candidate.operator))
        if own >= STAKING.min_super_self_bond:
            elected[candidate.operator] = (candidate.consensus_pubkey, power)
    return elected


actors = st.integers(0, len(ACTORS) - 1)
delegators = st.integers(0, len(DELEGATORS) - 1)
candidates = st.integers(0, 2)
big_amounts = st.one_of(
    st.integers(1, 3_000_000).map(lambda amio: amio * AMIO),
    st.sampled_from([1, AMIO - 1, AMIO, 1_000 * AMIO, 2_000_000 * AMIO, 20_000_000 * AMIO]),
)
portions = st.one_of(st.sampled_from(["all", "half", "tenth", "all+1"]), st.integers(1, 2_000_000 * AMIO))
seconds = st.one_of(st.integers(1, 10), st.integers(11, 45))
commit_now = st.booleans()


def portion_of(held: int, portion) -> int:
    if portion == "all":
        return max(held, 1)
    if portion == "half":
        return max(held // 2, 1)
    if portion == "tenth":
        return max(held // 10, 1)
    if portion == "all+1":
        return held + 1
    return portion


class DposMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="dpos-machine-"))
        app_state = dpos_app_state()
        self.a = AppDriver(self.tmp / "a", app_state=app_state)
        self.b = AppDriver(self.tmp / "b", app_state=app_state)
        # CometBFT's validator sets by height: {consensus address: power}
        genesis = {consensus_address(pubkey): power for pubkey, power in stored_set(self.state).values()}
        assert len(genesis) == 2
        self.valsets: dict[int, dict[bytes, int]] = {1: dict(genesis), 2: dict(genesis)}
        self.pending: list[tuple[str, bytes, int]] = []  # (label, tx, fee) for the next block
        self.next_sequence: dict[bytes, int] = {}
        self.tombstoned: set[bytes] = set()
        self.vote_history: dict[bytes, list[bool]] = {}  # consensus address -> votes since its last downtime jail

    def teardown(self) -> None:
        for driver in (self.a, self.b):
            driver.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- transactions ------------------------------------------------------------------------

    @property
    def state(self):
        """The committed state (before the first block: the genesis writes InitChain left for it)."""
        app = self.a.app
        return app.block if app.block is not None else app.store.committed

    def sign(self, key, msg, fee: int = 2_000, gas: int = 200_000) -> bytes:
        sequence = self.next_sequence.get(key.address)
        if sequence is None:
            sequence = self.a.sequence(key.address)
        self.next_sequence[key.address] = sequence + 1  # assumes the ante passes; resynced after the block
        return signed(key, [(msg.TYPE, msg.to_body())], sequence, fee=fee, gas=gas)

    def submit(self, label: str, tx: bytes, now: bool, fee: int = 2_000) -> None:
        self.pending.append((label, tx, fee))
        if now or len(self.pending) >= 4:
            self.finalize()

    # -- blocks ------------------------------------------------------------------------------

    def last_commit(self, absent: frozenset[bytes] = frozenset()) -> list:
        """The votes of the last commit: the validator set CometBFT used at the previous height."""
        height = self.a.height + 1
        if height == 1:
            return []
        return [
            abci.VoteInfo(validator=abci.Validator(address=address, power=power),
                          block_id_flag=BLOCK_ID_FLAG_ABSENT if address in absent else BLOCK_ID_FLAG_COMMIT)
            for address, power in sorted(self.valsets[height - 1].items())
        ]

    def finalize(self, seconds: int = 5, absent: frozenset[bytes] = frozenset(), misbehavior: list | None = None) -> list:
        labels, txs, fees = ([item[i] for item in self.pending] for i in range(3))
        self.pending = []
        before_set = stored_set(self.state)
        jailed_before = {op.address: staking_state.get_candidate(self.state, op.address).jailed for op in OPERATORS}
        collector_before = get_balance(self.state, FEE_COLLECTOR)
        votes = self.last_commit(absent)
        height = self.a.height + 1
        responses = []
        for driver in (self.a, self.b):
            assert driver.height == height - 1
            driver.time += seconds
            driver.height = height
            response = driver.app.finalize_block(
                abci.RequestFinalizeBlock(
                    txs=txs, height=height, time=timestamp(driver.time), hash=hashlib.sha256(str(height).encode()).digest(),
                    decided_last_commit=abci.CommitInfo(round=0, votes=votes), misbehavior=misbehavior or [],
                )
            )
            driver.last_app_hash = response.app_hash
            driver.last_validator_updates = list(response.validator_updates)
            driver.app.commit(abci.RequestCommit())
            responses.append(response)
        ra, rb = responses
        assert ra.app_hash == rb.app_hash, f"app hashes differ at height {height}"
        assert self.a.app.store.last_app_hash == self.b.app.store.last_app_hash == ra.app_hash
        assert [(r.code, r.codespace, r.log) for r in ra.tx_results] == [(r.code, r.codespace, r.log) for r in rb.tx_results]
        assert list(ra.validator_updates) == list(rb.validator_updates)
        for label, result in zip(labels, ra.tx_results):
            assert result.codespace != "app", f"internal error (handler bug) in {label} at height {height}: {result.log}"
            event(f"tx {label}: {result.codespace or 'ok'}/{result.code}")
        for item in ra.events:
            if item.type in ("slash", "unjail", "complete_unbonding", "lock_expired", "lock_withdrawn"):
                reason = {a.key: a.value for a in item.attributes}.get("reason", "")
                event(f"block event {item.type} {reason}".rstrip())
        # CometBFT: updates returned at height H apply from H + 2
        following = dict(self.valsets[height + 1])
        for update in ra.validator_updates:
            address = consensus_address(bytes(update.pub_key.ed25519))
            if update.power == 0:
                following.pop(address, None)
            else:
                following[address] = update.power
        assert following, f"the validator updates at height {height} empty CometBFT's set"
        stored = {consensus_address(pubkey): power for pubkey, power in stored_set(self.state).values()}
        assert following == stored, f"CometBFT's set from height {height + 2} differs from the stored set"
        self.valsets[height + 2] = following
        self.next_sequence.clear()
        # fees: the last block's were allocated if anyone signed; this block's (ante passed) wait in the collector
        charged = sum(fee for fee, result in zip(fees, ra.tx_results) if result.code == 0 or result.codespace != "tx")
        anyone_signed = any(vote.block_id_flag == BLOCK_ID_FLAG_COMMIT for vote in votes)
        expected = (0 if anyone_signed else collector_before) + charged
        assert get_balance(self.state, FEE_COLLECTOR) == expected, "fees were lost, kept or charged wrongly"
        self.check_liveness(votes, ra, jailed_before)
        self.check_block(height, before_set, ra)
        return list(ra.tx_results)

    def check_liveness(self, votes: list, response, jailed_before: dict[bytes, bool]) -> None:
        """An independent model of downtime: the votes seen since the last downtime jail, judged over the
        last signed_blocks_window of them (docs/modules/slashing.md "Downtime")."""
        voted = {bytes(vote.validator.address) for vote in votes}
        for vote in votes:
            self.vote_history.setdefault(bytes(vote.validator.address), []).append(vote.block_id_flag == BLOCK_ID_FLAG_COMMIT)
        downtime = {dict((a.key, a.value) for a in item.attributes)["operator"]
                    for item in response.events if item.type == "slash"
                    and dict((a.key, a.value) for a in item.attributes)["reason"] == "downtime"}
        window = SLASHING.signed_blocks_window
        max_missed = window - window * SLASHING.min_signed_bps // 10_000
        for operator, consensus in zip(OPERATORS, CONSENSUS):
            history = self.vote_history.get(consensus_address(consensus.pubkey), [])
            missed = history[-window:].count(False)
            candidate = staking_state.get_candidate(self.state, operator.address)
            if operator.bech32 in downtime:
                assert len(history) >= window and missed > max_missed, "jailed for downtime without missing enough"
                assert candidate.jailed and candidate.jailed_until == self.a.time + SLASHING.downtime_jail_seconds
                self.vote_history[consensus_address(consensus.pubkey)] = []
            elif (consensus_address(consensus.pubkey) in voted and len(history) >= window and missed > max_missed
                  and not jailed_before[operator.address]):  # judged only when it votes, and jailed before the txs
                assert candidate.tombstoned, f"{operator.name} missed {missed} of the last {window} votes and is not jailed"

    def check_block(self, height: int, before_set: dict, response) -> None:
        state = self.state
        check_supply(state)
        assert get_supply(state) == TOTAL_SUPPLY_UAMIO
        assert all(amount >= 0 for _address, amount in iter_balances(state))
        for address, _schedule in iter_vesting(state):  # what vesting still locks is in the balance
            assert get_balance(state, address) >= locked_amount(state, address, self.a.time), address.hex()
        check_pools(state)
        check_distribution_pool(state)
        for _delegator, _candidate, entries in staking_state.iter_unbondings(state):
            assert all(entry.completion_time > self.a.time for entry in entries), "a matured unbonding was not completed"
        for _delegator, _source, _destination, entries in staking_state.iter_redelegations(state):
            assert all(entry.completion_time > self.a.time for entry in entries), "a matured redelegation is still held"
        locks_invariants.check_all(state, self.a.time)
        # every candidate can pay its commission and all its delegators' pending rewards at once
        owed: dict[bytes, int] = {}
        for delegator, operator, _shares in staking_state.iter_delegations(state):
            owed[operator] = owed.get(operator, 0) + pending_rewards(state, delegator, operator)
        for candidate in staking_state.iter_candidates(state):
            operator = candidate.operator
            need = owed.get(operator, 0) + distribution_state.get_commission(state, operator)
            assert need <= distribution_state.get_outstanding(state, operator), "a candidate owes more than it holds"
        current = stored_set(state)
        assert current, f"the stored validator set is empty at height {height}"
        eligible = sorted((c for c in staking_state.iter_candidates(state) if c.kind == "super" and c.eligible),
                          key=lambda c: (-c.tokens, c.operator))
        assert list(staking_state.iter_by_power(state)) == [c.operator for c in eligible], "power index out of step"
        # the election runs at an epoch boundary, or when a member of the set became ineligible
        ineligible = [op for op in before_set if not (c := staking_state.get_candidate(state, op)) or not c.eligible]
        if height % STAKING.epoch_blocks == 0 or ineligible:
            check_validator_set_is_elected(state)
            assert elect(state, staking_state.get_params(state)) == brute_force_election(state)
            if elect(state, staking_state.get_params(state)):
                for operator in current:
                    assert staking_state.get_candidate(state, operator).eligible, "an ineligible candidate kept its seat"
            previous = {pubkey: power for pubkey, power in before_set.values()}
            now = {pubkey: power for pubkey, power in current.values()}
            expected = {(pk, now.get(pk, 0)) for pk in set(previous) | set(now) if previous.get(pk) != now.get(pk)}
            got = {(bytes(u.pub_key.ed25519), u.power) for u in response.validator_updates}
            assert got == expected, "validator updates are not the differences of the stored set"
        else:
            assert current == before_set and not response.validator_updates
        for candidate in staking_state.iter_candidates(state):
            if candidate.operator in self.tombstoned:
                assert candidate.tombstoned and candidate.jailed, "a tombstoned candidate came back"
            if candidate.tombstoned:
                self.tombstoned.add(candidate.operator)

    # -- rules: transactions ---------------------------------------------------------------

    def pick_delegation(self, who: int, source: int, pick: int) -> tuple:
        """Mostly an existing delegation (pick < 85), otherwise the drawn delegator and candidate."""
        existing = sorted((d, c) for d, c, _shares in staking_state.iter_delegations(self.state))
        by_address = {key.address: key for key in ACTORS}
        if pick < 85 and existing:
            delegator, operator = existing[pick % len(existing)]
            return by_address[delegator], operator
        return ACTORS[who], OPERATORS[source].address

    @rule(who=actors, to=candidates, amount=big_amounts, now=commit_now)
    def delegate(self, who, to, amount, now):
        key = ACTORS[who]
        self.submit("delegate", self.sign(key, MsgDelegate(key.address, OPERATORS[to].address, amount)), now)

    @rule(who=actors, source=candidates, pick=st.integers(0, 99), portion=portions, now=commit_now)
    def undelegate(self, who, source, pick, portion, now):
        key, operator = self.pick_delegation(who, source, pick)
        held = delegation_tokens(self.state, key.address, operator)
        self.submit("undelegate", self.sign(key, MsgUndelegate(key.address, operator, portion_of(held, portion))), now)

    @rule(who=actors, source=candidates, pick=st.integers(0, 99), destination=candidates, portion=portions, now=commit_now)
    def redelegate(self, who, source, pick, destination, portion, now):
        key, operator = self.pick_delegation(who, source, pick)
        held = delegation_tokens(self.state, key.address, operator)
        msg = MsgRedelegate(key.address, operator, OPERATORS[destination].address, portion_of(held, portion))
        self.submit("redelegate", self.sign(key, msg), now)

    @rule(who=actors, now=commit_now)
    def withdraw_rewards(self, who, now):
        key = ACTORS[who]
        self.submit("withdraw_rewards", self.sign(key, MsgWithdrawRewards(key.address)), now)

    @rule(operator=candidates, now=commit_now)
    def withdraw_commission(self, operator, now):
        key = OPERATORS[operator]
        self.submit("withdraw_commission", self.sign(key, MsgWithdrawCommission(key.address)), now)

    @rule(operator=candidates, any_operator=st.booleans(), now=commit_now)
    def unjail(self, operator, any_operator, now):
        """Mostly a jailed candidate's operator, if there is one."""
        jailed = [i for i in range(3) if staking_state.get_candidate(self.state, OPERATORS[i].address).jailed]
        if jailed and not any_operator:
            operator = jailed[operator % len(jailed)]
        key = OPERATORS[operator]
        self.submit("unjail", self.sign(key, MsgUnjail(key.address)), now)

    @rule(who=delegators, amount=big_amounts, duration=st.integers(5, 130), now=commit_now)
    def create_lock(self, who, amount, duration, now):
        key = DELEGATORS[who]
        self.submit("create_lock", self.sign(key, MsgCreateLock(key.address, amount, duration)), now)

    @rule(who=delegators, pick=st.integers(0, 99), now=commit_now)
    def withdraw_lock(self, who, pick, now):
        key = DELEGATORS[who]
        ids = [lock.id for lock in locks_state.iter_locks(self.state)]
        own = list(locks_state.iter_lock_ids_of(self.state, key.address))
        choices = own or ids or [1]
        lock_id = choices[pick % len(choices)] if pick < 90 else max(ids or [0]) + 1  # mostly a real lock
        self.submit("withdraw_lock", self.sign(key, MsgWithdrawLock(key.address, lock_id)), now)

    @rule(who=delegators, amount=st.integers(1, 10 * AMIO), fee=st.sampled_from([500, 5_000, 123_457, 10 * AMIO]),
          now=commit_now)
    def transfer_with_fee(self, who, amount, fee, now):
        key = DELEGATORS[who]
        sequence = self.next_sequence.get(key.address, self.a.sequence(key.address))
        self.next_sequence[key.address] = sequence + 1
        self.submit("transfer", send(key, EVE.address, amount, sequence, fee=fee, gas=50_000), now, fee=fee)

    # -- rules: blocks -----------------------------------------------------------------------

    @rule(wait=st.one_of(seconds, st.just(61 * 86_400)))
    def block(self, wait):
        """Mostly seconds; rarely a 61-day halt, past the IEO's first vesting step."""
        self.finalize(wait)

    @rule(absent=st.sets(st.integers(0, 2), min_size=1), count=st.integers(1, 8), wait=st.integers(1, 6))
    def blocks_with_absent_validators(self, absent, count, wait):
        missing = frozenset(consensus_address(CONSENSUS[i].pubkey) for i in absent)
        for _ in range(count):
            self.finalize(wait, absent=missing)

    @rule(culprits=st.lists(st.integers(0, 3), min_size=1, max_size=2), back=st.integers(0, 12),
          power=st.sampled_from(["at_infraction", "at_infraction", "tokens", "tiny", "huge"]))
    def block_with_double_sign_evidence(self, culprits, back, power):
        """Evidence of a duplicate vote at a recent height; the power is mostly CometBFT's at the
        infraction height (a candidate that has since lost stake can be slashed to nothing)."""
        height = self.a.height + 1
        infraction = max(1, height - 1 - back)
        evidence = []
        for culprit in culprits:
            if culprit == 3:
                address, votes = UNKNOWN_CONSENSUS, 1
            else:
                address = consensus_address(CONSENSUS[culprit].pubkey)
                tokens = staking_state.get_candidate(self.state, OPERATORS[culprit].address).tokens // AMIO
                votes = {"at_infraction": self.valsets[infraction].get(address, tokens), "tokens": tokens, "tiny": 1,
                         "huge": 10**9}[power] or 1
            total = sum(self.valsets[infraction].values())
            evidence.append(abci.Misbehavior(
                type=abci.MisbehaviorType.DUPLICATE_VOTE, validator=abci.Validator(address=address, power=votes),
                height=infraction, time=timestamp(self.a.time), total_voting_power=max(total, votes),
            ))
        self.finalize(5, misbehavior=evidence)

    @rule(wait=seconds)
    def reopen_the_second_app(self, wait):
        """Close the second app and reopen it from disk: it must go on agreeing with the first.

        Before the first Commit nothing is on disk: CometBFT's handshake then replays InitChain."""
        height, time = self.b.height, self.b.time
        self.b.close()
        self.b = AppDriver(self.tmp / "b", app_state=dpos_app_state(), genesis_time=time)
        assert self.b.height == height
        self.b.time = time
        self.finalize(wait)

    @invariant()
    def nothing_left_behind(self):
        # the pending txs only ever wait for the next block of this machine; committed state is checked per block
        assert len(self.pending) < 4


DposMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestDposMachine = DposMachine.TestCase
