"""compute's manifest: workers, tasks with escrow, allocation to master nodes, commit-reveal verification."""

from chain_modules.common.context import BlockContext, BlockInfo
from chain_modules.common.events import bech32
from chain_modules.common.module import Module, Params, params_genesis
from chain_modules.common.query import Query, QueryContext, not_found
from chain_modules.common.state import StateRead, StateWrite
from chain_modules.compute import epoch, handlers, invariants, views
from chain_modules.compute import state as st
from chain_modules.compute import types as t
from chain_modules.compute.keys import PARAMS_KEY, PREFIX


def end_block(state: StateWrite, ctx: BlockContext, info: BlockInfo) -> None:
    """Heartbeat expiry, released deposits, deadlines, then allocation of the queue (and prices at an epoch)."""
    epoch.end_block(state, ctx)


def class_names(state: StateRead) -> set[str]:
    """The resource classes tasks may use (what apppool checks an application's classes against)."""
    return {c.name for c in st.get_params(state).classes}


def _params(ctx: QueryContext) -> dict:
    return st.get_params(ctx.state).to_dict()


def _classes(ctx: QueryContext) -> list[dict]:
    return views.classes_view(ctx.state)


def _prices(ctx: QueryContext, class_name: str) -> list[dict]:
    if st.get_params(ctx.state).resource_class(class_name) is None:
        raise not_found(f"no resource class {class_name!r}")
    return views.price_history(ctx.state, class_name)


def _time_budget(ctx: QueryContext, class_name: str, max_fuel: int) -> dict:
    budget = views.time_budget(ctx.state, class_name, max_fuel)
    if budget is None:
        raise not_found(f"no resource class {class_name!r}")
    return budget


def _task(ctx: QueryContext, task_id: int) -> dict:
    task = st.get_task(ctx.state, task_id)
    if task is None:
        raise not_found(f"no task with id {task_id}")
    return views.task_view(ctx.state, task)


def _tasks_by(index: str):
    def view(ctx: QueryContext, address: bytes) -> list[dict]:
        return views.task_views(ctx.state, index, address)

    return view


def _worker(ctx: QueryContext, address: bytes) -> dict:
    worker = st.get_worker(ctx.state, address)
    if worker is None:
        raise not_found(f"no worker {bech32(address)}")
    return views.worker_view(worker, ctx.time)


def _pending_deposits(ctx: QueryContext, address: bytes) -> dict:
    return views.pending_deposits(ctx.state, address, ctx.time)


def _workers(ctx: QueryContext, master: bytes) -> list[dict]:
    return views.workers_of(ctx.state, master, ctx.time)


def _master(ctx: QueryContext, operator: bytes) -> dict:
    return views.master_view(ctx.state, operator)


PARAMS = Params(t.ComputeParams, st.get_params, st.set_params)

MODULE = Module(
    name="compute",
    codespace="compute",
    prefix=PREFIX,
    messages=(
        (t.MsgSubmitTask, handlers.handle_submit_task),
        (t.MsgCancelTask, handlers.handle_cancel_task),
        (t.MsgConfirmTask, handlers.handle_confirm_task),
        (t.MsgAssignWorkers, handlers.handle_assign_workers),
        (t.MsgReleaseTask, handlers.handle_release_task),
        (t.MsgHandBackTask, handlers.handle_hand_back_task),
        (t.MsgCommitResult, handlers.handle_commit_result),
        (t.MsgRevealResult, handlers.handle_reveal_result),
        (t.MsgRegisterWorker, handlers.handle_register_worker),
        (t.MsgHeartbeat, handlers.handle_heartbeat),
        (t.MsgWorkerOffline, handlers.handle_worker_offline),
        (t.MsgTopUpDeposit, handlers.handle_top_up_deposit),
        (t.MsgUnregisterWorker, handlers.handle_unregister_worker),
    ),
    queries=(
        Query("params", _params, doc="the compute params"),
        Query("classes", _classes, doc="resource classes with their current prices and capacity"),
        Query("prices/{class_name:text}", _prices, doc="the price history of a class"),
        Query("time_budget/{class_name:text}/{max_fuel:uint64}", _time_budget,
              doc="the seconds a task of the class with that max_fuel gets at each step"),
        Query("task/{task_id:uint64}", _task, doc="one task"),
        Query("tasks/customer/{address:address}", _tasks_by("customer"), doc="open tasks of a customer"),
        Query("tasks/master/{address:address}", _tasks_by("master"), doc="open tasks allocated to a master node"),
        Query("tasks/worker/{address:address}", _tasks_by("worker"), doc="open tasks a worker takes part in"),
        Query("worker/{address:address}", _worker, doc="one worker"),
        Query("pending_deposits/{address:address}", _pending_deposits,
              doc="deposits of an unregistered worker waiting for release, with their release times"),
        Query("workers/{master:address}", _workers, doc="the workers of a master node's pool (the first 200)"),
        Query("master/{operator:address}", _master, doc="a master node's task statistics"),
    ),
    genesis=params_genesis("compute", PREFIX, PARAMS, PARAMS_KEY, required=False),
    params=PARAMS,
    end_block=end_block,
    invariants=(invariants.check,),
)
