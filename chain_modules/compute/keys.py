"""State keys owned by compute. Integers in keys are 8-byte big-endian so that keys sort by value."""

PREFIX = b"compute/"  # every key below starts with it

PARAMS_KEY = b"compute/params"
NEXT_TASK_KEY = b"compute/next_task"
TASK_PREFIX = b"compute/task/"
OPEN_BY_CUSTOMER_PREFIX = b"compute/open_by_customer/"
OPEN_COUNT_PREFIX = b"compute/open_count/"
OPEN_BY_MASTER_PREFIX = b"compute/open_by_master/"
OPEN_BY_WORKER_PREFIX = b"compute/open_by_worker/"
QUEUE_PREFIX = b"compute/queue/"  # queue position -> task id
QUEUE_POSITION_PREFIX = b"compute/queue_position/"  # task id -> queue position
QUEUE_NEXT_KEY = b"compute/queue_next"
DEADLINE_PREFIX = b"compute/deadline/"
WORKER_PREFIX = b"compute/worker/"
WORKERS_BY_MASTER_PREFIX = b"compute/workers_by_master/"
HEARTBEAT_EXPIRY_PREFIX = b"compute/heartbeat_expiry/"
CAPACITY_PREFIX = b"compute/capacity/"
CAPACITY_ANY_PREFIX = b"compute/capacity_any/"
CAPACITY_TOTAL_KEY = b"compute/capacity_total"
ONLINE_WORKERS_KEY = b"compute/online_workers"
MASTER_STATS_PREFIX = b"compute/master_stats/"
PRICE_PREFIX = b"compute/price/"
PRICE_HISTORY_PREFIX = b"compute/price_history/"
PRICE_EPOCH_KEY = b"compute/price_epoch"
EPOCH_SAMPLES_KEY = b"compute/epoch_samples"  # per-block sums over the current price epoch
DEPOSIT_RELEASE_PREFIX = b"compute/deposit_release/"  # time + worker -> amount
AUDIT_PENDING_PREFIX = b"compute/audit_pending/"  # height + task id: single-replica tasks waiting for their audit draw

STEP = b"s"  # deadline kinds: the current step's deadline, the task's final deadline
FINAL = b"f"


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def task_key(task_id: int) -> bytes:
    return TASK_PREFIX + u64(task_id)


def deadline_key(time: int, task_id: int, kind: bytes) -> bytes:
    return DEADLINE_PREFIX + u64(time) + u64(task_id) + kind


def audit_pending_key(height: int, task_id: int) -> bytes:
    return AUDIT_PENDING_PREFIX + u64(height) + u64(task_id)


def price_key(class_name: str) -> bytes:
    return PRICE_PREFIX + class_name.encode()


def price_history_key(class_name: str, epoch: int) -> bytes:
    return PRICE_HISTORY_PREFIX + class_name.encode() + b"/" + u64(epoch)
