"""The gateway as a real service (uvicorn, started the way the localnet starts it) over a real 4-validator
localnet with its master node and workers, after a few transfers, a delegation and a task.

API: every endpoint answers real data, and bad input (malformed address, unknown hash, out-of-range page,
oversized body, unprovable path) gets a clear JSON 4xx, never a 500. Explorer: every page renders real data in
a headless Chromium (Debian's, driven by Playwright), navigation and search work, the height updates live,
and no page logs a console error. Screenshots go to .artifacts/explorer/.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from chain_modules.bank.types import MsgSend
from chain_modules.common.address import decode_address
from chain_modules.gov.types import MsgSubmitProposal, MsgVote
from chain_modules.locks.types import MsgBuyApiAccess
from chain_modules.staking.types import MsgDelegate, MsgUndelegate
from client.chain import ChainClient
from client.httpsig import sign_headers
from client.rpc import CometRpc
from client.tasks import TaskClient
from client.wallet import tx as wallet_tx
from client.wallet.keyring import open_keyring
from localnet.gateway import LocalnetGateway
from localnet.services import MASTER, ComputeServices
from tests.e2e.helpers import submit, wait_until
from tests.gateway.schema_check import check
from wasm_jobs.examples import EXAMPLES, build

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "explorer"
# a good value for each parameter kind of chain_modules/common/query.py, filled in from the world
BAD_VALUES = {"address": "amio1notanaddress", "uint64": "12ab", "hash32": "zz" * 32, "hex20": "abc", "text": "no/such",
              "name": "Bad Name"}


@pytest.fixture(scope="module")
def world(localnet):
    services = ComputeServices(localnet)
    gateway = LocalnetGateway(localnet)
    try:
        services.up()
        services.wait_master_active()
        gateway.start()
        keyring = open_keyring(localnet.wallet_home, "test")
        rpc = CometRpc(localnet.rpc_url(0))
        alice, bob, carol = (keyring.show(name).address for name in ("alice", "bob", "carol"))
        transfers = [submit(rpc, keyring, localnet.chain_id, "alice",
                            MsgSend(decode_address(alice), decode_address(to), 1_000_000 + n))
                     for n, to in enumerate((bob, carol, bob))]
        operator = keyring.show("node1").address
        delegation = submit(rpc, keyring, localnet.chain_id, "bob",
                            MsgDelegate(decode_address(bob), decode_address(operator), 2_000_000))
        submit(rpc, keyring, localnet.chain_id, "bob", MsgUndelegate(decode_address(bob), decode_address(operator), 500_000))
        # a proposal with its whole deposit (the localnet's 1,000 AMIO) and two votes, in its 20 s voting period
        title = f"gateway e2e proposal {time.time_ns()}"
        submit(rpc, keyring, localnet.chain_id, "alice", MsgSubmitProposal(
            decode_address(alice), "text", {}, title, "shown by the explorer", 1_000_000_000, False))
        proposal = next(p for p in _chain_query(rpc, "/gov/proposals") if p["title"] == title)
        for voter, option in (("node0", "yes"), ("node1", "no")):
            submit(rpc, keyring, localnet.chain_id, voter,
                   MsgVote(decode_address(keyring.show(voter).address), proposal["id"], option))
        heidi = keyring.show("heidi").address
        submit(rpc, keyring, localnet.chain_id, "heidi", MsgBuyApiAccess(decode_address(heidi), 36_000, 3600))
        tasks = TaskClient(services.client("alice"))
        _wat, _reference, sample = EXAMPLES["hash_chain"]
        summary = tasks.run(build("hash_chain"), sample, class_name="small", replicas=2, timeout=300)
        assert summary.state == "settled", summary
        tasks.close()
        http = httpx.Client(base_url=gateway.url, timeout=60)
        yield {
            "net": localnet, "gateway": gateway, "http": http, "rpc": rpc, "keyring": keyring, "alice": alice,
            "bob": bob, "carol": carol, "heidi": heidi, "operator": operator, "master": services.address(MASTER),
            "worker": services.address("worker0"), "transfers": transfers, "delegation": delegation,
            "task_id": summary.task_id, "app_hash": _app_hash(http), "proposal": proposal,
            "voters": (keyring.show("node0").address, keyring.show("node1").address),
        }
        http.close()
        rpc.close()
    finally:
        gateway.stop()
        services.down()


def _chain_query(rpc: CometRpc, path: str):
    from chain_modules.common.encoding import decode

    result = rpc.abci_query(path)
    assert result.code == 0, result.log
    return decode(result.value)


def _app_hash(http: httpx.Client) -> str:
    return http.get("/amino/apppool/v1/apps").json()["value"][0]["module_hash"]


def _json_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"code", "codespace", "message"} and body["message"] and body["code"] > 0, body
    return body


def _good_values(world: dict) -> dict:
    candidates = world["http"].get("/amino/staking/v1/candidates").json()["value"]
    import hashlib

    consensus = hashlib.sha256(bytes.fromhex(candidates[0]["consensus_pubkey"])).digest()[:20].hex()
    return {"address": world["alice"], "operator": world["operator"], "master": world["master"],
            "task_id": str(world["task_id"]), "module_hash": world["app_hash"], "consensus_address": consensus,
            "class_name": "small", "max_fuel": "1000000", "epoch": "1", "proposal_id": str(world["proposal"]["id"])}


def _chain_routes(world: dict) -> list[tuple[str, dict]]:
    schema = world["http"].get("/openapi.json").json()
    return [(path, operations["get"]) for path, operations in schema["paths"].items()
            if "x-chain-query" in operations.get("get", {})]


def _fill(path: str, operation: dict, values: dict, world: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "address" and "worker" in path:
            return world["worker"]
        if name == "address" and "/tasks/master/" in path:
            return world["master"]
        return values[name] if name in values else values["address"]

    return re.sub(r"\{(\w+)\}", value, path)


# -- REST ------------------------------------------------------------------------------------------------------


def test_every_chain_query_endpoint_answers_real_data(world):
    values = _good_values(world)
    routes = _chain_routes(world)
    components = world["http"].get("/openapi.json").json()["components"]["schemas"]
    assert len(routes) >= 40
    for path, operation in routes:
        url = _fill(path, operation, values, world)
        response = world["http"].get(url)
        if response.status_code == 404:  # a record that does not exist for this account is a JSON not-found
            body = _json_error(response, 404)
            assert body["codespace"] != "gateway", (url, body)
            continue
        assert response.status_code == 200, (url, response.text)
        answer = response.json()
        assert answer["height"] >= 1, url
        # the route's documented schema (gateway/schemas.py) validates the real answer, every field documented
        check(operation["responses"]["200"]["content"]["application/json"]["schema"], answer, components, url)
    http = world["http"]
    assert http.get(f"/amino/bank/v1/balance/{world['carol']}").json()["value"] > 0
    assert http.get(f"/amino/compute/v1/task/{world['task_id']}").json()["value"]["state"] == "settled"
    delegations = http.get(f"/amino/staking/v1/delegations/{world['bob']}").json()["value"]["delegations"]
    assert any(d["candidate"] == world["operator"] for d in delegations)


def test_every_chain_query_endpoint_refuses_malformed_parameters_with_a_400(world):
    for path, _operation in _chain_routes(world):
        kinds = re.findall(r"\{(\w+):(\w+)\}", _operation["x-chain-query"])
        for name, kind in kinds:
            url = re.sub(r"\{(\w+)\}", lambda m: BAD_VALUES[kind] if m.group(1) == name else world["alice"], path)
            response = world["http"].get(url)
            if kind == "text" and response.status_code == 404:
                continue  # 'no/such' adds a path segment: there is no such endpoint
            body = _json_error(response, 400)
            assert body["codespace"] in ("gateway", "query"), (url, body)


def test_a_proven_balance_comes_with_its_proof_and_the_verified_header(world):
    http = world["http"]
    plain = http.get(f"/amino/bank/v1/balance/{world['bob']}").json()
    proven = http.get(f"/amino/bank/v1/balance/{world['bob']}", params={"prove": "true"}).json()
    assert proven["value"] == plain["value"] > 0 or proven["height"] > plain["height"]
    assert proven["proof"]["type"] == "amino/smt16" and proven["proof"]["data"]
    header = proven["header"]
    assert header["height"] == proven["height"] + 1
    block = http.get(f"/blocks/{header['height']}").json()
    assert block["app_hash"] == header["app_hash"] and block["hash"] == header["header_hash"]
    supply = http.get("/amino/bank/v1/supply", params={"prove": "true"}).json()
    assert supply["value"] == 10**15 and supply["header"]["app_hash"]


def test_prove_on_a_query_that_is_not_provable_is_a_400(world):
    body = _json_error(world["http"].get("/amino/staking/v1/candidates", params={"prove": "true"}), 400)
    assert body["code"] == 6 and "not provable" in body["message"]


def test_lists_paginate_by_key(world):
    http = world["http"]
    seen, after = [], None
    while True:
        params = {"limit": 1} | ({"after": after} if after else {})
        answer = http.get("/amino/staking/v1/candidates", params=params).json()
        seen += [c["operator"] for c in answer["value"]]
        after = answer["pagination"]["next_key"]
        if after is None:
            break
    assert len(seen) == answer["pagination"]["total"] == len(set(seen)) >= 4
    _json_error(http.get("/amino/staking/v1/candidates", params={"after": "amio1nobody"}), 400)
    _json_error(http.get("/amino/staking/v1/candidates", params={"limit": 100000}), 400)


def test_a_signed_tx_broadcast_through_the_gateway_commits_and_reads_back_decoded(world):
    http, rpc, keyring = world["http"], world["rpc"], world["keyring"]
    params = wallet_tx.get_params(rpc)
    sequence = wallet_tx.get_sequence(rpc, world["carol"])
    msg = MsgSend(decode_address(world["carol"]), decode_address(world["bob"]), 1234)
    doc = wallet_tx.build_doc(world["net"].chain_id, sequence, [(msg.TYPE, msg.to_body(), msg.GAS)], params,
                              memo="through the gateway")
    raw = wallet_tx.sign(doc, keyring.signing_key("carol"))
    simulated = http.post("/txs/simulate", json={"tx": base64.b64encode(raw).decode()})
    assert simulated.status_code == 200, simulated.text
    estimate = simulated.json()
    assert estimate["code"] == 0 and 0 < estimate["gas_used"] <= doc.gas_limit
    assert any(event[0] == "transfer" for event in estimate["events"])
    answer = http.post("/txs", json={"tx": base64.b64encode(raw).decode()})
    assert answer.status_code == 200, answer.text
    tx_hash = answer.json()["hash"]
    committed = wait_until(lambda: (r := http.get(f"/txs/{tx_hash}")).status_code == 200 and r.json(), 30,
                           "the tx to commit")
    assert committed["code"] == 0 and committed["tx"]["memo"] == "through the gateway"
    assert committed["tx"]["messages"][0]["type"] == "bank/send"
    assert committed["tx"]["messages"][0]["body"]["amount"] == 1234
    assert any(event["type"] == "transfer" for event in committed["events"])
    again = http.post("/txs", json={"tx": base64.b64encode(raw).decode()})  # the same sequence again
    body = _json_error(again, 400)
    assert body["codespace"] in ("tx", "gateway")


def test_broadcast_refuses_bad_bodies_with_4xx(world):
    http = world["http"]
    _json_error(http.post("/txs", json={"tx": "not base64!"}), 400)
    _json_error(http.post("/txs", content=b"{", headers={"content-type": "application/json"}), 400)
    _json_error(http.post("/txs", json={"tx": base64.b64encode(b"garbage").decode()}), 400)
    _json_error(http.post("/txs", content=b"x" * (2 << 20), headers={"content-type": "application/json"}), 413)
    _json_error(http.post("/txs/simulate", json={"tx": base64.b64encode(b"garbage").decode()}), 400)
    _json_error(http.post("/txs/simulate", content=b"{", headers={"content-type": "application/json"}), 400)


def test_a_tx_by_hash_and_unknown_or_malformed_hashes(world):
    http = world["http"]
    tx_hash = world["transfers"][0]["tx_hash"]
    answer = http.get(f"/txs/{tx_hash}").json()
    assert answer["hash"].upper() == tx_hash.upper() and answer["tx"]["signer"] == world["alice"]
    assert answer["tx"]["fee"] > 0 and answer["events"]
    _json_error(http.get(f"/txs/{'0' * 64}"), 404)
    _json_error(http.get("/txs/xyz"), 400)


def test_tx_search_by_events_and_by_account(world):
    http = world["http"]
    found = http.get("/txs", params={"events": f"transfer.sender='{world['alice']}'"}).json()
    hashes = {tx["hash"].upper() for tx in found["txs"]}
    assert {t["tx_hash"].upper() for t in world["transfers"]} <= hashes
    by_account = http.get(f"/accounts/{world['bob']}/txs").json()
    assert by_account["pagination"]["total"] >= 1
    assert world["delegation"]["tx_hash"].upper() in {tx["hash"].upper() for tx in by_account["txs"]}
    assert all(tx["tx"]["signer"] == world["bob"] for tx in by_account["txs"])  # signed by bob, not sent to him
    # key-based pages of one tx each walk the same txs as one big page, newest first
    query = {"events": f"transfer.sender='{world['alice']}'"}
    whole = http.get("/txs", params={**query, "limit": 100}).json()
    walked, after = [], None
    while True:
        page = http.get("/txs", params={**query, "limit": 1, **({"after": after} if after else {})}).json()
        walked += [tx["hash"] for tx in page["txs"]]
        after = page["pagination"]["next_key"]
        if after is None:
            break
    assert walked == [tx["hash"] for tx in whole["txs"]] and len(walked) == whole["pagination"]["total"] >= 3
    steps = http.get("/txs", params={"events": f"task.id={world['task_id']}", "limit": 50}).json()
    names = {event["attributes"]["step"] for tx in steps["txs"] for event in tx["events"] if event["type"] == "task"}
    assert {"submitted", "assigned", "result_committed", "result_revealed"} <= names
    _json_error(http.get("/txs", params={"events": "this is not a query"}), 400)
    _json_error(http.get("/txs", params={**query, "after": "not-a-key"}), 400)
    _json_error(http.get("/accounts/amio1bad/txs"), 400)
    _json_error(http.get(f"/accounts/{world['bob']}/txs", params={"limit": 0}), 400)
    _json_error(http.get(f"/accounts/{world['bob']}/txs", params={"after": "12.x"}), 400)


def test_blocks_status_index_and_openapi(world):
    http = world["http"]
    status = http.get("/status").json()
    assert status["chain_id"] == world["net"].chain_id and status["height"] > 5
    page = http.get("/blocks", params={"limit": 5}).json()
    assert len(page["blocks"]) == 5 and page["blocks"][0]["height"] > page["blocks"][-1]["height"]
    older = http.get("/blocks", params={"limit": 5, "before": page["next_before"]}).json()
    assert older["blocks"][0]["height"] == page["blocks"][-1]["height"] - 1
    transfer = world["transfers"][0]
    block = http.get(f"/blocks/{transfer['height']}").json()
    assert transfer["tx_hash"].upper() in {tx["hash"] for tx in block["txs"]} and block["signatures"]
    assert http.get("/blocks/latest").json()["height"] >= status["height"]
    _json_error(http.get("/blocks/999999999"), 404)
    _json_error(http.get("/blocks/abc"), 400)
    index = http.get("/api").json()
    assert len(index["endpoints"]) == sum(len(ops) for ops in http.get("/openapi.json").json()["paths"].values())
    _json_error(http.get("/amino/nothing/v1/here"), 404)


def test_the_forecast_of_a_class_comes_with_its_backtest(world):
    http = world["http"]
    wait_until(lambda: len(http.get("/amino/compute/v1/prices/small").json()["value"]) >= 6, 120, "six price epochs")
    history = http.get("/amino/compute/v1/prices/small").json()["value"]
    forecast = http.get("/forecast/small", params={"horizon": 4}).json()
    if forecast["epochs"] != len(history):  # a price epoch closed between the two reads
        history = http.get("/amino/compute/v1/prices/small").json()["value"]
    assert forecast["epochs"] == len(history) >= 6 and len(forecast["price"]) == 4
    assert all(0 <= u <= 100 for u in forecast["utilisation"]) and all(p > 0 for p in forecast["price"])
    assert forecast["backtest_price"]["points"] == len(history) - 4
    assert forecast["backtest_price"]["model_mae"] >= 0 and forecast["backtest_price"]["naive_mae"] >= 0
    _json_error(http.get("/forecast/nosuchclass"), 404)


def test_task_quote_shows_the_escrow_now_and_at_the_forecast_prices(world):
    import subprocess
    import sys

    net = world["net"]
    command = [sys.executable, "-m", "cli.main", "--home", str(net.wallet_home), "--node", net.rpc_url(0), "-o", "json",
               "task", "quote", "--class", "small", "--max-fuel", "1000000", "--replicas", "2", "--epochs", "2",
               "--gateway", world["gateway"].url]
    def price() -> int:
        return world["http"].get("/amino/compute/v1/classes").json()["value"][0]["price"]

    before = price()
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    quote = json.loads(result.stdout)
    # a price epoch may end while the command runs (a slow machine): the quote is the price before or after
    assert quote["class"] == "small" and quote["price"] in (before, price())
    assert len(quote["forecast_prices"]) == 2 == len(quote["forecast_escrows"])
    assert quote["escrow"].endswith("amio") or "AMIO" in quote["escrow"].upper()
    bad = subprocess.run(command[:-2] + ["--gateway", world["gateway"].url, "--class", "nosuch"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 1 and "no resource class" in bad.stderr and "Traceback" not in bad.stderr


def test_live_streams_new_blocks_as_server_sent_events(world):
    heights = []
    with httpx.stream("GET", f"{world['gateway'].url}/live", timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                heights.append(json.loads(line[6:])["height"])
                if len(heights) == 3:
                    break
    assert heights == sorted(heights) and heights[-1] > heights[0]


# -- application API (behind the API-access lock) ----------------------------------------------------------------


def _signed_get(world: dict, key: str, task_id: int) -> httpx.Response:
    headers = sign_headers(world["keyring"].signing_key(key), world["net"].chain_id, "GET", f"/v1/tasks/{task_id}",
                           task_id=task_id)
    return world["http"].get(f"/app/v1/tasks/{task_id}", headers=headers)


def _buy_access(world: dict, key: str, seconds: int, amount: int) -> None:
    owner = decode_address(world["keyring"].show(key).address)
    submit(world["rpc"], world["keyring"], world["net"].chain_id, key, MsgBuyApiAccess(owner, amount, seconds))


def test_the_application_api_refuses_unsigned_forged_and_replayed_requests(world):
    http = world["http"]
    body = _json_error(http.get(f"/app/v1/tasks/{world['task_id']}"), 401)
    assert "not signed" in body["message"]
    headers = sign_headers(world["keyring"].signing_key("alice"), "another-chain", "GET",
                           f"/v1/tasks/{world['task_id']}", task_id=world["task_id"])
    _json_error(http.get(f"/app/v1/tasks/{world['task_id']}", headers=headers), 401)
    headers = sign_headers(world["keyring"].signing_key("alice"), world["net"].chain_id, "GET",
                           f"/v1/tasks/{world['task_id']}", task_id=world["task_id"])
    first = http.get(f"/app/v1/tasks/{world['task_id']}", headers=headers)
    assert first.status_code in (200, 403), first.text
    body = _json_error(http.get(f"/app/v1/tasks/{world['task_id']}", headers=headers), 401)
    assert "replayed" in body["message"]


def test_without_an_api_access_lock_the_application_api_answers_403_saying_how_to_buy_it(world):
    body = _json_error(_signed_get(world, "dave", world["task_id"]), 403)
    assert "never bought API access" in body["message"] and "amino tx lock api-access" in body["message"]
    _buy_access(world, "frank", 6, 60)
    frank = world["keyring"].show("frank").address
    # while its access runs, frank gets past the lock check (and is refused only because the task is not his)
    assert "belongs to" in _json_error(_signed_get(world, "frank", world["task_id"]), 403)["message"]
    wait_until(lambda: not (view := world["http"].get(f"/amino/locks/v1/api_access/{frank}").json()["value"])["active"]
               and view["access_until"] > 0, 30, "frank's access to run out")
    body = _json_error(_signed_get(world, "frank", world["task_id"]), 403)
    assert "API access ended at" in body["message"]


def test_a_task_runs_end_to_end_through_the_application_api(world, tmp_path):
    _buy_access(world, "dave", 3600, 1_000_000)  # a large lock: 1000 requests a minute
    dave = world["keyring"].show("dave").address
    assert world["http"].get(f"/amino/locks/v1/api_access/{dave}").json()["value"]["active"]
    chain = ChainClient(world["net"].rpc_url(0), world["keyring"].signing_key("dave"), world["net"].chain_id)
    tasks = TaskClient(chain, gateway=world["gateway"].url)
    _wat, reference, sample = EXAMPLES["hash_chain"]
    try:
        summary = tasks.run(build("hash_chain"), sample, class_name="small", replicas=2, timeout=300)
    finally:
        tasks.close()
        chain.close()
    assert summary.state == "settled", summary
    assert summary.output == reference(sample)
    followed = _signed_get(world, "dave", summary.task_id).json()
    assert followed["customer"] == dave and followed["state"] == "settled"
    # the task is dave's: another account with access cannot follow it or move its blobs
    body = _json_error(_signed_get(world, "alice", summary.task_id), 403)
    assert "no active API-access lock" in body["message"] or "belongs to" in body["message"]


def test_the_rate_limit_follows_the_lock(world):
    _buy_access(world, "erin", 60, 600)  # the minimum allowance: 10 requests a minute
    answers = [_signed_get(world, "erin", world["task_id"]).status_code for _ in range(12)]
    assert answers.count(429) >= 1 and answers[:10].count(429) == 0, answers
    limited = _signed_get(world, "erin", world["task_id"])
    body = _json_error(limited, 429)
    assert "10 requests per minute" in body["message"] and int(limited.headers["retry-after"]) >= 1


# -- explorer in a real browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "chromium is missing: ./scripts/setup.sh installs Debian's chromium package"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser, world):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=world["gateway"].url)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.problems = problems
    yield tab
    context.close()
    assert problems == [], problems


def _visit(page, path: str, shot: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)


def test_every_explorer_page_renders_real_data(page, world):
    task_id = world["task_id"]
    transfer = world["transfers"][0]
    _visit(page, "/", "dashboard")
    assert int(page.locator("#dash-height").inner_text()) > 5
    assert "1,000,000,000 AMIO" in page.locator("#supply").inner_text()
    assert page.locator("#supply tr").count() >= 5 and page.locator("svg.chart rect").count() > 5
    _visit(page, "/explorer/blocks", "blocks")
    assert page.locator("#latest-blocks tbody tr").count() == 20
    _visit(page, f"/explorer/block/{transfer['height']}", "block")
    assert transfer["tx_hash"].upper()[:8] in page.locator("#block-txs").inner_text()
    assert "bank/send" in page.locator("#block-txs").inner_text() and page.locator("#signatures tbody tr").count() >= 3
    _visit(page, f"/explorer/tx/{transfer['tx_hash']}", "tx")
    assert "bank/send" in page.locator("#tx-messages").inner_text() and "success" in page.inner_text("#tx-summary")
    _visit(page, f"/explorer/account/{world['bob']}", "account")
    assert "AMIO" in page.inner_text("#account-balance")
    assert world["operator"][:10] in page.inner_text("#staking")
    assert "staking/delegate" in page.inner_text("#account-txs")
    # the localnet's unbonding period is short: on a slow machine bob's unbonding may have matured already
    if page.locator("#unbondings").count():
        assert "0.5 AMIO" in page.inner_text("#unbondings") and "UTC" in page.inner_text("#unbondings")
    else:  # then the chain, asked after the page was rendered, has none either
        assert world["http"].get(f"/amino/staking/v1/delegations/{world['bob']}").json()["value"]["unbondings"] == []
    _visit(page, f"/explorer/account/{world['heidi']}", "account-with-api-access")
    assert "api" in page.inner_text("#locks") and "0.036 AMIO" in page.inner_text("#locks")
    assert "active" in page.inner_text("#api-access") and "UTC" in page.inner_text("#api-access")
    _visit(page, "/explorer/supernodes", "supernodes")
    assert page.locator("#supernodes tbody tr").count() >= 4 and page.locator("#uptime .cell.signed").count() > 20
    _visit(page, "/explorer/masternodes", "masternodes")
    assert "master0" in page.inner_text("#masternodes") and "active" in page.inner_text("#masternodes")
    _visit(page, "/explorer/workers", "workers")
    assert page.locator("#workers tbody tr").count() == 3 and "online" in page.inner_text("#workers")
    _visit(page, "/explorer/tasks", "tasks")
    assert str(task_id) in page.inner_text("#tasks") and "settled" in page.inner_text("#tasks")
    _visit(page, f"/explorer/task/{task_id}", "task")
    timeline = page.inner_text("#timeline")
    for step in ("submitted", "allocated", "assigned", "committed", "delivered", "settled"):
        assert step in timeline, (step, timeline)
    assert "result_revealed" in page.inner_text("#task-events") and "block end" in page.inner_text("#task-events")
    _visit(page, "/explorer/apps", "apps")
    assert "hash_chain" in page.inner_text("#apps") and "verified" in page.inner_text("#apps")
    _visit(page, "/explorer/classes", "classes")
    assert "small" in page.inner_text("#classes") and page.locator("svg.chart polyline").count() >= 4
    assert "uamio" in page.inner_text("#forecast-small") and "Backtest over" in page.inner_text("main")
    assert page.locator("svg.chart polyline.forecast").count() == page.locator("#classes tbody tr").count()


def test_the_governance_pages_show_proposals_with_their_tally_and_votes(page, world):
    proposal_id = world["proposal"]["id"]
    _visit(page, "/", "dashboard-governance")
    page.click("#dash-governance a >> nth=0")
    page.wait_for_url("**/explorer/governance")
    page.screenshot(path=str(ARTIFACTS / "governance.png"), full_page=True)
    row = page.locator("#proposals tbody tr", has_text=world["proposal"]["title"])
    assert row.count() == 1
    text = row.inner_text()
    assert "text" in text and "1,000 AMIO" in text and "UTC" in text  # kind, deposit, voting end
    assert re.search(r"voting period|passed|rejected", text), text  # 20 s of voting: it may have ended already
    assert row.locator(".stack .seg").count() == 2  # yes and no have votes: two bar segments
    row.locator("a").first.click()
    page.wait_for_url(f"**/explorer/proposal/{proposal_id}")
    page.screenshot(path=str(ARTIFACTS / "proposal.png"), full_page=True)
    assert page.inner_text("#proposal-id") == str(proposal_id)
    votes = page.inner_text("#votes")
    yes_voter, no_voter = world["voters"]
    assert yes_voter[:10] in votes and no_voter[:10] in votes and "yes" in votes and "no" in votes
    tally = page.inner_text("#tally")
    assert "Turnout" in tally and "quorum 33.40%" in tally and "threshold 50.00%" in tally
    assert re.search(r"Votes cast\s+[1-9][0-9,.]* AMIO", tally), tally
    assert page.locator("#tally .stack .seg").count() == 2
    assert "1,000 AMIO of 1,000 AMIO needed" in page.inner_text("#proposal-summary")
    response = page.goto("/explorer/proposal/999999")
    assert response.status == 404 and "no proposal" in page.inner_text("#error-message")
    page.problems.clear()  # the browser logs the 404 document itself


def test_navigation_and_search_work(page, world):
    page.goto("/")
    page.click("nav >> text=Super nodes")
    page.wait_for_url("**/explorer/supernodes")
    page.click("nav >> text=Blocks")
    page.wait_for_url("**/explorer/blocks")
    page.locator("#latest-blocks tbody tr a").first.click()
    page.wait_for_url(re.compile(r".*/explorer/block/\d+$"))
    searches = [(str(world["transfers"][0]["height"]), f"/explorer/block/{world['transfers'][0]['height']}"),
                (world["transfers"][0]["tx_hash"], "/explorer/tx/"),
                (world["bob"], f"/explorer/account/{world['bob']}"),
                (f"task {world['task_id']}", f"/explorer/task/{world['task_id']}")]
    for text, expected in searches:
        page.fill("#search", text)
        page.press("#search", "Enter")
        page.wait_for_url(f"**{expected}*")
        assert page.locator("h1").count() == 1
    page.screenshot(path=str(ARTIFACTS / "search-result.png"), full_page=True)
    for text in ("nothing-like-this", "amio1/../../api"):
        response = page.goto(f"/explorer/search?q={text}")
        assert response.status == 404 and "Nothing matches" in page.inner_text("#error-message"), text
    page.problems.clear()  # the browser logs the 404 of the page itself as a console error


def test_the_height_updates_live_without_reloading(page, world):
    page.goto("/")
    first = int(page.inner_text("#live-height"))
    page.evaluate("window.__marker = 'same page'")
    page.wait_for_function(f"Number(document.getElementById('live-height').textContent) > {first + 1}", timeout=20_000)
    assert page.evaluate("window.__marker") == "same page"  # updated in place, not by a reload
    newest = int(page.locator("#latest-blocks tbody tr a").first.inner_text())
    assert newest > first
    assert page.get_attribute("#live-dot", "class") == "dot on"
    page.screenshot(path=str(ARTIFACTS / "dashboard-live.png"), full_page=True)


def test_explorer_errors_are_pages_not_tracebacks(page, world):
    response = page.goto("/explorer/block/999999999")
    assert response.status == 404 and "no block at height" in page.inner_text("#error-message")
    response = page.goto("/explorer/tx/nothex")
    assert response.status == 400 and "not a tx hash" in page.inner_text("#error-message")
    response = page.goto("/explorer/account/amio1bad")
    assert response.status == 400
    page.problems.clear()  # the 4xx documents themselves are logged by the browser
