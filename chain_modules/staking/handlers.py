"""staking message handlers: checks first, then writes, then events."""

from __future__ import annotations

from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.staking import hooks
from chain_modules.staking import state as st
from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL, bond, min_master_bond, min_super_self_bond
from chain_modules.staking.errors import (
    ErrCandidateExists,
    ErrCandidateTombstoned,
    ErrCommissionChangeTooLarge,
    ErrCommissionChangeTooSoon,
    ErrConsensusKeyInUse,
    ErrInsufficientDelegation,
    ErrInvalidCommission,
    ErrInvalidConsensusKey,
    ErrInvalidProofOfPossession,
    ErrRedelegateToSame,
    ErrSelfBondTooLow,
    ErrTooManyEntries,
    ErrTransitiveRedelegation,
    ErrUnknownCandidate,
    ErrBondTooLow,
    ErrInvalidSponsor,
    ErrWrongCandidateKind,
    ErrNoSponsorConsent,
    ErrNotSponsor,
)
from chain_modules.staking.events import (
    event_create_super_node,
    event_delegate,
    event_edit_super_node,
    event_redelegate,
    event_undelegate,
    event_create_master_node,
    event_edit_master_node,
    event_sponsorship,
)
from chain_modules.staking.types import (
    BPS,
    DAY,
    Candidate,
    MsgConsentSponsorship,
    MsgCreateMasterNode,
    MsgCreateSuperNode,
    MsgWithdrawSponsorship,
    MsgEditMasterNode,
    MsgDelegate,
    MsgEditSuperNode,
    MsgRedelegate,
    MsgUndelegate,
    RedelegationEntry,
    UnbondingEntry,
    is_valid_consensus_key,
    verify_proof_of_possession,
)
from chain_modules.bank import api as bank_api
from chain_modules.common.events import bech32
from chain_modules.bank.errors import ErrInvalidAmount


def handle_create_super_node(state: StateWrite, ctx: BlockContext, msg: MsgCreateSuperNode) -> None:
    """Register a candidate for msg.operator and bond msg.self_bond from it, once the consensus key proved
    that its holder registers it for this operator on this chain.

    Raises: ErrInvalidConsensusKey, ErrInvalidProofOfPossession, ErrCandidateExists, ErrConsensusKeyInUse,
    ErrInvalidCommission, ErrSelfBondTooLow, bank.ErrInsufficientFunds
    """
    if not is_valid_consensus_key(msg.consensus_pubkey):
        raise ErrInvalidConsensusKey()
    if not verify_proof_of_possession(msg.consensus_pubkey, ctx.chain_id, msg.operator, msg.proof_of_possession):
        raise ErrInvalidProofOfPossession()
    create_super_node(state, ctx, msg)


def create_super_node(state: StateWrite, ctx: BlockContext, msg: MsgCreateSuperNode) -> None:
    """The registration itself, shared with genesis (whose keys are checked by the genesis validation and
    agreed by every operator who starts from that file, so it carries no proofs of possession).

    Raises: ErrInvalidConsensusKey, ErrCandidateExists, ErrConsensusKeyInUse, ErrInvalidCommission, ErrSelfBondTooLow,
    bank.ErrInsufficientFunds
    """
    if not is_valid_consensus_key(msg.consensus_pubkey):
        raise ErrInvalidConsensusKey()
    if st.get_candidate(state, msg.operator) is not None:
        raise ErrCandidateExists()
    if st.get_operator_by_consensus_key(state, msg.consensus_pubkey) is not None:
        raise ErrConsensusKeyInUse()
    if not (msg.commission_bps <= BPS and msg.max_change_bps <= BPS):
        raise ErrInvalidCommission(f"commission {msg.commission_bps} bps and max change {msg.max_change_bps} bps must be <= {BPS}")
    minimum = min_super_self_bond(state)
    if msg.self_bond < minimum:
        raise ErrSelfBondTooLow(f"self-bond {msg.self_bond}uamio is below the minimum {minimum}uamio")

    candidate = Candidate(msg.operator, msg.consensus_pubkey, msg.moniker, msg.commission_bps, msg.max_change_bps, ctx.time)
    st.set_candidate(state, candidate, None)
    hooks.after_candidate_created(ctx, state, msg.operator)
    bond(state, ctx, msg.operator, candidate, msg.self_bond)
    state.emit(event_create_super_node(msg.operator, msg.consensus_pubkey, msg.moniker, msg.self_bond))


def handle_edit_super_node(state: StateWrite, ctx: BlockContext, msg: MsgEditSuperNode) -> None:
    """Change moniker and commission; the commission moves at most max_change_bps, once per 24 h.

    Raises: ErrUnknownCandidate, ErrInvalidCommission, ErrCommissionChangeTooLarge, ErrCommissionChangeTooSoon
    """
    candidate = st.get_candidate(state, msg.operator)
    if candidate is None:
        raise ErrUnknownCandidate()
    if candidate.kind != "super":
        raise ErrWrongCandidateKind("edit_super_node applies to super nodes only")
    changed_at = candidate.commission_changed_at
    if msg.commission_bps != candidate.commission_bps:
        if msg.commission_bps > BPS:
            raise ErrInvalidCommission()
        if abs(msg.commission_bps - candidate.commission_bps) > candidate.max_change_bps:
            raise ErrCommissionChangeTooLarge(
                f"commission may change by at most {candidate.max_change_bps} bps, not {abs(msg.commission_bps - candidate.commission_bps)}"
            )
        if ctx.time < candidate.commission_changed_at + DAY:
            raise ErrCommissionChangeTooSoon(f"next commission change allowed at {candidate.commission_changed_at + DAY}")
        changed_at = ctx.time
    st.set_candidate(state, candidate.with_(moniker=msg.moniker, commission_bps=msg.commission_bps, commission_changed_at=changed_at), candidate)
    state.emit(event_edit_super_node(msg.operator, msg.moniker, msg.commission_bps))


def handle_delegate(state: StateWrite, ctx: BlockContext, msg: MsgDelegate) -> None:
    """Move msg.amount from the delegator into the bonded pool behind msg.candidate.

    Raises: ErrUnknownCandidate, ErrCandidateTombstoned, bank.ErrInsufficientFunds, bank.ErrInvalidAmount
    """
    candidate = st.get_candidate(state, msg.candidate)
    if candidate is None:
        raise ErrUnknownCandidate()
    if candidate.tombstoned:
        raise ErrCandidateTombstoned()
    _updated, shares = bond(state, ctx, msg.delegator, candidate, msg.amount)
    state.emit(event_delegate(msg.delegator, msg.candidate, msg.amount, shares))


def _unbond(state: StateWrite, ctx: BlockContext, delegator: bytes, operator: bytes, amount: int) -> int:
    """Remove the shares covering ``amount`` from a delegation and the tokens from the candidate.

    Returns the tokens removed: ``amount``, or all the candidate's tokens when
    this takes its last shares (so no token is left owned by nobody).
    Raises: ErrUnknownCandidate, ErrInsufficientDelegation
    """
    candidate = st.get_candidate(state, operator)
    if candidate is None:
        raise ErrUnknownCandidate()
    shares = st.get_delegation_shares(state, delegator, operator)
    available = candidate.tokens_for_shares(shares)
    if amount > available:
        raise ErrInsufficientDelegation(f"delegation is worth {available}uamio, cannot withdraw {amount}uamio")
    removed = min(shares, candidate.shares_to_remove(amount))
    if removed == candidate.shares:
        amount = candidate.tokens
    hooks.before_delegation_modified(ctx, state, delegator, operator)
    st.set_delegation_shares(state, delegator, operator, shares - removed)
    st.set_candidate(state, candidate.with_(tokens=candidate.tokens - amount, shares=candidate.shares - removed), candidate)
    hooks.after_delegation_modified(ctx, state, delegator, operator)
    return amount


def handle_undelegate(state: StateWrite, ctx: BlockContext, msg: MsgUndelegate) -> None:
    """Start unbonding msg.amount: it leaves the candidate now and reaches the delegator after the unbonding period.

    Raises: ErrUnknownCandidate, ErrInsufficientDelegation, ErrTooManyEntries
    """
    params = st.get_params(state)
    entries = st.get_unbonding(state, msg.delegator, msg.candidate)
    if len(entries) >= params.max_entries:
        raise ErrTooManyEntries(f"{len(entries)} unbonding entries already (maximum {params.max_entries}); wait for one to complete")
    amount = _unbond(state, ctx, msg.delegator, msg.candidate, msg.amount)
    completion = ctx.time + params.unbonding_seconds
    entries.append(UnbondingEntry(ctx.height, completion, amount, amount))
    st.set_unbonding(state, msg.delegator, msg.candidate, entries)
    st.queue_unbonding(state, completion, msg.delegator, msg.candidate)
    bank_api.transfer_module(state, BONDED_POOL, UNBONDING_POOL, amount)
    state.emit(event_undelegate(msg.delegator, msg.candidate, amount, completion))


def handle_redelegate(state: StateWrite, ctx: BlockContext, msg: MsgRedelegate) -> None:
    """Move msg.amount of a delegation from msg.source to msg.destination at once.

    The entry stays for an unbonding period so that faults of the source
    committed before the move can still be slashed.
    Raises: ErrRedelegateToSame, ErrUnknownCandidate, ErrCandidateTombstoned, ErrTransitiveRedelegation,
    ErrTooManyEntries, ErrInsufficientDelegation, bank.ErrInvalidAmount
    """
    params = st.get_params(state)
    if msg.source == msg.destination:
        raise ErrRedelegateToSame()
    destination = st.get_candidate(state, msg.destination)
    if destination is None:
        raise ErrUnknownCandidate("destination candidate does not exist")
    if destination.tombstoned:
        raise ErrCandidateTombstoned()
    if st.has_incoming_redelegation(state, msg.delegator, msg.source):
        raise ErrTransitiveRedelegation()
    entries = st.get_redelegation(state, msg.delegator, msg.source, msg.destination)
    if len(entries) >= params.max_entries:
        raise ErrTooManyEntries(f"{len(entries)} redelegation entries already (maximum {params.max_entries})")
    if destination.shares_for_tokens(msg.amount) == 0:
        raise ErrInvalidAmount(f"{msg.amount}uamio cannot buy a share of the destination")
    amount = _unbond(state, ctx, msg.delegator, msg.source, msg.amount)
    destination = st.get_candidate(state, msg.destination)
    assert destination is not None
    new_shares = destination.shares_for_tokens(amount)
    if new_shares == 0:  # the last shares of the source brought more tokens than asked
        raise ErrInvalidAmount(f"{amount}uamio cannot buy a share of the destination")
    hooks.before_delegation_modified(ctx, state, msg.delegator, msg.destination)
    st.set_candidate(state, destination.with_(tokens=destination.tokens + amount, shares=destination.shares + new_shares), destination)
    st.set_delegation_shares(
        state, msg.delegator, msg.destination, st.get_delegation_shares(state, msg.delegator, msg.destination) + new_shares
    )
    hooks.after_delegation_modified(ctx, state, msg.delegator, msg.destination)
    completion = ctx.time + params.unbonding_seconds
    entries.append(RedelegationEntry(ctx.height, completion, amount, new_shares))
    st.set_redelegation(state, msg.delegator, msg.source, msg.destination, entries)
    st.queue_redelegation(state, completion, msg.delegator, msg.source, msg.destination)
    state.emit(event_redelegate(msg.delegator, msg.source, msg.destination, amount, completion))


def handle_create_master_node(state: StateWrite, ctx: BlockContext, msg: MsgCreateMasterNode) -> None:
    """Register a master node candidate for msg.operator and bond msg.bond from it.

    Holders vote for it with the same delegate/undelegate/redelegate messages;
    the top max_master_nodes by stake are the active master nodes.
    Raises: ErrCandidateExists, ErrInvalidSponsor, ErrNoSponsorConsent, ErrBondTooLow, bank.ErrInsufficientFunds
    """
    if st.get_candidate(state, msg.operator) is not None:
        raise ErrCandidateExists()
    sponsor = st.get_candidate(state, msg.sponsor)
    if sponsor is None or sponsor.kind != "super" or sponsor.tombstoned:
        raise ErrInvalidSponsor()
    if st.get_sponsor_consent(state, msg.operator) != msg.sponsor:
        raise ErrNoSponsorConsent(f"{bech32(msg.sponsor)} has not consented to sponsor {bech32(msg.operator)}: "
                                  "its operator must first send staking/consent_sponsorship")
    minimum = min_master_bond(state)
    if msg.bond < minimum:
        raise ErrBondTooLow(f"bond {msg.bond}uamio is below the minimum {minimum}uamio")
    candidate = Candidate(msg.operator, b"", msg.moniker, 0, 0, ctx.time, kind="master",
                          endpoint=msg.endpoint, region=msg.region, sponsor=msg.sponsor)
    st.set_candidate(state, candidate, None)
    hooks.after_candidate_created(ctx, state, msg.operator)
    bond(state, ctx, msg.operator, candidate, msg.bond)
    state.emit(event_create_master_node(msg.operator, msg.endpoint, msg.region, msg.sponsor, msg.bond))


def handle_edit_master_node(state: StateWrite, ctx: BlockContext, msg: MsgEditMasterNode) -> None:
    """Change a master node's endpoint and region.

    Raises: ErrUnknownCandidate, ErrWrongCandidateKind
    """
    candidate = st.get_candidate(state, msg.operator)
    if candidate is None:
        raise ErrUnknownCandidate()
    if candidate.kind != "master":
        raise ErrWrongCandidateKind("edit_master_node applies to master nodes only")
    st.set_candidate(state, candidate.with_(endpoint=msg.endpoint, region=msg.region), candidate)
    state.emit(event_edit_master_node(msg.operator, msg.endpoint, msg.region))


def handle_consent_sponsorship(state: StateWrite, ctx: BlockContext, msg: MsgConsentSponsorship) -> None:
    """Record that super node msg.sponsor consents to sponsor master node msg.master (which may register later).

    Raises: ErrInvalidSponsor, ErrWrongCandidateKind
    """
    sponsor = st.get_candidate(state, msg.sponsor)
    if sponsor is None or sponsor.kind != "super" or sponsor.tombstoned:
        raise ErrInvalidSponsor("the signer must operate an existing, non-tombstoned super node")
    master = st.get_candidate(state, msg.master)
    if master is not None and master.kind != "master":
        raise ErrWrongCandidateKind("only a master node can be sponsored")
    if master is not None and master.sponsor != msg.sponsor:
        raise ErrInvalidSponsor(f"master node {bech32(msg.master)} is sponsored by another super node")
    st.set_sponsor_consent(state, msg.master, msg.sponsor)
    state.emit(event_sponsorship(msg.sponsor, msg.master, True))


def handle_withdraw_sponsorship(state: StateWrite, ctx: BlockContext, msg: MsgWithdrawSponsorship) -> None:
    """Withdraw the consent: the master node receives no new tasks until a sponsor consents again.

    Raises: ErrNotSponsor
    """
    if st.get_sponsor_consent(state, msg.master) != msg.sponsor:
        raise ErrNotSponsor(f"the signer has no standing consent to sponsor {bech32(msg.master)}")
    st.set_sponsor_consent(state, msg.master, None)
    state.emit(event_sponsorship(msg.sponsor, msg.master, False))
