"""The typed value of every chain query, for the gateway's OpenAPI document.

A query's value is what its view in ``chain_modules/<module>/views.py`` returns, rendered by
gateway/render.py (bytes of 20 as bech32 addresses, other bytes as hex). The models below describe those
shapes field by field; ``RESULTS`` maps each query of the module manifests (``/<module>/<template>``) to its
value's type, and the routes of gateway/queries.py document ``{height, value: <that type>, pagination, proof,
header}``. tests/gateway/test_query_schemas.py keeps them true: every query of every manifest has a type, the
params models have exactly the fields of the manifests' Params classes, and every route's documented schema
validates (with every field documented) the real answers of the app after the golden scenario.

Models accept fields they do not list (``extra="allow"``), so a view that adds a field is never a 500; the
test above fails until the field is documented here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class AuthAccount(Shape):
    pubkey: str | None
    sequence: int


class AuthParams(Shape):
    gas_base: int
    gas_per_byte: int
    max_gas_per_tx: int
    max_memo_bytes: int
    max_msgs_per_tx: int
    max_tx_bytes: int
    min_gas_price_den: int
    min_gas_price_num: int


class BankSpendable(Shape):
    balance: int
    locked: int
    spendable: int
    time: int


class StakingParams(Shape):
    bond_max_multiplier: int
    bond_scale_workers: int
    epoch_blocks: int
    max_entries: int
    max_master_nodes: int
    max_power_share_bps: int
    max_super_nodes: int
    min_master_bond: int
    min_super_self_bond: int
    power_reduction: int
    sponsor_share_bps: int
    unbonding_seconds: int


class Candidate(Shape):
    commission_bps: int
    consensus_pubkey: str
    endpoint: str
    jailed: bool
    jailed_until: int
    kind: str
    max_change_bps: int
    moniker: str
    operator: str
    power: int
    region: str
    self_bond: int
    shares: int
    sponsor: str
    status: str
    tokens: int


class StakingBonds(Shape):
    active_workers: int
    min_master_bond: int
    min_super_self_bond: int


class Delegation(Shape):
    candidate: str
    shares: int
    tokens: int


class UnbondingEntry(Shape):
    creation_height: int
    completion_time: int
    initial_balance: int
    balance: int


class Unbonding(Shape):
    candidate: str
    entries: list[UnbondingEntry]


class RedelegationEntry(Shape):
    creation_height: int
    completion_time: int
    initial_balance: int
    destination_shares: int


class Redelegation(Shape):
    source: str
    destination: str
    entries: list[RedelegationEntry]


class StakingDelegations(Shape):
    delegations: list[Delegation]
    redelegations: list[Redelegation]
    unbondings: list[Unbonding]


class Validator(Shape):
    consensus_pubkey: str
    operator: str
    power: int


class DistributionRewards(Shape):
    rewards: dict[str, int]  # by candidate operator address
    total: int


class DistributionCommission(Shape):
    commission: int


class DistributionCommunity(Shape):
    community: int


class SlashingParams(Shape):
    downtime_jail_seconds: int
    min_downtime_seconds: int
    min_signed_bps: int
    min_validators_after_jail: int
    signed_blocks_window: int
    slash_fraction_double_sign_bps: int
    slash_fraction_downtime_bps: int


class SlashingSigningInfo(Shape):
    blocks_seen: int
    missed_in_window: int
    missing_since: int
    start_height: int


class Lock(Shape):
    amount: int
    end: int
    id: int
    kind: str
    remaining_seconds: int
    start: int
    weight: str
    withdrawable: bool


class LocksList(Shape):
    address: str
    count: int
    locks: list[Lock]
    max_locks: int
    time: int
    total_amount: int


class LocksWeight(Shape):
    address: str | None  # null for the chain's total
    locked_amount: int
    time: int
    weight: str


class LocksApiAccess(Shape):
    access_until: int
    active: bool
    address: str
    max_seconds: int
    rate: int
    remaining_seconds: int
    time: int


class LocksParams(Shape):
    api_access_rate: int
    max_api_access_seconds: int
    max_lock_seconds: int
    max_locks_per_account: int
    min_lock_seconds: int


class ApppoolParams(Shape):
    authorities: list[str]
    max_module_bytes: int


class App(Shape):
    blocked: bool
    classes: list[str]
    description: str
    module_hash: str
    module_size: int
    name: str
    publisher: str
    registered_at: int
    verified: bool


class ResourceClassParams(Shape):
    cpu_cores: int
    fuel_rate: int
    gpu: int
    name: str
    price: int
    ram_mb: int
    storage_mb: int


class ComputeParams(Shape):
    assign_timeout_seconds: int
    audit_probability_bps: int
    classes: list[ResourceClassParams]
    commit_timeout_seconds: int
    compensation_bps: int
    confirm_timeout_seconds: int
    heartbeat_timeout_seconds: int
    master_penalty_bps: int
    max_allocations_per_block: int
    max_deadlines_per_block: int
    max_extra_replicas: int
    max_fuel: int
    max_input_bytes: int
    max_open_tasks_per_customer: int
    max_price: int
    max_reallocations: int
    max_reassignments: int
    max_replicas: int
    max_run_seconds: int
    max_task_seconds: int
    max_worker_slots: int
    min_price: int
    min_task_seconds: int
    price_epoch_blocks: int
    price_history_length: int
    price_step_bps: int
    probe_app: str
    probe_max_fuel: int
    probe_timeout_seconds: int
    probe_work: int
    protocol_fee: int
    reveal_timeout_seconds: int
    target_utilisation_bps: int
    worker_min_deposit: int
    worker_slash_bps: int
    worker_unbonding_seconds: int


class ResourceClass(Shape):
    cpu_cores: int
    free_slots: int
    fuel_rate: int
    genesis_price: int
    gpu: int
    name: str
    price: int
    ram_mb: int
    slots: int
    storage_mb: int
    workers_free: int


class PricePoint(Shape):
    epoch: int
    height: int
    price: int
    slots: int
    utilisation_bps: int


class Participant(Shape):
    audited: bool
    fuel: int
    late: bool
    result_hash: str
    status: str
    worker: str


class Task(Shape):
    app_hash: str
    audit: bool
    audit_drawn: bool
    class_name: str
    compensation: int
    customer: str
    deadline: int
    draw_height: int
    escrow: int
    excluded_masters: list[str]
    excluded_workers: list[str]
    extra: int
    fee: int
    fuel_used: int
    heights: list[tuple[str, int]]  # (step, height) pairs, in order
    id: int
    input_hash: str
    input_size: int
    master: str
    master_endpoint: str
    max_fuel: int
    needed: int
    paid: int
    participants: list[Participant]
    price: int
    probe_input: str
    probe_worker: str
    reallocations: int
    reassignments: int
    refunded: int
    replicas: int
    result_hash: str
    state: str
    step_deadline: int
    target: int


class Worker(Shape):
    address: str
    any_app: bool
    completed: int
    cpu_cores: int
    deposit: int
    failed: int
    gpu: int
    handed_back: int
    last_heartbeat: int
    master: str
    online: bool
    ram_mb: int
    registered_at: int
    running: int
    seconds_since_heartbeat: int
    slashed: int
    slots: int
    storage_mb: int
    uptime_seconds: int


class ClassCapacity(Shape):
    free: int
    slots: int
    workers_free: int


class TimeBudget(Shape):
    allowed: bool
    assign_timeout_seconds: int
    class_name: str
    commit_window_seconds: int
    confirm_timeout_seconds: int
    fuel_rate: int
    largest_max_fuel: int
    max_fuel: int
    max_run_seconds: int
    max_timeout_seconds: int
    min_timeout_seconds: int
    reveal_timeout_seconds: int
    run_seconds: int


class PendingDeposit(Shape):
    amount: int
    release_time: int
    seconds_left: int


class PendingDeposits(Shape):
    address: str
    complete: bool
    pending: list[PendingDeposit]
    total: int


class MasterStats(Shape):
    active: bool
    capacity: dict[str, ClassCapacity]
    completed: int
    failed: int
    master: str
    penalties: int
    pending_replicas: int
    released: int
    reputation_bps: int


class FogParams(Shape):
    availability_points: int
    capacity_deposit: int
    emission_per_epoch: int
    epoch_seconds: int
    loyalty_max_bps: int
    loyalty_step_bps: int
    max_redemptions_per_block: int
    probation_bps: int
    probation_results: int
    probe_probability_bps: int
    proof_valid_epochs: int
    redemption_period_seconds: int
    routing_bps: int
    windows_per_epoch: int
    work_points_per_megafuel: int


class FogEarning(Shape):
    amount: int
    epoch: int


class FogBalance(Shape):
    address: str
    balance: int
    contribution_total: int
    earned: int
    history: list[FogEarning]
    redeemable: int
    redeemed: int
    requested: int
    unsettled: int


class FogContribution(Shape):
    availability: int
    capacity_weight: int
    epoch: int
    epoch_emission: int
    epoch_ends: int
    epoch_points: int
    forfeited: str
    held: int
    kind: str
    loyalty_bps: int
    points: int
    probation_bps: int
    probation_results: int
    probe: str
    probe_task: int
    proven_weight: int
    routing: int
    streak: int
    verified_fuel: int
    verified_results: int
    windows: int
    windows_per_epoch: int
    work: int


class FogEpoch(Shape):
    """The open epoch (``ends``, ``locked``) or a closed one (``end``, ``locked_seconds``, ``locker_emission``,
    ``unsettled``)."""

    closed: bool
    emission: int
    epoch: int
    points: int
    start: int
    end: int | None = None
    locked_seconds: str | None = None
    locker_emission: int | None = None
    unsettled: int | None = None
    ends: int | None = None
    locked: int | None = None


class RedemptionClose(Shape):
    payout: int
    period: int
    pool: int
    requested: int
    supply: int
    uamio_per_fog: str


class FogRedemption(Shape):
    ends: int
    last_close: RedemptionClose | None  # null before the first period closed
    period: int
    requested: int
    requests: int
    revenue_pool: int
    start: int
    supply: int


class FogSupply(Shape):
    burned: int
    minted: int
    requested: int
    settled: int
    supply: int
    unsettled_lockers: int
    unsettled_providers: int


class GovParams(Shape):
    expedited_min_deposit: int
    expedited_threshold_bps: int
    expedited_voting_period_seconds: int
    max_deposit_seconds: int
    max_depositors: int
    max_endings_per_block: int
    max_vote_delegations: int
    max_voting_proposals: int
    min_deposit: int
    min_initial_deposit_bps: int
    quorum_bps: int
    threshold_bps: int
    veto_bps: int
    voting_period_seconds: int


class Tally(Shape):
    abstain: int
    no: int
    no_with_veto: int
    yes: int


class Proposal(Shape):
    content: dict[str, Any]
    deposit_end: int
    depositors: int
    expedited: bool
    id: int
    kind: str
    note: str
    proposer: str
    status: str
    submit_time: int
    summary: str
    tally: Tally
    title: str
    total_deposit: int
    total_power: int
    voting_end: int
    voting_start: int


class Vote(Shape):
    locked_counted: int
    option: str
    voter: str


class Deposit(Shape):
    amount: int
    depositor: str


class GovTally(Shape):
    status: str
    tally: Tally
    total_power: int
    result_if_ended_now: str | None = None  # in the voting period only


class UpgradePlan(Shape):
    name: str
    height: int
    proposal_id: int


class AppliedUpgrade(Shape):
    name: str
    height: int


class GovUpgrade(Shape):
    applied: list[AppliedUpgrade]
    plan: UpgradePlan | None


RESULTS = {
    "/auth/account/{address:address}": AuthAccount,
    "/auth/params": AuthParams,
    "/bank/balance/{address:address}": int,
    "/bank/spendable/{address:address}": BankSpendable,
    "/bank/supply": int,
    "/staking/params": StakingParams,
    "/staking/candidates": list[Candidate],
    "/staking/candidate/{operator:address}": Candidate,
    "/staking/master_nodes": list[Candidate],
    "/staking/bonds": StakingBonds,
    "/staking/delegations/{address:address}": StakingDelegations,
    "/staking/sponsor_consent/{master:address}": str,
    "/staking/validators": list[Validator],
    "/distribution/rewards/{address:address}": DistributionRewards,
    "/distribution/commission/{operator:address}": DistributionCommission,
    "/distribution/community": DistributionCommunity,
    "/slashing/params": SlashingParams,
    "/slashing/signing_info/{consensus_address:hex20}": SlashingSigningInfo,
    "/slashing/missed_blocks": dict[str, int],
    "/locks/list/{address:address}": LocksList,
    "/locks/weight": LocksWeight,
    "/locks/weight/{address:address}": LocksWeight,
    "/locks/api_access/{address:address}": LocksApiAccess,
    "/locks/params": LocksParams,
    "/apppool/params": ApppoolParams,
    "/apppool/apps": list[App],
    "/apppool/app/{module_hash:hash32}": App,
    "/compute/params": ComputeParams,
    "/compute/classes": list[ResourceClass],
    "/compute/prices/{class_name:text}": list[PricePoint],
    "/compute/task/{task_id:uint64}": Task,
    "/compute/tasks/customer/{address:address}": list[Task],
    "/compute/tasks/master/{address:address}": list[Task],
    "/compute/tasks/worker/{address:address}": list[Task],
    "/compute/worker/{address:address}": Worker,
    "/compute/workers/{master:address}": list[Worker],
    "/compute/master/{operator:address}": MasterStats,
    "/compute/time_budget/{class_name:text}/{max_fuel:uint64}": TimeBudget,
    "/compute/pending_deposits/{address:address}": PendingDeposits,
    "/fog/params": FogParams,
    "/fog/balance/{address:address}": FogBalance,
    "/fog/contribution/{address:address}": FogContribution,
    "/fog/epoch": FogEpoch,
    "/fog/epoch/{epoch:uint64}": FogEpoch,
    "/fog/redemption": FogRedemption,
    "/fog/supply": FogSupply,
    "/gov/params": GovParams,
    "/gov/proposals": list[Proposal],
    "/gov/proposal/{proposal_id:uint64}": Proposal,
    "/gov/votes/{proposal_id:uint64}": list[Vote],
    "/gov/deposits/{proposal_id:uint64}": list[Deposit],
    "/gov/tally/{proposal_id:uint64}": GovTally,
    "/gov/upgrade": GovUpgrade,
}
