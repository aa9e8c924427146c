"""bank/multi_send: pre state, message, post state; one test_invalid_<reason> per error code."""

import pytest

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.errors import (
    ErrInsufficientFunds,
    ErrInvalidAddress,
    ErrInvalidAmount,
    ErrLockedByVesting,
    ErrTooManyOutputs,
)
from chain_modules.bank.handlers import handle_multi_send
from chain_modules.bank.invariants import check_supply
from chain_modules.bank.state import set_supply
from chain_modules.bank.types import MAX_MULTI_SEND_OUTPUTS, MsgMultiSend, Output, VestingSchedule
from chain_modules.common.amount import MAX_AMOUNT
from tests.modules.bank.helpers import ALICE, BOB, CAROL, DAVE, NOW, attributes, balances, context, pre_state, snapshot

MONTH = 30 * 86_400


def multi(*outputs: tuple[bytes, int]) -> MsgMultiSend:
    return MsgMultiSend(ALICE.address, tuple(Output(to, amount) for to, amount in outputs))


# -- handle_multi_send: success ------------------------------------------------------------


def test_multi_send_pays_every_output_and_takes_the_total_from_the_sender():
    state = pre_state({ALICE.address: 1_000})
    handle_multi_send(state, context(), multi((BOB.address, 100), (CAROL.address, 200), (DAVE.address, 300)))
    assert balances(state, ALICE.address, BOB.address, CAROL.address, DAVE.address) == [400, 100, 200, 300]


def test_multi_send_of_exactly_the_balance_succeeds():
    state = pre_state({ALICE.address: 600})
    set_supply(state, 600)
    handle_multi_send(state, context(), multi((BOB.address, 100), (CAROL.address, 500)))
    assert balances(state, ALICE.address, BOB.address, CAROL.address) == [0, 100, 500]
    check_supply(state)


def test_multi_send_adds_up_repeated_outputs_to_one_recipient():
    state = pre_state({ALICE.address: 1_000})
    handle_multi_send(state, context(), multi((BOB.address, 10), (BOB.address, 20), (BOB.address, 30)))
    assert balances(state, ALICE.address, BOB.address) == [940, 60]


def test_multi_send_with_an_output_to_the_sender_keeps_that_part():
    state = pre_state({ALICE.address: 1_000})
    handle_multi_send(state, context(), multi((ALICE.address, 700), (BOB.address, 300)))
    assert balances(state, ALICE.address, BOB.address) == [700, 300]


def test_multi_send_emits_one_spent_event_for_the_total_and_a_transfer_per_output():
    state = pre_state({ALICE.address: 1_000})
    handle_multi_send(state, context(), multi((BOB.address, 1), (CAROL.address, 2)))
    assert [event.type for event in state.events] == [
        "coin_spent",
        "coin_received",
        "transfer",
        "coin_received",
        "transfer",
    ]
    spent, bob_received, bob_transfer, carol_received, carol_transfer = (attributes(e) for e in state.events)
    assert spent == {"spender": ALICE.bech32, "amount": "3uamio"}
    assert bob_received == {"receiver": BOB.bech32, "amount": "1uamio"}
    assert bob_transfer == {"sender": ALICE.bech32, "recipient": BOB.bech32, "amount": "1uamio"}
    assert carol_received == {"receiver": CAROL.bech32, "amount": "2uamio"}
    assert carol_transfer == {"sender": ALICE.bech32, "recipient": CAROL.bech32, "amount": "2uamio"}


def test_multi_send_can_spend_the_unlocked_part_of_a_vesting_balance():
    schedule = VestingSchedule("linear", 1_000, NOW - MONTH, NOW + MONTH)  # 500 unlocked at NOW
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: schedule})
    handle_multi_send(state, context(), multi((BOB.address, 250), (CAROL.address, 250)))
    assert balances(state, ALICE.address, BOB.address, CAROL.address) == [500, 250, 250]


# -- handle_multi_send: one test per error code ----------------------------------------------


def test_invalid_insufficient_funds_pays_no_output_even_when_the_first_ones_fit():
    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds) as raised:
        handle_multi_send(state, context(), multi((BOB.address, 600), (CAROL.address, 400), (DAVE.address, 1)))
    assert (raised.value.codespace, raised.value.code) == ("bank", 2)
    assert snapshot(state) == before
    assert balances(state, ALICE.address, BOB.address, CAROL.address, DAVE.address) == [1_000, 0, 0, 0]


def test_invalid_insufficient_funds_when_outputs_add_up_beyond_64_bits():
    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    with pytest.raises(ErrInsufficientFunds):
        handle_multi_send(state, context(), multi((BOB.address, MAX_AMOUNT), (CAROL.address, MAX_AMOUNT)))
    assert snapshot(state) == before


def test_invalid_locked_by_vesting_pays_no_output():
    schedule = VestingSchedule("linear", 1_000, NOW - MONTH, NOW + MONTH)  # 500 locked at NOW
    state = pre_state({ALICE.address: 1_000}, {ALICE.address: schedule})
    before = snapshot(state)
    with pytest.raises(ErrLockedByVesting) as raised:
        handle_multi_send(state, context(), multi((BOB.address, 300), (CAROL.address, 201)))
    assert (raised.value.codespace, raised.value.code) == ("bank", 6)
    assert snapshot(state) == before


# -- MsgMultiSend.from_body ------------------------------------------------------------------


def body(outputs=None, **overrides) -> dict:
    fields = {"from": ALICE.address, "outputs": outputs if outputs is not None else [{"to": BOB.address, "amount": 5}]}
    fields.update(overrides)
    return fields


def test_from_body_reads_a_well_formed_body():
    msg = MsgMultiSend.from_body(body([{"to": BOB.address, "amount": 5}, {"to": CAROL.address, "amount": 6}]))
    assert msg == multi((BOB.address, 5), (CAROL.address, 6))


def test_from_body_inverts_to_body():
    msg = multi((BOB.address, 1), (CAROL.address, MAX_AMOUNT))
    assert MsgMultiSend.from_body(msg.to_body()) == msg


def test_from_body_accepts_the_maximum_number_of_outputs():
    outputs = [{"to": BOB.address, "amount": 1}] * MAX_MULTI_SEND_OUTPUTS
    msg = MsgMultiSend.from_body(body(outputs))
    assert len(msg.outputs) == 100
    assert msg.gas() == 2_000 + 1_000 * 100


def test_from_body_rejects_one_output_more_than_the_maximum():
    outputs = [{"to": BOB.address, "amount": 1}] * (MAX_MULTI_SEND_OUTPUTS + 1)
    with pytest.raises(ErrTooManyOutputs, match="101") as raised:
        MsgMultiSend.from_body(body(outputs))
    assert (raised.value.codespace, raised.value.code) == ("bank", 5)


def test_from_body_rejects_an_extra_field():
    with pytest.raises(ErrInvalidMessage):
        MsgMultiSend.from_body(body(memo=""))


@pytest.mark.parametrize("missing", ["from", "outputs"])
def test_from_body_rejects_a_missing_field(missing):
    fields = body()
    del fields[missing]
    with pytest.raises(ErrInvalidMessage):
        MsgMultiSend.from_body(fields)


@pytest.mark.parametrize("outputs", [[], {}, "outputs", {"to": BOB.address, "amount": 5}])
def test_from_body_rejects_outputs_that_are_not_a_non_empty_list(outputs):
    with pytest.raises(ErrInvalidMessage):
        MsgMultiSend.from_body({"from": ALICE.address, "outputs": outputs})


@pytest.mark.parametrize(
    "output",
    [
        {"to": BOB.address},
        {"amount": 5},
        {"to": BOB.address, "amount": 5, "memo": ""},
        [BOB.address, 5],
        None,
    ],
)
def test_from_body_rejects_an_output_that_is_not_exactly_to_and_amount(output):
    with pytest.raises(ErrInvalidMessage):
        MsgMultiSend.from_body(body([{"to": BOB.address, "amount": 5}, output]))


@pytest.mark.parametrize("length", [19, 21])
def test_from_body_rejects_an_output_address_of_the_wrong_length(length):
    with pytest.raises(ErrInvalidAddress):
        MsgMultiSend.from_body(body([{"to": b"\x02" * length, "amount": 5}]))


@pytest.mark.parametrize("length", [19, 21])
def test_from_body_rejects_a_sender_address_of_the_wrong_length(length):
    with pytest.raises(ErrInvalidAddress):
        MsgMultiSend.from_body(body(**{"from": b"\x02" * length}))


@pytest.mark.parametrize("amount", [0, -5, True, False, 1.0, "5", MAX_AMOUNT + 1])
def test_from_body_rejects_an_output_amount_that_is_not_a_positive_integer(amount):
    with pytest.raises(ErrInvalidAmount):
        MsgMultiSend.from_body(body([{"to": BOB.address, "amount": 5}, {"to": CAROL.address, "amount": amount}]))


def test_invalid_multi_send_with_a_module_account_among_the_outputs():
    from chain_modules.bank.errors import ErrModuleAccountRecipient
    from chain_modules.bank.types import Output, module_address
    from chain_modules.bank.handlers import handle_multi_send
    from chain_modules.bank.types import MsgMultiSend
    from tests.modules.bank.helpers import ALICE, BOB, context, pre_state, snapshot

    state = pre_state({ALICE.address: 1_000})
    before = snapshot(state)
    msg = MsgMultiSend(ALICE.address, (Output(BOB.address, 5), Output(module_address("compute_deposits"), 5)))
    with pytest.raises(ErrModuleAccountRecipient):
        handle_multi_send(state, context(), msg)
    assert snapshot(state) == before


def test_every_module_account_is_listed_and_refused():
    from chain_modules.bank.types import MODULE_ACCOUNTS, MODULE_ACCOUNT_NAMES
    from chain_modules.compute.api import DEPOSITS, ESCROW, REVENUE_POOL
    from chain_modules.distribution.api import DISTRIBUTION_POOL
    from chain_modules.locks.api import LOCKS_POOL
    from chain_modules.staking.api import BONDED_POOL, UNBONDING_POOL

    assert {DEPOSITS, ESCROW, REVENUE_POOL, DISTRIBUTION_POOL, LOCKS_POOL, BONDED_POOL, UNBONDING_POOL} <= MODULE_ACCOUNTS
    assert len(MODULE_ACCOUNTS) == len(MODULE_ACCOUNT_NAMES)
    with pytest.raises(AssertionError):
        from chain_modules.bank.types import module_address

        module_address("not_registered")
