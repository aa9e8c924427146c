"""compute errors (codespace "compute"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class ComputeError(ChainError):
    codespace = "compute"


class ErrUnknownClass(ComputeError):
    code = 2
    description = "no resource class with that name"


class ErrInvalidReplicas(ComputeError):
    code = 3
    description = "replicas outside the allowed range"


class ErrInvalidFuel(ComputeError):
    code = 4
    description = "fuel outside the allowed range"


class ErrInputTooLarge(ComputeError):
    code = 5
    description = "input size outside the allowed range"


class ErrUnknownApp(ComputeError):
    code = 6
    description = "the module is not registered in the application pool"


class ErrPriceAboveLimit(ComputeError):
    code = 7
    description = "the current price of the class exceeds the customer's limit"


class ErrInvalidTimeout(ComputeError):
    code = 8
    description = "task timeout outside the allowed range"


class ErrUnknownTask(ComputeError):
    code = 9
    description = "no task with that id"


class ErrNotCustomer(ComputeError):
    code = 10
    description = "only the task's customer may do this"


class ErrWrongState(ComputeError):
    code = 11
    description = "the task is not in a state that accepts this message"


class ErrNotTaskMaster(ComputeError):
    code = 12
    description = "only the master node the task is allocated to may assign it"


class ErrInvalidAssignment(ComputeError):
    code = 13
    description = "wrong number of workers or duplicate workers"


class ErrWorkerNotEligible(ComputeError):
    code = 14
    description = "a worker may not take this task"


class ErrNotParticipant(ComputeError):
    code = 15
    description = "the worker is not assigned to this task"


class ErrAlreadyCommitted(ComputeError):
    code = 16
    description = "the worker already committed a result for this task"


class ErrCommitmentMismatch(ComputeError):
    code = 17
    description = "the revealed values do not hash to the worker's commitment"


class ErrNotCommitted(ComputeError):
    code = 18
    description = "the worker has no commitment waiting to be revealed"


class ErrWorkerExists(ComputeError):
    code = 19
    description = "the account is already registered as a worker"


class ErrUnknownWorker(ComputeError):
    code = 20
    description = "no worker registered with that address"


class ErrUnknownMaster(ComputeError):
    code = 21
    description = "no master node candidate with that operator"


class ErrDepositTooLow(ComputeError):
    code = 22
    description = "worker deposit below the minimum"


class ErrWorkerBusy(ComputeError):
    code = 23
    description = "the worker still has running tasks"


class ErrInvalidCapabilities(ComputeError):
    code = 24
    description = "worker capabilities or slots outside the allowed range"


class ErrClassNotAllowed(ComputeError):
    code = 25
    description = "the application does not run on that resource class"


class ErrTooManyOpenTasks(ComputeError):
    code = 26
    description = "the customer has the maximum number of open tasks"


class ErrInvalidAdmission(ComputeError):
    code = 27
    description = "the admission is not the master node operator's signature admitting this worker on this chain"


class ErrProbeWorkerMissing(ComputeError):
    code = 28
    description = "a liveness probe's first round must include the probed worker"


class ErrWorkerAlreadyOffline(ComputeError):
    code = 29
    description = "the worker is already offline"
