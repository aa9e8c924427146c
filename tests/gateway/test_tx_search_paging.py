"""Key-based paging of tx search over an RPC that answers tx_search as CometBFT v0.38 does (pages by number,
order height then index descending, tx.height conditions), with txs committing between pages."""

from __future__ import annotations

import asyncio
import base64
import re

import pytest

from gateway.errors import GatewayError
from gateway.history import search


class FakeTxIndex:
    """tx_search over (height, index, tag) rows: ``tag='x'`` plus optional ``AND tx.height=H`` / ``<H``."""

    def __init__(self, rows: list[tuple[int, int, str]]) -> None:
        self.rows = rows
        self.calls = 0

    async def call(self, method: str, **params):
        assert method == "tx_search" and params["order_by"] == "desc"
        self.calls += 1
        parts = params["query"].split(" AND ")
        tag = re.fullmatch(r"tag='(\w+)'", parts[0]).group(1)
        matched = [r for r in self.rows if r[2] == tag]
        for condition in parts[1:]:
            op, value = re.fullmatch(r"tx\.height(=|<)(\d+)", condition).groups()
            matched = [r for r in matched if (r[0] == int(value) if op == "=" else r[0] < int(value))]
        matched.sort(key=lambda r: (-r[0], -r[1]))
        page, per_page = int(params["page"]), int(params["per_page"])
        chunk = matched[(page - 1) * per_page:page * per_page]
        return {"total_count": str(len(matched)), "txs": [
            {"hash": f"{h:04d}{i:04d}", "height": str(h), "index": str(i), "tx": base64.b64encode(b"x").decode(),
             "tx_result": {"code": 0}} for h, i, _ in chunk]}


def _walk(index: FakeTxIndex, limit: int, during=None) -> list[tuple[int, int]]:
    seen, after = [], None
    while True:
        page = asyncio.run(search(index, "tag='a'", limit, after))
        seen += [(tx.height, tx.index) for tx in page.txs]
        assert len(page.txs) <= limit
        if during:
            during()
        after = page.pagination.next_key
        if after is None:
            return seen


ROWS = [(h, i, "a" if (h + i) % 3 else "b") for h in range(1, 30) for i in range(h % 5)]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_walking_the_pages_yields_every_match_once_newest_first(limit):
    index = FakeTxIndex(list(ROWS))
    expected = sorted([(h, i) for h, i, tag in ROWS if tag == "a"], key=lambda r: (-r[0], -r[1]))
    assert _walk(index, limit) == expected


def test_pages_stay_stable_while_new_txs_commit():
    index = FakeTxIndex(list(ROWS))
    expected = sorted([(h, i) for h, i, tag in ROWS if tag == "a"], key=lambda r: (-r[0], -r[1]))
    heights = iter(range(100, 200))

    def commit_more():
        index.rows += [(next(heights), 0, "a"), (next(heights), 1, "a")]

    assert _walk(index, 4, during=commit_more) == expected  # page numbers would have shifted and repeated txs


def test_total_and_the_last_page():
    index = FakeTxIndex([(5, 0, "a"), (5, 1, "a"), (4, 0, "a")])
    first = asyncio.run(search(index, "tag='a'", 2, None))
    assert first.pagination.total == 3 and first.pagination.next_key == "5.0"
    last = asyncio.run(search(index, "tag='a'", 2, "5.0"))
    assert [(t.height, t.index) for t in last.txs] == [(4, 0)]
    assert last.pagination.next_key is None and last.pagination.total == 3
    exact = asyncio.run(search(index, "tag='a'", 3, None))
    assert exact.pagination.next_key is None


@pytest.mark.parametrize("key", ["5", "5.x", "-1.0", "5.0.0", "٥.0", " 5.0", "1" * 20 + ".0"])
def test_a_malformed_key_is_a_400_before_any_rpc_call(key):
    index = FakeTxIndex([(5, 0, "a")])
    with pytest.raises(GatewayError) as error:
        asyncio.run(search(index, "tag='a'", 2, key))
    assert error.value.status == 400 and "next_key" in error.value.message and index.calls == 0
