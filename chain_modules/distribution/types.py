"""distribution messages."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.bank.types import address_field, exact_fields

# Fixed point of the cumulative reward ratio (uamio per token): 10^18 keeps rounding far below 1 uamio.
RATIO_SCALE = 10**18


@dataclass(frozen=True, slots=True)
class MsgWithdrawRewards:
    """Pay the delegator's pending rewards of every delegation (bounded by its delegations)."""

    TYPE = "distribution/withdraw_rewards"
    delegator: bytes

    @classmethod
    def from_body(cls, body: object) -> "MsgWithdrawRewards":
        return cls(address_field(exact_fields(body, {"delegator"}), "delegator"))

    def to_body(self) -> dict:
        return {"delegator": self.delegator}

    @property
    def signer(self) -> bytes:
        return self.delegator

    def gas(self) -> int:
        return 10_000


@dataclass(frozen=True, slots=True)
class MsgWithdrawCommission:
    """Pay a candidate's accumulated commission to its operator."""

    TYPE = "distribution/withdraw_commission"
    operator: bytes

    @classmethod
    def from_body(cls, body: object) -> "MsgWithdrawCommission":
        return cls(address_field(exact_fields(body, {"operator"}), "operator"))

    def to_body(self) -> dict:
        return {"operator": self.operator}

    @property
    def signer(self) -> bytes:
        return self.operator

    def gas(self) -> int:
        return 5_000
