"""REST routes over the chain's history: status, blocks, txs (broadcast, by hash, by events, by account)."""

from __future__ import annotations

import base64
import binascii
import json
import re

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from chain_modules.common.address import AddressError, decode_address
from chain_modules.common.encoding import decode
from gateway.errors import BODY_TOO_LARGE, GatewayError, bad_request
from gateway.render import decoded_tx, events, tx_view
from gateway.rpc import RpcFailure

MAX_TX_BODY = 1 << 20  # bytes of JSON; the chain's own max tx size is smaller and checked by CheckTx
MAX_SEARCH_PAGE = 100
_HASH = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
# CometBFT's query language: conditions joined by AND; keep the text small and printable
_EVENT_QUERY = re.compile(r"[A-Za-z0-9_.]+ *(=|<|>|<=|>=|CONTAINS|EXISTS)[ A-Za-z0-9_.'=<>:/,-]*", re.ASCII)

router = APIRouter()


class Status(BaseModel):
    chain_id: str
    height: int
    time: str
    app_hash: str
    catching_up: bool
    node_version: str


class BlockSummary(BaseModel):
    height: int
    hash: str
    time: str
    proposer: str
    num_txs: int


class BlockList(BaseModel):
    blocks: list[BlockSummary]
    next_before: int | None


class Signature(BaseModel):
    validator: str
    signed: bool


class Block(BaseModel):
    height: int
    hash: str
    time: str
    proposer: str
    app_hash: str
    txs: list[dict]
    events: list[dict]
    signatures: list[Signature]


class Broadcast(BaseModel):
    tx: str  # base64 of the signed tx bytes


class BroadcastAnswer(BaseModel):
    hash: str
    code: int
    codespace: str
    log: str


class TxAnswer(BaseModel):
    hash: str
    height: int
    index: int
    code: int
    codespace: str
    log: str
    gas_wanted: int
    gas_used: int
    tx: dict
    events: list[dict]


class TxPagination(BaseModel):
    next_key: str | None  # "<height>.<index>" of the last tx of this page; null on the last page
    total: int  # txs the query matches


class TxPage(BaseModel):
    txs: list[TxAnswer]
    pagination: TxPagination


@router.get("/status", response_model=Status, tags=["chain"], summary="chain id, latest height, time and app hash")
async def status(request: Request) -> Status:
    result = await request.app.state.rpc.status()
    sync = result["sync_info"]
    return Status(chain_id=result["node_info"]["network"], height=int(sync["latest_block_height"]),
                  time=sync["latest_block_time"], app_hash=sync["latest_app_hash"],
                  catching_up=bool(sync["catching_up"]), node_version=result["node_info"].get("version", ""))


def _summary(meta: dict) -> BlockSummary:
    header = meta["header"]
    return BlockSummary(height=int(header["height"]), hash=meta["block_id"]["hash"], time=header["time"],
                        proposer=header["proposer_address"], num_txs=int(meta.get("num_txs", 0)))


@router.get("/blocks", response_model=BlockList, tags=["chain"], summary="the newest blocks, or those below ?before=")
async def blocks(request: Request, limit: int = Query(20, ge=1, le=20),
                 before: int | None = Query(None, ge=2, le=2**63 - 1)) -> BlockList:
    rpc = request.app.state.rpc
    latest = await rpc.latest_height()
    high = latest if before is None else min(before - 1, latest)
    low = max(1, high - limit + 1)
    metas = await rpc.blockchain(low, high)
    return BlockList(blocks=[_summary(m) for m in metas], next_before=low if low > 1 else None)


async def _block(request: Request, height: int) -> Block:
    rpc = request.app.state.rpc
    result = await rpc.block(height)
    results = await rpc.block_results(height)
    block = result["block"]
    header = block["header"]
    raw_txs = [base64.b64decode(tx) for tx in block["data"].get("txs") or []]
    tx_results = results.get("txs_results") or []
    txs = []
    for index, raw in enumerate(raw_txs):
        outcome = tx_results[index] if index < len(tx_results) else {}
        txs.append({"hash": binascii.hexlify(_sha256(raw)).decode().upper(), "code": int(outcome.get("code", 0)),
                    "log": outcome.get("log", ""), "tx": decoded_tx(raw), "events": events(outcome.get("events"))})
    signatures = [Signature(validator=sig.get("validator_address") or "", signed=sig.get("block_id_flag") == 2)
                  for sig in (block.get("last_commit") or {}).get("signatures") or []]
    return Block(height=int(header["height"]), hash=result["block_id"]["hash"], time=header["time"],
                 proposer=header["proposer_address"], app_hash=header["app_hash"], txs=txs,
                 events=events(results.get("finalize_block_events")), signatures=signatures)


def _sha256(raw: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(raw).digest()


@router.get("/blocks/latest", response_model=Block, tags=["chain"], summary="the newest block")
async def latest_block(request: Request) -> Block:
    return await _block(request, await request.app.state.rpc.latest_height())


def _json(body: bytes) -> Response:
    return Response(body, media_type="application/json")


@router.get("/blocks/{height}", response_model=Block, tags=["chain"],
            summary="a block: txs, events, proposer and the signatures of the previous block's commit")
async def block(request: Request, height: int = Path(ge=1, le=2**63 - 1)) -> Response:
    # a committed block never changes: its rendered answer is cached (the first answer is checked against Block)
    rpc = request.app.state.rpc
    cached = rpc.answers.get(("block", height))
    if cached is not None:
        return _json(cached)
    latest = await rpc.latest_height()
    if height > latest:
        raise GatewayError(404, f"no block at height {height} yet (latest is {latest})", 5)
    body = (await _block(request, height)).model_dump_json().encode()
    rpc.answers.put(("block", height), body)
    return _json(body)


async def _read_body(request: Request, limit: int = MAX_TX_BODY) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise GatewayError(413, f"request body over {limit} bytes", BODY_TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise GatewayError(413, f"request body over {limit} bytes", BODY_TOO_LARGE)
    return bytes(body)


@router.post("/txs", response_model=BroadcastAnswer, tags=["txs"],
             summary="broadcast a signed tx (JSON {\"tx\": base64}); answers its hash once CheckTx accepted it",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": Broadcast.model_json_schema()}}}})
async def broadcast(request: Request) -> BroadcastAnswer:
    body = await _read_body(request)
    try:
        payload = Broadcast.model_validate(json.loads(body))
        raw = base64.b64decode(payload.tx, validate=True)
    except (ValueError, TypeError):
        raise bad_request('the body must be JSON {"tx": "<base64 of the signed tx bytes>"}') from None
    if not raw:
        raise bad_request("the tx is empty")
    try:
        result = await request.app.state.rpc.call("broadcast_tx_sync", tx=base64.b64encode(raw).decode())
    except RpcFailure as exc:
        raise bad_request(f"the node refused the tx: {exc.data or exc}") from None
    answer = BroadcastAnswer(hash=result["hash"], code=int(result.get("code", 0)),
                             codespace=result.get("codespace", ""), log=result.get("log", ""))
    if answer.code:
        raise GatewayError(400, answer.log or "CheckTx refused the tx", answer.code, answer.codespace or "tx")
    return answer


class SimulateAnswer(BaseModel):
    gas_used: int
    code: int
    codespace: str
    log: str
    events: list


@router.post("/txs/simulate", response_model=SimulateAnswer, tags=["txs"],
             summary="the gas a tx (JSON {\"tx\": base64}; its signature is not checked) would use on the current "
                     "state, with its result and events; nothing is written (the chain's /app/simulate query)",
             openapi_extra={"x-chain-query": "/app/simulate", "requestBody": {"required": True, "content": {
                 "application/json": {"schema": Broadcast.model_json_schema()}}}})
async def simulate(request: Request) -> SimulateAnswer:
    body = await _read_body(request)
    try:
        raw = base64.b64decode(Broadcast.model_validate(json.loads(body)).tx, validate=True)
    except (ValueError, TypeError):
        raise bad_request('the body must be JSON {"tx": "<base64 of the tx bytes>"}') from None
    try:
        result = (await request.app.state.rpc.call("abci_query", path="/app/simulate", data=raw.hex(), height="0",
                                                   prove=False))["response"]
    except RpcFailure as exc:
        raise bad_request(f"the node refused the simulation: {exc.data or exc}") from None
    if int(result.get("code", 0)):
        raise GatewayError(400, result.get("log", "") or "the tx cannot be simulated", int(result["code"]),
                           result.get("codespace", "") or "app")
    answer = decode(base64.b64decode(result.get("value") or ""))
    return SimulateAnswer(**answer)


@router.get("/txs/{tx_hash}", response_model=TxAnswer, tags=["txs"],
            summary="a committed tx: decoded messages, result and events")
async def tx(request: Request, tx_hash: str = Path(description="64 hex digits")) -> Response:
    if _HASH.fullmatch(tx_hash) is None:
        raise bad_request(f"{tx_hash!r} is not a tx hash (64 hex digits)")
    rpc = request.app.state.rpc
    key = ("tx", tx_hash.upper())
    cached = rpc.answers.get(key)
    if cached is None:  # a committed tx never changes: its rendered answer is cached
        cached = TxAnswer(**tx_view(await rpc.tx(bytes.fromhex(tx_hash)))).model_dump_json().encode()
        rpc.answers.put(key, cached)
    return _json(cached)


_TX_KEY = re.compile(r"([0-9]{1,19})\.([0-9]{1,9})", re.ASCII)


def tx_key(item: dict) -> str:
    """A tx's position in the chain, "<height>.<index>": the key of key-based tx search pages."""
    return f"{int(item['height'])}.{int(item['index'])}"


async def _tx_search(rpc, query: str, page: int, per_page: int) -> dict:
    try:
        return await rpc.call("tx_search", query=query, prove=False, page=str(page), per_page=str(per_page),
                              order_by="desc")
    except RpcFailure as exc:
        raise bad_request(f"the tx index refused the query: {exc.data or exc}") from None


async def search(rpc, query: str, limit: int, after: str | None) -> TxPage:
    """One page of the txs ``query`` matches, newest first (height, then index in the block, descending).

    CometBFT's tx_search pages by number, so a page shifts when new txs commit; the gateway pages by key
    instead: ``after`` is the position ("<height>.<index>") of the last tx of the previous page, and the next
    page is the txs strictly older than it: the rest of its block (tx.height=H, index below I), then the blocks
    below it (tx.height<H). A page is stable however many txs commit meanwhile.
    """
    if after is None:
        first = await _tx_search(rpc, query, 1, limit)
        items = list(first.get("txs") or [])
        total = int(first.get("total_count", 0))
        more = total > len(items)
    else:
        match = _TX_KEY.fullmatch(after)
        if match is None:
            raise bad_request(f"{after!r} is not a tx search key (\"<height>.<index>\": pagination.next_key of the "
                              "previous page)")
        height, index = int(match.group(1)), int(match.group(2))
        rest: list[dict] = []
        page = 1
        while True:  # the rest of block `height`; bounded by the txs of one block
            result = await _tx_search(rpc, f"{query} AND tx.height={height}", page, MAX_SEARCH_PAGE)
            found = result.get("txs") or []
            rest += [item for item in found if int(item["index"]) < index]
            if not found or page * MAX_SEARCH_PAGE >= int(result.get("total_count", 0)):
                break
            page += 1
        rest.sort(key=lambda item: -int(item["index"]))
        items = rest[:limit]
        older = await _tx_search(rpc, f"{query} AND tx.height<{height}", 1, max(limit - len(items), 1))
        older_txs = older.get("txs") or []
        older_total = int(older.get("total_count", 0))
        taken = older_txs[:limit - len(items)]
        items += taken
        more = len(rest) > limit or older_total > len(taken)
        total = int((await _tx_search(rpc, query, 1, 1)).get("total_count", 0))
    next_key = tx_key(items[-1]) if more and items else None
    return TxPage(txs=[TxAnswer(**tx_view(item)) for item in items],
                  pagination=TxPagination(next_key=next_key, total=total))


AFTER_DOC = "pagination.next_key of the previous page (\"<height>.<index>\" of its last tx)"


@router.get("/txs", response_model=TxPage, tags=["txs"],
            summary="search the tx index, newest first: ?events=type.key='value' [AND ...] (CometBFT's query "
                    "language); pages by key (?after=pagination.next_key)")
async def search_txs(request: Request, events: str = Query(min_length=3, max_length=512),
                     limit: int = Query(20, ge=1, le=MAX_SEARCH_PAGE),
                     after: str | None = Query(None, max_length=32, description=AFTER_DOC)) -> TxPage:
    conditions = [part.strip() for part in events.split(" AND ")]
    if not all(_EVENT_QUERY.fullmatch(part) for part in conditions):
        raise bad_request(f"{events!r} is not an event query (type.key='value', joined by AND)")
    return await search(request.app.state.rpc, events, limit, after)


@router.get("/accounts/{address}/txs", response_model=TxPage, tags=["txs"],
            summary="the txs an account signed (tx.fee_payer; not the txs that merely mention it), newest first; "
                    "pages by key (?after=pagination.next_key)")
async def account_txs(request: Request, address: str, limit: int = Query(20, ge=1, le=MAX_SEARCH_PAGE),
                      after: str | None = Query(None, max_length=32, description=AFTER_DOC)) -> TxPage:
    try:
        decode_address(address)
    except (AddressError, ValueError) as exc:
        raise bad_request(f"{address!r} is not an address: {exc}") from None
    return await search(request.app.state.rpc, f"tx.fee_payer='{address}'", limit, after)
