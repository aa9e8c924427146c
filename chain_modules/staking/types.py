"""staking types: params, candidates, delegations, unbonding and redelegation entries, messages.

A candidate's stake is ``tokens``; delegations hold ``shares`` of it. A
delegation is worth shares x tokens / total shares, so a slash reduces every
delegation of a candidate at once, in O(1), whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from nacl.bindings import crypto_core_ed25519_is_valid_point
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from chain_modules.auth.errors import ErrInvalidMessage
from chain_modules.bank.types import address_field, amount_field, exact_fields
from chain_modules.common.amount import UAMIO_PER_AMIO
from chain_modules.common.params import IntParams

DAY = 86_400
BPS = 10_000
MAX_SHARES = 2**63 - 1  # candidate records are msgpack: integers must stay within 64 bits


@dataclass(frozen=True, slots=True)
class StakingParams(IntParams):
    MODULE = "staking"
    MINIMUM = 1

    epoch_blocks: int = 20
    max_super_nodes: int = 21
    unbonding_seconds: int = 21 * DAY
    max_entries: int = 7
    min_super_self_bond: int = 10_000 * UAMIO_PER_AMIO
    power_reduction: int = UAMIO_PER_AMIO  # uamio per unit of CometBFT voting power
    max_master_nodes: int = 16
    min_master_bond: int = 5_000 * UAMIO_PER_AMIO
    # Minimum bonds grow with the network: +1x the base per bond_scale_workers active workers,
    # up to bond_max_multiplier x the base (docs/modules/staking.md, "Minimum bonds").
    bond_scale_workers: int = 1_000
    bond_max_multiplier: int = 10
    # A sponsoring super node loses this share of every slash of its master node.
    sponsor_share_bps: int = 2_000
    # No validator may hold this share of the set's voting power or more: above it, powers are capped
    # (docs/modules/staking.md, "Power cap"). Below 1/3, so one validator that stops signing never halts the chain.
    max_power_share_bps: int = 3_333

    def check(self) -> None:
        if not 1 <= self.max_power_share_bps < BPS // 3 + 1 or self.max_power_share_bps * 3 >= BPS:
            raise ValueError("staking param 'max_power_share_bps' must be positive and below a third (at most 3333)")

    def scaled_bond(self, base: int, active_workers: int) -> int:
        """``base`` scaled by network size: base x min(1 + workers / scale, max multiplier), rounded down."""
        return min(base * self.bond_max_multiplier, base + base * active_workers // self.bond_scale_workers)

@dataclass(frozen=True, slots=True)
class Candidate:
    operator: bytes
    consensus_pubkey: bytes
    moniker: str
    commission_bps: int
    max_change_bps: int
    commission_changed_at: int = 0
    tokens: int = 0
    shares: int = 0
    jailed: bool = False
    jailed_until: int = 0
    tombstoned: bool = False
    kind: str = "super"  # "super": a validator candidate; "master": a master node candidate
    endpoint: str = ""  # master nodes: the HTTP endpoint customers upload jobs to
    region: str = ""
    sponsor: bytes = b""  # master nodes: the operator of the sponsoring super node

    def to_list(self) -> list:
        return [
            self.operator, self.consensus_pubkey, self.moniker, self.commission_bps, self.max_change_bps,
            self.commission_changed_at, self.tokens, self.shares, self.jailed, self.jailed_until, self.tombstoned,
            self.kind, self.endpoint, self.region, self.sponsor,
        ]

    @classmethod
    def from_list(cls, data: list) -> "Candidate":
        return cls(*data)

    def with_(self, **changes) -> "Candidate":
        return replace(self, **changes)

    def tokens_for_shares(self, shares: int) -> int:
        """Tokens a holder of ``shares`` may withdraw (rounded down)."""
        return 0 if self.shares == 0 else shares * self.tokens // self.shares

    def shares_for_tokens(self, amount: int) -> int:
        """Shares a new delegation of ``amount`` receives (rounded down: no value is created).

        0 when the candidate's stake was slashed to nothing while shares remain:
        a delegation at that rate would hand the new tokens to the old shares.
        """
        if self.shares == 0:
            return amount
        if self.tokens == 0:
            return 0
        shares = amount * self.shares // self.tokens
        # after a heavy slash a share is nearly worthless: refuse amounts that would overflow the records
        return 0 if self.shares + shares > MAX_SHARES else shares

    def shares_to_remove(self, amount: int) -> int:
        """Shares that cover a withdrawal of ``amount`` (rounded up: no value is created)."""
        return -(-amount * self.shares // self.tokens)

    @property
    def eligible(self) -> bool:
        return not self.jailed and not self.tombstoned and self.tokens > 0


def _endpoint(value: object) -> str:
    from chain_modules.staking.errors import ErrInvalidEndpoint

    if not isinstance(value, str) or not 8 <= len(value) <= 256 or not value.startswith(("http://", "https://")) or not value.isprintable():
        raise ErrInvalidEndpoint()
    return value


def _region(value: object) -> str:
    from chain_modules.staking.errors import ErrInvalidRegion

    if not isinstance(value, str) or not 1 <= len(value) <= 32 or not value.isprintable():
        raise ErrInvalidRegion()
    return value


@dataclass(frozen=True, slots=True)
class MsgCreateMasterNode:
    """Register a master node candidate with a bond, its HTTP endpoint, region and sponsoring super node."""

    TYPE = "staking/create_master_node"
    operator: bytes
    moniker: str
    endpoint: str
    region: str
    sponsor: bytes
    bond: int

    @classmethod
    def from_body(cls, body: object) -> "MsgCreateMasterNode":
        body = exact_fields(body, {"operator", "moniker", "endpoint", "region", "sponsor", "bond"})
        return cls(
            address_field(body, "operator"), _moniker(body["moniker"]), _endpoint(body["endpoint"]),
            _region(body["region"]), address_field(body, "sponsor"), amount_field(body, "bond"),
        )

    def to_body(self) -> dict:
        return {"bond": self.bond, "endpoint": self.endpoint, "moniker": self.moniker, "operator": self.operator,
                "region": self.region, "sponsor": self.sponsor}

    @property
    def signer(self) -> bytes:
        return self.operator

    def gas(self) -> int:
        return 20_000


@dataclass(frozen=True, slots=True)
class _SponsorshipChange:
    """The shape shared by consenting to and withdrawing a sponsorship: which super node, which master node."""

    TYPE: ClassVar[str] = ""
    sponsor: bytes
    master: bytes

    @classmethod
    def from_body(cls, body: object):
        body = exact_fields(body, {"sponsor", "master"})
        return cls(address_field(body, "sponsor"), address_field(body, "master"))

    def to_body(self) -> dict:
        return {"master": self.master, "sponsor": self.sponsor}

    @property
    def signer(self) -> bytes:
        return self.sponsor

    def gas(self) -> int:
        return 5_000


@dataclass(frozen=True, slots=True)
class MsgConsentSponsorship(_SponsorshipChange):
    """A super node consents to sponsor ``master``: to lose sponsor_share_bps of the master's slashes for the
    tasks it is allocated while the consent stands. Required before create_master_node names it."""

    TYPE = "staking/consent_sponsorship"


@dataclass(frozen=True, slots=True)
class MsgWithdrawSponsorship(_SponsorshipChange):
    """The sponsor withdraws its consent: the master gets no new tasks, and the sponsor answers only for the
    tasks allocated before."""

    TYPE = "staking/withdraw_sponsorship"


@dataclass(frozen=True, slots=True)
class MsgEditMasterNode:
    """Change a master node's endpoint and region."""

    TYPE = "staking/edit_master_node"
    operator: bytes
    endpoint: str
    region: str

    @classmethod
    def from_body(cls, body: object) -> "MsgEditMasterNode":
        body = exact_fields(body, {"operator", "endpoint", "region"})
        return cls(address_field(body, "operator"), _endpoint(body["endpoint"]), _region(body["region"]))

    def to_body(self) -> dict:
        return {"endpoint": self.endpoint, "operator": self.operator, "region": self.region}

    @property
    def signer(self) -> bytes:
        return self.operator

    def gas(self) -> int:
        return 5_000


@dataclass(frozen=True, slots=True)
class UnbondingEntry:
    creation_height: int
    completion_time: int
    initial_balance: int
    balance: int


@dataclass(frozen=True, slots=True)
class RedelegationEntry:
    creation_height: int
    completion_time: int
    initial_balance: int
    destination_shares: int


def _int_field(body: dict, name: str, low: int, high: int) -> int:
    value = body.get(name)
    if type(value) is not int or not low <= value <= high:
        raise ErrInvalidMessage(f"field {name!r} must be an integer in [{low}, {high}]")
    return value


def _moniker(value: object) -> str:
    from chain_modules.staking.errors import ErrInvalidMoniker

    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
        raise ErrInvalidMoniker()
    return value


POP_DOMAIN = b"amino/staking/proof-of-possession/v1\x00"


def is_valid_consensus_key(value: object) -> bool:
    """Whether ``value`` is an ed25519 public key someone can sign for: 32 bytes, a canonical encoding of a
    point on the curve, in the prime-order subgroup and not of small order (libsodium's check). A small-order
    key such as 00..00 would let anyone forge its votes; a non-point such as ff..ff can never sign."""
    return type(value) is bytes and len(value) == 32 and crypto_core_ed25519_is_valid_point(value)


def proof_of_possession_bytes(chain_id: str, operator: bytes) -> bytes:
    """What the consensus key signs to prove its holder registers it for ``operator`` on ``chain_id``."""
    return POP_DOMAIN + chain_id.encode() + b"\x00" + operator


def verify_proof_of_possession(consensus_pubkey: bytes, chain_id: str, operator: bytes, signature: bytes) -> bool:
    try:
        VerifyKey(consensus_pubkey).verify(proof_of_possession_bytes(chain_id, operator), signature)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def _consensus_key(value: object) -> bytes:
    from chain_modules.staking.errors import ErrInvalidConsensusKey

    if not is_valid_consensus_key(value):
        raise ErrInvalidConsensusKey()
    return value  # type: ignore[return-value]


def _signature(body: dict, name: str) -> bytes:
    value = body.get(name)
    if type(value) is not bytes or len(value) != 64:
        raise ErrInvalidMessage(f"field {name!r} must be a 64-byte ed25519 signature")
    return value


@dataclass(frozen=True, slots=True)
class MsgCreateSuperNode:
    """Register a super node candidate and bond ``self_bond`` from the operator.

    ``proof_of_possession`` is the consensus key's signature over
    ``proof_of_possession_bytes(chain_id, operator)``: only a key its holder can sign with, registered for
    this operator on this chain, can enter the validator set.
    """

    TYPE = "staking/create_super_node"
    operator: bytes
    consensus_pubkey: bytes
    moniker: str
    commission_bps: int
    max_change_bps: int
    self_bond: int
    proof_of_possession: bytes = b""

    @classmethod
    def from_body(cls, body: object) -> "MsgCreateSuperNode":
        body = exact_fields(body, {"operator", "consensus_pubkey", "moniker", "commission_bps", "max_change_bps", "self_bond",
                                   "proof_of_possession"})
        return cls(
            address_field(body, "operator"),
            _consensus_key(body["consensus_pubkey"]),
            _moniker(body["moniker"]),
            _int_field(body, "commission_bps", 0, 2**32),
            _int_field(body, "max_change_bps", 0, 2**32),
            amount_field(body, "self_bond"),
            _signature(body, "proof_of_possession"),
        )

    def to_body(self) -> dict:
        return {
            "commission_bps": self.commission_bps, "consensus_pubkey": self.consensus_pubkey,
            "max_change_bps": self.max_change_bps, "moniker": self.moniker, "operator": self.operator,
            "proof_of_possession": self.proof_of_possession, "self_bond": self.self_bond,
        }

    @property
    def signer(self) -> bytes:
        return self.operator

    def gas(self) -> int:
        return 20_000


@dataclass(frozen=True, slots=True)
class MsgEditSuperNode:
    """Change a candidate's moniker and commission rate (within its max change rate, once a day)."""

    TYPE = "staking/edit_super_node"
    operator: bytes
    moniker: str
    commission_bps: int

    @classmethod
    def from_body(cls, body: object) -> "MsgEditSuperNode":
        body = exact_fields(body, {"operator", "moniker", "commission_bps"})
        return cls(address_field(body, "operator"), _moniker(body["moniker"]), _int_field(body, "commission_bps", 0, 2**32))

    def to_body(self) -> dict:
        return {"commission_bps": self.commission_bps, "moniker": self.moniker, "operator": self.operator}

    @property
    def signer(self) -> bytes:
        return self.operator

    def gas(self) -> int:
        return 5_000


@dataclass(frozen=True, slots=True)
class _DelegationChange:
    """The shape shared by delegate and undelegate: who, to which candidate, how much."""

    TYPE: ClassVar[str] = ""
    GAS: ClassVar[int] = 0
    delegator: bytes
    candidate: bytes
    amount: int

    @classmethod
    def from_body(cls, body: object):
        body = exact_fields(body, {"delegator", "candidate", "amount"})
        return cls(address_field(body, "delegator"), address_field(body, "candidate"), amount_field(body, "amount"))

    def to_body(self) -> dict:
        return {"amount": self.amount, "candidate": self.candidate, "delegator": self.delegator}

    @property
    def signer(self) -> bytes:
        return self.delegator

    def gas(self) -> int:
        return self.GAS


@dataclass(frozen=True, slots=True)
class MsgDelegate(_DelegationChange):
    """Vote for ``candidate`` by bonding ``amount`` uamio (vesting funds may be delegated)."""

    TYPE = "staking/delegate"
    GAS = 8_000


@dataclass(frozen=True, slots=True)
class MsgUndelegate(_DelegationChange):
    """Withdraw ``amount`` of a delegation; the tokens arrive after the unbonding period."""

    TYPE = "staking/undelegate"
    GAS = 10_000


@dataclass(frozen=True, slots=True)
class MsgRedelegate:
    """Move ``amount`` of a delegation from ``source`` to ``destination`` at once (no unbonding wait)."""

    TYPE = "staking/redelegate"
    delegator: bytes
    source: bytes
    destination: bytes
    amount: int

    @classmethod
    def from_body(cls, body: object) -> "MsgRedelegate":
        body = exact_fields(body, {"delegator", "source", "destination", "amount"})
        return cls(
            address_field(body, "delegator"), address_field(body, "source"),
            address_field(body, "destination"), amount_field(body, "amount"),
        )

    def to_body(self) -> dict:
        return {"amount": self.amount, "delegator": self.delegator, "destination": self.destination, "source": self.source}

    @property
    def signer(self) -> bytes:
        return self.delegator

    def gas(self) -> int:
        return 12_000


__all__ = [
    "BPS", "Candidate", "MsgConsentSponsorship", "MsgWithdrawSponsorship", "MsgCreateMasterNode", "MsgCreateSuperNode", "MsgEditMasterNode", "MsgDelegate", "MsgEditSuperNode", "MsgRedelegate", "MsgUndelegate",
    "RedelegationEntry", "StakingParams", "UnbondingEntry", "ErrInvalidMessage", "is_valid_consensus_key",
    "proof_of_possession_bytes", "verify_proof_of_possession",
]
