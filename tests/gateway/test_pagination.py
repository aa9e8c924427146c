"""Key-based pagination of list values: pages follow each other by the key of the last item."""

from __future__ import annotations

import pytest

from gateway.errors import GatewayError
from gateway.queries import paginate

ITEMS = [{"operator": f"amio1op{i}", "tokens": i} for i in range(7)]


def test_pages_chain_by_the_key_of_the_last_item_until_next_key_is_null():
    seen, after = [], None
    while True:
        page, pagination = paginate(ITEMS, 3, after)
        seen += page
        assert pagination.total == 7
        if pagination.next_key is None:
            break
        assert pagination.next_key == page[-1]["operator"]
        after = pagination.next_key
    assert seen == ITEMS


def test_an_unknown_key_is_a_400_not_an_empty_page():
    with pytest.raises(GatewayError) as raised:
        paginate(ITEMS, 3, "amio1nope")
    assert raised.value.status == 400 and "not in this list" in raised.value.message


def test_items_without_a_key_field_are_keyed_by_position():
    page, pagination = paginate([1, 2, 3], 2, None)
    assert page == [1, 2] and pagination.next_key == "1"
    page, pagination = paginate([1, 2, 3], 2, "1")
    assert page == [3] and pagination.next_key is None
