"""--prove end to end without a network: the real app answers queries with proofs, a synthetic chain of
signed headers carries its app hash, and a lying node rewrites either of them."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from click.testing import CliRunner

from abci_app.merkle import leaf_bytes
from chain_modules.auth.keys import account_key
from chain_modules.bank.keys import SUPPLY_KEY, balance_key
from chain_modules.common.encoding import encode
from chain_modules.provable import provable_key
from client.lightclient import TrustedState, verify_commit
from client.rpc import QueryResult
from client.wallet.proofs import expected_proof_key, proven_query, save_trust, trust_file
from client.wallet.tx import WalletError
from tests.client.forge import NANOS, ChainServer, MultiServer, SyntheticChain, ValSet, forge_block
from tests.support import CHAIN_ID, KEYS, AppDriver, send

A = ValSet({"a1": 10, "a2": 10, "a3": 10, "a4": 10})
ATTACKERS = ValSet({"x1": 10, "x2": 10, "x3": 10, "x4": 10})


class FakeRpc:
    """The CometRpc surface proven_query uses, answering abci_query from the real app; ``rewrite`` lies."""

    url = "http://primary"

    def __init__(self, driver: AppDriver) -> None:
        self.driver = driver
        self.rewrite = None
        self.queries: list[str] = []

    def abci_query(self, path: str, prove: bool = False) -> QueryResult:
        self.queries.append(path)
        result = self.answer(path, prove)
        return self.rewrite(path, result) if self.rewrite else result

    def answer(self, path: str, prove: bool = True) -> QueryResult:
        response = self.driver.query(path, prove=prove)
        ops = [{"type": op.type, "key": base64.b64encode(op.key).decode(), "data": base64.b64encode(op.data).decode()}
               for op in response.proof_ops.ops]
        return QueryResult(code=response.code, log=response.log, codespace=response.codespace, key=response.key,
                           value=response.value, height=response.height, proof_ops=ops)

    def wait_for_height(self, height: int, timeout: float = 30.0) -> int:
        return height


@pytest.fixture
def world(tmp_path):
    """App at height 2 (eve received 77 uamio); chain headers 1..3 of set A, header 3 carrying the app hash."""
    driver = AppDriver(tmp_path / "db")
    driver.block([])
    driver.block([send(KEYS["alice"], KEYS["eve"].address, 77, 0)])
    chain = SyntheticChain([A] * 3, chain_id=CHAIN_ID, app_hashes={3: driver.last_app_hash})
    primary = ChainServer(chain)
    world = {
        "driver": driver, "chain": chain, "primary": primary, "rpc": FakeRpc(driver), "home": tmp_path / "wallet",
        "http": MultiServer(primary=primary).client(), "now": chain.time_ns(3) + NANOS,
    }
    yield world
    driver.close()


def prove(world, path: str, **options):
    options.setdefault("clock", lambda: world["now"])
    return proven_query(world["rpc"], world["home"], CHAIN_ID, path, http_client=world["http"], **options)


def anchor_at(world, height: int) -> None:
    chain = world["chain"]
    header = verify_commit(CHAIN_ID, chain.signed_header(height), chain.validators(height))
    save_trust(world["home"], TrustedState.from_verified(header, chain.validators(height)))


def trust_bytes(world) -> bytes | None:
    path = trust_file(world["home"], CHAIN_ID)
    return path.read_bytes() if path.exists() else None


# ---------------------------------------------------------------------------
# The key every proof is bound to
# ---------------------------------------------------------------------------


def test_the_app_proves_exactly_the_key_the_wallet_derives(world):
    eve = KEYS["eve"]
    for path, key in [(f"/bank/balance/{eve.bech32}", balance_key(eve.address)), ("/bank/supply", SUPPLY_KEY),
                      (f"/auth/account/{eve.bech32}", account_key(eve.address))]:
        answer = world["rpc"].answer(path)
        assert provable_key(path) == expected_proof_key(path) == key == answer.key
        assert base64.b64decode(answer.proof_ops[0]["key"]) == key


def test_a_path_without_a_derivable_key_is_refused_for_prove(world):
    with pytest.raises(WalletError, match="cannot be proven: --prove works for /bank/balance/<address>"):
        prove(world, "/staking/validators")
    with pytest.raises(WalletError, match="cannot prove /bank/balance/amio1nope"):
        prove(world, "/bank/balance/amio1nope")
    assert world["rpc"].queries == []


def test_an_honest_balance_verifies_and_anchors_trust_on_first_use(world):
    proven = prove(world, f"/bank/balance/{KEYS['eve'].bech32}")
    assert int.from_bytes(proven.value, "big") == 77 and proven.height == 2
    assert proven.anchored_on_first_use and proven.trusted_height == 3
    assert json.loads(trust_bytes(world))["height"] == 3
    again = prove(world, f"/bank/balance/{KEYS['eve'].bech32}")
    assert not again.anchored_on_first_use and again.app_hash == world["driver"].last_app_hash.hex().upper()


def test_an_empty_account_answered_with_another_accounts_key_value_and_proof_is_refused(world):
    """The reported attack: /bank/balance/<empty> answered with alice's key, value and valid proof."""
    mallory, alice = KEYS["mallory"], KEYS["alice"]
    world["rpc"].rewrite = lambda path, result: world["rpc"].answer(f"/bank/balance/{alice.bech32}")
    with pytest.raises(WalletError, match="another state key"):
        prove(world, f"/bank/balance/{mallory.bech32}")
    assert trust_bytes(world) is None


def test_another_accounts_value_and_proof_under_the_right_key_fails_the_proof(world):
    mallory, alice = KEYS["mallory"], KEYS["alice"]
    honest = world["rpc"].answer(f"/bank/balance/{mallory.bech32}")

    def relabel(path, result):
        theirs = world["rpc"].answer(f"/bank/balance/{alice.bech32}")
        ops = [dict(theirs.proof_ops[0], key=honest.proof_ops[0]["key"])]
        return QueryResult(0, "", "", honest.key, theirs.value, theirs.height, ops)

    world["rpc"].rewrite = relabel
    with pytest.raises(WalletError, match="proof check failed"):
        prove(world, f"/bank/balance/{mallory.bech32}")
    assert trust_bytes(world) is None


def test_an_existing_balance_claimed_absent_fails_the_proof(world):
    eve = KEYS["eve"]
    world["rpc"].rewrite = lambda path, result: QueryResult(0, "", "", result.key, b"", result.height, result.proof_ops)
    with pytest.raises(WalletError, match="proof check failed"):
        prove(world, f"/bank/balance/{eve.bech32}")


def test_a_proof_op_for_another_key_is_refused(world):
    eve, alice = KEYS["eve"], KEYS["alice"]

    def other_op_key(path, result):
        ops = [dict(result.proof_ops[0], key=base64.b64encode(balance_key(alice.address)).decode())]
        return QueryResult(0, "", "", result.key, result.value, result.height, ops)

    world["rpc"].rewrite = other_op_key
    with pytest.raises(WalletError, match="proof is for another state key"):
        prove(world, f"/bank/balance/{eve.bech32}")


# ---------------------------------------------------------------------------
# Headers: a forged header with a made-up balance
# ---------------------------------------------------------------------------


def made_up_balance(world, address: bytes, amount: int) -> tuple[bytes, QueryResult]:
    """A one-leaf state holding ``amount`` for ``address``: its root and a valid proof against it."""
    key = balance_key(address)
    value = amount.to_bytes(8, "big")
    kh, vh = hashlib.sha256(key).digest(), hashlib.sha256(value).digest()
    root = hashlib.sha256(leaf_bytes(kh, vh)).digest()
    proof = {"steps": [], "leaf": [kh, vh]}
    ops = [{"type": "amino/smt16", "key": base64.b64encode(key).decode(), "data": base64.b64encode(encode(proof)).decode()}]
    return root, QueryResult(0, "", "", key, value, world["driver"].height, ops)


def test_a_forged_header_of_an_attacker_set_with_a_made_up_balance_is_refused_and_trust_stays(world):
    mallory = KEYS["mallory"]
    anchor_at(world, 1)
    before = trust_bytes(world)
    root, answer = made_up_balance(world, mallory.address, 10**15)
    forged, attackers = forge_block(world["chain"], 3, ATTACKERS, app_hash=root.hex().upper())
    primary = world["primary"]
    # the forgery first, the honest commit to any second look (what the old wallet counted)
    primary.commit_overrides[3] = [forged, world["chain"].signed_header(3)]
    primary.validator_overrides[3] = attackers
    world["rpc"].rewrite = lambda path, result: answer
    with pytest.raises(WalletError, match="header 3 failed verification"):
        prove(world, f"/bank/balance/{mallory.bech32}")
    assert trust_bytes(world) == before

    # the honest chain is still accepted afterwards, and trust moves forward
    primary.commit_overrides.clear()
    primary.validator_overrides.clear()
    world["rpc"].rewrite = None
    proven = prove(world, f"/bank/balance/{mallory.bech32}")
    assert proven.value == b"" and proven.trusted_height == 3 and not proven.anchored_on_first_use
    assert json.loads(trust_bytes(world))["height"] == 3


def test_an_expired_anchor_is_refused_with_how_to_re_anchor(world):
    anchor_at(world, 1)
    before = trust_bytes(world)
    world["now"] = world["chain"].time_ns(1) + 20 * 86_400 * NANOS
    with pytest.raises(WalletError, match=r"has expired: .*amino trust anchor --height H --hash HASH"):
        prove(world, f"/bank/balance/{KEYS['eve'].bech32}")
    assert trust_bytes(world) == before
    # a shorter trusting period expires sooner
    world["now"] = world["chain"].time_ns(3) + NANOS
    with pytest.raises(WalletError, match="trusting period of 5s"):
        prove(world, f"/bank/balance/{KEYS['eve'].bech32}", trusting_period_seconds=5)


def test_a_witness_that_disagrees_stops_the_query_and_trust_stays(world):
    anchor_at(world, 1)
    before = trust_bytes(world)
    fork = SyntheticChain([A] * 3, chain_id=CHAIN_ID, app_hashes={3: b"\x01" * 32})
    world["http"] = MultiServer(primary=world["primary"], witness=ChainServer(fork)).client()
    with pytest.raises(WalletError, match="witness check failed: witness http://witness reports header"):
        prove(world, f"/bank/balance/{KEYS['eve'].bech32}", witnesses=("http://witness",))
    assert trust_bytes(world) == before
    world["http"] = MultiServer(primary=world["primary"], witness=ChainServer(world["chain"])).client()
    assert prove(world, f"/bank/balance/{KEYS['eve'].bech32}", witnesses=("http://witness",)).trusted_height == 3


def test_a_first_format_trust_file_is_upgraded_against_its_validator_set(world):
    path = trust_file(world["home"], CHAIN_ID)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"validators_hash": ATTACKERS.hash().hex(), "height": 1}))
    with pytest.raises(WalletError, match="cannot upgrade trust file"):
        prove(world, f"/bank/balance/{KEYS['eve'].bech32}")
    path.write_text(json.dumps({"validators_hash": A.hash().hex(), "height": 1}))
    assert prove(world, f"/bank/balance/{KEYS['eve'].bech32}").trusted_height == 3
    assert json.loads(path.read_text())["version"] == 2


def test_a_corrupt_trust_file_is_refused_not_replaced(world):
    path = trust_file(world["home"], CHAIN_ID)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(WalletError, match="unreadable.*amino trust"):
        prove(world, f"/bank/balance/{KEYS['eve'].bech32}")
    assert path.read_text() == "{not json"


def test_a_chain_id_that_is_not_a_file_name_is_refused(world):
    with pytest.raises(WalletError, match="chain id '../evil' is not valid"):
        proven_query(world["rpc"], world["home"], "../evil", f"/bank/balance/{KEYS['eve'].bech32}")


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------


def test_cli_prove_needs_the_chain_id_from_the_user_not_the_node(tmp_path):
    from cli.main import cli

    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "--node", "http://127.0.0.1:9", "query", "bank", "balance",
                                      KEYS["eve"].bech32, "--prove"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --prove and trust need the chain id from you, not from the node: pass --chain-id or 'amino config set chain-id ID'"]


def test_cli_witness_without_prove_is_an_error(tmp_path):
    from cli.main import cli

    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "--chain-id", "x", "query", "bank", "supply",
                                      "--witness", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "only apply with --prove" in result.output


def test_cli_trust_show_and_reset(world):
    from cli.main import cli

    home = world["home"]
    home.mkdir(parents=True, exist_ok=True)
    (home / "client.json").write_text(json.dumps({"chain_id": CHAIN_ID}))
    runner = CliRunner()
    missing = runner.invoke(cli, ["--home", str(home), "trust", "show"])
    assert missing.exit_code == 1 and "no trusted header for chain amino-test" in missing.output

    anchor_at(world, 2)
    shown = runner.invoke(cli, ["--home", str(home), "-o", "json", "trust", "show"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["height"] == 2 and data["validators"] == 4
    assert data["header_hash"] == world["chain"].blocks[2]["commit"]["block_id"]["hash"]

    reset = runner.invoke(cli, ["--home", str(home), "-o", "json", "trust", "reset"])
    assert reset.exit_code == 0 and json.loads(reset.output)["removed"] is True
    assert trust_bytes(world) is None
