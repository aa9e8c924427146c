"""bank/send: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import ErrInsufficientFunds, ErrInvalidAddress, ErrInvalidAmount, ErrLockedByVesting
from chain_modules.bank.handlers import handle_send
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.keys import balance_key
from chain_modules.bank.state import set_supply
from chain_modules.bank.types import MsgSend, VestingSchedule
from chain_modules.common.amount import MAX_AMOUNT
from tests.modules.bank.helpers import ALICE, BOB, NOW, attributes, balances, context, pre_state, snapshot

MONTH = 30 * 86_400


# -- handle_send: success ----------------------------------------------------------------


def test_send_moves_amount_from_sender_to_recipient():
    state = pre_state({ALICE.address: 1_000})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 300))
    assert balances(state, ALICE.address, BOB.address) == [700, 300]


def test_send_keeps_the_total_of_balances():
    state = pre_state({ALICE.address: 1_000, BOB.address: 5})
    set_supply(state, 1_005)
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 999))
    check_supply(state)


def test_send_of_the_whole_balance_deletes_the_sender_entry():
    state = pre_state({ALICE.address: 1_000})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 1_000))
    assert state.writes[balance_key(ALICE.address)] is None
    assert state.get(balance_key(ALICE.address)) is None
    assert balances(state, BOB.address) == [1_000]


def test_send_to_self_keeps_the_balance():
    state = pre_state({ALICE.address: 1_000})
    handle_send(state, context(), MsgSend(ALICE.address, ALICE.address, 400))
    assert balances(state, ALICE.address) == [1_000]


def test_send_to_self_cannot_exceed_the_balance():
    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds):
        handle_send(state, context(), MsgSend(ALICE.address, ALICE.address, 1_001))
    assert snapshot(state) == before


def test_send_emits_spent_received_and_transfer_events_with_bech32_addresses():
    state = pre_state({ALICE.address: 1_000})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 42))
    assert [event.type for event in state.events] == ["coin_spent", "coin_received", "transfer"]
    spent, received, transfer = (attributes(event) for event in state.events)
    assert spent == {"spender": ALICE.bech32, "amount": "42uamio"}
    assert received == {"receiver": BOB.bech32, "amount": "42uamio"}
    assert transfer == {"sender": ALICE.bech32, "recipient": BOB.bech32, "amount": "42uamio"}


def test_send_writes_only_the_two_balances():
    state = pre_state({ALICE.address: 1_000})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 1))
    assert set(state.writes) == {balance_key(ALICE.address), balance_key(BOB.address)}


def test_unlocked_part_of_a_vesting_balance_can_be_sent():
    schedule = VestingSchedule("linear", 1_000, NOW - MONTH, NOW + MONTH)  # half unlocked at NOW
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: schedule})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 500))
    assert balances(state, ALICE.address, BOB.address) == [500, 500]


def test_funds_received_by_a_vesting_account_are_spendable():
    schedule = VestingSchedule("linear", 1_000, NOW, NOW + MONTH)  # all locked at NOW
    state = pre_state({ALICE.address: 1_250}, {ALICE.address: schedule})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 250))
    assert balances(state, ALICE.address, BOB.address) == [1_000, 250]


def test_send_becomes_possible_once_the_schedule_has_ended():
    schedule = VestingSchedule("linear", 1_000, NOW - 2 * MONTH, NOW - MONTH)
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: schedule})
    handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 1_000))
    assert balances(state, ALICE.address, BOB.address) == [0, 1_000]


# -- handle_send: one test per error code ---------------------------------------------------


def test_invalid_insufficient_funds_leaves_state_unchanged():
    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds) as raised:
        handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 1_001))
    assert (raised.value.codespace, raised.value.code) == ("bank", 2)
    assert snapshot(state) == before
    assert balances(state, ALICE.address, BOB.address) == [1_000, 0]


def test_invalid_send_from_an_empty_account_leaves_state_unchanged():
    state = pre_state({})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds):
        handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 1))
    assert snapshot(state) == before


def test_invalid_locked_by_vesting_leaves_state_unchanged():
    schedule = VestingSchedule("linear", 1_000, NOW - MONTH, NOW + MONTH)  # 500 locked at NOW
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: schedule})
    before = snapshot(state)
    with pytest.raises(ErrLockedByVesting) as raised:
        handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 501))
    assert (raised.value.codespace, raised.value.code) == ("bank", 6)
    assert "500uamio locked" in raised.value.log
    assert snapshot(state) == before


def test_invalid_fully_locked_balance_cannot_send_one_uamio():
    schedule = VestingSchedule("periodic", 1_000, NOW, 0, ((NOW + 1, 1_000),))
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: schedule})
    before = snapshot(state)
    with pytest.raises(ErrLockedByVesting):
        handle_send(state, context(), MsgSend(ALICE.address, BOB.address, 1))
    assert snapshot(state) == before


# -- MsgSend.from_body -------------------------------------------------------------------------


def body(**overrides) -> dict:
    fields = {"from": ALICE.address, "to": BOB.address, "amount": 5}
    fields.update(overrides)
    return fields


def test_from_body_reads_a_well_formed_body():
    assert MsgSend.from_body(body()) == MsgSend(ALICE.address, BOB.address, 5)


def test_from_body_inverts_to_body():
    msg = MsgSend(ALICE.address, BOB.address, MAX_AMOUNT)
    assert MsgSend.from_body(msg.to_body()) == msg
    assert msg.signer == ALICE.address


@pytest.mark.parametrize("raw", [None, [], "body", 5])
def test_from_body_rejects_a_body_that_is_not_a_map(raw):
    with pytest.raises(ErrInvalidMessage) as raised:
        MsgSend.from_body(raw)
    assert (raised.value.codespace, raised.value.code) == ("tx", 11)


def test_from_body_rejects_an_extra_field():
    with pytest.raises(ErrInvalidMessage, match="memo"):
        MsgSend.from_body(body(memo="hi"))


@pytest.mark.parametrize("missing", ["from", "to", "amount"])
def test_from_body_rejects_a_missing_field(missing):
    fields = body()
    del fields[missing]
    with pytest.raises(ErrInvalidMessage):
        MsgSend.from_body(fields)


@pytest.mark.parametrize("field", ["from", "to"])
@pytest.mark.parametrize("length", [0, 19, 21, 32])
def test_from_body_rejects_an_address_of_the_wrong_length(field, length):
    with pytest.raises(ErrInvalidAddress, match=repr(field)) as raised:
        MsgSend.from_body(body(**{field: b"\x01" * length}))
    assert (raised.value.codespace, raised.value.code) == ("bank", 4)


@pytest.mark.parametrize("value", [ALICE.bech32, bytearray(20), None, 20])
def test_from_body_rejects_an_address_that_is_not_bytes(value):
    with pytest.raises(ErrInvalidAddress):
        MsgSend.from_body(body(to=value))


@pytest.mark.parametrize("amount", [0, -1, MAX_AMOUNT + 1, 1.0, "1", None, b"\x01"])
def test_from_body_rejects_an_amount_that_is_not_a_positive_integer(amount):
    with pytest.raises(ErrInvalidAmount) as raised:
        MsgSend.from_body(body(amount=amount))
    assert (raised.value.codespace, raised.value.code) == ("bank", 3)


@pytest.mark.parametrize("amount", [True, False])
def test_from_body_rejects_a_bool_amount_although_bool_is_an_int(amount):
    with pytest.raises(ErrInvalidAmount):
        MsgSend.from_body(body(amount=amount))


def test_from_body_accepts_the_largest_amount():
    assert MsgSend.from_body(body(amount=MAX_AMOUNT)).amount == 2**63 - 1


@pytest.mark.parametrize("name", ["compute_escrow", "revenue_pool", "staking_bonded", "fee_collector"])
def test_invalid_send_to_a_module_account(name):
    from chain_modules.bank.errors import ErrModuleAccountRecipient
    from chain_modules.bank.types import module_address

    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrModuleAccountRecipient, match="module account"):
        handle_send(state, context(), MsgSend(ALICE.address, module_address(name), 10))
    assert snapshot(state) == before
