"""bank messages and vesting schedules."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.common.amount import is_positive_amount
from chain_modules.common.address import ADDRESS_LENGTH

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
    "compute_escrow", "compute_deposits", "revenue_pool",
)


def module_address(name: str) -> bytes:
    """The account address of a module (fee collector, pools): no key can sign for it."""
    assert name in MODULE_ACCOUNT_NAMES, f"module account {name!r} must be listed in MODULE_ACCOUNT_NAMES"
    return hashlib.sha256(b"module/" + name.encode()).digest()[:ADDRESS_LENGTH]


MODULE_ACCOUNTS = frozenset(module_address(name) for name in MODULE_ACCOUNT_NAMES)


FEE_COLLECTOR = module_address("fee_collector")


def address_field(body: dict, name: str) -> bytes:
    from chain_modules.bank.errors import ErrInvalidAddress

    value = body.get(name)
    if type(value) is not bytes or len(value) != ADDRESS_LENGTH:
        raise ErrInvalidAddress(f"field {name!r} must be a {ADDRESS_LENGTH}-byte address")
    return value


def amount_field(body: dict, name: str) -> int:
    from chain_modules.bank.errors import ErrInvalidAmount

    value = body.get(name)
    if not is_positive_amount(value):
        raise ErrInvalidAmount(f"field {name!r} must be a positive integer of uamio below 2^63, got {value!r}")
    return value  # type: ignore[return-value]


def exact_fields(body: object, names: set[str]) -> dict:
    if not isinstance(body, dict):
        raise ErrInvalidMessage("message body must be a map")
    if set(body) != names:
        raise ErrInvalidMessage(f"message fields must be exactly {sorted(names)}, got {sorted(map(str, body))}")
    return body


@dataclass(frozen=True, slots=True)
class MsgSend:
    """Move ``amount`` uamio from ``sender`` to ``recipient``."""

    TYPE = "bank/send"
    sender: bytes
    recipient: bytes
    amount: int

    @classmethod
    def from_body(cls, body: object) -> "MsgSend":
        body = exact_fields(body, {"from", "to", "amount"})
        return cls(address_field(body, "from"), address_field(body, "to"), amount_field(body, "amount"))

    def to_body(self) -> dict:
        return {"amount": self.amount, "from": self.sender, "to": self.recipient}

    def gas(self) -> int:
        return GAS_SEND

    @property
    def signer(self) -> bytes:
        return self.sender


@dataclass(frozen=True, slots=True)
class Output:
    recipient: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class MsgMultiSend:
    """Move amounts from ``sender`` to up to MAX_MULTI_SEND_OUTPUTS recipients, all or nothing."""

    TYPE = "bank/multi_send"
    sender: bytes
    outputs: tuple[Output, ...]

    @classmethod
    def from_body(cls, body: object) -> "MsgMultiSend":
        from chain_modules.bank.errors import ErrTooManyOutputs

        body = exact_fields(body, {"from", "outputs"})
        outputs = body["outputs"]
        if not isinstance(outputs, list) or not outputs:
            raise ErrInvalidMessage("field 'outputs' must be a non-empty list")
        if len(outputs) > MAX_MULTI_SEND_OUTPUTS:
            raise ErrTooManyOutputs(f"multi-send has {len(outputs)} outputs, the maximum is {MAX_MULTI_SEND_OUTPUTS}")
        parsed = []
        for output in outputs:
            output = exact_fields(output, {"to", "amount"})
            parsed.append(Output(address_field(output, "to"), amount_field(output, "amount")))
        return cls(address_field(body, "from"), tuple(parsed))

    def to_body(self) -> dict:
        return {
            "from": self.sender,
            "outputs": [{"amount": o.amount, "to": o.recipient} for o in self.outputs],
        }

    def gas(self) -> int:
        return GAS_MULTI_SEND_BASE + GAS_PER_OUTPUT * len(self.outputs)

    @property
    def signer(self) -> bytes:
        return self.sender


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
