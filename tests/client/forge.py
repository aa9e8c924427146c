"""Synthetic CometBFT chains for light-client tests: honest blocks and forgeries, signed with nacl.

Hashes and vote sign bytes come from the independent reference
implementation in test_lightclient.py (generated protobuf classes), not
from the library under test.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time as _time
from dataclasses import dataclass

import httpx
import nacl.signing

from tests.client.test_lightclient import load, ref_header_hash, ref_validator_set_hash, ref_vote_sign_bytes

CHAIN_ID = "amino-forge"
T0 = 1_800_000_000  # header time of height 1, seconds since the epoch
BLOCK_SECONDS = 5
NANOS = 1_000_000_000


def rfc3339(seconds: int) -> str:
    return _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(seconds))


def signing_key(name: str) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(hashlib.sha256(b"forge/" + name.encode()).digest())


@dataclass(frozen=True)
class Member:
    key: nacl.signing.SigningKey
    power: int

    @property
    def pub(self) -> bytes:
        return bytes(self.key.verify_key)

    @property
    def address(self) -> bytes:
        return hashlib.sha256(self.pub).digest()[:20]


class ValSet:
    """Validators in CometBFT's canonical order (power descending, then address)."""

    def __init__(self, members: dict[str, int]) -> None:
        self.members = sorted((Member(signing_key(name), power) for name, power in members.items()),
                              key=lambda m: (-m.power, m.address))

    def json(self) -> list[dict]:
        return [{
            "address": m.address.hex().upper(),
            "pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(m.pub).decode()},
            "voting_power": str(m.power),
            "proposer_priority": "0",
        } for m in self.members]

    def hash(self) -> bytes:
        return ref_validator_set_hash(self.json())


def sign_header(chain_id: str, header: dict, valset: ValSet, *, absent: tuple[int, ...] = (),
                vote_chain_id: str | None = None) -> dict:
    """A commit of ``valset`` for ``header`` (validators at the ``absent`` indexes did not vote)."""
    height = int(header["height"])
    block_id = {"hash": ref_header_hash(header).hex().upper(),
                "parts": {"total": 1, "hash": hashlib.sha256(b"parts%d" % height).hexdigest().upper()}}
    signatures = []
    for index, member in enumerate(valset.members):
        if index in absent:
            signatures.append({"block_id_flag": 1, "validator_address": "", "timestamp": "0001-01-01T00:00:00Z",
                               "signature": None})
            continue
        timestamp = header["time"]
        message = ref_vote_sign_bytes(vote_chain_id or chain_id, height, 0, block_id, timestamp)
        signatures.append({"block_id_flag": 2, "validator_address": member.address.hex().upper(),
                           "timestamp": timestamp,
                           "signature": base64.b64encode(member.key.sign(message).signature).decode()})
    return {"height": str(height), "round": 0, "block_id": block_id, "signatures": signatures}


class SyntheticChain:
    """Heights 1..n, each with its validator set; ``sets[h]`` signs height h and names ``sets[h+1]`` as next."""

    def __init__(self, sets: list[ValSet], *, chain_id: str = CHAIN_ID, app_hashes: dict[int, bytes] | None = None,
                 t0: int = T0) -> None:
        self.chain_id = chain_id
        self.sets = {height: valset for height, valset in enumerate(sets, start=1)}
        self.blocks: dict[int, dict] = {}
        template = load("4val_commit_h10.json")["signed_header"]["header"]
        previous = {"hash": "", "parts": {"total": 0, "hash": ""}}
        for height in range(1, len(sets) + 1):
            header = copy.deepcopy(template)
            valset = self.sets[height]
            header.update({
                "chain_id": chain_id,
                "height": str(height),
                "time": rfc3339(t0 + BLOCK_SECONDS * (height - 1)),
                "last_block_id": previous,
                "validators_hash": valset.hash().hex().upper(),
                "next_validators_hash": self.sets.get(height + 1, valset).hash().hex().upper(),
                "app_hash": (app_hashes or {}).get(height, hashlib.sha256(b"app%d" % height).digest()).hex().upper(),
                "proposer_address": valset.members[0].address.hex().upper(),
            })
            commit = sign_header(chain_id, header, valset)
            self.blocks[height] = {"header": header, "commit": commit}
            previous = commit["block_id"]

    @property
    def height(self) -> int:
        return len(self.blocks)

    def signed_header(self, height: int) -> dict:
        return copy.deepcopy(self.blocks[height])

    def validators(self, height: int) -> list[dict]:
        return self.sets[height].json()

    def time_ns(self, height: int) -> int:
        return (T0 + BLOCK_SECONDS * (height - 1)) * NANOS


def forge_block(chain: SyntheticChain, height: int, attackers: ValSet, **changes) -> tuple[dict, list[dict]]:
    """Header ``height`` of ``chain`` rewritten (app hash, ...), naming and signed by ``attackers``."""
    header = copy.deepcopy(chain.blocks[height]["header"])
    header["validators_hash"] = header["next_validators_hash"] = attackers.hash().hex().upper()
    header["proposer_address"] = attackers.members[0].address.hex().upper()
    header.update(changes)
    return {"header": header, "commit": sign_header(chain.chain_id, header, attackers)}, attackers.json()


class ChainServer:
    """Answers /commit, /validators and /status from a chain, with optional per-height overrides.

    ``commit_overrides[h]`` is a list of signed headers served in turn to successive
    /commit requests for h (the last one repeats); ``requests`` records (path, height).
    """

    def __init__(self, chain: SyntheticChain) -> None:
        self.chain = chain
        self.commit_overrides: dict[int, list[dict]] = {}
        self.validator_overrides: dict[int, list[dict]] = {}
        self.requests: list[tuple[str, int]] = []
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        height = int(request.url.params.get("height", "0") or 0)
        self.requests.append((path, height))
        if path == "/commit":
            if height not in self.chain.blocks:
                return _error(f"height {height} must be less than or equal to the current blockchain height "
                              f"{self.chain.height}")
            served = self.commit_overrides.get(height)
            if served:
                answer = served.pop(0) if len(served) > 1 else served[0]
            else:
                answer = self.chain.signed_header(height)
            return _result({"signed_header": answer, "canonical": True})
        if path == "/validators":
            if height not in self.chain.blocks:
                return _error(f"height {height} is not available")
            validators = self.validator_overrides.get(height) or self.chain.validators(height)
            return _result({"block_height": str(height), "validators": validators, "count": str(len(validators)),
                            "total": str(len(validators))})
        return httpx.Response(404, json={"error": "not found"})

    def commits_fetched(self, height: int) -> int:
        return sum(1 for path, h in self.requests if path == "/commit" and h == height)


def _result(result: dict) -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"jsonrpc": "2.0", "id": -1, "result": result}).encode(),
                          headers={"content-type": "application/json"})


def _error(message: str) -> httpx.Response:
    return httpx.Response(500, json={"jsonrpc": "2.0", "id": -1,
                                     "error": {"code": -32603, "message": "Internal error", "data": message}})


class MultiServer:
    """One httpx transport for several servers, told apart by host name (primary, witness, ...)."""

    def __init__(self, **servers: ChainServer) -> None:
        self.servers = servers

    def client(self) -> httpx.Client:
        def handler(request: httpx.Request) -> httpx.Response:
            server = self.servers.get(request.url.host)
            if server is None:
                raise httpx.ConnectError(f"no route to {request.url.host}", request=request)
            return server.handler(request)

        return httpx.Client(transport=httpx.MockTransport(handler))
