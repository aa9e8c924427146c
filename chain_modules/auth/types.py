"""auth types: accounts and transaction params."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.common.params import IntParams


@dataclass(frozen=True, slots=True)
class Account:
    """An account's public key (known once it has signed) and its next sequence number."""

    address: bytes
    pubkey: bytes | None = None
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class TxParams(IntParams):
    """Consensus params of transactions. Gas: base + per byte + per message (see docs/modules/auth.md)."""

    MODULE = "auth"

    max_tx_bytes: int = 65_536
    max_msgs_per_tx: int = 64
    max_memo_bytes: int = 256
    max_gas_per_tx: int = 10_000_000
    gas_base: int = 10_000
    gas_per_byte: int = 10
    # fee >= gas_limit * min_gas_price_num / min_gas_price_den (uamio per gas, as a ratio)
    min_gas_price_num: int = 1
    min_gas_price_den: int = 100

    def check(self) -> None:
        if self.min_gas_price_den == 0:
            raise ValueError("auth param 'min_gas_price_den' must be positive")
        if self.max_tx_bytes == 0 or self.max_msgs_per_tx == 0:
            raise ValueError("auth params 'max_tx_bytes' and 'max_msgs_per_tx' must be positive")

    def min_fee(self, gas_limit: int) -> int:
        """The smallest fee accepted for ``gas_limit``, rounded up."""
        return -(-gas_limit * self.min_gas_price_num // self.min_gas_price_den)
