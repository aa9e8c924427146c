"""fog types: params, the records of the FOG ledger, contribution epochs and redemption periods, and the message.

FOG amounts are in ufog (10^-6 FOG). Times are whole seconds of block time. Values that can exceed 64 bits
(amount x seconds, scaled rates) are stored as decimal strings: msgpack integers stop at 64 bits.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from chain_modules.common.messages import Msg, address_field, amount_field
from chain_modules.common.params import IntParams

BPS = 10_000
DENOM = "ufog"
LOCKER_DIVISOR = 9  # lockers receive 1/9 of the FOG minted to compute providers (Amino whitepaper 3.3)
RATE_SCALE = 10**24  # fixed point of the lockers' rate (ufog per uamio-second)
MEGAFUEL = 1_000_000
HISTORY = 8  # past epochs a contribution record remembers, for the worker's status
GAS_REDEEM = 20_000


@dataclass(frozen=True, slots=True)
class FogParams(IntParams):
    MODULE = "fog"
    MINIMUM = 0
    MAXIMUM = 2**62

    epoch_seconds: int = 3_600  # a contribution epoch lasts at least this long (it closes at the first block after)
    windows_per_epoch: int = 6  # availability is counted per window: a window counts if it holds a heartbeat
    emission_per_epoch: int = 1_000_000_000  # ufog minted to providers (workers and masters) per epoch
    availability_points: int = 100  # points per counted window, times the worker's capacity weight
    capacity_deposit: int = 100_000_000  # uamio of compute deposit per unit of capacity weight (100 AMIO)
    work_points_per_megafuel: int = 1  # points per 10^6 fuel of verified work
    loyalty_step_bps: int = 500  # +5% per consecutive contributing epoch before this one
    loyalty_max_bps: int = 5_000  # ... up to +50%
    probation_results: int = 3  # a worker earns probation_bps of its points until it has this many verified results
    probation_bps: int = 1_000
    proof_valid_epochs: int = 24  # proven capability pays availability for this many epochs after the last verified result
    routing_bps: int = 1_000  # a master node earns this share of the points of its pool's workers, on top
    probe_probability_bps: int = 1_000  # the share of available workers drawn for a liveness probe each epoch
    redemption_period_seconds: int = 86_400
    max_redemptions_per_block: int = 100  # redemption requests paid out per block after a period closes

    def check(self) -> None:
        if self.epoch_seconds == 0 or self.windows_per_epoch == 0 or self.redemption_period_seconds == 0:
            raise ValueError("fog params 'epoch_seconds', 'windows_per_epoch' and 'redemption_period_seconds' must be positive")
        if self.windows_per_epoch > self.epoch_seconds:
            raise ValueError("fog param 'windows_per_epoch' must not exceed 'epoch_seconds'")
        if max(self.probation_bps, self.routing_bps, self.probe_probability_bps) > BPS:
            raise ValueError("fog params 'probation_bps', 'routing_bps' and 'probe_probability_bps' must be at most 10000")
        if self.capacity_deposit == 0:
            raise ValueError("fog param 'capacity_deposit' must be positive")
        if self.proof_valid_epochs == 0:
            raise ValueError("fog param 'proof_valid_epochs' must be positive")
        if self.max_redemptions_per_block == 0:
            raise ValueError("fog param 'max_redemptions_per_block' must be positive")


def _record(cls):
    """to_list / from_list / with_ for a flat frozen record; fields named in BIG are stored as strings."""

    def to_list(self) -> list:
        return [str(getattr(self, f.name)) if f.name in cls.BIG else getattr(self, f.name) for f in fields(cls)]

    @classmethod
    def from_list(klass, data: list):
        values = [int(v) if f.name in klass.BIG else v for f, v in zip(fields(klass), data)]
        return klass(*values)

    def with_(self, **changes):
        return replace(self, **changes)

    for name, function in (("to_list", to_list), ("from_list", from_list), ("with_", with_)):
        if name not in cls.__dict__:
            setattr(cls, name, function)
    return cls


@_record
@dataclass(frozen=True, slots=True)
class Ledger:
    """The FOG supply: minted - burned = settled + provider_unsettled + locker_unsettled + requested."""

    BIG = frozenset()
    minted: int = 0
    burned: int = 0
    settled: int = 0  # the sum of all balances
    provider_unsettled: int = 0  # closed epochs' provider emission not yet credited to anyone
    locker_unsettled: int = 0  # lockers' emission not yet credited (rounding dust stays here)
    requested: int = 0  # FOG in redemption requests of the open period (burned when it closes)
    locker_carry: int = 0  # remainder of emission / 9, carried into the next epoch's lockers' part
    paying_period: int = 0  # the oldest closed period with requests still to pay

    @property
    def supply(self) -> int:
        return self.minted - self.burned


@_record
@dataclass(frozen=True, slots=True)
class OpenEpoch:
    """The contribution epoch in progress, and the running integral of the investor-locked amount over time."""

    BIG = frozenset({"locked_seconds"})
    index: int = 0
    start: int = 0
    points: int = 0  # total points earned so far
    locked: int = 0  # uamio in investor locks now
    locked_seconds: int = 0  # the integral of ``locked`` from ``start`` to ``locked_since``
    locked_since: int = 0


@_record
@dataclass(frozen=True, slots=True)
class ClosedEpoch:
    """A closed epoch: its providers' emission shared by points, its lockers' emission shared by amount x time.

    ``remaining`` and ``points_remaining`` shrink as earners settle: each settlement takes
    points x remaining / points_remaining, so the last one takes exactly what is left and nothing is lost.
    ``cumulative_rate`` is the sum of rate x length of every epoch up to this one (lockers' settlement)."""

    BIG = frozenset({"locked_seconds", "rate", "cumulative_rate"})
    start: int
    end: int
    emission: int
    points: int
    remaining: int
    points_remaining: int
    locker_emission: int
    locked_seconds: int
    rate: int  # ufog per uamio-second, times RATE_SCALE
    cumulative_rate: int


@_record
@dataclass(frozen=True, slots=True)
class Account:
    """A FOG balance. ``recent`` ufog, credited in redemption period ``recent_period``, come from epochs that
    closed during that period: FOG minted during a period can be redeemed from the next one."""

    BIG = frozenset()
    balance: int = 0
    recent_period: int = 0
    recent: int = 0
    earned: int = 0  # ever credited (workers, masters and lockers)
    redeemed: int = 0  # ever burned by redemption and paid
    requested: int = 0  # in redemption requests not paid yet


@_record
@dataclass(frozen=True, slots=True)
class Contribution:
    """An earner's points in epoch ``epoch`` (its last epoch with activity) and why, plus what carries over.

    ``points`` = availability + work + routing, each already times the loyalty and probation factors that held
    when it was earned. Workers earn availability and work; master nodes earn routing."""

    BIG = frozenset()
    epoch: int = 0
    points: int = 0
    availability: int = 0
    work: int = 0
    routing: int = 0
    windows: int = 0  # windows of the epoch in which a heartbeat counted
    last_window: int = -1
    fuel: int = 0  # verified fuel this epoch
    forfeited: str = ""  # why the epoch's availability was lost ("slashed", "handed_back"); "" while it counts
    routing_master: bytes = b""  # the master that got routing points for this worker's availability
    routing_given: int = 0  # ... how many, to take back if the worker forfeits its availability
    # the epoch's liveness probe: "" before the first heartbeat that counts, "drawing" until a later block's seed
    # decides, then "unsampled", or "pending" (probe_task runs) and "passed" or "failed"
    probe: str = ""
    probe_task: int = 0  # the probe's task id ("pending" on); while "drawing", the height whose later block draws
    held: int = 0  # availability points waiting for the draw or the probe (counted when it passes)
    streak: int = 0  # consecutive contributing epochs before ``epoch``
    proven_weight: int = 0  # capability weight of the largest class with a verified result
    verified_results: int = 0
    proven_epoch: int = 0  # the epoch of the last verified result
    total: int = 0  # ufog ever settled to this earner from contribution
    history: tuple = ()  # (epoch, ufog) of the last HISTORY settled epochs

    def to_list(self) -> list:  # history is a tuple of pairs
        data = [getattr(self, f.name) for f in fields(self)]
        data[-1] = [list(item) for item in self.history]
        return data

    @classmethod
    def from_list(cls, data: list) -> "Contribution":
        values = list(data)
        values[-1] = tuple(tuple(item) for item in values[-1])
        return cls(*values)


@_record
@dataclass(frozen=True, slots=True)
class LockerShare:
    """An investor lock's claim on the lockers' FOG: settled up to ``since`` (in epoch ``epoch``); ``stopped`` is
    the block time its expiry was processed (0 while it runs), ``withdrawn`` once its tokens went back."""

    BIG = frozenset()
    amount: int
    since: int
    epoch: int
    stopped: int = 0
    stop_epoch: int = 0
    withdrawn: bool = False


@_record
@dataclass(frozen=True, slots=True)
class OpenPeriod:
    BIG = frozenset()
    index: int = 0
    start: int = 0
    requested: int = 0  # FOG requested in this period
    requests: int = 0  # number of requests (their sequence numbers)
    first_epoch: int = 0  # the contribution epoch open when the period started: FOG of it and later epochs is recent


@_record
@dataclass(frozen=True, slots=True)
class ClosedPeriod:
    """A closed redemption period: ``requested`` FOG burned for ``payout`` AMIO at rate pool / supply at the
    close. Requests are paid in order, each amount x payout_remaining / requested_remaining."""

    BIG = frozenset()
    start: int
    end: int
    pool: int  # uamio in the revenue pool at the close
    supply: int  # FOG supply at the close, unsettled FOG included
    requested: int
    payout: int
    payout_remaining: int
    requested_remaining: int
    requests: int
    next_request: int = 0  # the next request to pay


@dataclass(frozen=True, slots=True)
class MsgRedeem(Msg):
    """Burn ``amount`` ufog at the close of the current redemption period for its share of the revenue pool."""

    TYPE = "fog/redeem"
    FIELDS = {"account": address_field, "amount": amount_field}
    SIGNER = "account"
    GAS = GAS_REDEEM
    account: bytes
    amount: int
