"""gov types: params, the proposal record, the proposal kinds and their content, and the messages.

Amounts are uamio; times are whole seconds of block time; shares of the bps kind are out of 10,000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from chain_modules.common.amount import UAMIO_PER_AMIO, is_positive_amount
from chain_modules.common.messages import Msg, address_field, amount_field, bool_field, uint_field
from chain_modules.common.params import IntParams
from chain_modules.gov.errors import ErrInvalidProposalContent

BPS = 10_000
DAY = 86_400

YES, NO, ABSTAIN, VETO = "yes", "no", "abstain", "no_with_veto"
OPTIONS = (YES, NO, ABSTAIN, VETO)  # a tally is a list in this order

TEXT, PARAM_CHANGE, APP_POOL, COMMUNITY_SPEND, UPGRADE = "text", "param_change", "app_pool", "community_spend", "upgrade"
KINDS = (TEXT, PARAM_CHANGE, APP_POOL, COMMUNITY_SPEND, UPGRADE)
APP_ACTIONS = ("verify", "unverify", "block")

# statuses: open ones hold deposits; the others are final
DEPOSIT_PERIOD, VOTING_PERIOD = "deposit_period", "voting_period"
PASSED, REJECTED, VETOED, FAILED, EXPIRED = "passed", "rejected", "vetoed", "failed", "expired"
OPEN_STATUSES = (DEPOSIT_PERIOD, VOTING_PERIOD)

MAX_TITLE = 140
MAX_SUMMARY = 5_000
MAX_CHANGES = 16
MAX_PARAM_BYTES = 16_384  # the encoded params of one change
UPGRADE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)

GAS_SUBMIT = 50_000
GAS_DEPOSIT = 20_000
GAS_VOTE = 40_000


@dataclass(frozen=True, slots=True)
class GovParams(IntParams):
    MODULE = "gov"
    MINIMUM = 0
    MAXIMUM = 2**62

    min_deposit: int = 1_000 * UAMIO_PER_AMIO  # the deposit a proposal needs to enter its voting period
    expedited_min_deposit: int = 5_000 * UAMIO_PER_AMIO
    min_initial_deposit_bps: int = 2_500  # share of the minimum deposit the submitter pays at once (anti-spam)
    max_deposit_seconds: int = 2 * DAY
    voting_period_seconds: int = 2 * DAY
    expedited_voting_period_seconds: int = DAY
    quorum_bps: int = 3_340  # of the total voting power must vote
    threshold_bps: int = 5_000  # yes must be above this share of yes + no + no_with_veto
    expedited_threshold_bps: int = 6_670
    veto_bps: int = 3_340  # no_with_veto above this share of all votes vetoes and burns the deposits
    max_voting_proposals: int = 16  # proposals in their voting period at once (bounds the stake hooks)
    max_depositors: int = 100  # per proposal (bounds the refund or burn at its end)
    max_vote_delegations: int = 64  # delegations one vote may count
    max_endings_per_block: int = 8  # proposals whose period ends that one end_block closes (the rest wait)

    def check(self) -> None:
        for name in ("quorum_bps", "threshold_bps", "expedited_threshold_bps", "veto_bps", "min_initial_deposit_bps"):
            if getattr(self, name) > BPS:
                raise ValueError(f"gov param {name!r} must be at most 10000")
        for name in ("min_deposit", "max_deposit_seconds", "voting_period_seconds", "expedited_voting_period_seconds",
                     "threshold_bps", "veto_bps", "max_voting_proposals", "max_depositors", "max_vote_delegations",
                     "max_endings_per_block"):
            if getattr(self, name) == 0:
                raise ValueError(f"gov param {name!r} must be positive")
        if self.expedited_threshold_bps < self.threshold_bps:
            raise ValueError("gov param 'expedited_threshold_bps' must be at least 'threshold_bps'")
        if self.expedited_min_deposit < self.min_deposit:
            raise ValueError("gov param 'expedited_min_deposit' must be at least 'min_deposit'")
        if self.expedited_voting_period_seconds > self.voting_period_seconds:
            raise ValueError("gov param 'expedited_voting_period_seconds' must not exceed 'voting_period_seconds'")

    def needed_deposit(self, expedited: bool) -> int:
        return self.expedited_min_deposit if expedited else self.min_deposit

    def initial_deposit(self, expedited: bool) -> int:
        """The least a submitter deposits with the proposal, rounded up."""
        return -(-self.needed_deposit(expedited) * self.min_initial_deposit_bps // BPS)


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    proposer: bytes
    kind: str
    content: dict
    title: str
    summary: str
    expedited: bool
    status: str
    submit_time: int
    deposit_end: int
    total_deposit: int = 0
    depositors: int = 0
    voting_start: int = 0
    voting_end: int = 0
    final_tally: tuple[int, int, int, int] = (0, 0, 0, 0)
    total_power: int = 0  # the voting power at the end of the voting period (the quorum's base)
    note: str = ""  # why it failed, expired or was converted from expedited

    def to_list(self) -> list:
        return [self.proposer, self.kind, self.content, self.title, self.summary, self.expedited, self.status,
                self.submit_time, self.deposit_end, self.total_deposit, self.depositors, self.voting_start,
                self.voting_end, list(self.final_tally), self.total_power, self.note]

    @classmethod
    def from_list(cls, proposal_id: int, data: list) -> "Proposal":
        values = list(data)
        values[13] = tuple(values[13])
        return cls(proposal_id, *values)

    def with_(self, **changes) -> "Proposal":
        return replace(self, **changes)


# -- the content of each kind -----------------------------------------------------------------------


def _text(body: dict, name: str, maximum: int, minimum: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not minimum <= len(value) <= maximum or "\x00" in value:
        raise ErrInvalidProposalContent(f"field {name!r} must be text of {minimum} to {maximum} characters")
    return value


def _exact(content: object, kind: str, names: set[str]) -> dict:
    if not isinstance(content, dict) or set(content) != names:
        raise ErrInvalidProposalContent(f"a {kind} proposal's content must have exactly the fields {sorted(names)}")
    return content


def parse_content(kind: object, content: object) -> dict:
    """The content of a proposal of ``kind``, checked for form only (what the chain holds is checked by the
    handler). Raises ErrInvalidProposalContent."""
    if kind == TEXT:
        return _exact(content, kind, set())
    if kind == PARAM_CHANGE:
        content = _exact(content, kind, {"changes"})
        changes = content["changes"]
        if not isinstance(changes, list) or not 1 <= len(changes) <= MAX_CHANGES:
            raise ErrInvalidProposalContent(f"'changes' must be a list of 1 to {MAX_CHANGES} module changes")
        seen = set()
        for index, change in enumerate(changes):
            if not isinstance(change, dict) or set(change) != {"module", "params"}:
                raise ErrInvalidProposalContent(f"changes[{index}] must have exactly 'module' and 'params'")
            module, params = change["module"], change["params"]
            if not isinstance(module, str) or not module or module in seen:
                raise ErrInvalidProposalContent(f"changes[{index}].module must name a module once")
            if not isinstance(params, dict) or not params or not all(type(k) is str for k in params):
                raise ErrInvalidProposalContent(f"changes[{index}].params must be a non-empty map of param names")
            seen.add(module)
        return content
    if kind == APP_POOL:
        content = _exact(content, kind, {"action", "module_hash"})
        if content["action"] not in APP_ACTIONS:
            raise ErrInvalidProposalContent(f"'action' must be one of {list(APP_ACTIONS)}")
        if type(content["module_hash"]) is not bytes or len(content["module_hash"]) != 32:
            raise ErrInvalidProposalContent("'module_hash' must be a 32-byte hash")
        return content
    if kind == COMMUNITY_SPEND:
        content = _exact(content, kind, {"recipient", "amount"})
        if type(content["recipient"]) is not bytes or len(content["recipient"]) != 20:
            raise ErrInvalidProposalContent("'recipient' must be a 20-byte address")
        if not is_positive_amount(content["amount"]):
            raise ErrInvalidProposalContent("'amount' must be a positive integer of uamio")
        return content
    if kind == UPGRADE:
        content = _exact(content, kind, {"name", "height"})
        if not isinstance(content["name"], str) or UPGRADE_NAME.fullmatch(content["name"]) is None:
            raise ErrInvalidProposalContent(f"'name' must match {UPGRADE_NAME.pattern}")
        if type(content["height"]) is not int or not 1 <= content["height"] < 2**63:
            raise ErrInvalidProposalContent("'height' must be a positive block height")
        return content
    raise ErrInvalidProposalContent(f"'kind' must be one of {list(KINDS)}")


def _kind(body: dict, name: str) -> str:
    value = body.get(name)
    if value not in KINDS:
        raise ErrInvalidProposalContent(f"field 'kind' must be one of {list(KINDS)}")
    return value


def _content(body: dict, name: str) -> dict:
    return parse_content(body.get("kind"), body.get(name))


def _option(body: dict, name: str) -> str:
    value = body.get(name)
    if value not in OPTIONS:
        raise ErrInvalidProposalContent(f"field 'option' must be one of {list(OPTIONS)}")
    return value


# -- messages ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MsgSubmitProposal(Msg):
    """Submit a proposal with its initial deposit."""

    TYPE = "gov/submit_proposal"
    FIELDS = {"proposer": address_field, "kind": _kind, "content": _content,
              "title": lambda body, name: _text(body, name, MAX_TITLE, 1),
              "summary": lambda body, name: _text(body, name, MAX_SUMMARY, 0),
              "initial_deposit": amount_field, "expedited": bool_field}
    SIGNER = "proposer"
    GAS = GAS_SUBMIT
    proposer: bytes
    kind: str
    content: dict
    title: str
    summary: str
    initial_deposit: int
    expedited: bool


@dataclass(frozen=True, slots=True)
class MsgDeposit(Msg):
    """Add to the deposit of a proposal in its deposit period."""

    TYPE = "gov/deposit"
    FIELDS = {"depositor": address_field, "proposal_id": uint_field, "amount": amount_field}
    SIGNER = "depositor"
    GAS = GAS_DEPOSIT
    depositor: bytes
    proposal_id: int
    amount: int


@dataclass(frozen=True, slots=True)
class MsgVote(Msg):
    """Vote on a proposal in its voting period (a later vote replaces an earlier one)."""

    TYPE = "gov/vote"
    FIELDS = {"voter": address_field, "proposal_id": uint_field, "option": _option}
    SIGNER = "voter"
    GAS = GAS_VOTE
    voter: bytes
    proposal_id: int
    option: str
