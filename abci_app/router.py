"""Message routing and the ante checks every transaction passes before its messages run.

Order of checks (docs/modules/auth.md): size, decoding, message count,
memo, chain id, signature, gas limit and fee, sequence, base gas. A
transaction failing any of these changes nothing. Then the fee is charged
and the sequence incremented (kept even if a message fails), and the
messages run atomically on their own overlay.

PrepareProposal and ProcessProposal run the same ante step (ProposalCheck)
over a proposal's txs, without the messages, so that no proposer can fill
a block with txs that FinalizeBlock would reject for free.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import plyvel
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from abci_app.codec import Tx, TxDecodeError, decode_tx, sign_bytes
from abci_app.errors import TxResult, internal_error_result, result_from_error
from abci_app.store import Overlay
from chain_modules.auth import api as auth_api
from chain_modules.auth.errors import (
    ErrInsufficientFee,
    ErrInsufficientFeeFunds,
    ErrGasLimitTooHigh,
    ErrInvalidSignature,
    ErrMemoTooLong,
    ErrNoMessages,
    ErrOutOfGas,
    ErrTooManyMessages,
    ErrTxDecode,
    ErrTxTooLarge,
    ErrUnauthorized,
    ErrUnknownMessage,
    ErrWrongChainId,
    ErrWrongSequence,
)
from chain_modules.auth.types import Account
from chain_modules.bank import api as bank_api
from chain_modules.bank.errors import BankError
from chain_modules.common.events import bech32
from chain_modules.common.address import address_bytes_from_pubkey
from chain_modules.common.context import BlockContext
from chain_modules.common.errors import ChainError
from chain_modules.common.events import Event

log = logging.getLogger(__name__)

# Failures of this node's environment, not of the tx: they must halt the node, never become a
# tx result that other nodes would not produce.
ENVIRONMENT_ERRORS = (MemoryError, RecursionError, OSError, plyvel.Error)


@dataclass(frozen=True, slots=True)
class Route:
    """A message type (whose instances know their gas) and its handler."""

    module: str
    message: type
    handler: Callable[[Any, BlockContext, Any], None]


class VerifiedTxCache:
    """Decoded transactions whose signature was already verified (in CheckTx or a proposal), by tx bytes.

    Decoding and ed25519 verification are pure functions of the tx bytes, so
    reusing their result cannot change any outcome: the cache is safe for
    consensus. It saves the decode and the ~47 us verification when the same
    bytes come back in ReCheckTx, PrepareProposal, ProcessProposal and
    FinalizeBlock. Bounded by entries and by bytes (a tx holds its bytes and
    its sign doc); the oldest entries are evicted first. CheckTx adds a tx
    only once it fully passed, so rejected txs cannot fill it.
    """

    def __init__(self, capacity: int = 50_000, max_bytes: int = 128 * 1024 * 1024) -> None:
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[bytes, Tx] = OrderedDict()

    def get(self, raw: bytes) -> Tx | None:
        return self._entries.get(raw)

    def add(self, tx: Tx) -> None:
        if tx.raw in self._entries:
            return
        self._entries[tx.raw] = tx
        self._bytes += _footprint(tx)
        while len(self._entries) > self._capacity or self._bytes > self._max_bytes:
            _raw, evicted = self._entries.popitem(last=False)
            self._bytes -= _footprint(evicted)

    def __len__(self) -> int:
        return len(self._entries)


def _footprint(tx: Tx) -> int:
    return 2 * len(tx.raw) + 512  # raw bytes, sign-doc bytes and the decoded objects, roughly


def verify_signature(tx: Tx) -> bool:
    try:
        VerifyKey(tx.pubkey).verify(sign_bytes(tx.sign_doc_bytes), tx.signature)
    except (BadSignatureError, ValueError):
        return False
    return True


# Below this many unverified txs, verifying in the calling thread is cheaper than handing off.
PARALLEL_VERIFY_MIN = 16


def _verify_many(txs: list[Tx]) -> list[bool]:
    return [verify_signature(tx) for tx in txs]


class AnteOutcome(NamedTuple):
    """A tx that passed the ante checks; ``overlay`` holds its fee charge and new sequence, not yet merged."""

    tx: Tx
    signer: bytes
    signer_text: str
    gas_used: int
    overlay: Overlay


class Router:
    def __init__(self, routes: list[Route], verify_threads: int | None = None) -> None:
        self.routes = {route.message.TYPE: route for route in routes}
        self.verified = VerifiedTxCache()
        # signatures of the CheckTx batch being processed, verified in parallel; cleared after the batch
        self.batch_verified: dict[bytes, Tx] = {}
        self._verify_threads = verify_threads or os.cpu_count() or 1
        self._pool: ThreadPoolExecutor | None = None

    def preverify(self, raws, max_tx_bytes: int, into: dict[bytes, Tx] | None = None) -> None:
        """Decode many txs and verify their signatures on all cores, filling the verified cache.

        libsodium releases the GIL, so a block's or a mempool batch's ed25519
        checks run in parallel. Only the cache is filled (a pure function of
        the tx bytes); invalid txs are left for the per-tx path to report.
        """
        todo: list[Tx] = []
        for raw in raws:
            if len(raw) > max_tx_bytes or self.verified.get(raw) is not None:
                continue
            try:
                todo.append(decode_tx(raw))
            except TxDecodeError:
                continue
        if len(todo) < PARALLEL_VERIFY_MIN or self._verify_threads < 2:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._verify_threads, thread_name_prefix="ed25519")
        size = -(-len(todo) // self._verify_threads)
        chunks = [todo[start : start + size] for start in range(0, len(todo), size)]
        for chunk, results in zip(chunks, self._pool.map(_verify_many, chunks)):
            for tx, ok in zip(chunk, results):
                if ok:
                    if into is None:
                        self.verified.add(tx)
                    else:
                        into[tx.raw] = tx

    def run_tx(self, parent: Overlay, ctx: BlockContext, raw: bytes) -> TxResult:
        """Run one transaction on ``parent``: its writes are merged into parent only as described above."""
        try:
            return self._run_tx(parent, ctx, raw)
        except ChainError as error:
            return result_from_error(error)
        except ENVIRONMENT_ERRORS:
            raise  # not a property of the tx: this node must stop, not record a different result
        except Exception:
            log.exception("bug while running tx at height %s", ctx.height)
            return internal_error_result()

    def precheck(self, raw: bytes, chain_id: str, params, cache: bool = True) -> Tx:
        """The stateless checks: size, decoding, counts, chain id, signature. Raises ChainError.

        With ``cache`` a tx whose signature verifies goes into the verified cache
        (blocks and proposals); CheckTx passes False and caches only txs that fully pass.
        """
        if len(raw) > params.max_tx_bytes:
            raise ErrTxTooLarge(f"tx is {len(raw)} bytes, the maximum is {params.max_tx_bytes}")
        tx = self.verified.get(raw) or self.batch_verified.get(raw)
        verified = tx is not None
        if tx is None:
            try:
                tx = decode_tx(raw)
            except TxDecodeError as exc:
                raise ErrTxDecode(str(exc)) from None
        doc = tx.doc
        if not doc.msgs:
            raise ErrNoMessages()
        if len(doc.msgs) > params.max_msgs_per_tx:
            raise ErrTooManyMessages(f"tx has {len(doc.msgs)} messages, the maximum is {params.max_msgs_per_tx}")
        if len(doc.memo.encode()) > params.max_memo_bytes:
            raise ErrMemoTooLong(f"memo is {len(doc.memo.encode())} bytes, the maximum is {params.max_memo_bytes}")
        if doc.chain_id != chain_id:
            raise ErrWrongChainId(f"tx is for chain {doc.chain_id!r}, this is {chain_id!r}")
        if not verified:
            if not verify_signature(tx):
                raise ErrInvalidSignature("signature does not match the sign doc and public key")
            if cache:
                self.verified.add(tx)
        return tx

    def ante(self, parent, ctx: BlockContext, raw: bytes) -> AnteOutcome:
        """The ante checks in the order above, then the fee charge and sequence increment on a child overlay.

        Raises the ChainError of the first failing check, having written
        nothing. On success the returned overlay holds the fee charge, the
        incremented sequence and the ``tx`` event, not yet merged into ``parent``.
        """
        params = auth_api.get_params(parent)
        tx = self.precheck(raw, ctx.chain_id, params, cache=not ctx.check)
        doc = tx.doc
        if doc.gas_limit > params.max_gas_per_tx:
            raise ErrGasLimitTooHigh(f"gas limit {doc.gas_limit} exceeds the maximum {params.max_gas_per_tx}")
        min_fee = params.min_fee(doc.gas_limit)
        if doc.fee < min_fee:
            raise ErrInsufficientFee(f"fee {doc.fee}uamio is below the minimum {min_fee}uamio for gas limit {doc.gas_limit}")

        signer = address_bytes_from_pubkey(tx.pubkey)
        account = auth_api.get_account(parent, signer) or Account(signer)
        if doc.sequence != account.sequence:
            raise ErrWrongSequence(f"account sequence mismatch, expected {account.sequence}, got {doc.sequence}")
        gas_used = params.gas_base + params.gas_per_byte * len(raw)
        if gas_used > doc.gas_limit:
            raise ErrOutOfGas(f"gas limit {doc.gas_limit} is below the base cost {gas_used} of this tx")

        ante = Overlay(parent)
        if doc.fee:
            try:
                bank_api.withdraw(ante, signer, doc.fee, ctx.time)
            except BankError as error:
                raise ErrInsufficientFeeFunds(f"cannot pay fee {doc.fee}uamio: {error.log}") from None
            bank_api.deposit(ante, bank_api.FEE_COLLECTOR, doc.fee)
        auth_api.set_account(ante, Account(signer, tx.pubkey, account.sequence + 1))
        signer_text = bech32(signer)
        ante.emit(Event("tx", (("acc_seq", f"{signer_text}/{doc.sequence}"), ("fee", f"{doc.fee}uamio"), ("fee_payer", signer_text))))
        return AnteOutcome(tx, signer, signer_text, gas_used, ante)

    def _run_tx(self, parent: Overlay, ctx: BlockContext, raw: bytes) -> TxResult:
        tx, signer, signer_text, gas_used, ante = self.ante(parent, ctx, raw)
        doc = tx.doc

        messages = Overlay(ante)
        try:
            for msg_type, body in doc.msgs:
                route = self.routes.get(msg_type)
                if route is None:
                    raise ErrUnknownMessage(f"unknown message type {msg_type!r}")
                msg = route.message.from_body(body)
                if msg.signer != signer:
                    raise ErrUnauthorized(f"message {msg_type} must be signed by {bech32(msg.signer)}, not {signer_text}")
                gas_used += msg.gas()
                if gas_used > doc.gas_limit:
                    raise ErrOutOfGas(f"out of gas: used at least {gas_used}, limit {doc.gas_limit}")
                messages.emit(Event("message", (("action", msg_type), ("module", route.module), ("sender", signer_text))))
                route.handler(messages, ctx, msg)
        except ChainError as error:
            ante.write_through(with_events=False)
            result = result_from_error(error, doc.gas_limit, min(gas_used, doc.gas_limit))
            result.events = ante.events
            return result
        except ENVIRONMENT_ERRORS:
            raise
        except Exception:
            log.exception("bug in a message handler at height %s (tx %s)", ctx.height, tx.hash.hex())
            ante.write_through(with_events=False)
            result = internal_error_result(doc.gas_limit, min(gas_used, doc.gas_limit))
            result.events = ante.events
            return result
        messages.write_through()
        ante.write_through(with_events=False)
        if ctx.check:
            self.verified.add(tx)  # it passed: the proposal and the block will see these bytes again
        return TxResult(gas_wanted=doc.gas_limit, gas_used=gas_used, events=ante.events)


class ProposalCheck:
    """Walks a proposal's txs in order over a scratch overlay of the state its block starts from.

    A tx is admitted when its bytes are new in the proposal and it passes the
    router's own ante checks against the running state; its ante effects (fee
    charged, sequence incremented) are kept in the scratch overlay, so later
    txs see them. Messages are not executed (docs/modules/auth.md,
    "Proposals", says what that leaves open). The cost is one ante step per
    tx: a few key reads, no scans. The scratch overlay is never merged
    anywhere, so checking a proposal changes no state.
    """

    def __init__(self, router: Router, base, ctx: BlockContext) -> None:
        self._router = router
        self._ctx = ctx
        self._state = Overlay(base)
        self._admitted: set[bytes] = set()

    def admit(self, raw: bytes) -> str | None:
        """Admit ``raw`` into the running state, or return why it cannot be (and change nothing)."""
        if raw in self._admitted:
            return "duplicate of an earlier tx in the proposal"
        try:
            outcome = self._router.ante(self._state, self._ctx, raw)
        except ChainError as error:
            return f"{error.codespace} code {error.code}: {error.log}"
        except ENVIRONMENT_ERRORS:
            raise  # this node's failure, not the proposal's: halt rather than vote differently
        except Exception:
            log.exception("bug in the ante checks of a proposed tx at height %s", self._ctx.height)
            return "internal error in the ante checks"
        outcome.overlay.write_through(with_events=False)
        self._admitted.add(raw)
        return None
