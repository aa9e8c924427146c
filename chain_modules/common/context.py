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
    # Hook objects of modules that follow other modules' changes (distribution follows stake, fog follows compute
    # work and locks), wired by the app in a fixed order; module unit tests run without them. See call_hooks.
    hooks: tuple = ()

    @property
    def time(self) -> int:
        """Block time in whole seconds since the Unix epoch."""
        return self.time_ns // 1_000_000_000


BLOCK_ID_FLAG_ABSENT = 1  # tendermint.types.BlockIDFlag: no vote from the validator
BLOCK_ID_FLAG_COMMIT = 2  # the validator signed the block (3 would be a nil precommit)


@dataclass(frozen=True, slots=True)
class Vote:
    """A validator's vote in the previous block's commit, as FinalizeBlock's decided_last_commit gives it."""

    address: bytes  # consensus address (20 bytes)
    power: int
    block_id_flag: int

    @property
    def signed(self) -> bool:
        """It signed the block (a COMMIT vote): it earns the block's rewards."""
        return self.block_id_flag == BLOCK_ID_FLAG_COMMIT

    @property
    def present(self) -> bool:
        """It voted, for the block or nil (a slow round): only an absent vote is a missed block."""
        return self.block_id_flag != BLOCK_ID_FLAG_ABSENT


@dataclass(frozen=True, slots=True)
class Misbehavior:
    """Evidence of a double sign, as CometBFT reports it."""

    address: bytes
    height: int
    power: int


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """What the begin- and end-block steps learn about the block beyond its context."""

    votes: tuple[Vote, ...] = ()
    misbehavior: tuple[Misbehavior, ...] = ()


def call_hooks(ctx: BlockContext, name: str, *args: object) -> None:
    """Call method ``name`` of every hook object in ``ctx.hooks`` that has one, in their order.

    The module that changes something calls this; it does not import the modules that follow it."""
    for hooks in ctx.hooks:
        method = getattr(hooks, name, None)
        if method is not None:
            method(*args)
