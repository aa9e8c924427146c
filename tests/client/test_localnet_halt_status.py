"""`amino localnet status` tells a halted chain from a live one, and names the validators not signing.

The verdict (localnet/health.py) is driven here by a fake source that answers
with CometBFT v0.38's JSON shapes; tests/e2e/test_localnet_halt_status.py
runs it against a real localnet.
"""

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from cli.main import cli
from client.rpc import RpcError
from localnet import launcher
from localnet.health import ChainHealth, ValidatorHealth, assess_chain, default_halt_after, parse_duration, parse_time

NOW = 1_900_000_000.0
ADDRESSES = ["54FC62D3784089E13E6730B130850BA8448D1CEA", "81C0DD1DC4A8A2DB0CD5A1924EF0F50ED187FADE",
             "A0FFD48AC99DFF5D612A029B2A7E751BA6EA64F3", "EF3082BDAF029ADB6EC586822D9F1D5E70E5A1F8"]
POWER = 1_000_000


def rfc3339(seconds: float) -> str:
    whole = datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{int(round((seconds % 1) * 1e9)):09d}Z"


def bit_array(indices: set[int], size: int = 4) -> str:
    bits = "".join("x" if i in indices else "_" for i in range(size))
    return f"BA{{{size}:{bits}}} {len(indices) * POWER}/{size * POWER} = 0.50"


class FakeChain:
    """Four nodes; each answers status/validators/commit/consensus_state unless it is down."""

    def __init__(self, height: int, block_time: float, down: set[int] = frozenset(), signed: set[int] = frozenset(range(4)),
                 prevoted: set[int] = frozenset(), foreign: bool = False, signed_before: set[int] | None = None,
                 reversed_nodes: bool = False) -> None:
        self.nodes = 4
        self.height = height
        self.block_time = block_time
        self.down = set(down)
        self.signed = set(signed)
        self.prevoted = set(prevoted)
        self.foreign = foreign  # node3's validator is not one of ours
        self.signed_before = self.signed if signed_before is None else set(signed_before)  # signers of height - 1
        self.reversed_nodes = reversed_nodes  # validator i (CometBFT's order) is run by node 3 - i
        self.calls: list[tuple[int, str]] = []
        self.on_sleep = None

    def call(self, index: int, method: str, **params: str) -> dict:
        self.calls.append((index, method))
        if index in self.down:
            raise RpcError(f"cannot reach node{index}")
        if method == "status":
            return {"sync_info": {"latest_block_height": str(self.height), "latest_block_time": rfc3339(self.block_time),
                                  "catching_up": False}}
        if method == "validators":
            assert params == {"page": "1", "per_page": "100"}
            return {"block_height": str(self.height + 1), "count": "4", "total": "4", "validators": [
                {"address": a, "voting_power": str(POWER), "proposer_priority": "0"} for a in ADDRESSES]}
        if method == "commit":
            height = int(params["height"])
            signers = {self.height: self.signed, self.height - 1: self.signed_before}[height]
            return {"signed_header": {"commit": {"height": str(height), "signatures": [
                {"block_id_flag": 2, "validator_address": a} if i in signers else {"block_id_flag": 1, "validator_address": ""}
                for i, a in enumerate(ADDRESSES)]}}}
        if method == "consensus_state":
            return {"round_state": {"height/round/step": f"{self.height + 1}/0/4", "height_vote_set": [
                {"round": 0, "prevotes_bit_array": bit_array(self.prevoted), "precommits_bit_array": bit_array(set())},
                {"round": 1, "prevotes_bit_array": bit_array(set()), "precommits_bit_array": bit_array(set())},
            ]}}
        raise AssertionError(f"unexpected call {method}")

    def node_running(self, index: int) -> bool:
        return index not in self.down

    def validator_addresses(self) -> dict[str, int]:
        ours = {address: 3 - index if self.reversed_nodes else index for index, address in enumerate(ADDRESSES)}
        if self.foreign:
            del ours[ADDRESSES[3]]
        return ours

    def sleep(self, seconds: float) -> None:
        self.slept = seconds
        if self.on_sleep:
            self.on_sleep(self)


def assess(chain: FakeChain, halt_after: float = 10) -> ChainHealth:
    chain.slept = None
    return assess_chain(chain, halt_after, interval=1.5, clock=lambda: NOW, sleep=chain.sleep)


def test_a_chain_with_a_recent_block_is_advancing_without_waiting():
    chain = FakeChain(height=57, block_time=NOW - 0.4)
    health = assess(chain)
    assert not health.halted and chain.slept is None
    assert (health.height, health.voting_power, health.signing_power) == (57, 4 * POWER, 4 * POWER)
    assert health.missing == []
    assert health.message == "advancing: height 57, last block 0 s ago; signing 4000000 of 4000000 voting power (100%)"


def test_two_stopped_validators_halt_the_chain_and_are_named_despite_their_stale_votes():
    # nodes 2 and 3 signed the last commit and prevoted at the stuck height before they were stopped
    chain = FakeChain(height=57, block_time=NOW - 23.7, down={2, 3}, prevoted={0, 1, 2})
    health = assess(chain)
    assert health.halted and chain.slept == 1.5
    assert health.message.startswith("HALTED: no new block for 23 s at height 57")
    assert [v.name for v in health.missing] == ["node2", "node3"]
    assert {v.reason for v in health.missing} == {"node processes not running"}
    assert (health.voting_power, health.signing_power) == (4 * POWER, 2 * POWER)
    assert "signing 2000000 of 4000000 voting power (50%), blocks need more than 2/3" in health.message
    assert "missing: node2 (node processes not running), node3 (node processes not running)" in health.message
    data = health.to_dict()
    assert data["halted"] is True and data["missing"] == ["node2", "node3"] and data["height"] == 57
    json.dumps(data)  # the -o json field is plain data


def test_an_old_block_followed_by_a_new_one_during_the_interval_is_a_slow_round_not_a_halt():
    chain = FakeChain(height=57, block_time=NOW - 12)

    def block_arrives(c):
        c.height, c.block_time = 58, NOW - 0.2

    chain.on_sleep = block_arrives
    health = assess(chain)
    assert not health.halted and chain.slept == 1.5
    assert health.height == 58 and health.message.startswith("advancing: height 58")


def test_the_highest_node_is_the_reference_and_a_lagging_one_does_not_halt_the_chain():
    chain = FakeChain(height=57, block_time=NOW - 0.5)
    original = chain.call

    def lagging(index, method, **params):
        result = original(index, method, **params)
        if method == "status" and index == 1:
            result["sync_info"].update(latest_block_height="40", latest_block_time=rfc3339(NOW - 100))
        return result

    chain.call = lagging
    health = assess(chain)
    assert not health.halted and health.height == 57


def test_a_running_validator_absent_from_the_last_commits_and_silent_now_is_missing():
    chain = FakeChain(height=9, block_time=NOW - 1, signed={0, 1, 2}, prevoted={0, 1})
    health = assess(chain)
    assert not health.halted
    assert [(v.name, v.reason) for v in health.missing] == [("node3", "absent from the last two commits and no vote at this height")]
    assert "signing 3000000 of 4000000 voting power (75%); missing: node3" in health.message


def test_a_vote_that_came_too_late_for_the_newest_commit_still_counts():
    # the newest block's commit is the node's own view at commit time; the block before's is canonical
    chain = FakeChain(height=9, block_time=NOW - 1, signed={0, 1, 2}, signed_before={0, 1, 2, 3})
    assert assess(chain).missing == []


def test_missing_validators_are_listed_in_node_order():
    chain = FakeChain(height=57, block_time=NOW - 30, down={2, 3}, reversed_nodes=True)
    health = assess(chain)
    assert [v.name for v in health.validators] == ["node3", "node2", "node1", "node0"]  # CometBFT's order
    assert [v.name for v in health.missing] == ["node2", "node3"]
    assert health.to_dict()["missing"] == ["node2", "node3"]
    assert "missing: node2 (node processes not running), node3 (node processes not running)" in health.message


def test_a_vote_at_the_current_height_counts_as_signing():
    chain = FakeChain(height=9, block_time=NOW - 1, signed={0, 1, 2}, prevoted={3})
    assert assess(chain).missing == []


def test_a_validator_outside_the_localnet_is_judged_by_the_chain_alone():
    chain = FakeChain(height=9, block_time=NOW - 1, signed={0, 1, 2}, foreign=True)
    (missing,) = assess(chain).missing
    assert missing.name == ADDRESSES[3][:12] and missing.node_running is None


def test_no_node_answering_is_a_halt():
    chain = FakeChain(height=9, block_time=NOW, down={0, 1, 2, 3})
    health = assess(chain)
    assert health.halted and health.height is None
    assert health.message == "HALTED: no node answers RPC"


def test_times_and_durations_parse_as_cometbft_writes_them():
    assert parse_time("2026-12-03T08:56:56.02980362Z") == pytest.approx(
        datetime(2026, 12, 3, 8, 56, 56, tzinfo=timezone.utc).timestamp() + 0.02980362)
    assert parse_time("2026-12-03T08:56:52Z") == datetime(2026, 12, 3, 8, 56, 52, tzinfo=timezone.utc).timestamp()
    with pytest.raises(ValueError):
        parse_time("2026-12-03 08:56:52")
    assert parse_duration("300ms") == 0.3 and parse_duration("1s") == 1 and parse_duration("1m30s") == 90
    with pytest.raises(ValueError):
        parse_duration("fast")
    assert default_halt_after("300ms") == 10 and default_halt_after("2s") == 41


# -- the CLI over a fake verdict ------------------------------------------------------------


@pytest.fixture
def fake_localnet(tmp_path, monkeypatch):
    home = tmp_path / "net"
    home.mkdir()
    (home / "localnet.json").write_text(json.dumps({"chain_id": "amino-localnet", "nodes": 4, "base_port": 1, "timeout_commit": "300ms"}))
    verdict = {}
    monkeypatch.setattr(launcher.Localnet, "status", lambda self: [
        launcher.NodeStatus(i, i < 2, i < 2, 57 if i < 2 else None, "AB" * 32 if i < 2 else None, 1, False) for i in range(4)])
    monkeypatch.setattr(launcher.Localnet, "app_hash_splits", lambda self, height=None: {})
    monkeypatch.setattr(launcher.Localnet, "chain_health", lambda self, interval, halt_after: verdict["health"])
    monkeypatch.setattr("cli.localnet.ComputeServices.status", lambda self: [])
    return home, verdict


def halted_health() -> ChainHealth:
    validators = [ValidatorHealth(f"node{i}", ADDRESSES[i], POWER, True, i < 2, i < 2, i < 2, "" if i < 2 else "node processes not running")
                  for i in range(4)]
    return ChainHealth(True, 57, 23, 10, 4 * POWER, 2 * POWER, validators,
                       "HALTED: no new block for 23 s at height 57; signing 2000000 of 4000000 voting power (50%), "
                       "blocks need more than 2/3; missing: node2 (node processes not running), node3 (node processes not running)")


def test_the_cli_prints_halted_and_exits_3(fake_localnet):
    home, verdict = fake_localnet
    verdict["health"] = halted_health()
    result = CliRunner().invoke(cli, ["localnet", "status", "--localnet-home", str(home)])
    assert result.exit_code == 3, result.output
    assert "HALTED: no new block for 23 s at height 57" in result.stderr
    assert "missing: node2 (node processes not running), node3" in result.stderr
    assert "MISSING" in result.stdout  # the validators table


def test_the_cli_json_has_a_chain_field(fake_localnet):
    home, verdict = fake_localnet
    verdict["health"] = halted_health()
    result = CliRunner().invoke(cli, ["localnet", "status", "--localnet-home", str(home), "-o", "json"])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["chain"]["halted"] is True and data["chain"]["missing"] == ["node2", "node3"]
    assert data["chain"]["signing_power"] == 2 * POWER and data["chain"]["voting_power"] == 4 * POWER
    assert [n["node"] for n in data["nodes"]] == ["node0", "node1", "node2", "node3"]


def test_the_cli_exits_0_when_the_chain_advances(fake_localnet):
    home, verdict = fake_localnet
    verdict["health"] = ChainHealth(False, 57, 0, 10, 4 * POWER, 4 * POWER, [], "advancing: height 57, last block 0 s ago")
    result = CliRunner().invoke(cli, ["localnet", "status", "--localnet-home", str(home)])
    assert result.exit_code == 0, result.stderr
    assert "advancing: height 57" in result.stderr and "HALTED" not in result.stderr
