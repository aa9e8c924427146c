"""End to end: the wallet's --prove against a MALICIOUS RPC node.

A small HTTP proxy on loopback forwards to a real localnet node's RPC and
rewrites some answers. The wallet CLI (`amino query bank balance ... --prove
--node <proxy>`) must refuse every forgery with one readable line, print no
balance and leave its trust file alone; the honest chain must still verify,
including across a real validator set change.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import nacl.signing
import pytest

from abci_app.merkle import leaf_bytes
from chain_modules.bank.keys import balance_key
from chain_modules.bank.types import MsgSend
from chain_modules.common.address import address_from_pubkey, decode_address
from chain_modules.common.encoding import encode
from chain_modules.staking.types import MsgDelegate
from client import lightclient
from client.rpc import CometRpc
from client.wallet.keyring import open_keyring
from tests.e2e.helpers import submit, wait_until

pytestmark = pytest.mark.e2e

AMIO = 1_000_000
MADE_UP_BALANCE = 987_654_321 * AMIO


def fresh_address(label: str) -> str:
    return address_from_pubkey(bytes(nacl.signing.SigningKey(hashlib.sha256(label.encode()).digest()).verify_key))


class MaliciousProxy:
    """Forwards JSON-RPC (POST /) and URI requests (GET /commit?height=...) to a node, through rewrite hooks.

    ``on_rpc(method, params, result) -> result`` rewrites JSON-RPC results;
    ``on_get(path, params, result) -> result`` rewrites URI results.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.on_rpc = None
        self.on_get = None
        self.log: list[tuple[str, dict]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                with httpx.Client(timeout=20) as client:
                    answer = client.post(proxy.upstream + "/", json=body).json()
                method, params = body.get("method", ""), body.get("params") or {}
                proxy.log.append((method, params))
                if proxy.on_rpc and "result" in answer:
                    answer["result"] = proxy.on_rpc(method, params, answer["result"])
                self._reply(answer)

            def do_GET(self):  # noqa: N802
                url = urlsplit(self.path)
                params = {key: values[0] for key, values in parse_qs(url.query).items()}
                with httpx.Client(timeout=20) as client:
                    answer = client.get(proxy.upstream + url.path, params=params).json()
                proxy.log.append((url.path, params))
                if proxy.on_get and "result" in answer:
                    answer["result"] = proxy.on_get(url.path, params, answer["result"])
                self._reply(answer)

            def _reply(self, answer: dict) -> None:
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(localnet):
    p = MaliciousProxy(localnet.rpc_url(0))
    yield p
    p.close()


@pytest.fixture
def wallet(localnet, tmp_path):
    """A wallet home of its own (the localnet's chain id and keyring backend; no trust yet)."""
    home = tmp_path / "wallet"
    home.mkdir()
    config = json.loads((localnet.wallet_home / "client.json").read_text())
    (home / "client.json").write_text(json.dumps({"chain_id": config["chain_id"], "keyring_backend": "test"}))
    return home


def amino(home: Path, node: str, *args: str) -> subprocess.CompletedProcess:
    env = {"AMINO_HOME": str(home), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "cli.main", "-o", "json", "--node", node, *args],
                          capture_output=True, text=True, env=env, timeout=180)


def proven_balance(home: Path, node: str, address: str, *extra: str) -> subprocess.CompletedProcess:
    return amino(home, node, "query", "bank", "balance", address, "--prove", *extra)


def assert_refused(result: subprocess.CompletedProcess, *, mentions: str) -> str:
    """Exit code 1, one readable line on stderr, nothing on stdout: no balance printed."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.stderr, result.stderr
    assert mentions in lines[0], lines[0]
    return lines[0]


def trust_file(home: Path, localnet) -> Path:
    return home / "trust" / f"{localnet.chain_id}.json"


def verified(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["proof"] == "verified"
    return data


# ---------------------------------------------------------------------------
# (1) another account's key, value and proof for an empty account
# ---------------------------------------------------------------------------


def test_a_balance_answered_with_another_accounts_key_value_and_proof_is_refused(localnet, proxy, wallet):
    keyring = open_keyring(localnet.wallet_home, "test")
    alice = keyring.show("alice").address
    empty = fresh_address("wallet-forgery/empty")

    def swap(method, params, result):
        if method == "abci_query" and params.get("path") == f"/bank/balance/{empty}":
            with CometRpc(localnet.rpc_url(0)) as rpc:
                return rpc.call("abci_query", path=f"/bank/balance/{alice}", data="", height="0", prove=True)
        return result

    proxy.on_rpc = swap
    refused = proven_balance(wallet, proxy.url, empty)
    assert_refused(refused, mentions="another state key")
    assert ("abci_query", {"path": f"/bank/balance/{empty}", "data": "", "height": "0", "prove": True}) in proxy.log
    assert not trust_file(wallet, localnet).exists()

    # the same query through the honest node verifies, with the account's real (empty) balance
    honest = verified(proven_balance(wallet, localnet.rpc_url(0), empty))
    assert honest["balance"] == "0uamio"
    rich = verified(proven_balance(wallet, localnet.rpc_url(0), alice))
    assert int(rich["balance"].removesuffix("uamio")) > 0


# ---------------------------------------------------------------------------
# (2) a header signed by an attacker validator set, pretending the set changed
# ---------------------------------------------------------------------------


ATTACKER_KEYS = [nacl.signing.SigningKey(hashlib.sha256(b"attacker%d" % i).digest()) for i in range(4)]


def attacker_set() -> list[tuple[nacl.signing.SigningKey, dict]]:
    """The attacker's four validators in canonical order (equal power, so by address), as /validators lists them."""
    entries = sorted(((key, hashlib.sha256(bytes(key.verify_key)).digest()[:20]) for key in ATTACKER_KEYS),
                     key=lambda entry: entry[1])
    return [(key, {"address": address.hex().upper(),
                   "pub_key": {"type": "tendermint/PubKeyEd25519", "value": base64.b64encode(bytes(key.verify_key)).decode()},
                   "voting_power": "1000000", "proposer_priority": "0"}) for key, address in entries]


def forge_signed_header(chain_id: str, honest: dict, app_hash: bytes) -> dict:
    """The honest header with another app hash, naming the attacker set, signed by it."""
    validators = attacker_set()
    public = [validator for _key, validator in validators]
    header = dict(honest["header"])
    set_hash = lightclient.validator_set_hash(public).hex().upper()
    header.update(app_hash=app_hash.hex().upper(), validators_hash=set_hash, next_validators_hash=set_hash,
                  proposer_address=public[0]["address"])
    parts = honest["commit"]["block_id"]["parts"]
    block_hash = lightclient.header_hash(header)
    height = int(header["height"])
    signatures = []
    for key, validator in validators:
        timestamp = header["time"]
        message = lightclient.vote_sign_bytes(chain_id, height, 0, block_hash, parts["total"],
                                              bytes.fromhex(parts["hash"]), timestamp)
        signatures.append({"block_id_flag": 2, "validator_address": validator["address"], "timestamp": timestamp,
                           "signature": base64.b64encode(key.sign(message).signature).decode()})
    commit = {"height": str(height), "round": 0,
              "block_id": {"hash": block_hash.hex().upper(), "parts": parts}, "signatures": signatures}
    forged = {"header": header, "commit": commit}
    lightclient.verify_commit(chain_id, forged, public)  # a self-consistent forgery: only trust can refuse it
    return forged


class HeaderForger:
    """Answers a balance query with a made-up value proven against a made-up app hash, and serves
    header H+1 carrying that app hash, signed by the attacker set; a second /commit for H+1 gets the
    honest commit (what the old wallet counted the trusted validators from)."""

    def __init__(self, chain_id: str, victim: str) -> None:
        self.chain_id = chain_id
        self.victim = victim
        key = balance_key(decode_address(victim))
        value = MADE_UP_BALANCE.to_bytes(8, "big")
        kh, vh = hashlib.sha256(key).digest(), hashlib.sha256(value).digest()
        self.root = hashlib.sha256(leaf_bytes(kh, vh)).digest()
        self.answer = {"key": base64.b64encode(key).decode(), "value": base64.b64encode(value).decode(),
                       "proofOps": {"ops": [{"type": "amino/smt16", "key": base64.b64encode(key).decode(),
                                             "data": base64.b64encode(encode({"steps": [], "leaf": [kh, vh]})).decode()}]}}
        self.target: int | None = None
        self.commits_served: dict[int, int] = {}

    def on_rpc(self, method, params, result):
        if method == "abci_query" and params.get("path") == f"/bank/balance/{self.victim}":
            result["response"].update(self.answer)
            self.target = int(result["response"]["height"]) + 1
        return result

    def on_get(self, path, params, result):
        height = int(params.get("height", "0"))
        if self.target is None or height != self.target:
            return result
        if path == "/commit":
            self.commits_served[height] = self.commits_served.get(height, 0) + 1
            if self.commits_served[height] == 1:
                return dict(result, signed_header=forge_signed_header(self.chain_id, result["signed_header"], self.root))
        if path == "/validators":
            public = [validator for _key, validator in attacker_set()]
            return dict(result, validators=public, count=str(len(public)), total=str(len(public)))
        return result


def test_a_forged_header_of_an_attacker_validator_set_is_refused_and_trust_stays(localnet, proxy, wallet):
    victim = fresh_address("wallet-forgery/victim")
    anchored = verified(proven_balance(wallet, localnet.rpc_url(0), victim))  # trust anchored on the real set
    assert anchored["balance"] == "0uamio"
    before = trust_file(wallet, localnet).read_bytes()

    forger = HeaderForger(localnet.chain_id, victim)
    proxy.on_rpc, proxy.on_get = forger.on_rpc, forger.on_get
    refused = proven_balance(wallet, proxy.url, victim)
    line = assert_refused(refused, mentions=f"header {forger.target} failed verification")
    assert str(MADE_UP_BALANCE) not in line
    assert forger.commits_served[forger.target] == 1  # one look at the header, never a second fetch
    assert trust_file(wallet, localnet).read_bytes() == before

    # the wallet still accepts the honest chain, and its trust moves forward from the real set
    after = verified(proven_balance(wallet, localnet.rpc_url(0), victim))
    assert after["balance"] == "0uamio"
    trusted = json.loads(trust_file(wallet, localnet).read_text())
    assert trusted["height"] > json.loads(before)["height"]
    assert trusted["validators_hash"] == json.loads(before)["validators_hash"]


def test_a_witness_that_disagrees_with_the_node_stops_the_query(localnet, proxy, wallet):
    """Honest primary, lying witness: the verified header is refused when the witness reports another."""
    victim = fresh_address("wallet-forgery/witness")
    verified(proven_balance(wallet, localnet.rpc_url(0), victim))
    before = trust_file(wallet, localnet).read_bytes()

    def another_header(path, params, result):
        if path == "/commit":
            result["signed_header"]["header"]["app_hash"] = "00" * 32
        return result

    proxy.on_get = another_header
    refused = proven_balance(wallet, localnet.rpc_url(0), victim, "--witness", proxy.url)
    assert_refused(refused, mentions=f"witness check failed: witness {proxy.url} reports header")
    assert trust_file(wallet, localnet).read_bytes() == before
    proxy.on_get = None
    verified(proven_balance(wallet, localnet.rpc_url(0), victim, "--witness", localnet.rpc_url(1)))


def test_an_expired_trust_anchor_is_refused_with_how_to_re_anchor(localnet, wallet):
    address = fresh_address("wallet-forgery/expired")
    verified(proven_balance(wallet, localnet.rpc_url(0), address))
    before = trust_file(wallet, localnet).read_bytes()
    time.sleep(3)
    refused = proven_balance(wallet, localnet.rpc_url(0), address, "--trusting-period", "2s")
    assert_refused(refused, mentions="amino trust anchor --height H --hash HASH")
    assert trust_file(wallet, localnet).read_bytes() == before

    # re-anchor on a header hash the user checked out of band (here: from another node)
    with CometRpc(localnet.rpc_url(1)) as rpc:
        height = rpc.latest_height()
        header_hash = rpc.call("commit", height=str(height))["signed_header"]["commit"]["block_id"]["hash"]
    anchored = amino(wallet, localnet.rpc_url(0), "trust", "anchor", "--height", str(height), "--hash", header_hash)
    assert anchored.returncode == 0, anchored.stderr
    assert json.loads(anchored.stdout)["header_hash"] == header_hash
    verified(proven_balance(wallet, localnet.rpc_url(0), address))
    wrong = amino(wallet, localnet.rpc_url(0), "trust", "anchor", "--height", str(height), "--hash", "00" * 32)
    assert_refused(wrong, mentions="not the expected")


# ---------------------------------------------------------------------------
# The honest path across a real validator set change
# ---------------------------------------------------------------------------






def test_the_honest_chain_verifies_across_a_real_validator_set_change(localnet, proxy, wallet):
    rpc = CometRpc(localnet.rpc_url(0))
    keyring = open_keyring(localnet.wallet_home, "test")
    env = {"AMINO_HOME": str(localnet.wallet_home), "PATH": "/usr/bin:/bin"}
    bob = keyring.show("bob").address
    verified(proven_balance(wallet, localnet.rpc_url(0), bob))
    before = json.loads(trust_file(wallet, localnet).read_text())

    index = localnet.add_node()
    localnet.wait_for_height(rpc.latest_height(), timeout=90, nodes=[index])
    operator = keyring.add("forgery-node")[0]
    submit(rpc, keyring, localnet.chain_id, "alice",
           MsgSend(decode_address(keyring.show("alice").address), decode_address(operator.address), 20_000 * AMIO))
    created = subprocess.run(
        [sys.executable, "-m", "cli.main", "-o", "json", "tx", "staking", "create-super-node", "forgery-node",
         "--moniker", "forgery-node", "--self-bond", "10000amio", "--node-home", str(localnet.node_dir(index) / "cometbft"),
         "--yes"], capture_output=True, text=True, env=env, timeout=120)
    assert created.returncode == 0, created.stderr + created.stdout
    submit(rpc, keyring, localnet.chain_id, "bob", MsgDelegate(decode_address(bob), decode_address(operator.address), 1_500_000 * AMIO))
    new_address = hashlib.sha256(localnet.consensus_pubkey(index)).digest()[:20].hex().upper()

    def in_comet_set() -> bool:
        return any(v["address"] == new_address for v in rpc.call("validators", per_page="100")["validators"])

    wait_until(in_comet_set, 90, "the elected node in CometBFT's validator set")
    wait_until(lambda: any(s["validator_address"] == new_address and s["block_id_flag"] == 2
                           for s in rpc.call("commit", height=str(rpc.latest_height()))["signed_header"]["commit"]["signatures"]),
               30, "a commit signed by the new validator")

    # a lying node after the real change is still refused...
    victim = fresh_address("wallet-forgery/after-change")
    forger = HeaderForger(localnet.chain_id, victim)
    proxy.on_rpc, proxy.on_get = forger.on_rpc, forger.on_get
    assert_refused(proven_balance(wallet, proxy.url, victim), mentions="failed verification")
    assert json.loads(trust_file(wallet, localnet).read_text()) == before

    # ...and the honest chain verifies from the old trusted set to the new one
    verified(proven_balance(wallet, localnet.rpc_url(0), bob))
    moved = json.loads(trust_file(wallet, localnet).read_text())
    assert moved["validators_hash"] != before["validators_hash"]
    assert any(v["address"] == new_address for v in moved["validators"])
    rpc.close()
