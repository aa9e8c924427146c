"""staking types: params, candidates, delegations, unbonding and redelegation entries, messages.

A candidate's stake is ``tokens``; delegations hold ``shares`` of it. A
delegation is worth shares x tokens / total shares, so a slash reduces every
delegation of a candidate at once, in O(1), whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nacl.bindings import crypto_core_ed25519_is_valid_point
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from chain_modules.common.messages import ErrInvalidMessage, Msg, address_field, amount_field, int_range, sized_bytes
from chain_modules.common.amount import UAMIO_PER_AMIO
from chain_modules.common.params import IntParams

DAY = 86_400
BPS = 10_000
MAX_SHARES = 2**63 - 1  # candidate records are msgpack: integers must stay within 64 bits

# gas of each message, on top of the tx base and per-byte gas (auth params)
GAS_CREATE_CANDIDATE = 20_000
GAS_EDIT = 5_000
GAS_DELEGATE = 8_000
GAS_UNDELEGATE = 10_000
GAS_REDELEGATE = 12_000


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


def _moniker(value: object) -> str:
    from chain_modules.staking.errors import ErrInvalidMoniker

    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
        raise ErrInvalidMoniker()
    return value


def _value(check):
    """A field parser from a check of the bare value (whose error does not name the field)."""
    return lambda body, name: check(body[name])


@dataclass(frozen=True, slots=True)
class MsgCreateMasterNode(Msg):
    """Register a master node candidate with a bond, its HTTP endpoint, region and sponsoring super node."""

    TYPE = "staking/create_master_node"
    FIELDS = {"operator": address_field, "moniker": _value(_moniker), "endpoint": _value(_endpoint),
              "region": _value(_region), "sponsor": address_field, "bond": amount_field}
    SIGNER = "operator"
    GAS = GAS_CREATE_CANDIDATE
    operator: bytes
    moniker: str
    endpoint: str
    region: str
    sponsor: bytes
    bond: int


@dataclass(frozen=True, slots=True)
class MsgConsentSponsorship(Msg):
    """A super node consents to sponsor ``master``: to lose sponsor_share_bps of the master's slashes for the
    tasks it is allocated while the consent stands. Required before create_master_node names it."""

    TYPE = "staking/consent_sponsorship"
    FIELDS = {"sponsor": address_field, "master": address_field}
    SIGNER = "sponsor"
    GAS = GAS_EDIT
    sponsor: bytes
    master: bytes


@dataclass(frozen=True, slots=True)
class MsgWithdrawSponsorship(Msg):
    """The sponsor withdraws its consent: the master gets no new tasks, and the sponsor answers only for the
    tasks allocated before."""

    TYPE = "staking/withdraw_sponsorship"
    FIELDS = {"sponsor": address_field, "master": address_field}
    SIGNER = "sponsor"
    GAS = GAS_EDIT
    sponsor: bytes
    master: bytes


@dataclass(frozen=True, slots=True)
class MsgEditMasterNode(Msg):
    """Change a master node's endpoint and region."""

    TYPE = "staking/edit_master_node"
    FIELDS = {"operator": address_field, "endpoint": _value(_endpoint), "region": _value(_region)}
    SIGNER = "operator"
    GAS = GAS_EDIT
    operator: bytes
    endpoint: str
    region: str


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


@dataclass(frozen=True, slots=True)
class MsgCreateSuperNode(Msg):
    """Register a super node candidate and bond ``self_bond`` from the operator.

    ``proof_of_possession`` is the consensus key's signature over
    ``proof_of_possession_bytes(chain_id, operator)``: only a key its holder can sign with, registered for
    this operator on this chain, can enter the validator set.
    """

    TYPE = "staking/create_super_node"
    FIELDS = {"operator": address_field, "consensus_pubkey": _value(_consensus_key), "moniker": _value(_moniker),
              "commission_bps": int_range(0, 2**32), "max_change_bps": int_range(0, 2**32), "self_bond": amount_field,
              "proof_of_possession": sized_bytes(64, "an ed25519 signature")}
    SIGNER = "operator"
    GAS = GAS_CREATE_CANDIDATE
    operator: bytes
    consensus_pubkey: bytes
    moniker: str
    commission_bps: int
    max_change_bps: int
    self_bond: int
    proof_of_possession: bytes = b""


@dataclass(frozen=True, slots=True)
class MsgEditSuperNode(Msg):
    """Change a candidate's moniker and commission rate (within its max change rate, once a day)."""

    TYPE = "staking/edit_super_node"
    FIELDS = {"operator": address_field, "moniker": _value(_moniker), "commission_bps": int_range(0, 2**32)}
    SIGNER = "operator"
    GAS = GAS_EDIT
    operator: bytes
    moniker: str
    commission_bps: int


@dataclass(frozen=True, slots=True)
class MsgDelegate(Msg):
    """Vote for ``candidate`` by bonding ``amount`` uamio (vesting funds may be delegated)."""

    TYPE = "staking/delegate"
    FIELDS = {"delegator": address_field, "candidate": address_field, "amount": amount_field}
    SIGNER = "delegator"
    GAS = GAS_DELEGATE
    delegator: bytes
    candidate: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class MsgUndelegate(Msg):
    """Withdraw ``amount`` of a delegation; the tokens arrive after the unbonding period."""

    TYPE = "staking/undelegate"
    FIELDS = {"delegator": address_field, "candidate": address_field, "amount": amount_field}
    SIGNER = "delegator"
    GAS = GAS_UNDELEGATE
    delegator: bytes
    candidate: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class MsgRedelegate(Msg):
    """Move ``amount`` of a delegation from ``source`` to ``destination`` at once (no unbonding wait)."""

    TYPE = "staking/redelegate"
    FIELDS = {"delegator": address_field, "source": address_field, "destination": address_field, "amount": amount_field}
    SIGNER = "delegator"
    GAS = GAS_REDELEGATE
    delegator: bytes
    source: bytes
    destination: bytes
    amount: int


__all__ = [
    "BPS", "Candidate", "MsgConsentSponsorship", "MsgWithdrawSponsorship", "MsgCreateMasterNode", "MsgCreateSuperNode", "MsgEditMasterNode", "MsgDelegate", "MsgEditSuperNode", "MsgRedelegate", "MsgUndelegate",
    "RedelegationEntry", "StakingParams", "UnbondingEntry", "ErrInvalidMessage", "is_valid_consensus_key",
    "proof_of_possession_bytes", "verify_proof_of_possession",
]
