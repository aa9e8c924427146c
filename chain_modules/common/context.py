"""BlockContext: everything a handler may know about the block it runs in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BlockContext:
    """Deterministic facts of the current block; the only clock and randomness handlers may use.

    time_ns is the block header time in nanoseconds since the Unix epoch;
    seed is 32 bytes derived from block data (the block hash), for seeded choices.
    """

    chain_id: str
    height: int
    time_ns: int
    proposer: bytes = b""
    seed: bytes = b""
    check: bool = False  # True in CheckTx (mempool), False in FinalizeBlock
    # Hooks of modules that follow stake changes (distribution, slashing), wired by the app in a
    # fixed order; module unit tests run without them.
    hooks: tuple = ()

    @property
    def time(self) -> int:
        """Block time in whole seconds since the Unix epoch."""
        return self.time_ns // 1_000_000_000
