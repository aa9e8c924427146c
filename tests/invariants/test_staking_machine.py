"""Random staking messages, jailing and blocks against a plain model of the module.

Every message runs on a child overlay that is merged only on success, as the
router does. After every step the staking and bank invariants hold, the state
matches the model (balances, candidates, delegations, unbonding and
redelegation entries, delegated vesting), every account still owns exactly
what it was funded with (no slashing here, so one share is always one uamio),
and a vesting account never has more to spend than has unlocked. After every
election the stored validator set is the elected one and the updates are
exactly the differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from abci_app.store import MemoryState, Overlay
from chain_modules.bank import api as bank_api
from chain_modules.bank.errors import ErrInsufficientFunds
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.state import get_balance, get_delegated_vesting, iter_balances, set_balance, set_supply, set_vesting
from chain_modules.bank.types import VestingSchedule
from chain_modules.common.context import BlockContext
from chain_modules.common.errors import ChainError
from chain_modules.staking import state as staking_state
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL
from chain_modules.staking.epoch import end_block
from chain_modules.staking.errors import (
    ErrCandidateExists,
    ErrCandidateTombstoned,
    ErrConsensusKeyInUse,
    ErrInsufficientDelegation,
    ErrInvalidCommission,
    ErrRedelegateToSame,
    ErrSelfBondTooLow,
    ErrTooManyEntries,
    ErrTransitiveRedelegation,
    ErrUnknownCandidate,
)
from chain_modules.staking.handlers import handle_create_super_node, handle_delegate, handle_redelegate, handle_undelegate
from chain_modules.staking.invariants import check_pools, check_validator_set_is_elected
from chain_modules.staking.types import MsgCreateSuperNode, MsgDelegate, MsgRedelegate, MsgUndelegate, StakingParams
from tests.support import create_super_node_msg, make_key

PARAMS = StakingParams(
    epoch_blocks=5, max_super_nodes=3, unbonding_seconds=100, max_entries=3, min_super_self_bond=1_000, power_reduction=100,
)
START = 1_800_000_000
FUNDS = 6_000
KEYS = [make_key(name) for name in ("alice", "bob", "carol", "dave", "eve")]
ACCOUNTS = [key.address for key in KEYS]
VESTER = ACCOUNTS[4]
SCHEDULE = VestingSchedule("linear", 5_000, START, START + 1_000)  # eve: 5000 of her 6000 unlock over 1000 s
CONSENSUS_SIGNERS = [make_key(f"machine/consensus/{index}") for index in range(6)]
CONSENSUS_KEYS = [signer.pubkey for signer in CONSENSUS_SIGNERS]

accounts = st.integers(0, len(ACCOUNTS) - 1)
picks = st.integers(0, 99)  # mostly an existing candidate or delegation, sometimes any account (see pick_*)
amounts = st.one_of(st.integers(1, 2_500), st.sampled_from([1, 99, 100, 1_000]))
withdrawals = st.one_of(amounts, st.sampled_from(["all", "half", "all+1"]))
GENESIS = {ACCOUNTS[0]: (0, 2_000), ACCOUNTS[1]: (1, 1_500), ACCOUNTS[2]: (2, 1_000)}  # operator -> (consensus key index, self-bond)


@dataclass
class ModelCandidate:
    pubkey: bytes
    tokens: int = 0
    jailed: bool = False
    tombstoned: bool = False


@dataclass
class Model:
    """Staking without slashing: shares always equal tokens, so plain integers suffice."""

    balances: dict[bytes, int]
    candidates: dict[bytes, ModelCandidate] = field(default_factory=dict)
    delegations: dict[tuple[bytes, bytes], int] = field(default_factory=dict)
    unbondings: dict[tuple[bytes, bytes], list[tuple[int, int]]] = field(default_factory=dict)
    redelegations: dict[tuple[bytes, bytes, bytes], list[int]] = field(default_factory=dict)
    delegated_vesting: list[int] = field(default_factory=lambda: [0, 0])  # the vester's (vesting, free)
    validators: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)

    def bond(self, delegator: bytes, operator: bytes, amount: int, now: int) -> None:
        if delegator == VESTER:
            vesting, free = self.delegated_vesting
            from_vesting = min(max(SCHEDULE.locked(now) - vesting, 0), amount)
            self.delegated_vesting = [vesting + from_vesting, free + amount - from_vesting]
        self.balances[delegator] -= amount
        self.candidates[operator].tokens += amount
        self.delegations[(delegator, operator)] = self.delegations.get((delegator, operator), 0) + amount

    def unbond(self, delegator: bytes, operator: bytes, amount: int) -> None:
        self.candidates[operator].tokens -= amount
        left = self.delegations[(delegator, operator)] - amount
        if left:
            self.delegations[(delegator, operator)] = left
        else:
            del self.delegations[(delegator, operator)]

    def pay_out(self, delegator: bytes, amount: int) -> None:
        if delegator == VESTER:
            vesting, free = self.delegated_vesting
            from_free = min(free, amount)
            from_vesting = min(vesting, amount - from_free)
            self.delegated_vesting = [vesting - from_vesting, free - from_free]
        self.balances[delegator] += amount

    def self_bond(self, operator: bytes) -> int:
        return self.delegations.get((operator, operator), 0)

    def elect(self) -> dict[bytes, tuple[bytes, int]]:
        ranked = sorted(
            (operator for operator, c in self.candidates.items() if not c.jailed and not c.tombstoned and c.tokens > 0),
            key=lambda operator: (-self.candidates[operator].tokens, operator),
        )
        elected: dict[bytes, tuple[bytes, int]] = {}
        for operator in ranked:
            power = self.candidates[operator].tokens // PARAMS.power_reduction
            if len(elected) == PARAMS.max_super_nodes or power == 0:
                break
            if self.self_bond(operator) >= PARAMS.min_super_self_bond:
                elected[operator] = (self.candidates[operator].pubkey, power)
        return elected


class StakingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        setup = Overlay(MemoryState())
        staking_state.set_params(setup, PARAMS)
        for address in ACCOUNTS:
            set_balance(setup, address, FUNDS)
        set_vesting(setup, VESTER, SCHEDULE)
        set_supply(setup, FUNDS * len(ACCOUNTS))
        self.state = Overlay(MemoryState(dict(setup.iter_prefix(b""))))
        self.model = Model({address: FUNDS for address in ACCOUNTS})
        self.height = 1
        self.time = START
        for operator, (pubkey, self_bond) in GENESIS.items():
            msg = create_super_node_msg(operator, CONSENSUS_SIGNERS[pubkey], "genesis", 500, 100, self_bond)
            assert self.deliver(handle_create_super_node, msg, None)
            self.model.candidates[operator] = ModelCandidate(CONSENSUS_KEYS[pubkey])
            self.model.bond(operator, operator, self_bond, self.time)
        self.ever_elected = False

    # -- running things as the app does ---------------------------------------------------------

    def context(self) -> BlockContext:
        return BlockContext(chain_id="amino-test", height=self.height, time_ns=self.time * 1_000_000_000)

    def deliver(self, handler, msg, expected: type[ChainError] | None) -> bool:
        """Run ``msg`` on a child overlay; merge it only on success. The outcome must be the model's."""
        child = Overlay(self.state)
        try:
            handler(child, self.context(), msg)
        except ChainError as error:
            assert type(error) is expected, f"{type(msg).__name__} raised {type(error).__name__}, model expected {expected}"
            return False
        assert expected is None, f"{type(msg).__name__} succeeded, model expected {expected.__name__}"
        child.write_through(with_events=False)
        return True

    def pick_candidate(self, pick: int, avoid: bytes = b"") -> bytes:
        existing = sorted(operator for operator in self.model.candidates if operator != avoid or pick % 7 == 0)
        if existing and pick % 5:
            return existing[pick % len(existing)]
        return ACCOUNTS[pick % len(ACCOUNTS)]

    def pick_delegation(self, pick: int) -> tuple[bytes, bytes]:
        existing = sorted(self.model.delegations)
        if existing and pick % 5:
            return existing[pick % len(existing)]
        return ACCOUNTS[pick % len(ACCOUNTS)], ACCOUNTS[pick // len(ACCOUNTS) % len(ACCOUNTS)]

    @staticmethod
    def withdrawal(amount: int | str, worth: int) -> int:
        named = {"all": worth, "half": worth // 2, "all+1": worth + 1}
        return max(named.get(amount, amount), 1) if isinstance(amount, str) else amount

    # -- messages ------------------------------------------------------------------------------------

    @rule(
        operator=st.sampled_from([3, 4, 3, 4, 0]),  # dave and eve are not candidates at genesis
        pubkey=st.sampled_from([3, 4, 5, 0]),
        self_bond=st.integers(900, 4_000),
        commission=st.sampled_from([0, 500, 10_000, 10_001]),
    )
    def create_super_node(self, operator, pubkey, self_bond, commission):
        address, key = ACCOUNTS[operator], CONSENSUS_KEYS[pubkey]
        m = self.model
        if address in m.candidates:
            expected = ErrCandidateExists
        elif any(c.pubkey == key for c in m.candidates.values()):
            expected = ErrConsensusKeyInUse
        elif commission > 10_000:
            expected = ErrInvalidCommission
        elif self_bond < PARAMS.min_super_self_bond:
            expected = ErrSelfBondTooLow
        elif m.balances[address] < self_bond:
            expected = ErrInsufficientFunds
        else:
            expected = None
        msg = create_super_node_msg(address, CONSENSUS_SIGNERS[pubkey], KEYS[operator].name, commission, 100, self_bond)
        if self.deliver(handle_create_super_node, msg, expected):
            m.candidates[address] = ModelCandidate(key)
            m.bond(address, address, self_bond, self.time)

    @rule(delegator=accounts, candidate=picks, amount=st.one_of(amounts, st.sampled_from(["balance", "balance+1"])))
    def delegate(self, delegator, candidate, amount):
        delegator, operator, m = ACCOUNTS[delegator], self.pick_candidate(candidate), self.model
        if isinstance(amount, str):
            amount = max(m.balances[delegator] + (amount == "balance+1"), 1)
        if operator not in m.candidates:
            expected = ErrUnknownCandidate
        elif m.candidates[operator].tombstoned:
            expected = ErrCandidateTombstoned
        elif m.balances[delegator] < amount:
            expected = ErrInsufficientFunds
        else:
            expected = None
        if self.deliver(handle_delegate, MsgDelegate(delegator, operator, amount), expected):
            m.bond(delegator, operator, amount, self.time)

    @rule(delegation=picks, amount=withdrawals)
    def undelegate(self, delegation, amount):
        (delegator, operator), m = self.pick_delegation(delegation), self.model
        worth = m.delegations.get((delegator, operator), 0)
        amount = self.withdrawal(amount, worth)
        if len(m.unbondings.get((delegator, operator), [])) >= PARAMS.max_entries:
            expected = ErrTooManyEntries
        elif operator not in m.candidates:
            expected = ErrUnknownCandidate
        elif amount > worth:
            expected = ErrInsufficientDelegation
        else:
            expected = None
        if self.deliver(handle_undelegate, MsgUndelegate(delegator, operator, amount), expected):
            m.unbond(delegator, operator, amount)
            m.unbondings.setdefault((delegator, operator), []).append((self.time + PARAMS.unbonding_seconds, amount))

    @rule(delegation=picks, destination=picks, amount=withdrawals)
    def redelegate(self, delegation, destination, amount):
        (delegator, source), m = self.pick_delegation(delegation), self.model
        destination = self.pick_candidate(destination, avoid=source)
        worth = m.delegations.get((delegator, source), 0)
        amount = self.withdrawal(amount, worth)
        incoming = any(d == delegator and dst == source for d, _src, dst in m.redelegations)
        if source == destination:
            expected = ErrRedelegateToSame
        elif destination not in m.candidates:
            expected = ErrUnknownCandidate
        elif m.candidates[destination].tombstoned:
            expected = ErrCandidateTombstoned
        elif incoming:
            expected = ErrTransitiveRedelegation
        elif len(m.redelegations.get((delegator, source, destination), [])) >= PARAMS.max_entries:
            expected = ErrTooManyEntries
        elif source not in m.candidates:
            expected = ErrUnknownCandidate
        elif amount > worth:
            expected = ErrInsufficientDelegation
        else:
            expected = None
        if self.deliver(handle_redelegate, MsgRedelegate(delegator, source, destination, amount), expected):
            m.unbond(delegator, source, amount)
            m.candidates[destination].tokens += amount
            m.delegations[(delegator, destination)] = m.delegations.get((delegator, destination), 0) + amount
            m.redelegations.setdefault((delegator, source, destination), []).append(self.time + PARAMS.unbonding_seconds)

    # -- what slashing will do: flip flags through state.set_candidate -------------------------------------

    def flip(self, index: int, **flags) -> None:
        operators = sorted(self.model.candidates)
        operator = operators[index % len(operators)]
        previous = staking_state.get_candidate(self.state, operator)
        if previous.tombstoned:
            return  # a tombstoned candidate is never unjailed
        staking_state.set_candidate(self.state, previous.with_(**flags), previous)
        for name, value in flags.items():
            setattr(self.model.candidates[operator], name, value)

    @rule(index=st.integers(0, 4), action=st.sampled_from(["jail", "unjail", "unjail", "tombstone"]))
    def slash_flags(self, index, action):
        if action == "tombstone":  # forever: the candidate can never be unjailed or delegated to again
            self.flip(index, jailed=True, tombstoned=True)
        else:
            self.flip(index, jailed=action == "jail")

    # -- blocks ----------------------------------------------------------------------------------------------

    @rule(blocks=st.integers(1, 5), seconds=st.sampled_from([0, 1, 7, 30, 60, 99, 100]))
    def end_blocks(self, blocks, seconds):
        for _ in range(blocks):
            self.end_one_block()
            self.height += 1
            self.time += seconds

    def end_one_block(self) -> None:
        m, now = self.model, self.time
        child = Overlay(self.state)
        updates = end_block(child, self.context())
        child.write_through(with_events=False)

        for pair in sorted(m.unbondings):
            entries = m.unbondings[pair]
            matured = sum(amount for completion, amount in entries if completion <= now)
            entries[:] = [(completion, amount) for completion, amount in entries if completion > now]
            if matured:
                m.pay_out(pair[0], matured)
            if not entries:
                del m.unbondings[pair]
        for triple in list(m.redelegations):
            m.redelegations[triple] = [completion for completion in m.redelegations[triple] if completion > now]
            if not m.redelegations[triple]:
                del m.redelegations[triple]

        # a validator that became ineligible (jailed, tombstoned, no tokens) leaves at once
        ineligible = any(
            (c := m.candidates[operator]).jailed or c.tombstoned or c.tokens == 0 for operator in m.validators
        )
        if self.height % PARAMS.epoch_blocks != 0 and not ineligible:
            assert updates == []
            return
        elected = m.elect()
        expected: list[tuple[bytes, int]] = []
        if elected:
            for operator in sorted(set(m.validators) | set(elected)):
                old, new = m.validators.get(operator), elected.get(operator)
                if old != new:
                    expected.append((old[0], 0) if new is None else new)
            m.validators = elected
        assert updates == expected
        assert len({pubkey for pubkey, _power in updates}) == len(updates), "one update per validator"
        check_validator_set_is_elected(self.state)

    # -- invariants ------------------------------------------------------------------------------------------

    @invariant()
    def pools_supply_and_balances_hold(self):
        check_pools(self.state)
        check_supply(self.state)
        assert all(amount > 0 for _address, amount in iter_balances(self.state))

    @invariant()
    def state_matches_the_model(self):
        m, state = self.model, self.state
        for address in ACCOUNTS:
            assert get_balance(state, address) == m.balances[address] >= 0
        assert get_balance(state, BONDED_POOL) == sum(c.tokens for c in m.candidates.values())
        assert get_balance(state, UNBONDING_POOL) == sum(a for entries in m.unbondings.values() for _t, a in entries)
        stored = {c.operator: c for c in staking_state.iter_candidates(state)}
        assert set(stored) == set(m.candidates)
        for operator, candidate in m.candidates.items():
            got = stored[operator]
            assert (got.consensus_pubkey, got.tokens, got.shares, got.jailed, got.tombstoned) == (
                candidate.pubkey, candidate.tokens, candidate.tokens, candidate.jailed, candidate.tombstoned,
            )
        assert {(d, c): shares for d, c, shares in staking_state.iter_delegations(state)} == m.delegations
        assert {
            (d, c): [(e.completion_time, e.balance) for e in entries] for d, c, entries in staking_state.iter_unbondings(state)
        } == m.unbondings
        assert {
            (d, s, t): [e.completion_time for e in entries] for d, s, t, entries in staking_state.iter_redelegations(state)
        } == m.redelegations
        assert list(get_delegated_vesting(state, VESTER)) == m.delegated_vesting
        assert {operator: (pubkey, power) for operator, pubkey, power in staking_state.iter_validator_set(state)} == m.validators

    @invariant()
    def every_account_still_owns_its_funds(self):
        m = self.model
        for address in ACCOUNTS:
            bonded = sum(amount for (d, _c), amount in m.delegations.items() if d == address)
            unbonding = sum(a for (d, _c), entries in m.unbondings.items() if d == address for _t, a in entries)
            assert m.balances[address] + bonded + unbonding == FUNDS
        vester_staked = FUNDS - m.balances[VESTER]
        assert sum(m.delegated_vesting) == vester_staked, "delegated vesting + free = what the vester has staked"

    @invariant()
    def vesting_never_unlocks_early(self):
        unlocked = FUNDS - SCHEDULE.locked(self.time)
        assert bank_api.spendable(self.state, VESTER, self.time) <= unlocked

    @invariant()
    def validator_set_is_never_emptied_once_elected(self):
        stored = list(staking_state.iter_validator_set(self.state))
        if self.ever_elected:
            assert stored, "the validator set became empty"
        self.ever_elected = bool(stored)


StakingMachine.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
TestStakingMachine = StakingMachine.TestCase
