"""End of block for compute: heartbeat expiry, audit draws, deadlines, allocation, and at each price epoch the
price moves.

The work is bounded by what is due in this block (expired heartbeats, audit
draws and deadlines up to max_deadlines_per_block each, queued tasks up to
max_allocations_per_block) times the number of active master nodes, never
by the number of workers or tasks.
"""

from __future__ import annotations

from chain_modules.bank import api as bank_api
from chain_modules.common.events import bech32
from chain_modules.common.context import BlockContext
from chain_modules.common.state import StateWrite
from chain_modules.compute import keys, logic
from chain_modules.compute.api import DEPOSITS
from chain_modules.compute import state as st
from chain_modules.compute.events import event_deposit_released, event_price_updated, event_worker
from chain_modules.compute.types import BPS, FINAL_STATES, ComputeParams
from chain_modules.staking import api as staking_api


def end_block(state: StateWrite, ctx: BlockContext) -> None:
    params = st.get_params(state)
    expire_heartbeats(state, ctx, params)
    release_deposits(state, ctx, params)
    draw_audits(state, ctx, params)
    process_deadlines(state, ctx, params)
    logic.allocate_queue(state, ctx, params)
    sample(state, params)
    if ctx.height % params.price_epoch_blocks == 0:
        update_prices(state, ctx, params)


def release_deposits(state: StateWrite, ctx: BlockContext, params: ComputeParams) -> None:
    """Pay back the deposits of unregistered workers whose unbonding time has come (bounded per block)."""
    due = []
    for entry in st.iter_deposit_releases(state, ctx.time):
        due.append(entry)
        if len(due) >= params.max_deadlines_per_block:
            break
    for time, worker, amount in due:
        st.delete_deposit_release(state, time, worker)
        bank_api.transfer_module(state, DEPOSITS, worker, amount)
        state.emit(event_deposit_released(worker, amount))


def sample(state: StateWrite, params: ComputeParams) -> None:
    """Add this block's online workers and busy/total slots per class to the epoch sums, so that prices and
    the network size follow the whole epoch, not one block anybody could stage. A block with no online
    worker adds nothing and writes nothing."""
    online = st.get_online_workers(state)
    total = st.get_capacity(state, params, None)
    if online == 0 and all(slots == 0 for _workers, slots, _free in total.values()):
        return
    samples = st.get_epoch_samples(state)
    samples["online"] += online
    for name, (_workers, slots, free) in total.items():
        busy_sum, slots_sum = samples["classes"].get(name, [0, 0])
        samples["classes"][name] = [busy_sum + slots - free, slots_sum + slots]
    st.set_epoch_samples(state, samples)


def expire_heartbeats(state: StateWrite, ctx: BlockContext, params: ComputeParams) -> None:
    """Take workers whose heartbeat expired offline, earliest first, at most max_deadlines_per_block per block."""
    due = []
    for address in st.iter_due_heartbeats(state, ctx.time):
        due.append(address)
        if len(due) >= params.max_deadlines_per_block:
            break
    for address in due:
        worker = st.get_worker(state, address)
        assert worker is not None and worker.online
        st.set_worker(state, params, worker.with_(online=False), worker, params.heartbeat_timeout_seconds)
        state.emit(event_worker("offline", worker, last_heartbeat=worker.last_heartbeat, reason="heartbeat_expired"))


def draw_audits(state: StateWrite, ctx: BlockContext, params: ComputeParams) -> None:
    """Draw the audits of the single-replica tasks whose lone worker committed in an earlier block, with this block's
    seed; earliest commit first, at most max_deadlines_per_block per block (the rest wait, still committing). Runs
    before the deadlines, so a commit deadline that fell in the commit's own block finds the task moved on."""
    due = []
    for entry in st.iter_pending_draws(state, ctx.height):
        due.append(entry)
        if len(due) >= params.max_deadlines_per_block:
            break
    for _height, task_id in due:
        task = st.get_task(state, task_id)
        assert task is not None, f"the audit-draw index names a missing task {task_id}"
        logic.draw_audit(state, ctx, params, task)


def process_deadlines(state: StateWrite, ctx: BlockContext, params: ComputeParams) -> None:
    """Handle due deadlines, earliest first; the rest wait for the next block."""
    due = []
    for entry in st.iter_due_deadlines(state, ctx.time):
        due.append(entry)
        if len(due) >= params.max_deadlines_per_block:
            break
    for time, task_id, kind in due:
        task = st.get_task(state, task_id)
        if task is None or task.state in FINAL_STATES:
            continue  # an earlier deadline of this block already closed it
        if kind == keys.FINAL:
            if task.deadline == time:
                logic.final_deadline(state, ctx, params, task)
        elif task.step_deadline == time:
            logic.step_deadline(state, ctx, params, task)


def next_price(params: ComputeParams, price: int, utilisation_bps: int) -> int:
    """Move ``price`` towards the target utilisation: at most price_step_bps of it per epoch, in proportion
    to the distance from the target, at least 1 uamio when off target; clamped to [min_price, max_price]."""
    target = params.target_utilisation_bps
    if utilisation_bps > target:
        step = max(1, price * params.price_step_bps * (utilisation_bps - target) // (BPS * (BPS - target)))
    elif utilisation_bps < target:
        step = -max(1, price * params.price_step_bps * (target - utilisation_bps) // (BPS * target))
    else:
        step = 0
    return min(params.max_price, max(params.min_price, price + step))


def update_prices(state: StateWrite, ctx: BlockContext, params: ComputeParams) -> None:
    """Utilisation of a class over the epoch = sum of busy slots / sum of online slots (of the workers that fit
    it) over its blocks; no online slot in the whole epoch: no move. The network size handed to staking for
    the minimum bonds is the epoch's average number of online workers."""
    epoch = st.get_price_epoch(state) + 1
    st.set_price_epoch(state, epoch)
    samples = st.get_epoch_samples(state)
    for resource_class in params.classes:
        busy, slots = samples["classes"].get(resource_class.name, [0, 0])
        price = st.get_price(state, params, resource_class.name)
        utilisation = busy * BPS // slots if slots else 0
        new_price = next_price(params, price, utilisation) if slots else price
        st.set_price(state, resource_class.name, new_price)
        average_slots = slots // params.price_epoch_blocks
        st.add_price_history(state, resource_class.name, epoch, [ctx.height, new_price, utilisation, average_slots],
                             params.price_history_length)
        state.emit(event_price_updated(resource_class.name, epoch, new_price, price, utilisation))
    staking_api.set_active_workers(state, samples["online"] // params.price_epoch_blocks)
    st.delete_epoch_samples(state)
