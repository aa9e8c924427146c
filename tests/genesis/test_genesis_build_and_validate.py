"""Building a genesis file and validating it: supply, allocation table, validators, time; errors name the field."""

import base64
import copy
import json
import re
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from abci_app.store import MemoryState, Overlay
from chain_modules.bank.genesis import init_genesis
from chain_modules.bank.invariants import check_supply, check_vesting_within_balance_at_genesis
from chain_modules.bank.state import get_supply
from chain_modules.common.address import decode_address, encode_address
from chain_modules.common.amount import TOTAL_SUPPLY_UAMIO
from cli.main import cli
from chain_modules.bank.allocation import BPS, DAY, DEFAULT_ALLOCATIONS, MONTH, allocation_amount, split_evenly
from abci_app.genesis import GenesisError, parse_app_state
from genesis.build import GenesisValidator, build_app_state, build_genesis, write_genesis
from genesis.validate import parse_genesis_time, validate_genesis, validate_genesis_file
from tests.support import make_key

GENESIS_MOMENT = datetime(2027, 1, 15, 8, 0, 0, tzinfo=timezone.utc)
GENESIS_SECONDS = 1_800_000_000  # GENESIS_MOMENT
# Several recipients per allocation, with counts that do not divide the shares evenly.
RECIPIENT_COUNTS = {"ieo": 7, "early_investors": 3, "infrastructure": 6, "team": 9, "foundation": 11, "community": 13}


def address(allocation_index: int, recipient_index: int) -> str:
    return encode_address(bytes([allocation_index + 1, recipient_index + 1]) * 10)


def recipients() -> dict[str, list[str]]:
    return {
        name: [address(a_index, r_index) for r_index in range(RECIPIENT_COUNTS[name])]
        for a_index, (name, _, _) in enumerate(DEFAULT_ALLOCATIONS)
    }


VALIDATORS = [GenesisValidator(f"validator{i}", make_key(f"validator{i}").pubkey, 10) for i in range(3)]


def built_genesis() -> dict:
    genesis = build_genesis("amino-test", GENESIS_MOMENT, VALIDATORS, recipients())
    return json.loads(json.dumps(genesis))  # a JSON round trip, as through a file


def genesis_error(genesis: dict) -> str:
    with pytest.raises(GenesisError) as raised:
        validate_genesis(genesis)
    return str(raised.value)


def allocation(genesis: dict, index: int) -> dict:
    return genesis["app_state"]["bank"]["allocations"][index]


# -- a built genesis -------------------------------------------------------------------------


def test_built_genesis_validates():
    app = validate_genesis(built_genesis())
    assert app["bank"].extra.total_supply == TOTAL_SUPPLY_UAMIO
    assert len(app.accounts) == sum(RECIPIENT_COUNTS.values())


def test_built_genesis_validates_with_the_time_exactly_as_built():
    genesis = build_genesis("amino-test", GENESIS_MOMENT, VALIDATORS, recipients())
    assert genesis["genesis_time"] == "2027-01-15T08:00:00.000000Z"
    validate_genesis(genesis)


def test_built_genesis_balances_add_up_to_one_billion_amio_exactly():
    app = validate_genesis(built_genesis())
    assert sum(account.amount for account in app.accounts) == 10**15 == TOTAL_SUPPLY_UAMIO


def test_built_genesis_gives_each_allocation_exactly_its_share():
    genesis = built_genesis()
    for index, (name, share_bps, _) in enumerate(DEFAULT_ALLOCATIONS):
        amounts = [r["amount"] for r in allocation(genesis, index)["recipients"]]
        assert allocation(genesis, index)["name"] == name
        assert sum(amounts) == TOTAL_SUPPLY_UAMIO * share_bps // BPS
        assert max(amounts) - min(amounts) <= 1


def test_built_genesis_initialises_a_bank_whose_supply_invariant_holds():
    app = validate_genesis(built_genesis())
    state = Overlay(MemoryState())
    init_genesis(state, app.accounts, app["bank"].extra.total_supply)
    check_supply(state)
    check_vesting_within_balance_at_genesis(state)
    assert get_supply(state) == TOTAL_SUPPLY_UAMIO


def test_built_genesis_gives_every_account_a_schedule_starting_at_genesis():
    app = validate_genesis(built_genesis())
    assert all(account.vesting is not None for account in app.accounts)
    linear = [account.vesting for account in app.accounts if account.vesting.kind == "linear"]
    assert {schedule.start for schedule in linear} == {GENESIS_SECONDS}
    assert {schedule.end - schedule.start for schedule in linear} == {5 * MONTH, 10 * MONTH, 24 * MONTH, 20 * MONTH}


def test_built_genesis_lists_validators_as_cometbft_expects():
    validator = built_genesis()["validators"][0]
    assert base64.b64decode(validator["pub_key"]["value"]) == VALIDATORS[0].pubkey
    assert validator["power"] == "10"
    assert re.fullmatch(r"[0-9A-F]{40}", validator["address"])


@given(st.integers(0, 10**16), st.integers(1, 500))
def test_split_evenly_adds_up_exactly_and_differs_by_at_most_one(amount, parts):
    shares = split_evenly(amount, parts)
    assert len(shares) == parts
    assert sum(shares) == amount
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)


def test_default_table_shares_add_up_to_the_whole_supply():
    assert sum(share for _, share, _ in DEFAULT_ALLOCATIONS) == BPS
    assert sum(allocation_amount(share) for _, share, _ in DEFAULT_ALLOCATIONS) == TOTAL_SUPPLY_UAMIO


def test_build_app_state_does_not_share_the_default_table():
    app_state = build_app_state(recipients())
    ieo_schedule = app_state["bank"]["allocations"][0]["schedule"]
    assert ieo_schedule == DEFAULT_ALLOCATIONS[0][2]
    # Editing the built app_state in place must not edit the table every later validation compares against.
    assert ieo_schedule is not DEFAULT_ALLOCATIONS[0][2]
    assert ieo_schedule["periods"] is not DEFAULT_ALLOCATIONS[0][2]["periods"]


def test_build_app_state_requires_a_recipient_for_every_allocation():
    partial = recipients()
    del partial["team"]
    with pytest.raises(ValueError, match="team"):
        build_app_state(partial)


# -- app_state errors name the field ---------------------------------------------------------------


def test_invalid_share_without_matching_amounts_names_the_allocation_recipients():
    genesis = built_genesis()
    allocation(genesis, 1)["share_bps"] = 900
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations[1].recipients:")
    assert "900 bps" in message


def test_invalid_shares_not_adding_up_to_10000_bps_names_the_allocations():
    genesis = built_genesis()
    changed = allocation(genesis, 1)
    changed["share_bps"] = 900
    amounts = split_evenly(allocation_amount(900), len(changed["recipients"]))
    for recipient, amount in zip(changed["recipients"], amounts):
        recipient["amount"] = amount
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations:")
    assert "9900 bps" in message


@pytest.mark.parametrize("share", [0, -500, "1000", 1000.0, None])
def test_invalid_share_type_names_the_share_field(share):
    genesis = built_genesis()
    allocation(genesis, 2)["share_bps"] = share
    assert genesis_error(genesis).startswith("app_state.bank.allocations[2].share_bps:")


@pytest.mark.parametrize("supply", [TOTAL_SUPPLY_UAMIO - 1, TOTAL_SUPPLY_UAMIO + 1, 10**9, 0, "1000000000000000"])
def test_invalid_total_supply_names_the_total_supply(supply):
    genesis = built_genesis()
    genesis["app_state"]["bank"]["total_supply"] = supply
    assert genesis_error(genesis).startswith("app_state.bank.total_supply:")


def test_invalid_recipient_amount_off_by_one_names_the_allocation_recipients():
    genesis = built_genesis()
    allocation(genesis, 4)["recipients"][3]["amount"] += 1
    assert genesis_error(genesis).startswith("app_state.bank.allocations[4].recipients:")


def test_invalid_duplicate_address_across_allocations_names_the_second_one():
    genesis = built_genesis()
    allocation(genesis, 3)["recipients"][2]["address"] = allocation(genesis, 0)["recipients"][5]["address"]
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations[3].recipients[2].address:")
    assert "ieo" in message


def test_invalid_duplicate_address_within_an_allocation_names_the_second_one():
    genesis = built_genesis()
    allocation(genesis, 0)["recipients"][1]["address"] = allocation(genesis, 0)["recipients"][0]["address"]
    assert genesis_error(genesis).startswith("app_state.bank.allocations[0].recipients[1].address:")


@pytest.mark.parametrize(
    "bad",
    [
        "not-an-address",
        "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu",  # valid bech32, wrong prefix
        "AMIO1QYPQXPQ9QCRSSZG2PVXQ6RS0ZQG3YYC5LZV7XU",  # upper case
        "",
        42,
    ],
)
def test_invalid_recipient_address_names_the_address_field(bad):
    genesis = built_genesis()
    allocation(genesis, 5)["recipients"][0]["address"] = bad
    assert genesis_error(genesis).startswith("app_state.bank.allocations[5].recipients[0].address:")


def test_invalid_address_checksum_names_the_address_field():
    genesis = built_genesis()
    good = allocation(genesis, 2)["recipients"][1]["address"]
    last = "q" if good[-1] != "q" else "p"
    allocation(genesis, 2)["recipients"][1]["address"] = good[:-1] + last
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations[2].recipients[1].address:")
    assert "bech32" in message


@pytest.mark.parametrize(
    "where, path",
    [
        (lambda g: g["app_state"], "app_state.extra"),
        (lambda g: g["app_state"]["bank"], "app_state.bank.extra"),
        (lambda g: allocation(g, 1), "app_state.bank.allocations[1].extra"),
        (lambda g: allocation(g, 1)["schedule"], "app_state.bank.allocations[1].schedule.extra"),
        (lambda g: allocation(g, 1)["recipients"][2], "app_state.bank.allocations[1].recipients[2].extra"),
    ],
)
def test_invalid_unknown_field_is_named(where, path):
    genesis = built_genesis()
    where(genesis)["extra"] = 1
    assert genesis_error(genesis) == f"{path}: unknown field"


def test_invalid_unknown_auth_param_names_the_params():
    genesis = built_genesis()
    genesis["app_state"]["auth"]["params"]["max_fun"] = 1
    message = genesis_error(genesis)
    assert message.startswith("app_state.auth.params:")
    assert "max_fun" in message


@pytest.mark.parametrize(
    "where, field, path",
    [
        (lambda g: g["app_state"], "bank", "app_state.bank"),
        (lambda g: g["app_state"], "auth", "app_state.auth"),
        (lambda g: g["app_state"], "staking", "app_state.staking"),
        (lambda g: g["app_state"], "slashing", "app_state.slashing"),
        (lambda g: g["app_state"], "locks", "app_state.locks"),
        (lambda g: g["app_state"]["bank"], "allocations", "app_state.bank.allocations"),
        (lambda g: g["app_state"]["bank"], "total_supply", "app_state.bank.total_supply"),
        (lambda g: allocation(g, 0), "schedule", "app_state.bank.allocations[0].schedule"),
        (lambda g: allocation(g, 3), "share_bps", "app_state.bank.allocations[3].share_bps"),
        (lambda g: allocation(g, 3)["recipients"][4], "amount", "app_state.bank.allocations[3].recipients[4].amount"),
        (lambda g: allocation(g, 3)["recipients"][4], "address", "app_state.bank.allocations[3].recipients[4].address"),
    ],
)
def test_invalid_missing_field_is_named(where, field, path):
    genesis = built_genesis()
    del where(genesis)[field]
    assert genesis_error(genesis) == f"{path}: is required"


def test_invalid_missing_app_state_is_named():
    genesis = built_genesis()
    del genesis["app_state"]
    assert genesis_error(genesis) == "app_state: is required"


def test_invalid_periods_not_adding_up_to_10000_bps_names_the_periods():
    genesis = built_genesis()
    allocation(genesis, 0)["schedule"]["periods"][2][1] = 2_000
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations[0].schedule.periods:")
    assert "9000 bps" in message


def test_invalid_decreasing_period_offsets_name_the_offset():
    genesis = built_genesis()
    allocation(genesis, 0)["schedule"]["periods"] = [[0, 4000], [90 * DAY, 3000], [60 * DAY, 3000]]
    assert genesis_error(genesis).startswith("app_state.bank.allocations[0].schedule.periods[2][0]:")


def test_invalid_repeated_period_offset_names_the_offset():
    genesis = built_genesis()
    allocation(genesis, 0)["schedule"]["periods"] = [[0, 4000], [60 * DAY, 3000], [60 * DAY, 3000]]
    assert genesis_error(genesis).startswith("app_state.bank.allocations[0].schedule.periods[2][0]:")


@pytest.mark.parametrize("period", [[0], [0, 4000, 1], "0:4000", [-1, 4000], [0, 0]])
def test_invalid_malformed_period_names_the_period(period):
    genesis = built_genesis()
    allocation(genesis, 0)["schedule"]["periods"][0] = period
    assert genesis_error(genesis).startswith("app_state.bank.allocations[0].schedule.periods[0]")


def test_invalid_schedule_kind_names_the_kind():
    genesis = built_genesis()
    allocation(genesis, 1)["schedule"] = {"kind": "cliff", "duration": MONTH}
    assert genesis_error(genesis).startswith("app_state.bank.allocations[1].schedule.kind:")


def test_invalid_table_with_another_allocation_name_names_the_allocation():
    genesis = built_genesis()
    allocation(genesis, 0)["name"] = "ico"
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations[0]:")
    assert "'ieo'" in message


def test_invalid_table_with_moved_shares_names_the_first_changed_allocation():
    genesis = built_genesis()
    for index, share in ((3, 2100), (5, 1900)):
        changed = allocation(genesis, index)
        changed["share_bps"] = share
        amounts = split_evenly(allocation_amount(share), len(changed["recipients"]))
        for recipient, amount in zip(changed["recipients"], amounts):
            recipient["amount"] = amount
    message = genesis_error(genesis)
    assert message.startswith("app_state.bank.allocations[3]:")
    assert "2000 bps" in message


def test_invalid_table_with_a_shorter_schedule_names_the_allocation():
    genesis = built_genesis()
    allocation(genesis, 3)["schedule"] = {"kind": "linear", "duration": 12 * MONTH}
    assert genesis_error(genesis).startswith("app_state.bank.allocations[3]:")


def test_invalid_table_with_no_vesting_names_the_allocation():
    genesis = built_genesis()
    allocation(genesis, 4)["schedule"] = {"kind": "none"}
    assert genesis_error(genesis).startswith("app_state.bank.allocations[4]:")


def test_invalid_table_with_reordered_allocations_names_the_first_moved_one():
    genesis = built_genesis()
    allocations = genesis["app_state"]["bank"]["allocations"]
    allocations[0], allocations[1] = allocations[1], allocations[0]
    assert genesis_error(genesis).startswith("app_state.bank.allocations[0]:")


def test_a_different_table_is_accepted_when_the_default_is_not_enforced():
    app_state = built_genesis()["app_state"]
    allocation_3 = app_state["bank"]["allocations"][3]
    allocation_3["schedule"] = {"kind": "linear", "duration": 12 * MONTH}
    parsed = parse_app_state(copy.deepcopy(app_state), GENESIS_SECONDS, enforce_default_table=False)
    team = decode_address(allocation_3["recipients"][0]["address"])
    schedule = next(account.vesting for account in parsed.accounts if account.address == team)
    assert schedule.end == GENESIS_SECONDS + 12 * MONTH


# -- CometBFT part errors name the field ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        base64.b64encode(b"\x01" * 31).decode(),
        base64.b64encode(b"\x01" * 33).decode(),
        "not base64!",
        "",
        None,
    ],
)
def test_invalid_validator_pubkey_names_the_key_value(value):
    genesis = built_genesis()
    genesis["validators"][1]["pub_key"]["value"] = value
    genesis["validators"][1].pop("address")
    assert genesis_error(genesis).startswith("validators[1].pub_key.value:")


def test_invalid_validator_pubkey_type_names_the_key_type():
    genesis = built_genesis()
    genesis["validators"][0]["pub_key"]["type"] = "tendermint/PubKeySecp256k1"
    assert genesis_error(genesis).startswith("validators[0].pub_key.type:")


def test_invalid_duplicate_validator_key_names_the_second_validator():
    genesis = built_genesis()
    genesis["validators"][2] = copy.deepcopy(genesis["validators"][0])
    assert genesis_error(genesis) == "validators[2].pub_key.value: duplicate validator key"


def test_invalid_validator_address_not_matching_its_key_names_the_address():
    genesis = built_genesis()
    genesis["validators"][0]["address"] = genesis["validators"][1]["address"]
    assert genesis_error(genesis).startswith("validators[0].address:")


@pytest.mark.parametrize("power", ["0", "-1", "", "ten", 10, None])
def test_invalid_validator_power_names_the_power(power):
    genesis = built_genesis()
    genesis["validators"][2]["power"] = power
    assert genesis_error(genesis).startswith("validators[2].power:")


@pytest.mark.parametrize("validators", [[], None, "validator"])
def test_invalid_validator_list_names_the_validators(validators):
    genesis = built_genesis()
    genesis["validators"] = validators
    assert genesis_error(genesis).startswith("validators:")


@pytest.mark.parametrize("chain_id", ["", "x" * 51, None, 7])
def test_invalid_chain_id_names_the_chain_id(chain_id):
    genesis = built_genesis()
    genesis["chain_id"] = chain_id
    assert genesis_error(genesis).startswith("chain_id:")


@pytest.mark.parametrize(
    "time",
    ["yesterday", "2027-01-15T08:00:00", "2027-13-15T08:00:00Z", "2027-01-15T25:00:00Z", "", 1_800_000_000, None],
)
def test_invalid_genesis_time_names_the_genesis_time(time):
    genesis = built_genesis()
    genesis["genesis_time"] = time
    assert genesis_error(genesis).startswith("genesis_time:")


def test_invalid_genesis_that_is_not_an_object_is_named():
    assert genesis_error([]) == "genesis: must be a JSON object"  # type: ignore[arg-type]


def test_genesis_time_in_whole_seconds_is_parsed_as_unix_seconds():
    assert parse_genesis_time("2027-01-15T08:00:00Z") == GENESIS_SECONDS
    assert parse_genesis_time("2027-01-15T09:00:00+01:00") == GENESIS_SECONDS


@pytest.mark.parametrize(
    "text",
    [
        "2027-01-15T08:00:00.000000Z",  # as build_genesis writes it
        "2027-01-15T08:00:00.123456789Z",  # as CometBFT writes it
        "2027-01-15T09:00:00.5+01:00",
    ],
)
def test_genesis_time_with_fractional_seconds_is_parsed(text):
    assert parse_genesis_time(text) == GENESIS_SECONDS


@pytest.mark.parametrize("text", ["20270115T080000Z", "2027-01-15 08:00:00Z"])
def test_genesis_time_that_is_not_rfc3339_is_rejected(text):
    with pytest.raises(GenesisError):
        parse_genesis_time(text)


# -- files and the CLI ----------------------------------------------------------------------------


def test_validate_genesis_file_reads_a_written_genesis(tmp_path):
    path = tmp_path / "genesis.json"
    write_genesis(built_genesis(), path)
    assert validate_genesis_file(path)["bank"].extra.total_supply == TOTAL_SUPPLY_UAMIO


@pytest.mark.parametrize("text", ["", "{", "not json", '{"chain_id": "x",}'])
def test_invalid_file_that_is_not_json_is_named(tmp_path, text):
    path = tmp_path / "genesis.json"
    path.write_text(text)
    with pytest.raises(GenesisError, match=r"^genesis: not valid JSON"):
        validate_genesis_file(path)


def test_invalid_file_that_is_not_text_is_named(tmp_path):
    path = tmp_path / "genesis.json"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(GenesisError, match=r"^genesis:"):
        validate_genesis_file(path)


def run_validate(path) -> object:
    return CliRunner().invoke(cli, ["genesis", "validate", str(path)])


def test_cli_genesis_validate_accepts_a_valid_file(tmp_path):
    path = tmp_path / "genesis.json"
    write_genesis(built_genesis(), path)
    result = run_validate(path)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert f"{sum(RECIPIENT_COUNTS.values())} accounts" in result.output
    assert "1000000000amio" in result.output


def test_cli_genesis_validate_names_the_bad_field_and_exits_1(tmp_path):
    genesis = built_genesis()
    genesis["validators"][0]["power"] = "0"
    path = tmp_path / "genesis.json"
    write_genesis(genesis, path)
    result = run_validate(path)
    assert result.exit_code == 1
    assert "invalid genesis: validators[0].power:" in result.output
    assert "Traceback" not in result.output


def test_cli_genesis_validate_names_a_bad_app_state_field(tmp_path):
    genesis = built_genesis()
    allocation(genesis, 2)["recipients"][0]["address"] = "amio1notvalid"
    path = tmp_path / "genesis.json"
    write_genesis(genesis, path)
    result = run_validate(path)
    assert result.exit_code == 1
    assert "app_state.bank.allocations[2].recipients[0].address:" in result.output


def test_cli_genesis_validate_reports_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "genesis.json"
    path.write_text("{ nope")
    result = run_validate(path)
    assert result.exit_code == 1
    assert "invalid genesis: genesis: not valid JSON" in result.output


def test_cli_genesis_validate_rejects_a_missing_file(tmp_path):
    result = run_validate(tmp_path / "absent.json")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_cli_genesis_build_writes_a_file_that_validates(tmp_path):
    recipients_file = tmp_path / "recipients.json"
    recipients_file.write_text(json.dumps(recipients()))
    out = tmp_path / "genesis.json"
    pubkey = base64.b64encode(VALIDATORS[0].pubkey).decode()
    result = CliRunner().invoke(
        cli,
        [
            "genesis", "build", "--chain-id", "amino-test", "--validator", f"v0:{pubkey}:10",
            "--recipients", str(recipients_file), "--genesis-time", "2027-01-15T08:00:00Z", "--out", str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert run_validate(out).exit_code == 0


def test_evidence_older_than_the_unbonding_period_is_rejected_by_validation():
    genesis = built_genesis()
    unbonding = genesis["app_state"]["staking"]["params"]["unbonding_seconds"]
    genesis["consensus_params"]["evidence"]["max_age_duration"] = str((unbonding + 1) * 1_000_000_000)
    assert genesis_error(genesis).startswith("consensus_params.evidence.max_age_duration")
