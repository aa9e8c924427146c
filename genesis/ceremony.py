"""The genesis ceremony of a network whose validators run on different machines under different operators.

Each operator makes a *gentx* on its own machine: its super-node registration (operator, consensus key, moniker,
commission, self bond) and where its node listens (node id and p2p address), with the consensus key's proof of
possession and the operator key's signature over the whole of it. Neither key leaves the operator's machine. A
coordinator collects the gentxs into a genesis (``collect_gentxs``); every operator can then check that the
genesis holds exactly the registrations that were signed (``check_genesis_against_gentxs``) before starting.

This is the flow of the Cosmos SDK's ``gentx`` / ``collect-gentxs``, with two differences: the genesis carries the
registrations as plain ``app_state.staking.super_nodes`` (the chain creates them at InitChain with the same rules
as the message), and the gentx files themselves are the evidence an operator checks the genesis against.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from chain_modules.common.address import AddressError, address_from_pubkey, decode_address
from chain_modules.staking.types import (
    BPS,
    StakingParams,
    is_valid_consensus_key,
    proof_of_possession_bytes,
    verify_proof_of_possession,
)
from genesis.build import GenesisValidator, SuperNodeSpec, build_genesis

GENTX_DOMAIN = b"amino/genesis/gentx/v1\x00"
_NODE_ID = re.compile(r"^[0-9a-f]{40}$", re.ASCII)
_HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}$", re.ASCII)


class GentxError(ValueError):
    """A gentx that is malformed, does not verify, or does not fit the genesis being built."""


@dataclass(frozen=True)
class Gentx:
    chain_id: str
    operator: str  # bech32 account address of the operator, derived from operator_pubkey
    operator_pubkey: bytes  # ed25519 account key
    consensus_pubkey: bytes  # ed25519 key of the node's priv_validator_key.json
    moniker: str
    commission_bps: int
    max_change_bps: int
    self_bond: int  # uamio bonded from the operator's genesis balance
    node_id: str  # CometBFT node id (hex of the node key's address)
    p2p_address: str  # host:port other validators dial
    proof_of_possession: bytes  # the consensus key's signature over proof_of_possession_bytes(chain_id, operator)
    signature: bytes = b""  # the operator key's signature over sign_bytes()

    def sign_bytes(self) -> bytes:
        """What the operator signs: every field but the signature, as canonical JSON, after a domain tag."""
        body = self.to_json()
        del body["signature"]
        return GENTX_DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> dict:
        data = asdict(self)
        for name in ("operator_pubkey", "consensus_pubkey", "proof_of_possession", "signature"):
            data[name] = base64.b64encode(data[name]).decode()
        return data

    @property
    def peer(self) -> str:
        """The entry of CometBFT's persistent_peers for this node."""
        return f"{self.node_id}@{self.p2p_address}"


def consensus_signing_key(cometbft_home: Path) -> SigningKey:
    """The consensus key of a CometBFT home (config/priv_validator_key.json: base64 of seed + public key);
    ValueError saying what is wrong with the file."""
    key_file = Path(cometbft_home) / "config" / "priv_validator_key.json"
    try:
        data = json.loads(key_file.read_text())
        if data["priv_key"]["type"] != "tendermint/PrivKeyEd25519":
            raise ValueError(f"key type {data['priv_key']['type']!r} is not ed25519")
        raw = base64.b64decode(data["priv_key"]["value"], validate=True)
        key = SigningKey(raw[:32])
        if bytes(key.verify_key) != base64.b64decode(data["pub_key"]["value"]):
            raise ValueError("its public key does not match its private key")
        return key
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read the consensus key from {key_file}: {exc}") from None


def make_gentx(chain_id: str, operator_key: SigningKey, consensus_key: SigningKey, moniker: str, self_bond: int,
               node_id: str, p2p_address: str, commission_bps: int = 1_000, max_change_bps: int = 100) -> Gentx:
    """A signed gentx (checked as a collector would check it, so a bad value is refused on the operator's machine)."""
    operator_pubkey = bytes(operator_key.verify_key)
    operator = address_from_pubkey(operator_pubkey)
    proof = consensus_key.sign(proof_of_possession_bytes(chain_id, decode_address(operator))).signature
    unsigned = Gentx(chain_id, operator, operator_pubkey, bytes(consensus_key.verify_key), moniker, commission_bps,
                     max_change_bps, self_bond, node_id, p2p_address, proof)
    signed = Gentx(**{**{f.name: getattr(unsigned, f.name) for f in fields(Gentx)},
                      "signature": operator_key.sign(unsigned.sign_bytes()).signature})
    verify_gentx(signed, chain_id)
    return signed


def _b64(raw: dict, name: str, size: int) -> bytes:
    try:
        value = base64.b64decode(raw[name], validate=True) if isinstance(raw[name], str) else None
    except ValueError:
        value = None
    if value is None or len(value) != size:
        raise GentxError(f"{name}: must be the base64 of {size} bytes")
    return value


def _int(raw: dict, name: str, low: int, high: int) -> int:
    value = raw[name]
    if type(value) is not int or not low <= value <= high:
        raise GentxError(f"{name}: must be an integer from {low} to {high}")
    return value


def _str(raw: dict, name: str) -> str:
    if not isinstance(raw[name], str):
        raise GentxError(f"{name}: must be a string")
    return raw[name]


def parse_gentx(raw: object) -> Gentx:
    """A Gentx from its JSON form; GentxError names the first bad field. (Signatures are checked by verify_gentx.)"""
    if not isinstance(raw, dict):
        raise GentxError("a gentx must be a JSON object")
    names = [f.name for f in fields(Gentx)]
    missing = [name for name in names if name not in raw]
    if missing:
        raise GentxError(f"{missing[0]}: is required")
    unknown = sorted(set(raw) - set(names))
    if unknown:
        raise GentxError(f"{unknown[0]}: unknown field")
    return Gentx(
        chain_id=_str(raw, "chain_id"), operator=_str(raw, "operator"),
        operator_pubkey=_b64(raw, "operator_pubkey", 32), consensus_pubkey=_b64(raw, "consensus_pubkey", 32),
        moniker=_str(raw, "moniker"), commission_bps=_int(raw, "commission_bps", 0, BPS),
        max_change_bps=_int(raw, "max_change_bps", 0, BPS), self_bond=_int(raw, "self_bond", 1, 2**63 - 1),
        node_id=_str(raw, "node_id"), p2p_address=_str(raw, "p2p_address"),
        proof_of_possession=_b64(raw, "proof_of_possession", 64), signature=_b64(raw, "signature", 64),
    )


def _check_p2p_address(text: str) -> None:
    host, sep, port = text.rpartition(":")
    if not sep or not _HOST.match(host) or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise GentxError(f"p2p_address: {text!r} is not host:port (the address other validators dial)")


def verify_gentx(gentx: Gentx, chain_id: str) -> None:
    """Raise GentxError unless ``gentx`` is for ``chain_id``, well formed, and signed by both of its keys."""
    if gentx.chain_id != chain_id:
        raise GentxError(f"chain_id: the gentx is for {gentx.chain_id!r}, not {chain_id!r}")
    try:
        operator = decode_address(gentx.operator)
    except AddressError as exc:
        raise GentxError(f"operator: {exc}") from None
    if address_from_pubkey(gentx.operator_pubkey) != gentx.operator:
        raise GentxError("operator: is not the address of operator_pubkey")
    if not is_valid_consensus_key(gentx.consensus_pubkey):
        raise GentxError("consensus_pubkey: is not a valid ed25519 key")
    if not 1 <= len(gentx.moniker) <= 64:
        raise GentxError("moniker: must be 1 to 64 characters")
    if not _NODE_ID.match(gentx.node_id):
        raise GentxError("node_id: must be 40 lower-case hex characters (cometbft show-node-id)")
    _check_p2p_address(gentx.p2p_address)
    if not verify_proof_of_possession(gentx.consensus_pubkey, chain_id, operator, gentx.proof_of_possession):
        raise GentxError("proof_of_possession: the consensus key did not sign this operator's registration")
    try:
        VerifyKey(gentx.operator_pubkey).verify(gentx.sign_bytes(), gentx.signature)
    except (BadSignatureError, ValueError):
        raise GentxError("signature: the operator key did not sign this gentx (was it edited?)") from None


def read_gentxs(directory: Path, chain_id: str) -> list[Gentx]:
    """Every ``*.json`` gentx in ``directory``, verified, ordered by operator address; GentxError names the file."""
    gentxs = []
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise GentxError(f"{directory}: holds no gentx (*.json)")
    for path in files:
        try:
            gentx = parse_gentx(json.loads(path.read_text()))
            verify_gentx(gentx, chain_id)
        except (OSError, ValueError) as exc:  # GentxError and JSON errors are ValueErrors
            raise GentxError(f"{path.name}: {exc}") from None
        gentxs.append(gentx)
    _refuse_duplicates(gentxs)
    return sorted(gentxs, key=lambda g: g.operator)


def _refuse_duplicates(gentxs: list[Gentx]) -> None:
    for what in ("operator", "consensus_pubkey", "node_id", "p2p_address", "moniker"):
        seen: dict[object, str] = {}
        for gentx in gentxs:
            value = getattr(gentx, what)
            if value in seen:
                raise GentxError(f"{what}: two gentxs share it ({seen[value]} and {gentx.moniker})")
            seen[value] = gentx.moniker


def collect_gentxs(gentxs: list[Gentx], chain_id: str, genesis_time: datetime, recipients: dict[str, list[str]],
                   **params) -> dict:
    """A genesis whose validators are exactly the gentxs' super nodes. Every operator must be a recipient of the
    allocation table with a balance that covers its self bond (the genesis validation checks it).
    ``params``: the module params build_genesis takes (staking_params, compute_params, ...)."""
    for gentx in gentxs:
        verify_gentx(gentx, chain_id)
    _refuse_duplicates(gentxs)
    staking = params.get("staking_params") or StakingParams()
    super_nodes = [
        SuperNodeSpec(g.operator, GenesisValidator(g.moniker, g.consensus_pubkey, g.self_bond // staking.power_reduction),
                      g.self_bond, g.commission_bps, g.max_change_bps)
        for g in gentxs
    ]
    return build_genesis(chain_id, genesis_time, [n.validator for n in super_nodes], recipients,
                         super_nodes=super_nodes, **params)


def check_genesis_against_gentxs(genesis: dict, gentxs: list[Gentx]) -> None:
    """Raise GentxError unless the genesis's super nodes are exactly the registrations the gentxs signed."""
    chain_id = genesis.get("chain_id")
    for gentx in gentxs:
        verify_gentx(gentx, chain_id)
    signed = {g.operator: g for g in gentxs}
    listed = (genesis.get("app_state") or {}).get("staking", {}).get("super_nodes") or []
    for index, node in enumerate(listed):
        path = f"app_state.staking.super_nodes[{index}]"
        gentx = signed.pop(node.get("operator"), None)
        if gentx is None:
            raise GentxError(f"{path}: operator {node.get('operator')} signed no gentx")
        expected = {"consensus_pubkey": base64.b64encode(gentx.consensus_pubkey).decode(), "moniker": gentx.moniker,
                    "commission_bps": gentx.commission_bps, "max_change_bps": gentx.max_change_bps,
                    "self_bond": gentx.self_bond}
        for key, value in expected.items():
            if node.get(key) != value:
                raise GentxError(f"{path}.{key}: is {node.get(key)!r}, but the operator signed {value!r}")
    if signed:
        missing = sorted(g.moniker for g in signed.values())
        raise GentxError(f"the genesis leaves out the signed registration of {', '.join(missing)}")


def persistent_peers(gentxs: list[Gentx], exclude_node_id: str | None = None) -> list[str]:
    """The persistent_peers entries (node_id@host:port) of every gentx but the node's own."""
    return [g.peer for g in gentxs if g.node_id != exclude_node_id]
