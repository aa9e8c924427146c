"""Random staking messages, fee allocations, reward and commission withdrawals, slashes and blocks, with the
distribution hooks the app uses, so F1 follows every stake change.

Every message runs on a child overlay that is merged only on success, as the router does. Each step
measures what the accounts received beyond the staking movements of the message itself (the delegated
amount, matured unbondings): that is what distribution paid them, and it must be exactly the pending
rewards (or commission) read before the step. After every step:

- bank check_supply, staking check_pools, distribution check_pool, and no balance is negative;
- rewards paid to delegators + commission paid + community + outstanding
  == fees allocated + tokens slashed into the pool (nothing is created or lost);
- every candidate can pay its commission and every pending reward at once;
- a delegation's F1 stake, reduced by the slashes since it started, never exceeds what it is worth.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from abci_app.store import MemoryState, Overlay
from chain_modules.bank import api as bank_api
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.state import get_balance, iter_balances, set_balance, set_supply
from chain_modules.common.context import BlockContext
from chain_modules.common.errors import ChainError
from chain_modules.distribution import api as distribution_api
from chain_modules.distribution import state as distribution_state
from chain_modules.distribution.api import DISTRIBUTION_POOL, DistributionHooks, pending_rewards
from chain_modules.distribution.handlers import handle_withdraw_commission, handle_withdraw_rewards
from chain_modules.distribution.invariants import check_pool
from chain_modules.distribution.types import MsgWithdrawCommission, MsgWithdrawRewards
from chain_modules.slashing import api as slashing_api
from chain_modules.slashing import state as slashing_state
from chain_modules.slashing.handlers import handle_unjail
from chain_modules.slashing.types import MsgUnjail, SlashingParams
from chain_modules.staking import api as staking_api
from chain_modules.staking import state as staking_state
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL, delegation_tokens
from chain_modules.staking.epoch import end_block
from chain_modules.staking.handlers import handle_create_super_node, handle_delegate, handle_redelegate, handle_undelegate
from chain_modules.staking.invariants import check_pools
from chain_modules.staking.state import consensus_address
from chain_modules.staking.types import MsgCreateSuperNode, MsgDelegate, MsgRedelegate, MsgUndelegate, StakingParams
from tests.support import create_super_node_msg, make_key

PARAMS = StakingParams(
    epoch_blocks=5, max_super_nodes=3, unbonding_seconds=100, max_entries=3, min_super_self_bond=1_000, power_reduction=100,
)
SLASHING = SlashingParams(
    signed_blocks_window=8, min_signed_bps=5_000, downtime_jail_seconds=60, slash_fraction_downtime_bps=100,
    slash_fraction_double_sign_bps=500, min_downtime_seconds=0, min_validators_after_jail=1,
)
HOOKS = (DistributionHooks(),)
START = 1_800_000_000
FUNDS = 6_000
KEYS = [make_key(name) for name in ("alice", "bob", "carol", "dave", "eve")]
ACCOUNTS = [key.address for key in KEYS]
FEE_PAYER = make_key("fee payer").address
CONSENSUS_SIGNERS = [make_key(f"rewards/consensus/{index}") for index in range(5)]
CONSENSUS_KEYS = [signer.pubkey for signer in CONSENSUS_SIGNERS]
UNKNOWN_SIGNER = consensus_address(make_key("nobody/consensus").pubkey)

accounts = st.integers(0, len(ACCOUNTS) - 1)
picks = st.integers(0, 99)
amounts = st.one_of(st.integers(1, 2_500), st.sampled_from([1, 99, 100, 1_000]))
withdrawals = st.one_of(amounts, st.sampled_from(["all", "half", "all but 1"]))  # a 1-uamio stake earns per token the most
fractions = st.one_of(st.integers(1, 10_000), st.sampled_from([1, 100, 500, 5_000, 10_000]))


class RewardsMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        setup = Overlay(MemoryState())
        staking_state.set_params(setup, PARAMS)
        slashing_state.set_params(setup, SLASHING)
        for address in ACCOUNTS:
            set_balance(setup, address, FUNDS)
        set_balance(setup, FEE_PAYER, 10**12)
        set_supply(setup, FUNDS * len(ACCOUNTS) + 10**12)
        self.state = Overlay(MemoryState(dict(setup.iter_prefix(b""))))
        self.height = 1
        self.time = START
        # what went into the distribution pool and what came out of it, measured from the outside
        self.fees_allocated = 0
        self.slashed = 0
        self.rewards_paid = 0
        self.commission_paid = 0
        for index, self_bond in ((0, 2_000), (1, 1_500)):
            msg = create_super_node_msg(ACCOUNTS[index], CONSENSUS_SIGNERS[index], "genesis", 500 * index, 100, self_bond)
            assert self.step(lambda state, msg=msg: handle_create_super_node(state, self.context(), msg), principal=-self_bond)
        self.elect()

    # -- running things as the app does ---------------------------------------------------------

    def context(self) -> BlockContext:
        return BlockContext(chain_id="amino-test", height=self.height, time_ns=self.time * 1_000_000_000, hooks=HOOKS)

    def staked(self, state) -> int:
        return get_balance(state, BONDED_POOL) + get_balance(state, UNBONDING_POOL)

    def step(self, action, principal: int = 0, paid: int | None = None, commission: bool = False, slashes: bool = False) -> bool:
        """Run ``action`` on a child overlay, merged only if it raises no ChainError.

        ``principal`` is what the accounts gain from the action's own staking movements; the rest of their
        gain was paid by distribution, and must equal ``paid`` (the pending amount read before) when given.
        Tokens that leave the staking pools for anything but the accounts were slashed into the pool, which
        only a step that ``slashes`` may do.
        """
        accounts_before = sum(get_balance(self.state, address) for address in ACCOUNTS)
        staked_before = self.staked(self.state)
        collector_before = get_balance(self.state, bank_api.FEE_COLLECTOR)
        child = Overlay(self.state)
        try:
            action(child)
        except ChainError:
            return False
        received = sum(get_balance(child, address) for address in ACCOUNTS) - accounts_before
        from_distribution = received - principal
        assert from_distribution >= 0, "an account lost tokens to distribution"
        if paid is not None:
            assert from_distribution == paid, f"paid {from_distribution}, pending was {paid}"
        staked_drop = staked_before - self.staked(child)
        # the principal is the only exchange between the accounts and the staking pools: the rest of their drop was slashed
        assert slashes or staked_drop == principal, "staked tokens went somewhere without a slash"
        self.slashed += staked_drop - principal
        self.fees_allocated += collector_before - get_balance(child, bank_api.FEE_COLLECTOR)
        if commission:
            self.commission_paid += from_distribution
        else:
            self.rewards_paid += from_distribution
        child.write_through(with_events=False)
        return True

    def deliver(self, handler, msg, principal: int = 0, paid: int | None = None, commission: bool = False) -> bool:
        return self.step(lambda state: handler(state, self.context(), msg), principal, paid, commission)

    def elect(self) -> None:
        assert self.step(lambda state: end_block(state, self.context()))

    def operators(self) -> list[bytes]:
        return sorted(candidate.operator for candidate in staking_state.iter_candidates(self.state))

    def pick_candidate(self, pick: int) -> bytes:
        existing = self.operators()
        if existing and pick % 7:
            return existing[pick % len(existing)]
        return ACCOUNTS[pick % len(ACCOUNTS)]

    def pick_delegation(self, pick: int) -> tuple[bytes, bytes]:
        existing = sorted((delegator, operator) for delegator, operator, _shares in staking_state.iter_delegations(self.state))
        if existing and pick % 7:
            return existing[pick % len(existing)]
        return ACCOUNTS[pick % len(ACCOUNTS)], ACCOUNTS[pick // len(ACCOUNTS) % len(ACCOUNTS)]

    def pending(self, delegator: bytes, operator: bytes) -> int:
        if staking_state.get_candidate(self.state, operator) is None:
            return 0
        return pending_rewards(self.state, delegator, operator)

    @staticmethod
    def withdrawal(amount: int | str, worth: int) -> int:
        return max({"all": worth, "half": worth // 2, "all but 1": worth - 1}[amount], 1) if isinstance(amount, str) else amount

    # -- staking messages -----------------------------------------------------------------------------

    @rule(operator=st.integers(2, 4), pubkey=st.sampled_from([2, 3, 4, 2, 3, 4, 0]), self_bond=st.integers(900, 3_000),
          commission=st.sampled_from([0, 500, 2_500, 10_000]))
    def create_candidate(self, operator, pubkey, self_bond, commission):
        msg = create_super_node_msg(ACCOUNTS[operator], CONSENSUS_SIGNERS[pubkey], "node", commission, 100, self_bond)
        self.deliver(handle_create_super_node, msg, principal=-self_bond, paid=0)

    @rule(delegator=accounts, candidate=picks, amount=amounts)
    def delegate(self, delegator, candidate, amount):
        delegator, operator = ACCOUNTS[delegator], self.pick_candidate(candidate)
        paid = self.pending(delegator, operator)
        self.deliver(handle_delegate, MsgDelegate(delegator, operator, amount), principal=-amount, paid=paid)

    @rule(delegation=picks, amount=withdrawals)
    def undelegate(self, delegation, amount):
        delegator, operator = self.pick_delegation(delegation)
        amount = self.withdrawal(amount, delegation_tokens(self.state, delegator, operator))
        paid = self.pending(delegator, operator)
        self.deliver(handle_undelegate, MsgUndelegate(delegator, operator, amount), paid=paid)

    @rule(delegation=picks, destination=picks, amount=withdrawals)
    def redelegate(self, delegation, destination, amount):
        delegator, source = self.pick_delegation(delegation)
        destination = self.pick_candidate(destination)
        amount = self.withdrawal(amount, delegation_tokens(self.state, delegator, source))
        paid = self.pending(delegator, source) + (self.pending(delegator, destination) if destination != source else 0)
        self.deliver(handle_redelegate, MsgRedelegate(delegator, source, destination, amount), paid=paid)

    @rule(operator=picks)
    def unjail(self, operator):
        jailed = [c.operator for c in staking_state.iter_candidates(self.state) if c.jailed and not c.tombstoned]
        target = jailed[operator % len(jailed)] if jailed and operator % 4 else self.pick_candidate(operator)
        self.deliver(handle_unjail, MsgUnjail(target), paid=0)

    # -- distribution -----------------------------------------------------------------------------------

    @rule(fees=st.one_of(st.integers(0, 5_000), st.just(1)),
          signers=st.lists(st.tuples(picks, st.integers(0, 60)), max_size=4), unknown=st.booleans())
    def allocate(self, fees, signers, unknown):
        chosen = {}
        for pick, power in signers:
            candidate = staking_state.get_candidate(self.state, self.pick_candidate(pick))
            if candidate is not None:
                chosen[consensus_address(candidate.consensus_pubkey)] = power
        if unknown:
            chosen[UNKNOWN_SIGNER] = 10
        if fees:  # the block's transactions paid them (the collector may still hold fees no block could pay out)
            bank_api.transfer_module(self.state, FEE_PAYER, bank_api.FEE_COLLECTOR, fees)
        assert self.step(lambda state: distribution_api.allocate(state, bank_api.FEE_COLLECTOR, sorted(chosen.items())), paid=0)

    @rule(delegator=accounts)
    def withdraw_rewards(self, delegator):
        delegator = ACCOUNTS[delegator]
        paid = sum(self.pending(delegator, operator) for _d, operator, _shares in staking_state.iter_delegations(self.state, delegator))
        self.deliver(handle_withdraw_rewards, MsgWithdrawRewards(delegator), paid=paid)

    @rule(operator=picks)
    def withdraw_commission(self, operator):
        operator = self.pick_candidate(operator)
        paid = distribution_state.get_commission(self.state, operator)
        delivered = self.deliver(handle_withdraw_commission, MsgWithdrawCommission(operator), paid=paid, commission=True)
        assert delivered == (paid > 0)

    # -- slashing ---------------------------------------------------------------------------------------

    @rule(operator=picks, fraction=fractions, infraction_back=st.integers(0, 10), power=st.one_of(st.just(None), st.integers(0, 80)))
    def slash(self, operator, fraction, infraction_back, power):
        """What slashing does for any fault: staking.slash into the distribution pool, credited to the community."""
        candidate = staking_state.get_candidate(self.state, self.pick_candidate(operator))
        if candidate is None:
            return
        if power is None:
            power = candidate.tokens // PARAMS.power_reduction
        infraction = max(self.height - infraction_back, 1)
        bonded_before = self.staked(self.state)

        def run(state):
            amount = staking_api.slash(state, self.context(), candidate.operator, infraction, power, fraction, DISTRIBUTION_POOL)
            assert amount == bonded_before - self.staked(state)
            distribution_api.add_to_community(state, amount)

        assert self.step(run, slashes=True)

    @rule(operator=picks, fraction=fractions, infraction_back=st.integers(0, 10))
    def double_sign(self, operator, fraction, infraction_back):
        candidate = staking_state.get_candidate(self.state, self.pick_candidate(operator))
        if candidate is None or operator % 3:
            return  # rarer than the other slashes: a tombstoned candidate takes no more delegations
        params = SlashingParams(**{**SLASHING.to_dict(), "slash_fraction_double_sign_bps": fraction})
        address = consensus_address(candidate.consensus_pubkey)
        evidence = [(address, max(self.height - infraction_back, 1), candidate.tokens // PARAMS.power_reduction)]

        def run(state):
            slashing_state.set_params(state, params)
            slashing_api.begin_block(state, self.context(), [], evidence)
            slashing_state.set_params(state, SLASHING)

        assert self.step(run, slashes=True)
        after = staking_state.get_candidate(self.state, candidate.operator)
        assert after.tombstoned and after.jailed

    # -- blocks -----------------------------------------------------------------------------------------

    @rule(blocks=st.integers(1, 5), seconds=st.sampled_from([1, 5, 30, 100]), missing=st.sets(st.integers(0, 4)))
    def end_blocks(self, blocks, seconds, missing):
        """Blocks as the app runs them: the last commit's votes (validators in ``missing`` did not sign), then end block."""
        for _ in range(blocks):
            self.height += 1
            self.time += seconds
            validators = sorted(staking_state.iter_validator_set(self.state))
            votes = [
                (consensus_address(pubkey), power, index not in missing)
                for index, (_operator, pubkey, power) in enumerate(validators)
            ]
            # a downtime slash cuts recent redelegations: their delegators are paid their rewards at the destination
            assert self.step(lambda state: slashing_api.begin_block(state, self.context(), votes, []), slashes=True)
            unbonding_before = get_balance(self.state, UNBONDING_POOL)
            # matured unbondings go back to their delegators: the pool's drop is the accounts' principal
            matured = unbonding_before - self.matured_left()
            assert self.step(lambda state: end_block(state, self.context()), principal=matured, paid=0)

    def matured_left(self) -> int:
        return sum(
            entry.balance
            for _d, _c, entries in staking_state.iter_unbondings(self.state)
            for entry in entries
            if entry.completion_time > self.time
        )

    # -- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def pools_supply_and_balances_hold(self):
        check_supply(self.state)
        check_pools(self.state)
        check_pool(self.state)
        assert all(amount > 0 for _address, amount in iter_balances(self.state))
        assert distribution_state.get_community(self.state) >= 0

    @invariant()
    def nothing_is_created_or_lost(self):
        outstanding = sum(amount for _operator, amount in distribution_state.iter_outstanding(self.state))
        community = distribution_state.get_community(self.state)
        assert self.rewards_paid + self.commission_paid + community + outstanding == self.fees_allocated + self.slashed
        assert get_balance(self.state, DISTRIBUTION_POOL) == self.fees_allocated + self.slashed - self.rewards_paid - self.commission_paid

    @invariant()
    def every_candidate_can_pay_all_it_owes(self):
        owed: dict[bytes, int] = {}
        for delegator, operator, _shares in staking_state.iter_delegations(self.state):
            owed[operator] = owed.get(operator, 0) + pending_rewards(self.state, delegator, operator)
        for operator in self.operators():
            commission = distribution_state.get_commission(self.state, operator)
            assert distribution_state.get_outstanding(self.state, operator) >= commission + owed.get(operator, 0)

    @invariant()
    def f1_stakes_never_exceed_the_delegations_worth(self):
        for delegator, operator, _shares in staking_state.iter_delegations(self.state):
            starting = distribution_state.get_starting(self.state, delegator, operator)
            worth = delegation_tokens(self.state, delegator, operator)
            if starting is None:
                assert worth == 0, "a delegation with value has no reward interval"
                continue
            period, stake = starting
            for _period, removed, tokens_before in distribution_state.iter_slash_events(self.state, operator, period + 1, None):
                stake -= -(-stake * removed // tokens_before)
            assert 0 <= stake <= worth


RewardsMachine.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
TestRewardsMachine = RewardsMachine.TestCase


def test_a_delegation_slashed_to_nothing_keeps_an_interval_and_regains_one_when_rounding_gives_it_value():
    """Found by the machine above: after a slash, a redelegation, a double sign and a near-total redelegation, one
    delegation is worth 0 while holding shares; undelegations round in favour of the remaining shares and it is
    worth 1 uamio again. It must have a reward interval all along."""
    machine = RewardsMachine()

    def steps():
        yield lambda: machine.slash(fraction=1, infraction_back=0, operator=0, power=None)
        yield lambda: machine.redelegate(amount="half", delegation=2, destination=0)
        yield lambda: machine.double_sign(fraction=15, infraction_back=0, operator=0)
        yield lambda: machine.redelegate(amount="all but 1", delegation=0, destination=2)
        yield lambda: machine.undelegate(amount=1, delegation=0)
        yield lambda: machine.undelegate(amount=1, delegation=1)

    for step in steps():
        step()
        machine.f1_stakes_never_exceed_the_delegations_worth()
        machine.nothing_is_created_or_lost()
        machine.pools_supply_and_balances_hold()
    machine.teardown()
