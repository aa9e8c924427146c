"""Test helpers: deterministic keys, a genesis with the real allocation table, and an app driver."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp
from nacl.signing import SigningKey

from abci_app import seed as block_seed
from abci_app.app import AminoApp
from abci_app.codec import SignDoc, sign_tx
from abci_app.proto import abci
from chain_modules.bank.types import MsgMultiSend, MsgSend, Output
from chain_modules.common.address import address_bytes_from_pubkey, encode_address
from genesis.build import build_app_state

CHAIN_ID = "amino-test"
GENESIS_TIME = 1_800_000_000  # seconds since the epoch
DAY = 86_400


@dataclass(frozen=True)
class TestKey:
    name: str
    signing_key: SigningKey

    @property
    def pubkey(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    @property
    def address(self) -> bytes:
        return address_bytes_from_pubkey(self.pubkey)

    @property
    def bech32(self) -> str:
        return encode_address(self.address)


def make_key(name: str) -> TestKey:
    return TestKey(name, SigningKey(hashlib.sha256(b"amino-test-key/" + name.encode()).digest()))


IEO_NAMES = ["alice", "bob", "carol", "dave"]
BUCKET_NAMES = {
    "early_investors": "investor",
    "infrastructure": "infra",
    "team": "team",
    "foundation": "foundation",
    "community": "community",
}
KEYS = {name: make_key(name) for name in IEO_NAMES + list(BUCKET_NAMES.values()) + ["eve", "mallory"]}


def genesis_app_state() -> dict:
    recipients = {"ieo": [KEYS[n].bech32 for n in IEO_NAMES]}
    recipients.update({allocation: [KEYS[name].bech32] for allocation, name in BUCKET_NAMES.items()})
    return build_app_state(recipients)


def timestamp(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


def send(key: TestKey, to: bytes, amount: int, sequence: int, fee: int = 500, gas: int = 50_000,
         chain_id: str = CHAIN_ID, memo: str = "") -> bytes:
    doc = SignDoc(chain_id, sequence, fee, gas, memo, ((MsgSend.TYPE, MsgSend(key.address, to, amount).to_body()),))
    return sign_tx(doc, key.signing_key)


def multi_send(key: TestKey, outputs: list[tuple[bytes, int]], sequence: int, fee: int = 1_000, gas: int = 100_000) -> bytes:
    msg = MsgMultiSend(key.address, tuple(Output(to, amount) for to, amount in outputs))
    doc = SignDoc(CHAIN_ID, sequence, fee, gas, "", ((MsgMultiSend.TYPE, msg.to_body()),))
    return sign_tx(doc, key.signing_key)


def signed(key: TestKey, msgs: list[tuple[str, object]], sequence: int, fee: int = 1_000, gas: int = 100_000,
           chain_id: str = CHAIN_ID, memo: str = "") -> bytes:
    return sign_tx(SignDoc(chain_id, sequence, fee, gas, memo, tuple(msgs)), key.signing_key)


def consensus_address(pubkey: bytes) -> bytes:
    """CometBFT's address of an ed25519 consensus key: the first 20 bytes of its sha256."""
    return hashlib.sha256(pubkey).digest()[:20]


def extension_signature(key: TestKey, height: int, round: int = 0, chain_id: str = CHAIN_ID,
                        extension: bytes = block_seed.VOTE_EXTENSION) -> bytes:
    """The vote extension signature CometBFT makes with consensus key ``key`` at ``height`` and ``round``."""
    return key.signing_key.sign(block_seed.extension_sign_bytes(chain_id, height, round, extension)).signature


def seed_record(keys: list[TestKey], height: int, round: int = 0, chain_id: str = CHAIN_ID) -> bytes:
    """A seed record (for the block after ``height``) holding the extension signatures of ``keys`` at ``height``."""
    entries = sorted((consensus_address(k.pubkey), extension_signature(k, height, round, chain_id)) for k in keys)
    return block_seed.encode_record(block_seed.SeedRecord(round, tuple(entries)))


class AppDriver:
    """Drives an AminoApp block by block, as CometBFT would, without CometBFT.

    With ``vote_extensions_enable_height`` the chain starts with vote extensions enabled from that height, and
    every block that needs one gets the seed record a proposer would build from the ``signers`` of its last
    commit; ``consensus_keys`` are the validators' consensus keys that sign those records.
    """

    def __init__(self, path: Path, app_state: dict | None = None, genesis_time: int = GENESIS_TIME,
                 vote_extensions_enable_height: int = 0, consensus_keys: list[TestKey] = (),
                 chain_id: str = CHAIN_ID) -> None:
        self.path = path
        self.chain_id = chain_id
        self.app = AminoApp(path)
        self.time = genesis_time
        self.height = self.app.store.last_height
        self.consensus_keys = {consensus_address(key.pubkey): key for key in consensus_keys}
        self.last_record: bytes | None = None
        if self.height == 0:
            request = abci.RequestInitChain(
                time=timestamp(genesis_time),
                chain_id=chain_id,
                app_state_bytes=json.dumps(app_state or genesis_app_state()).encode(),
                initial_height=1,
            )
            if vote_extensions_enable_height:
                request.consensus_params.abci.vote_extensions_enable_height = vote_extensions_enable_height
            self.app.init_chain(request)

    def record_for(self, signers: list[tuple[bytes, int]], round: int = 0) -> bytes | None:
        """The seed record the next block needs for a last commit signed by ``signers`` (None if it needs none)."""
        base = self.app.block if self.app.block is not None else self.app.store.committed
        height = self.height + 1
        if not block_seed.record_required(height, self.app.store.last_height == 0, block_seed.get_enable_height(base)):
            return None
        unknown = [address.hex() for address, _power in signers if address not in self.consensus_keys]
        if unknown:
            raise KeyError(f"the driver has no consensus key for signer(s) {unknown}: pass consensus_keys")
        return seed_record([self.consensus_keys[address] for address, _power in signers], height - 1, round,
                           self.chain_id)

    def block(self, txs: list[bytes], seconds: int = 5, signers: list[tuple[bytes, int]] | None = None,
              misbehavior: list | None = None, absent: list[tuple[bytes, int]] | None = None,
              proposer: bytes = b"") -> list:
        """FinalizeBlock + Commit one block ``seconds`` after the previous one; return the results of ``txs``.

        ``signers`` are (consensus address, power) of the validators whose votes are in the last commit;
        ``misbehavior`` are abci.Misbehavior items (double-sign evidence); ``absent`` are validators listed in
        the last commit without a vote, as CometBFT lists them. When the block needs a seed record the driver
        puts it first (``last_record``); its result is in ``last_response`` but not in the returned list.
        """
        record = self.record_for(signers or [])
        self.time += seconds
        self.height += 1
        votes = [
            abci.VoteInfo(validator=abci.Validator(address=address, power=power), block_id_flag=2)
            for address, power in signers or []
        ] + [abci.VoteInfo(validator=abci.Validator(address=address, power=power), block_id_flag=1) for address, power in absent or []]
        response = self.app.finalize_block(
            abci.RequestFinalizeBlock(
                txs=([record] if record else []) + list(txs), height=self.height, time=timestamp(self.time),
                hash=hashlib.sha256(str(self.height).encode()).digest(), proposer_address=proposer,
                decided_last_commit=abci.CommitInfo(round=0, votes=votes), misbehavior=misbehavior or [],
            )
        )
        self.last_record = record
        self.last_response = response
        self.last_app_hash = response.app_hash
        self.last_validator_updates = list(response.validator_updates)
        self.app.commit(abci.RequestCommit())
        return list(response.tx_results)[1 if record else 0:]

    def check(self, tx: bytes):
        return self.app.check_tx(abci.RequestCheckTx(tx=tx))

    def query(self, path: str, prove: bool = False):
        return self.app.query(abci.RequestQuery(path=path, prove=prove))

    def balance(self, address: bytes) -> int:
        from chain_modules.bank.state import get_balance

        return get_balance(self.app.store.committed, address)

    def sequence(self, address: bytes) -> int:
        from chain_modules.auth.state import get_account

        account = get_account(self.app.store.committed, address)
        return 0 if account is None else account.sequence

    def snapshot(self) -> dict[bytes, bytes]:
        """Every committed state key and value (for 'state unchanged' assertions)."""
        return dict(self.app.store.committed.iter_prefix(b""))

    def close(self) -> None:
        self.app.close()


def proof_of_possession(consensus: TestKey, operator: bytes, chain_id: str = CHAIN_ID) -> bytes:
    """The consensus key's signature that registers it for ``operator`` on ``chain_id``."""
    from chain_modules.staking.types import proof_of_possession_bytes

    return consensus.signing_key.sign(proof_of_possession_bytes(chain_id, operator)).signature


def create_super_node_msg(operator: bytes, consensus: TestKey, moniker: str, commission_bps: int, max_change_bps: int,
                          self_bond: int, chain_id: str = CHAIN_ID):
    """A staking/create_super_node message with a valid proof of possession by ``consensus``."""
    from chain_modules.staking.types import MsgCreateSuperNode

    return MsgCreateSuperNode(operator, consensus.pubkey, moniker, commission_bps, max_change_bps, self_bond,
                              proof_of_possession(consensus, operator, chain_id))


def admission(master: TestKey, worker: bytes, chain_id: str = CHAIN_ID) -> tuple[bytes, bytes]:
    """(master pubkey, signature): ``master``'s operator key admitting ``worker`` into its pool."""
    from chain_modules.compute.admission import admission_sign_bytes

    return master.pubkey, master.signing_key.sign(admission_sign_bytes(chain_id, master.address, worker)).signature
