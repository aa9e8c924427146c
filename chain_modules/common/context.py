"""BlockContext: everything a handler may know about the block it runs in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BlockContext:
    """Deterministic facts of the current block; the only clock and randomness handlers may use.

    time_ns is the block header time in nanoseconds since the Unix epoch;
    seed is 32 bytes for seeded choices, derived from the previous commit's vote extension
    signatures (abci_app/seed.py; docs/architecture.md, "Randomness"). It is fixed, and
    public, before the block's transactions are chosen: use it only to decide about things
    that were settled in earlier blocks, or the block's proposer (and anyone who times a
    transaction) can pick which seed applies to them.
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
