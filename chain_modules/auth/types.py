"""auth types: accounts and transaction params."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Account:
    """An account's public key (known once it has signed) and its next sequence number."""

    address: bytes
    pubkey: bytes | None = None
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class TxParams:
    """Consensus params of transactions. Gas: base + per byte + per message (see docs/modules/auth.md)."""

    max_tx_bytes: int = 65_536
    max_msgs_per_tx: int = 64
    max_memo_bytes: int = 256
    max_gas_per_tx: int = 10_000_000
    gas_base: int = 10_000
    gas_per_byte: int = 10
    # fee >= gas_limit * min_gas_price_num / min_gas_price_den (uamio per gas, as a ratio)
    min_gas_price_num: int = 1
    min_gas_price_den: int = 100

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TxParams":
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown auth param {unknown[0]!r}")
        params = cls(**data)
        for name in cls.__dataclass_fields__:
            value = getattr(params, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"auth param {name!r} must be a non-negative integer")
        if params.min_gas_price_den == 0:
            raise ValueError("auth param 'min_gas_price_den' must be positive")
        if params.max_tx_bytes == 0 or params.max_msgs_per_tx == 0:
            raise ValueError("auth params 'max_tx_bytes' and 'max_msgs_per_tx' must be positive")
        return params

    def min_fee(self, gas_limit: int) -> int:
        """The smallest fee accepted for ``gas_limit``, rounded up."""
        return -(-gas_limit * self.min_gas_price_num // self.min_gas_price_den)
