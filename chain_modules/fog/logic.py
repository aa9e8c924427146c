"""FOG: contribution points, epoch closes, lazy settlement, the lockers' ninth and redemption periods.

Every step costs O(1) state reads and writes, except settling one account's locks (at most the locks it holds)
and paying redemptions (at most max_redemptions_per_block per block). Formulas: docs/modules/fog.md.
"""

from __future__ import annotations

import hashlib

from chain_modules.bank import api as bank_api
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.compute import api as compute_api
from chain_modules.fog import events
from chain_modules.fog import state as st
from chain_modules.fog.types import (
    BPS,
    HISTORY,
    LOCKER_DIVISOR,
    MEGAFUEL,
    RATE_SCALE,
    ClosedEpoch,
    ClosedPeriod,
    Contribution,
    FogParams,
    Ledger,
    LockerShare,
    OpenEpoch,
    OpenPeriod,
)
from chain_modules.staking import api as staking_api

REDEMPTION = bank_api.module_address("fog_redemption")
# Contribution.probe: the epoch's liveness probe ("" before the epoch's first counted heartbeat)
DRAWING, UNSAMPLED, PENDING, PASSED, FAILED = "drawing", "unsampled", "pending", "passed", "failed"  # holds the AMIO of closed periods until it is paid out


def start(state: StateWrite, time: int) -> None:
    """Open epoch 0 and redemption period 0 at genesis."""
    st.set_open_epoch(state, OpenEpoch(0, time, 0, 0, 0, time))
    st.set_open_period(state, OpenPeriod(0, time))
    st.set_ledger(state, Ledger())


# -- crediting ---------------------------------------------------------------------------------------


def credit(state: StateWrite, ledger: Ledger, address: bytes, amount: int, epoch: int) -> Ledger:
    """Add settled FOG of contribution epoch ``epoch`` to a balance. FOG of an epoch that closed during the current
    redemption period (``epoch >= first_epoch`` of the period) can be redeemed from the next one (``recent``)."""
    if amount == 0:
        return ledger
    period = st.get_open_period(state)
    account = st.get_account(state, address)
    recent, recent_period = (account.recent, account.recent_period) if account.recent_period == period.index else (0, period.index)
    if epoch >= period.first_epoch:
        recent += amount
    st.set_account(state, address, account.with_(balance=account.balance + amount, earned=account.earned + amount,
                                                 recent=recent, recent_period=recent_period))
    return ledger.with_(settled=ledger.settled + amount)


def redeemable(state: StateRead, address: bytes) -> int:
    account = st.get_account(state, address)
    period = st.get_open_period(state)
    recent = account.recent if account.recent_period == period.index else 0
    return account.balance - recent


# -- contribution: points as they arrive, settlement when touched --------------------------------------


def _take(state: StateWrite, ledger: Ledger, epoch_index: int, points: int) -> tuple[Ledger, int]:
    """An earner's share of a closed epoch: points x remaining / points_remaining (the last one takes the rest)."""
    epoch = st.get_closed_epoch(state, epoch_index)
    assert epoch is not None and epoch.points_remaining >= points, f"epoch {epoch_index} cannot pay {points} points"
    amount = points * epoch.remaining // epoch.points_remaining
    st.set_closed_epoch(state, epoch_index, epoch.with_(remaining=epoch.remaining - amount,
                                                        points_remaining=epoch.points_remaining - points))
    return ledger.with_(provider_unsettled=ledger.provider_unsettled - amount), amount


def touch(state: StateWrite, ctx: BlockContext, address: bytes) -> Contribution:
    """The earner's record for the open epoch, after settling its points of an earlier (closed) epoch."""
    epoch = st.get_open_epoch(state)
    record = st.get_contribution(state, address)
    if record is None:
        return Contribution(epoch=epoch.index)
    if record.epoch == epoch.index:
        return record
    settled, total, history = 0, record.total, record.history
    if record.points:
        ledger, settled = _take(state, st.get_ledger(state), record.epoch, record.points)
        ledger = credit(state, ledger, address, settled, record.epoch)
        st.set_ledger(state, ledger)
        total += settled
        history = (history + ((record.epoch, settled),))[-HISTORY:]
        state.emit(events.event_settled(address, record.epoch, record.points, settled))
    streak = record.streak + 1 if record.points and record.epoch == epoch.index - 1 else 0
    return Contribution(epoch=epoch.index, streak=streak, proven_weight=record.proven_weight,
                        verified_results=record.verified_results, proven_epoch=record.proven_epoch, total=total,
                        history=history)


def factors(params: FogParams, record: Contribution) -> tuple[int, int]:
    """(loyalty, probation) in bps: loyalty grows with consecutive contributing epochs, up to its cap; probation
    holds until the worker has probation_results verified results."""
    loyalty = BPS + min(record.streak * params.loyalty_step_bps, params.loyalty_max_bps)
    probation = params.probation_bps if record.verified_results < params.probation_results else BPS
    return loyalty, probation


def _scaled(params: FogParams, record: Contribution, raw: int) -> int:
    loyalty, probation = factors(params, record)
    return raw * loyalty * probation // (BPS * BPS)


def _add_points(state: StateWrite, epoch: OpenEpoch, amount: int) -> OpenEpoch:
    updated = epoch.with_(points=epoch.points + amount)
    st.set_open_epoch(state, updated)
    return updated


def _route(state: StateWrite, ctx: BlockContext, params: FogParams, master: bytes, worker: bytes, points: int) -> int:
    """The master node's routing share of ``points`` earned in its pool. A master that works in its own pool routes
    nothing to itself (and its one record must not be touched twice)."""
    routing = points * params.routing_bps // BPS
    if routing == 0 or not master or master == worker:
        return 0
    record = touch(state, ctx, master)
    st.set_contribution(state, master, record.with_(routing=record.routing + routing, points=record.points + routing))
    _add_points(state, st.get_open_epoch(state), routing)
    return routing


def capacity_weight(state: StateRead, params: FogParams, record: Contribution, worker: bytes) -> int:
    """What a worker's available window is worth: its slots times its proven weight, bounded by the machine it
    registered (CPU cores plus 4 per GPU) and by its deposit (one unit per capacity_deposit). Capacity is paid per
    unit of deposit at risk, so splitting a machine into several workers, or joining several into one, changes
    nothing; a worker that claims more than it has must stake for it and answers for it when work comes."""
    registered = compute_api.get_worker(state, worker)
    if registered is None:
        return 0
    return min(registered.slots * record.proven_weight, registered.cpu_cores + 4 * registered.gpu,
               registered.deposit // params.capacity_deposit)


def class_weight(state: StateRead, class_name: str) -> int:
    """The capability weight of a resource class: its CPU cores plus 4 per GPU (small 1, medium 2, large 4,
    gpu 8 by default)."""
    resource_class = compute_api.get_params(state).resource_class(class_name)
    return 0 if resource_class is None else resource_class.cpu_cores + 4 * resource_class.gpu


def window_of(params: FogParams, epoch: OpenEpoch, time: int) -> int:
    return min((time - epoch.start) * params.windows_per_epoch // params.epoch_seconds, params.windows_per_epoch - 1)


def on_heartbeat(state: StateWrite, ctx: BlockContext, worker: bytes, master: bytes) -> None:
    """A heartbeat counts its window once, while the worker's master is active, its deposit can be given work and
    it has not forfeited the epoch's availability: availability_points x capacity weight, times the factors; the
    master earns its routing share of it.

    The epoch's first such heartbeat starts the worker's probe draw (draw_probes, with the seed of a later block).
    Until the draw, and while a drawn probe runs, the windows' points are held: they count when the worker is not
    drawn or its probe passes, and are lost when the probe fails or the epoch closes first."""
    params = st.get_params(state)
    epoch = st.get_open_epoch(state)
    record = touch(state, ctx, worker)
    window = window_of(params, epoch, ctx.time)
    if (record.forfeited or window == record.last_window or not staking_api.is_active_master(state, master)
            or not _assignable(state, worker)):
        st.set_contribution(state, worker, record)
        return
    if not record.probe:  # with no probes to draw, nothing waits
        if params.probe_probability_bps:
            record = record.with_(probe=DRAWING, probe_task=ctx.height)  # the draw's height, until it is drawn
            st.add_probe_draw(state, ctx.height, worker)
        else:
            record = record.with_(probe=UNSAMPLED)
    if not _proven(params, record, epoch.index):
        st.set_contribution(state, worker, record)
        return
    points = _scaled(params, record, params.availability_points * capacity_weight(state, params, record, worker))
    record = record.with_(windows=record.windows + 1, last_window=window)
    if record.probe in (DRAWING, PENDING):
        st.set_contribution(state, worker, record.with_(held=record.held + points))
        return
    _count_availability(state, ctx, params, worker, master, record, points)


def _count_availability(state: StateWrite, ctx: BlockContext, params: FogParams, worker: bytes, master: bytes,
                        record: Contribution, points: int) -> None:
    """Add availability points to the worker and the epoch, with its master's routing share. A worker that changes
    pools within the epoch routes only to the first master that earned from it: a forfeit takes back
    ``routing_given`` from that one master."""
    routes = points > 0 and record.routing_master in (b"", master)
    routing = _route(state, ctx, params, master, worker, points) if routes else 0
    record = record.with_(availability=record.availability + points, points=record.points + points,
                          routing_master=master if routing else record.routing_master,
                          routing_given=record.routing_given + routing)
    st.set_contribution(state, worker, record)
    if points:
        _add_points(state, st.get_open_epoch(state), points)


def _release_held(state: StateWrite, ctx: BlockContext, params: FogParams, worker: bytes, record: Contribution) -> None:
    """Count the held availability now (the worker was not drawn, or passed its probe)."""
    registered = compute_api.get_worker(state, worker)
    master = registered.master if registered is not None else b""
    _count_availability(state, ctx, params, worker, master, record.with_(held=0), record.held)


def draw_probes(state: StateWrite, ctx: BlockContext, params: FogParams) -> None:
    """Draw the liveness probes of the workers whose first counted heartbeat of the epoch came in an earlier block,
    with this block's seed: ``sha256(seed ‖ "probe" ‖ epoch ‖ worker)`` (first 8 bytes) mod 10,000 below
    probe_probability_bps. Nobody knew the seed when the heartbeat was sent, so a worker cannot keep only the
    identities that escape a probe online. Drawn: compute starts a probe task; not drawn (or no probe can run):
    the held windows count. Costs one draw per heartbeat of the earlier blocks."""
    epoch = st.get_open_epoch(state)
    for height, worker in list(st.iter_probe_draws(state)):
        if height >= ctx.height:
            break
        st.delete_probe_draw(state, height, worker)
        record = st.get_contribution(state, worker)
        if record is None or record.epoch != epoch.index or record.probe != DRAWING or record.probe_task != height:
            # the epoch of the heartbeat closed since (its held windows went with it), or this entry is an earlier
            # epoch's and the worker's draw in this epoch waits for its own entry's later block
            continue
        value = int.from_bytes(hashlib.sha256(ctx.seed + b"probe" + epoch.index.to_bytes(8, "big") + worker)
                               .digest()[:8], "big")
        task = None
        if value % BPS < params.probe_probability_bps:
            randomness = hashlib.sha256(ctx.seed + b"probe input" + worker).digest()
            task = compute_api.start_probe(state, ctx, worker, randomness)
        state.emit(events.event_probe_drawn(worker, epoch.index, height, task.id if task else 0))
        if task is None:
            _release_held(state, ctx, params, worker, record.with_(probe=UNSAMPLED))
        else:
            st.set_contribution(state, worker, record.with_(probe=PENDING, probe_task=task.id))


def on_probe_ended(state: StateWrite, ctx: BlockContext, worker: bytes, task_id: int, class_name: str,
                   passed: bool) -> None:
    """A probe ended. Passed, it proves the class's capability (as a verified result does) and its epoch's held
    windows count; failed (outvoted, a missed step, handed back), the worker forfeits the epoch's availability.
    A probe of an epoch that has closed only proves (its held windows went with the epoch)."""
    params = st.get_params(state)
    record = touch(state, ctx, worker)
    if passed:
        record = record.with_(proven_weight=max(record.proven_weight, class_weight(state, class_name)),
                              proven_epoch=st.get_open_epoch(state).index)
    current = record.probe == PENDING and record.probe_task == task_id
    state.emit(events.event_probe_ended(worker, task_id, passed, current))
    if not current:
        st.set_contribution(state, worker, record)
    elif passed:
        _release_held(state, ctx, params, worker, record.with_(probe=PASSED))
    else:
        st.set_contribution(state, worker, record.with_(probe=FAILED, held=0))
        forfeit(state, ctx, worker, "probe_failed")


def _proven(params: FogParams, record: Contribution, epoch: int) -> bool:
    """Capability proven by a verified result within the last proof_valid_epochs epochs. Not proven: the window is
    not used up, so a heartbeat after the worker's next verified result still counts it."""
    return record.proven_weight > 0 and epoch - record.proven_epoch < params.proof_valid_epochs


def _assignable(state: StateRead, worker: bytes) -> bool:
    """Availability pays only a worker that can be given work: its deposit is at least the minimum."""
    record = compute_api.get_worker(state, worker)
    return record is not None and record.deposit >= compute_api.get_params(state).worker_min_deposit


def on_verified_result(state: StateWrite, ctx: BlockContext, worker: bytes, master: bytes, class_name: str, fuel: int) -> None:
    """A result revealed with the majority (not by a late joiner): it proves the class's capability and earns
    work points for its fuel; the task's master earns its routing share. Work points follow the epoch's verified
    fuel, so fuel below a point carries to the worker's next result of the epoch instead of being lost."""
    params = st.get_params(state)
    record = touch(state, ctx, worker)
    before = record.fuel * params.work_points_per_megafuel // MEGAFUEL
    record = record.with_(proven_weight=max(record.proven_weight, class_weight(state, class_name)),
                          verified_results=record.verified_results + 1, fuel=record.fuel + fuel,
                          proven_epoch=st.get_open_epoch(state).index)
    points = _scaled(params, record, record.fuel * params.work_points_per_megafuel // MEGAFUEL - before)
    st.set_contribution(state, worker, record.with_(work=record.work + points, points=record.points + points))
    if points:
        _add_points(state, st.get_open_epoch(state), points)
        _route(state, ctx, params, master, worker, points)


def forfeit(state: StateWrite, ctx: BlockContext, worker: bytes, reason: str) -> None:
    """A slash, or a job handed back, takes the epoch's availability back (the master's routing share of it too)
    and stops it for the rest of the epoch: an available worker is one that does the work it is given."""
    record = touch(state, ctx, worker)
    taken = record.availability + record.routing_given
    if record.routing_given:
        master = touch(state, ctx, record.routing_master)
        st.set_contribution(state, record.routing_master, master.with_(routing=master.routing - record.routing_given,
                                                                       points=master.points - record.routing_given))
    st.set_contribution(state, worker, record.with_(forfeited=record.forfeited or reason, held=0,
                                                    points=record.points - record.availability,
                                                    availability=0, routing_given=0))
    if taken:
        _add_points(state, st.get_open_epoch(state), -taken)


# -- lockers -----------------------------------------------------------------------------------------


def _integrate(epoch: OpenEpoch, time: int) -> OpenEpoch:
    return epoch.with_(locked_seconds=epoch.locked_seconds + epoch.locked * (time - epoch.locked_since), locked_since=time)


def on_lock_created(state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int, amount: int) -> None:
    epoch = _integrate(st.get_open_epoch(state), ctx.time)
    st.set_open_epoch(state, epoch.with_(locked=epoch.locked + amount))
    st.set_share(state, owner, lock_id, LockerShare(amount, ctx.time, epoch.index))


def on_lock_ended(state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int, amount: int) -> None:
    share = st.get_share(state, owner, lock_id)
    if share is None or share.stopped:
        return
    epoch = _integrate(st.get_open_epoch(state), ctx.time)
    st.set_open_epoch(state, epoch.with_(locked=epoch.locked - amount))
    st.set_share(state, owner, lock_id, share.with_(stopped=ctx.time, stop_epoch=epoch.index))


def on_lock_withdrawn(state: StateWrite, ctx: BlockContext, owner: bytes, lock_id: int) -> None:
    """Settle the withdrawn lock, and the owner's locks withdrawn before: a share withdrawn in the epoch it ended
    waits for that epoch to close, so the shares an account keeps are its locks plus those it withdrew in the
    epoch of its last withdrawal, however long it goes without redeeming."""
    share = st.get_share(state, owner, lock_id)
    if share is not None:
        st.set_share(state, owner, lock_id, share.with_(withdrawn=True))
    for _owner, withdrawn_id, withdrawn in list(st.iter_shares(state, owner)):
        if withdrawn.withdrawn:
            settle_lock(state, owner, withdrawn_id)


def _cumulative(state: StateRead, index: int) -> int:
    if index < 0:
        return 0
    epoch = st.get_closed_epoch(state, index)
    return 0 if epoch is None else epoch.cumulative_rate


def settle_share(state: StateWrite, owner: bytes, lock_id: int, until: int | None = None) -> int:
    """Credit a lock's FOG for its time in the closed epochs before ``until`` (default: every closed epoch) since it
    was last settled: amount x seconds x rate / RATE_SCALE per epoch (the full epochs through the cumulative rate)."""
    share = st.get_share(state, owner, lock_id)
    current = st.get_open_epoch(state).index
    until = current if until is None else min(until, current)
    if share is None or share.epoch >= until:
        return 0
    last_index = until - 1
    first = st.get_closed_epoch(state, share.epoch)
    stopped_closed = share.stopped and share.stop_epoch <= last_index
    if stopped_closed and share.stop_epoch == share.epoch:
        scaled, done = share.amount * (share.stopped - share.since) * first.rate, True
    else:
        scaled = share.amount * (first.end - share.since) * first.rate
        if stopped_closed:
            last = st.get_closed_epoch(state, share.stop_epoch)
            scaled += share.amount * (_cumulative(state, share.stop_epoch - 1) - first.cumulative_rate)
            scaled += share.amount * (share.stopped - last.start) * last.rate
            done = True
        else:
            scaled += share.amount * (_cumulative(state, last_index) - first.cumulative_rate)
            done = False
    amount = scaled // RATE_SCALE
    ledger = st.get_ledger(state)
    assert amount <= ledger.locker_unsettled, "a lock's share exceeds the lockers' unsettled FOG"
    ledger = credit(state, ledger.with_(locker_unsettled=ledger.locker_unsettled - amount), owner, amount,
                    share.stop_epoch if done else last_index)
    st.set_ledger(state, ledger)
    if done:
        st.delete_share(state, owner, lock_id)
    else:
        st.set_share(state, owner, lock_id, share.with_(since=st.get_closed_epoch(state, last_index).end, epoch=until))
    if amount:
        state.emit(events.event_locker_settled(owner, lock_id, amount))
    return amount


def settle_lock(state: StateWrite, owner: bytes, lock_id: int) -> int:
    """Settle a lock in two steps: the epochs that closed before the current redemption period (redeemable now),
    then the rest (redeemable from the next period)."""
    first_epoch = st.get_open_period(state).first_epoch
    return settle_share(state, owner, lock_id, until=first_epoch) + settle_share(state, owner, lock_id)


def settle_account(state: StateWrite, ctx: BlockContext, address: bytes) -> None:
    """Everything ``address`` has earned in closed epochs: its contribution and its locks (at most the locks it
    holds, bounded by locks' max_locks_per_account, plus those it withdrew in the epoch of its last withdrawal)."""
    if st.get_contribution(state, address) is not None:
        st.set_contribution(state, address, touch(state, ctx, address))
    for _owner, lock_id, _share in list(st.iter_shares(state, address)):
        settle_lock(state, address, lock_id)


# -- epoch close --------------------------------------------------------------------------------------


def close_epoch(state: StateWrite, ctx: BlockContext, params: FogParams) -> None:
    """Mint the epoch's emission to its earners (by points) and its lockers (1/9 of it, by amount x time), as two
    O(1) records; earners and locks take their share when next touched."""
    epoch = _integrate(st.get_open_epoch(state), ctx.time)
    ledger = st.get_ledger(state)
    emission = params.emission_per_epoch if epoch.points > 0 else 0
    locker_emission, carry, rate = 0, ledger.locker_carry, 0
    if epoch.locked_seconds > 0 and emission > 0:
        locker_emission, carry = divmod(emission + ledger.locker_carry, LOCKER_DIVISOR)
        rate = locker_emission * RATE_SCALE // epoch.locked_seconds
    cumulative = _cumulative(state, epoch.index - 1) + rate * (ctx.time - epoch.start)
    st.set_closed_epoch(state, epoch.index, ClosedEpoch(epoch.start, ctx.time, emission, epoch.points, emission, epoch.points,
                                                        locker_emission, epoch.locked_seconds, rate, cumulative))
    st.set_ledger(state, ledger.with_(minted=ledger.minted + emission + locker_emission,
                                      provider_unsettled=ledger.provider_unsettled + emission,
                                      locker_unsettled=ledger.locker_unsettled + locker_emission, locker_carry=carry))
    st.set_open_epoch(state, OpenEpoch(epoch.index + 1, ctx.time, 0, epoch.locked, 0, ctx.time))
    state.emit(events.event_epoch_closed(epoch.index, emission, epoch.points, locker_emission, epoch.locked_seconds))


# -- redemption ---------------------------------------------------------------------------------------


def request_redemption(state: StateWrite, address: bytes, amount: int) -> OpenPeriod:
    period = st.get_open_period(state)
    account = st.get_account(state, address)
    st.set_account(state, address, account.with_(balance=account.balance - amount, requested=account.requested + amount))
    ledger = st.get_ledger(state)
    st.set_ledger(state, ledger.with_(settled=ledger.settled - amount, requested=ledger.requested + amount))
    st.set_request(state, period.index, period.requests, address, amount)
    updated = period.with_(requested=period.requested + amount, requests=period.requests + 1)
    st.set_open_period(state, updated)
    return updated


def close_period(state: StateWrite, ctx: BlockContext) -> None:
    """Fix the period's rate from the closed totals: payout = requested x pool / supply, with the supply counting
    FOG minted but not yet settled. The requested FOG is burned and the payout set aside now; requests are paid
    in order over the next blocks, all at that rate."""
    period = st.get_open_period(state)
    ledger = st.get_ledger(state)
    pool = bank_api.get_balance(state, compute_api.REVENUE_POOL)
    supply = ledger.supply
    payout = period.requested * pool // supply if supply else 0
    if payout:
        bank_api.transfer_module(state, compute_api.REVENUE_POOL, REDEMPTION, payout)
    st.set_closed_period(state, period.index, ClosedPeriod(period.start, ctx.time, pool, supply, period.requested, payout,
                                                           payout, period.requested, period.requests))
    st.set_ledger(state, ledger.with_(burned=ledger.burned + period.requested, requested=0))
    st.set_open_period(state, OpenPeriod(period.index + 1, ctx.time, first_epoch=st.get_open_epoch(state).index))
    state.emit(events.event_period_closed(period.index, pool, supply, period.requested, payout))


def pay_redemptions(state: StateWrite, ctx: BlockContext, params: FogParams) -> None:
    """Pay up to max_redemptions_per_block requests of closed periods, oldest first."""
    budget = params.max_redemptions_per_block
    ledger = st.get_ledger(state)
    index = ledger.paying_period
    open_index = st.get_open_period(state).index
    while budget and index < open_index:
        period = st.get_closed_period(state, index)
        while budget and period.next_request < period.requests:
            address, amount = st.get_request(state, index, period.next_request)
            paid = amount * period.payout_remaining // period.requested_remaining
            if paid:
                bank_api.transfer_module(state, REDEMPTION, address, paid)
            account = st.get_account(state, address)
            st.set_account(state, address, account.with_(redeemed=account.redeemed + amount,
                                                         requested=account.requested - amount))
            st.delete_request(state, index, period.next_request)
            state.emit(events.event_redeemed(address, index, amount, paid))
            period = period.with_(payout_remaining=period.payout_remaining - paid,
                                  requested_remaining=period.requested_remaining - amount,
                                  next_request=period.next_request + 1)
            budget -= 1
        st.set_closed_period(state, index, period)
        if period.next_request < period.requests:
            break
        index += 1
    if index != ledger.paying_period:
        st.set_ledger(state, st.get_ledger(state).with_(paying_period=index))
