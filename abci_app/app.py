"""The ABCI 2.0 application: block lifecycle, mempool checks and queries. No business rules here.

State lifecycle:
- committed state in LevelDB (AppStore);
- ``block``: the overlay of the block being executed (InitChain writes go
  here too), persisted at Commit in one atomic batch;
- ``check_state``: the mempool's overlay over committed state, used by
  CheckTx and thrown away at every Commit (CometBFT rechecks what is left).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from abci_app import metrics
from abci_app import seed as block_seed
from abci_app.codec import tx_hash
from abci_app.failpoints import fail_point
from abci_app.genesis import CHAIN_ID_KEY, init_app_state, parse_app_state
from abci_app.modules import BEGIN_BLOCKERS, END_BLOCKERS, ROUTES, HOOKS
from abci_app.proto import abci, crypto_keys
from abci_app.queries import QueryError, handle_query, simulate_tx
from abci_app.router import ENVIRONMENT_ERRORS, ProposalCheck, Router
from abci_app.store import META_BLOCK_TIME, AppStore, Overlay
from abci_app.upgrades import UpgradeNeeded, apply_plan
from chain_modules.auth import api as auth_api
from chain_modules.common.context import BlockContext, BlockInfo, Misbehavior, Vote
from chain_modules.common.events import Event
from chain_modules.gov import api as gov_api

log = logging.getLogger(__name__)

APP_NAME = "amino-chain"
APP_VERSION = "0.1.0"
PROTOCOL_VERSION = 1
SEED_RECORD_LOG = "seed record"


_CHECK_TXS_OK = metrics.CHECK_TXS.labels("ok")  # resolved once: a labels() lookup per CheckTx takes a lock
_CHECK_TXS_REJECTED = metrics.CHECK_TXS.labels("rejected")


class ConsensusFailure(RuntimeError):
    """Block execution cannot continue safely; the node must halt rather than diverge."""


def _validator_updates(updates: list[tuple[bytes, int]]) -> list:
    return [abci.ValidatorUpdate(pub_key=crypto_keys.PublicKey(ed25519=pubkey), power=power) for pubkey, power in updates]


def _fill_events(target, events: list[Event]) -> None:
    """Append events to a repeated Event field in place (no intermediate message copies)."""
    for event in events:
        added = target.add(type=event.type)
        attributes = added.attributes
        for key, value in event.attributes:
            attributes.add(key=key, value=value, index=True)


class AminoApp:
    def __init__(self, db_path: Path | str) -> None:
        self.store = AppStore(db_path)
        self.router = Router(ROUTES)
        raw_chain_id = self.store.committed.get(CHAIN_ID_KEY)
        self.chain_id = raw_chain_id.decode() if raw_chain_id else ""
        raw_time = self.store.db.get(META_BLOCK_TIME)
        self.last_block_time_ns = int.from_bytes(raw_time, "big") if raw_time else 0
        self.block: Overlay | None = None
        self.block_height = 0
        self.block_time_ns = 0
        self.block_app_hash: bytes | None = None
        self.initial_height = 1
        self.check_state = Overlay(self.store.committed)
        self._check_ctx: BlockContext | None = None

    # -- info and genesis --------------------------------------------------------

    def info(self, req) -> object:
        return abci.ResponseInfo(
            data=APP_NAME,
            version=APP_VERSION,
            app_version=PROTOCOL_VERSION,
            last_block_height=self.store.last_height,
            last_block_app_hash=self.store.last_app_hash,
        )

    def init_chain(self, req) -> object:
        if self.store.last_height != 0:
            raise ConsensusFailure(f"InitChain on a store already at height {self.store.last_height}")
        app_state = json.loads(req.app_state_bytes or b"null")
        genesis = parse_app_state(app_state, req.time.seconds)
        self.chain_id = req.chain_id
        self.initial_height = max(1, req.initial_height)
        self.block = Overlay(self.store.committed)
        self.block.set(CHAIN_ID_KEY, req.chain_id.encode())
        ctx = BlockContext(req.chain_id, 0, req.time.seconds * 1_000_000_000 + req.time.nanos, hooks=HOOKS)
        validators = init_app_state(self.block, ctx, genesis)
        given = sorted((bytes(v.pub_key.ed25519), v.power) for v in req.validators)
        if given and given != sorted(validators):
            raise ConsensusFailure("genesis.json validators differ from the super nodes InitChain elects")
        block_seed.remember_consensus_keys(self.block, [pubkey for pubkey, _power in validators + given])
        enable_height = req.consensus_params.abci.vote_extensions_enable_height if req.HasField("consensus_params") else 0
        block_seed.set_enable_height(self.block, enable_height)
        if enable_height <= 0:
            log.warning("vote extensions are disabled: every block seed is the public fallback (docs/architecture.md, Randomness)")
        evidence_age_ns = req.consensus_params.evidence.max_age_duration.ToNanoseconds() if req.HasField("consensus_params") else 0
        if evidence_age_ns > genesis.staking_params.unbonding_seconds * 1_000_000_000:
            raise ConsensusFailure("evidence max_age_duration exceeds the unbonding period: double signers could escape")
        self.block.take_events()  # genesis events are not reported anywhere
        app_hash = self.store.compute_app_hash(self.block.writes)
        log.info("genesis: chain %s, %d validators, app hash %s", req.chain_id, len(validators), app_hash.hex())
        return abci.ResponseInitChain(app_hash=app_hash, validators=_validator_updates(validators))

    # -- mempool -----------------------------------------------------------------

    def _check_context(self) -> BlockContext:
        """The context of CheckTx: the next height at the last block's time (one object per committed height)."""
        ctx = self._check_ctx
        if ctx is None or ctx.height != self.store.last_height + 1 or ctx.time_ns != self.last_block_time_ns or ctx.chain_id != self.chain_id:
            ctx = self._check_ctx = BlockContext(self.chain_id, self.store.last_height + 1, self.last_block_time_ns, check=True, hooks=HOOKS)
        return ctx

    def preverify_check_txs(self, raws: list[bytes]) -> None:
        """Verify the signatures of a batch of pipelined CheckTx requests in parallel.

        The results go to a scratch cache for this batch only (end_check_batch
        clears it): a rejected tx must not stay cached.
        """
        self.router.batch_verified.clear()
        self.router.preverify(raws, auth_api.get_params(self.check_state).max_tx_bytes, into=self.router.batch_verified)

    def end_check_batch(self) -> None:
        self.router.batch_verified.clear()

    def check_tx(self, req) -> object:
        attempt = Overlay(self.check_state)
        result = self.router.run_tx(attempt, self._check_context(), req.tx)
        if result.ok:
            attempt.write_through(with_events=False)
        (_CHECK_TXS_OK if result.ok else _CHECK_TXS_REJECTED).inc()
        return abci.ResponseCheckTx(
            code=result.code,
            log=result.log,
            codespace=result.codespace,
            gas_wanted=result.gas_wanted,
            gas_used=result.gas_used,
        )

    # -- proposals ---------------------------------------------------------------

    def _base_state(self):
        """The state the next block starts from (before block 1 is committed, the genesis writes are still pending)."""
        return self.block if self.block is not None else self.store.committed

    def _record_required(self, height: int) -> bool:
        return block_seed.record_required(height, self.store.last_height == 0, block_seed.get_enable_height(self._base_state()))

    def _block_seed(self, req, txs, commit) -> tuple[bytes, list[bytes]]:
        """The seed of the block ``req`` proposes or decides, and its user txs. Raises SeedRecordError."""
        record, user_txs = block_seed.split_block_txs(txs, self._record_required(req.height))
        if record is None:
            return block_seed.fallback_seed(self.chain_id, req.height), user_txs
        base = self._base_state()
        seed = block_seed.verify_record(record, chain_id=self.chain_id, height=req.height, commit=commit,
                                        proposer=bytes(req.proposer_address),
                                        consensus_key=lambda address: block_seed.get_consensus_key(base, address))
        return seed, user_txs

    def _proposal_check(self, req, txs) -> ProposalCheck:
        """A ProposalCheck over the state the proposed block starts from, at its height and time.

        Also verifies the signatures of ``txs`` (the proposal's user txs) on all cores first (filling the verified cache).
        """
        base = self._base_state()
        self.router.preverify(txs, auth_api.get_params(base).max_tx_bytes)
        time_ns = req.time.seconds * 1_000_000_000 + req.time.nanos
        ctx = BlockContext(self.chain_id, req.height, time_ns, bytes(req.proposer_address), hooks=HOOKS)
        return ProposalCheck(self.router, base, ctx)

    def prepare_proposal(self, req) -> object:
        """The seed record first (when the previous height had vote extensions), then, in mempool order and within
        max_tx_bytes, the txs that ProcessProposal will accept.

        The record lists every COMMIT vote of ``local_last_commit`` with its extension signature (abci_app/seed.py).
        A tx is dropped when it repeats earlier bytes or fails the ante checks against the running state of the
        txs kept before it (docs/modules/auth.md, "Proposals"); a dropped tx stays in CometBFT's mempool until
        rechecked.
        """
        chosen = []
        total = 0
        if self._record_required(req.height):
            record, problems = block_seed.build_record(req.local_last_commit)
            for problem in problems:
                log.error("proposal at height %s: the seed record will not verify: %s", req.height, problem)
            if len(record) > req.max_tx_bytes:
                log.error("proposal at height %s: the seed record (%d bytes) exceeds max_tx_bytes %d", req.height, len(record), req.max_tx_bytes)
                return abci.ResponsePrepareProposal(txs=[])
            chosen.append(record)
            total += len(record)
        check = self._proposal_check(req, req.txs)
        dropped = 0
        for raw in req.txs:
            if total + len(raw) > req.max_tx_bytes:
                break
            if check.admit(raw) is not None:
                dropped += 1
                continue
            chosen.append(raw)
            total += len(raw)
        if dropped:
            log.info("proposal at height %s: dropped %d of %d mempool txs failing the ante checks", req.height, dropped, len(req.txs))
        return abci.ResponsePrepareProposal(txs=chosen)

    def process_proposal(self, req) -> object:
        """Reject a proposal without a valid seed record, or holding a tx that no honest proposer would include.

        The seed record must be first when the previous height had vote extensions, absent otherwise, never
        anywhere else, and verify against the proposal's last commit (abci_app/seed.py). Every user tx must be
        new in the proposal and pass the ante checks (size, decoding, counts, memo, chain id, signature, gas and
        fee, sequence, fee funds) against the running state of the txs before it, so a proposer cannot fill a
        block with txs that would run for free.
        """
        reject = abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.REJECT)
        try:
            _seed, user_txs = self._block_seed(req, req.txs, req.proposed_last_commit)
        except block_seed.SeedRecordError as error:
            log.warning("rejecting proposal at height %s: %s", req.height, error)
            return reject
        offset = len(req.txs) - len(user_txs)
        check = self._proposal_check(req, user_txs)
        for index, raw in enumerate(user_txs, start=offset):
            reason = check.admit(raw)
            if reason is not None:
                log.warning("rejecting proposal at height %s: tx %d of %d (%s): %s",
                            req.height, index, len(req.txs), tx_hash(raw).hex().upper(), reason)
                return reject
        return abci.ResponseProcessProposal(status=abci.ResponseProcessProposal.ACCEPT)

    def extend_vote(self, req) -> object:
        """Always the same extension: what makes it useful is CometBFT's signature over it (abci_app/seed.py)."""
        return abci.ResponseExtendVote(vote_extension=block_seed.VOTE_EXTENSION)

    def verify_vote_extension(self, req) -> object:
        accept = bytes(req.vote_extension) == block_seed.VOTE_EXTENSION
        status = abci.ResponseVerifyVoteExtension.ACCEPT if accept else abci.ResponseVerifyVoteExtension.REJECT
        return abci.ResponseVerifyVoteExtension(status=status)

    # -- blocks ------------------------------------------------------------------

    def finalize_block(self, req) -> object:
        expected = self.store.last_height + 1 if self.store.last_height else self.initial_height
        if req.height != expected:
            raise ConsensusFailure(f"FinalizeBlock for height {req.height}, expected {expected}")
        if self.block_app_hash is not None:
            raise ConsensusFailure(f"FinalizeBlock for height {req.height} twice without Commit")
        if self.block is None:  # after InitChain the genesis writes are already in self.block
            self.block = Overlay(self.store.committed)
        started = time.perf_counter()
        try:
            seed, user_txs = self._block_seed(req, req.txs, req.decided_last_commit)
        except block_seed.SeedRecordError as error:
            # ProcessProposal rejects such a block, so more than a third of the power accepted it: do not execute it
            raise ConsensusFailure(f"decided block {req.height} has no valid seed record: {error}") from None
        has_record = len(user_txs) < len(req.txs)
        self.router.preverify(user_txs, auth_api.get_params(self.block).max_tx_bytes)
        time_ns = req.time.seconds * 1_000_000_000 + req.time.nanos
        ctx = BlockContext(self.chain_id, req.height, time_ns, bytes(req.proposer_address), seed, hooks=HOOKS)
        info = BlockInfo(
            tuple(Vote(bytes(v.validator.address), v.validator.power, v.block_id_flag) for v in req.decided_last_commit.votes),
            tuple(Misbehavior(bytes(m.validator.address), m.height, m.validator.power) for m in req.misbehavior),
        )
        self._upgrade(ctx)
        for module in BEGIN_BLOCKERS:
            self._run_step(module.name, "begin_block", module.begin_block, ctx, info)
        results = [self.router.run_tx(self.block, ctx, raw) for raw in user_txs]
        validator_updates: list[tuple[bytes, int]] = []
        for module in END_BLOCKERS:
            validator_updates += self._run_step(module.name, "end_block", module.end_block, ctx, info) or []
        block_seed.remember_consensus_keys(self.block, [pubkey for pubkey, power in validator_updates if power > 0])
        hash_started = time.perf_counter()
        app_hash = self.store.compute_app_hash(self.block.writes)
        metrics.APP_HASH_SECONDS.observe(time.perf_counter() - hash_started)
        self.block_height = req.height
        self.block_time_ns = time_ns
        self.block_app_hash = app_hash
        response = abci.ResponseFinalizeBlock(app_hash=app_hash, validator_updates=_validator_updates(validator_updates))
        _fill_events(response.events, self.block.take_events())
        tx_results = response.tx_results
        if has_record:  # one result per block tx, so the record's position 0 gets one too: no gas, no fee, no events
            tx_results.add(code=0, log=SEED_RECORD_LOG)
        for result in results:
            added = tx_results.add(
                code=result.code,
                codespace=result.codespace,
                log=result.log,
                gas_wanted=result.gas_wanted,
                gas_used=result.gas_used,
                data=result.data,
            )
            _fill_events(added.events, result.events)
        ok = sum(1 for result in results if result.ok)
        metrics.BLOCK_TXS.labels("ok").inc(ok)
        metrics.BLOCK_TXS.labels("failed").inc(len(results) - ok)
        metrics.FINALIZE_SECONDS.observe(time.perf_counter() - started)
        return response

    def _upgrade(self, ctx: BlockContext) -> None:
        """At a governance upgrade plan's height: apply the plan this build knows, or halt the node before the
        block runs (abci_app/upgrades.py). A halted node halts again at the same block on every restart."""
        try:
            name = apply_plan(self.block, ctx, gov_api.get_upgrade_plan(self.block))
        except UpgradeNeeded as error:
            log.critical("%s", error)
            raise ConsensusFailure(str(error)) from None
        if name is not None:
            gov_api.mark_upgrade_done(self.block, name, ctx.height)
            log.warning("upgrade plan %r applied at height %d", name, ctx.height)

    def _run_step(self, module: str, hook: str, step, ctx: BlockContext, info: BlockInfo):
        """Run one begin- or end-block step on its own overlay; keep its writes and events only if it returns.

        A step that raises is a bug, and every node hits it on the same block: its writes are dropped, the chain
        goes on, and the log says so loudly. A failure of this node's environment (disk, memory) is not a bug
        of the step: it halts the node rather than let it diverge.
        """
        overlay = Overlay(self.block)
        try:
            result = step(overlay, ctx, info)
        except ENVIRONMENT_ERRORS:
            raise
        except Exception:
            log.exception("BUG: %s %s failed at height %s; its writes and events are dropped", module, hook, ctx.height)
            metrics.STEP_FAILURES.labels(module, hook).inc()
            return None
        overlay.write_through()
        return result

    def commit(self, req) -> object:
        if self.block is None or self.block_app_hash is None:
            raise ConsensusFailure("Commit without a finalized block")
        started = time.perf_counter()
        fail_point("before-commit", self.block_height)
        self.store.commit(self.block_height, self.block.writes, self.block_app_hash, {META_BLOCK_TIME: self.block_time_ns.to_bytes(8, "big")})
        fail_point("after-commit", self.block_height)
        metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        metrics.HEIGHT.set(self.block_height)
        self.last_block_time_ns = self.block_time_ns
        self.block = None
        self.block_app_hash = None
        self.check_state = Overlay(self.store.committed)
        return abci.ResponseCommit(retain_height=0)

    # -- queries -----------------------------------------------------------------

    def _simulate(self, raw: bytes) -> dict:
        """The /app/simulate query: ``raw`` run on a scratch overlay of committed state (abci_app/queries.py)."""
        return simulate_tx(self.store, self.router, self._check_context(), raw)

    def query(self, req) -> object:
        try:
            return handle_query(self.store, req, simulate=self._simulate)
        except QueryError as error:
            return abci.ResponseQuery(code=error.code, codespace="query", log=error.log, height=self.store.last_height)
        except Exception:
            log.exception("bug while answering query %r", req.path)
            return abci.ResponseQuery(code=1, codespace="query", log="internal error", height=self.store.last_height)

    # -- state sync (not offered yet: see docs/operations.md) ---------------------

    def list_snapshots(self, req) -> object:
        return abci.ResponseListSnapshots(snapshots=[])

    def offer_snapshot(self, req) -> object:
        return abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.REJECT)

    def load_snapshot_chunk(self, req) -> object:
        return abci.ResponseLoadSnapshotChunk(chunk=b"")

    def apply_snapshot_chunk(self, req) -> object:
        return abci.ResponseApplySnapshotChunk(result=abci.ResponseApplySnapshotChunk.ABORT)

    def close(self) -> None:
        self.store.close()
