"""distribution messages."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.common.messages import Msg, address_field

# Fixed point of the cumulative reward ratio (uamio per token): 10^18 keeps rounding far below 1 uamio.
RATIO_SCALE = 10**18

GAS_WITHDRAW_REWARDS = 10_000
GAS_WITHDRAW_COMMISSION = 5_000


@dataclass(frozen=True, slots=True)
class MsgWithdrawRewards(Msg):
    """Pay the delegator's pending rewards of every delegation (bounded by its delegations)."""

    TYPE = "distribution/withdraw_rewards"
    FIELDS = {"delegator": address_field}
    SIGNER = "delegator"
    GAS = GAS_WITHDRAW_REWARDS
    delegator: bytes


@dataclass(frozen=True, slots=True)
class MsgWithdrawCommission(Msg):
    """Pay a candidate's accumulated commission to its operator."""

    TYPE = "distribution/withdraw_commission"
    FIELDS = {"operator": address_field}
    SIGNER = "operator"
    GAS = GAS_WITHDRAW_COMMISSION
    operator: bytes