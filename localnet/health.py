"""Is the chain still making blocks, and who is signing? The verdict behind `amino localnet status`.

A node can answer RPC, agree on the app hash and still sit at a height the
network will never leave (more than a third of the voting power is gone).
This module decides from what the nodes report:

- halted: the newest block any node has is older than ``halt_after``
  seconds and no node's height moves during a further short ``interval``;
- signing: for each validator of the height being decided, whether it
  signed (or voted nil in) the commit of the newest block or of the one
  before, or voted at the current height,
  and, for a validator run by this localnet, whether its processes run (a
  stopped validator's last vote stays visible after it is gone).

It reads through a ChainSource, so tests can drive it without a network.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Protocol

from client.rpc import RpcError

BLOCK_ID_FLAG_ABSENT = 1  # tendermint.types.BlockIDFlag: 2 signed the block, 3 voted nil
_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z")
_BIT_ARRAY = re.compile(r"BA\{\d+:([x_]*)\}")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m)")


class ChainSource(Protocol):
    """What the verdict needs to know about a localnet's nodes."""

    nodes: int

    def call(self, index: int, method: str, **params: str) -> dict:
        """A CometBFT RPC call on node ``index`` (its JSON-RPC ``result``); raises RpcError."""

    def node_running(self, index: int) -> bool:
        """Whether both processes (app and cometbft) of node ``index`` run."""

    def validator_addresses(self) -> dict[str, int]:
        """Consensus address (upper-case hex) -> index of the node holding that validator key."""


@dataclass(frozen=True)
class ValidatorHealth:
    name: str  # "node2" for a localnet node's key, else the address prefix
    address: str
    power: int
    signed_last_commit: bool
    voted_this_height: bool
    node_running: bool | None  # None: not a validator of this localnet
    signing: bool
    reason: str = ""  # why it counts as missing


@dataclass(frozen=True)
class ChainHealth:
    halted: bool
    height: int | None
    seconds_since_block: int | None
    halt_after_seconds: int
    voting_power: int = 0
    signing_power: int = 0
    validators: list[ValidatorHealth] = field(default_factory=list)
    message: str = ""

    @property
    def missing(self) -> list[ValidatorHealth]:
        """The validators not signing: this localnet's nodes in index order, then the others by address."""
        return sorted((v for v in self.validators if not v.signing), key=_display_order)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["missing"] = [v.name for v in self.missing]
        return data


def parse_duration(text: str) -> float:
    """Seconds in a CometBFT duration such as "300ms", "1s" or "1.5s"."""
    total = 0.0
    position = 0
    for match in _DURATION.finditer(text):
        if match.start() != position:
            break
        value, unit = float(match.group(1)), match.group(2)
        total += value / 1000 if unit == "ms" else value * 60 if unit == "m" else value
        position = match.end()
    if position != len(text) or not text:
        raise ValueError(f"not a duration: {text!r}")
    return total


def default_halt_after(timeout_commit: str) -> int:
    """Seconds without a block after which a localnet counts as halted.

    Blocks come every timeout_commit plus a little; a round whose proposer is
    down costs timeout_propose (2 s on the localnet) more. 20 block times, and
    never under 10 s, tolerates a few failed rounds on a loaded machine.
    """
    return max(10, int(20 * parse_duration(timeout_commit)) + 1)


def parse_time(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 UTC time as CometBFT writes it (nanosecond digits)."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 UTC time: {text!r}")
    seconds = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    fraction = match.group(2) or "0"
    return seconds + int(fraction) / 10 ** len(fraction)


def assess_chain(
    source: ChainSource,
    halt_after: float,
    interval: float = 1.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> ChainHealth:
    """The chain's verdict: halted or advancing, and who is (not) signing. See the module docstring."""
    tips = _tips(source)
    if not tips:
        return ChainHealth(True, None, None, int(halt_after), message="HALTED: no node answers RPC")
    index, height, block_time = max(tips, key=lambda tip: tip[1])
    age = clock() - block_time
    halted = False
    if age > halt_after:
        sleep(interval)  # a slow round is not a halt: look once more
        again = _tips(source)
        if again and max(tip[1] for tip in again) > height:
            index, height, block_time = max(again, key=lambda tip: tip[1])
            age = clock() - block_time
        else:
            halted = True
    validators = _validator_health(source, index, height)
    total = sum(v.power for v in validators)
    signing = sum(v.power for v in validators if v.signing)
    seconds = max(0, int(age))
    health = ChainHealth(halted, height, seconds, int(halt_after), total, signing, validators)
    if halted:
        message = f"HALTED: no new block for {seconds} s at height {height}"
    else:
        message = f"advancing: height {height}, last block {seconds} s ago"
    if total:
        message += f"; {_power_summary(signing, total)}"
        if health.missing:
            message += "; missing: " + ", ".join(f"{v.name} ({v.reason})" for v in health.missing)
    return replace(health, message=message)


def _display_order(validator: ValidatorHealth) -> tuple:
    if validator.node_running is None:
        return (1, 0, validator.address)
    return (0, int(validator.name.removeprefix("node")), validator.address)


def _power_summary(signing: int, total: int) -> str:
    text = f"signing {signing} of {total} voting power ({signing * 100 // total}%)"
    if 3 * signing <= 2 * total:
        text += ", blocks need more than 2/3"
    return text


def _tips(source: ChainSource) -> list[tuple[int, int, float]]:
    """(node index, latest height, latest block time) of every node that answers."""
    tips = []
    for index in range(source.nodes):
        try:
            info = source.call(index, "status")["sync_info"]
            tips.append((index, int(info["latest_block_height"]), parse_time(info["latest_block_time"])))
        except (RpcError, KeyError, ValueError):
            continue
    return tips


def _validator_health(source: ChainSource, reference: int, height: int) -> list[ValidatorHealth]:
    """Each validator of the height being decided (height + 1), with the evidence that it signs."""
    try:
        current = _validator_set(source, reference)
        signed = _signers(source, reference, height)
    except (RpcError, KeyError, ValueError):
        return []
    if height > 1:
        try:
            # the canonical commit of the block before also holds the votes that came in late
            signed |= _signers(source, reference, height - 1)
        except (RpcError, KeyError, ValueError):
            pass
    voted = _voted_at(source, height + 1, [address for address, _power in current])
    ours = source.validator_addresses()
    result = []
    for address, power in current:
        index = ours.get(address)
        running = None if index is None else source.node_running(index)
        chain_evidence = address in signed or address in voted
        is_signing = chain_evidence and running is not False
        if running is False:
            reason = "node processes not running"
        elif not chain_evidence:
            reason = "absent from the last two commits and no vote at this height"
        else:
            reason = ""
        name = f"node{index}" if index is not None else address[:12]
        result.append(ValidatorHealth(name, address, power, address in signed, address in voted, running, is_signing, reason))
    return result


def _signers(source: ChainSource, reference: int, height: int) -> set[str]:
    """Validators that signed the block at ``height`` or voted nil, in the commit ``reference`` holds for it."""
    signatures = source.call(reference, "commit", height=str(height))["signed_header"]["commit"]["signatures"]
    return {s["validator_address"].upper() for s in signatures if s.get("block_id_flag") != BLOCK_ID_FLAG_ABSENT}


def _validator_set(source: ChainSource, reference: int) -> list[tuple[str, int]]:
    """(address, power) of the validator set of the height being decided, in CometBFT's order."""
    validators: list[tuple[str, int]] = []
    page = 1
    while True:
        result = source.call(reference, "validators", page=str(page), per_page="100")
        validators += [(v["address"].upper(), int(v["voting_power"])) for v in result["validators"]]
        if len(validators) >= int(result["total"]) or not result["validators"]:
            return validators
        page += 1


def _voted_at(source: ChainSource, height: int, order: list[str]) -> set[str]:
    """Validators with a prevote or precommit in the latest round that has votes at ``height``, by any node's view.

    The bit arrays index the validator set of that height in CometBFT's order.
    """
    voted: set[str] = set()
    for index in range(source.nodes):
        try:
            state = source.call(index, "consensus_state")["round_state"]
            if int(state["height/round/step"].split("/")[0]) != height:
                continue
            rounds = [r for r in state["height_vote_set"] if _bits(r["prevotes_bit_array"]) or _bits(r["precommits_bit_array"])]
        except (RpcError, KeyError, ValueError, AttributeError):
            continue
        if not rounds:
            continue
        latest = max(rounds, key=lambda r: int(r["round"]))
        for position in _bits(latest["prevotes_bit_array"]) | _bits(latest["precommits_bit_array"]):
            if position < len(order):
                voted.add(order[position])
    return voted


def _bits(text: str) -> set[int]:
    match = _BIT_ARRAY.search(text or "")
    return {i for i, bit in enumerate(match.group(1)) if bit == "x"} if match else set()
