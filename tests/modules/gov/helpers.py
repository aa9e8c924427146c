"""Shared pieces of the gov module tests: a small world with super nodes, delegators and lockers, the hooks the
app wires (gov follows stake and locks), and a block clock.

Params are small so that every number can be checked by hand: a minimum deposit of 1,000 uamio (5,000
expedited), an initial deposit of a quarter of it, 100 s deposit periods, 200 s voting periods (100 s
expedited), Cosmos's quorum, threshold and veto, at most 3 proposals voting at once and 3 depositors each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from abci_app.modules import MODULES
from abci_app.store import MemoryState, Overlay
from chain_modules.apppool import state as apppool_state
from chain_modules.apppool.types import App
from chain_modules.bank import invariants as bank_invariants
from chain_modules.bank.state import get_balance, set_balance, set_supply
from chain_modules.common.context import BlockContext
from chain_modules.distribution import state as distribution_state
from chain_modules.distribution.api import DISTRIBUTION_POOL
from chain_modules.gov import invariants, logic
from chain_modules.gov import state as st
from chain_modules.gov.api import GovHooks
from chain_modules.gov.handlers import handle_deposit, handle_submit_proposal, handle_vote
from chain_modules.gov.types import GovParams, MsgDeposit, MsgSubmitProposal, MsgVote
from chain_modules.locks import epoch as locks_epoch
from chain_modules.locks import state as locks_state
from chain_modules.locks.handlers import handle_create_lock
from chain_modules.locks.types import LockParams, MsgCreateLock
from chain_modules.staking import state as staking_state
from chain_modules.staking.handlers import handle_create_super_node, handle_delegate, handle_redelegate, handle_undelegate
from chain_modules.staking.types import MsgDelegate, MsgRedelegate, MsgUndelegate, StakingParams
from tests.modules.staking.helpers import create_msg
from tests.support import TestKey, make_key

NOW = 1_800_000_000
PARAMS = GovParams(min_deposit=1_000, expedited_min_deposit=5_000, min_initial_deposit_bps=2_500,
                   max_deposit_seconds=100, voting_period_seconds=200, expedited_voting_period_seconds=100,
                   max_voting_proposals=3, max_depositors=3, max_vote_delegations=4, max_endings_per_block=2)
STAKING = StakingParams(epoch_blocks=5, max_super_nodes=3, unbonding_seconds=100, max_entries=3,
                        min_super_self_bond=1_000, power_reduction=100)
LOCKS = LockParams(min_lock_seconds=10, max_lock_seconds=100_000)
HOOKS = GovHooks()

V1, V2 = make_key("gov/validator-1"), make_key("gov/validator-2")
D1, D2, D3 = make_key("gov/delegator-1"), make_key("gov/delegator-2"), make_key("gov/delegator-3")
LOCKER = make_key("gov/locker")
NOBODY = make_key("gov/nobody")
PROPOSER = make_key("gov/proposer")
EACH = 1_000_000
APP_HASH = bytes(range(32))
COMMUNITY = 50_000


def param_table() -> dict:
    return {module.name: module.params for module in MODULES if module.params is not None}


@dataclass
class GovWorld:
    state: Overlay
    now: int = NOW
    height: int = 10
    ended: list = field(default_factory=list)

    def ctx(self) -> BlockContext:
        return BlockContext("amino-test", self.height, self.now * 1_000_000_000, hooks=(HOOKS,))

    # -- messages ---------------------------------------------------------------------------------------

    def submit(self, kind: str = "text", content: dict | None = None, deposit: int = 250, expedited: bool = False,
               proposer: TestKey = PROPOSER, title: str = "a proposal") -> int:
        msg = MsgSubmitProposal(proposer.address, kind, {} if content is None else content, title, "why", deposit, expedited)
        proposal_id = st.peek_next_id(self.state)
        handle_submit_proposal(self.state, self.ctx(), msg, param_table)
        return proposal_id

    def deposit(self, proposal_id: int, amount: int, depositor: TestKey = PROPOSER) -> None:
        handle_deposit(self.state, self.ctx(), MsgDeposit(depositor.address, proposal_id, amount))

    def vote(self, proposal_id: int, voter: TestKey, option: str) -> None:
        handle_vote(self.state, self.ctx(), MsgVote(voter.address, proposal_id, option))

    def delegate(self, delegator: TestKey, candidate: TestKey, amount: int) -> None:
        handle_delegate(self.state, self.ctx(), MsgDelegate(delegator.address, candidate.address, amount))

    def undelegate(self, delegator: TestKey, candidate: TestKey, amount: int) -> None:
        handle_undelegate(self.state, self.ctx(), MsgUndelegate(delegator.address, candidate.address, amount))

    def redelegate(self, delegator: TestKey, source: TestKey, destination: TestKey, amount: int) -> None:
        handle_redelegate(self.state, self.ctx(), MsgRedelegate(delegator.address, source.address, destination.address, amount))

    def lock(self, owner: TestKey, amount: int, duration: int) -> None:
        handle_create_lock(self.state, self.ctx(), MsgCreateLock(owner.address, amount, duration))

    # -- the clock --------------------------------------------------------------------------------------

    def end_block(self) -> None:
        locks_epoch.end_block(self.state, self.ctx())
        logic.end_block(self.state, self.ctx(), param_table)

    def advance(self, seconds: int) -> None:
        self.end_block()
        self.now += seconds
        self.height += 1

    # -- reading ----------------------------------------------------------------------------------------

    def proposal(self, proposal_id: int):
        return st.get_proposal(self.state, proposal_id)

    def tally(self, proposal_id: int) -> list[int]:
        return st.get_tally(self.state, proposal_id)

    def amio(self, address: bytes) -> int:
        return get_balance(self.state, address)

    def community(self) -> int:
        return distribution_state.get_community(self.state)

    def check(self) -> None:
        invariants.check_deposits(self.state)
        invariants.check_tally(self.state)


def world(params: GovParams = PARAMS) -> GovWorld:
    """V1 and V2 are super nodes (self-bond 10,000 each); D1 delegates 5,000 to V1 and 3,000 to V2, D2 5,000 to
    V1; LOCKER has 20,000 in an investor lock; every key starts with EACH uamio; the community pool holds
    COMMUNITY; one registered, unverified application (APP_HASH)."""
    state = Overlay(MemoryState())
    staking_state.set_params(state, STAKING)
    locks_state.set_params(state, LOCKS)
    st.set_params(state, params)
    keys = (V1, V2, D1, D2, D3, LOCKER, PROPOSER)
    for key in keys:
        set_balance(state, key.address, EACH)
    set_balance(state, DISTRIBUTION_POOL, COMMUNITY)
    distribution_state.set_community(state, COMMUNITY)
    set_supply(state, EACH * len(keys) + COMMUNITY)
    apppool_state.set_app(state, App(APP_HASH, PROPOSER.address, "job", "", 100, ()))
    w = GovWorld(state)
    for key in (V1, V2):
        handle_create_super_node(state, w.ctx(), create_msg(key, 10_000))
    w.delegate(D1, V1, 5_000)
    w.delegate(D1, V2, 3_000)
    w.delegate(D2, V1, 5_000)
    w.lock(LOCKER, 20_000, 10_000)
    return w


def freeze(w: GovWorld) -> GovWorld:
    """The same world on a fresh overlay (so a test can compare everything a handler could change)."""
    return GovWorld(Overlay(MemoryState(dict(w.state.iter_prefix(b"")))), w.now, w.height)


def supply_is_conserved(w: GovWorld) -> None:
    bank_invariants.check_supply(w.state)
