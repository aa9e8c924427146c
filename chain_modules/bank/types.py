"""bank messages and vesting schedules."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chain_modules.common.address import ADDRESS_LENGTH
from chain_modules.common.messages import ErrInvalidMessage, Msg, address_field, amount_field

MAX_MULTI_SEND_OUTPUTS = 100
DENOM = "uamio"

# Gas of each message, on top of the tx base and per-byte gas (auth params).
GAS_SEND = 2_000
GAS_MULTI_SEND_BASE = 2_000
GAS_PER_OUTPUT = 1_000


# Every module account, by name. Sends to them are refused (bank ErrModuleAccountRecipient): their balances
# are accounted for by their modules (the escrow holds exactly the open tasks' escrow, and so on), so a
# token sent there by mistake would be stuck for ever.
MODULE_ACCOUNT_NAMES = (
    "fee_collector", "staking_bonded", "staking_unbonding", "distribution", "locks",
    "compute_escrow", "compute_deposits", "revenue_pool", "fog_redemption", "gov",
    "compute_probe",  # the customer of liveness probes: it holds nothing (a probe escrows nothing)
)


def module_address(name: str) -> bytes:
    """The account address of a module (fee collector, pools): no key can sign for it."""
    assert name in MODULE_ACCOUNT_NAMES, f"module account {name!r} must be listed in MODULE_ACCOUNT_NAMES"
    return hashlib.sha256(b"module/" + name.encode()).digest()[:ADDRESS_LENGTH]


MODULE_ACCOUNTS = frozenset(module_address(name) for name in MODULE_ACCOUNT_NAMES)


FEE_COLLECTOR = module_address("fee_collector")


def _outputs(body: dict, name: str) -> tuple["Output", ...]:
    from chain_modules.bank.errors import ErrTooManyOutputs

    outputs = body[name]
    if not isinstance(outputs, list) or not outputs:
        raise ErrInvalidMessage("field 'outputs' must be a non-empty list")
    if len(outputs) > MAX_MULTI_SEND_OUTPUTS:
        raise ErrTooManyOutputs(f"multi-send has {len(outputs)} outputs, the maximum is {MAX_MULTI_SEND_OUTPUTS}")
    return tuple(Output.from_body(output) for output in outputs)


@dataclass(frozen=True, slots=True)
class MsgSend(Msg):
    """Move ``amount`` uamio from ``sender`` to ``recipient``."""

    TYPE = "bank/send"
    FIELDS = {"sender": ("from", address_field), "recipient": ("to", address_field), "amount": amount_field}
    SIGNER = "sender"
    GAS = GAS_SEND
    sender: bytes
    recipient: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class Output(Msg):
    """One recipient of a multi-send (a record inside the message, with the same field rules)."""

    FIELDS = {"recipient": ("to", address_field), "amount": amount_field}
    recipient: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class MsgMultiSend(Msg):
    """Move amounts from ``sender`` to up to MAX_MULTI_SEND_OUTPUTS recipients, all or nothing."""

    TYPE = "bank/multi_send"
    FIELDS = {"outputs": _outputs, "sender": ("from", address_field)}  # outputs first: their errors came first
    SIGNER = "sender"
    GAS = GAS_MULTI_SEND_BASE
    sender: bytes
    outputs: tuple[Output, ...]

    def gas(self) -> int:
        return self.GAS + GAS_PER_OUTPUT * len(self.outputs)


@dataclass(frozen=True, slots=True)
class VestingSchedule:
    """The part of an account's genesis allocation that unlocks over time.

    kind "linear": ``original`` unlocks linearly from ``start`` to ``end`` (seconds).
    kind "periodic": ``periods`` are (unix time, amount) steps; an amount unlocks at its time.
    Rounding: the unlocked amount is rounded down, so nothing unlocks early.
    """

    kind: str
    original: int
    start: int
    end: int = 0
    periods: tuple[tuple[int, int], ...] = ()

    def locked(self, now: int) -> int:
        if self.kind == "linear":
            if now <= self.start:
                return self.original
            if now >= self.end:
                return 0
            unlocked = self.original * (now - self.start) // (self.end - self.start)
            return self.original - unlocked
        unlocked = sum(amount for at, amount in self.periods if at <= now)
        return self.original - unlocked

    def to_list(self) -> list:
        return [self.kind, self.original, self.start, self.end, [list(p) for p in self.periods]]

    @classmethod
    def from_list(cls, data: list) -> "VestingSchedule":
        kind, original, start, end, periods = data
        return cls(kind, original, start, end, tuple((at, amount) for at, amount in periods))
