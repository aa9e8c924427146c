"""gov errors (codespace "gov"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class GovError(ChainError):
    codespace = "gov"


class ErrUnknownProposal(GovError):
    code = 2
    description = "no proposal with that id"


class ErrInvalidProposalContent(GovError):
    code = 3
    description = "the proposal's title, summary, kind or content is malformed"


class ErrInitialDepositTooLow(GovError):
    code = 4
    description = "the initial deposit is below the minimum share of the minimum deposit"


class ErrInvalidParamChange(GovError):
    code = 5
    description = "the target module refuses the proposed params"


class ErrParamNeedsMigration(GovError):
    code = 6
    description = "this param cannot change without a state migration the chain does not have"


class ErrUnknownApp(GovError):
    code = 7
    description = "no registered application with that module hash"


class ErrInsufficientCommunityPool(GovError):
    code = 8
    description = "the community pool holds less than the amount asked"


class ErrInvalidUpgradeHeight(GovError):
    code = 9
    description = "an upgrade plan's height must be above the current height"


class ErrNotInDepositPeriod(GovError):
    code = 10
    description = "the proposal does not take deposits now"


class ErrNotInVotingPeriod(GovError):
    code = 11
    description = "the proposal is not in its voting period"


class ErrTooManyVotingProposals(GovError):
    code = 12
    description = "the maximum number of proposals is in its voting period"


class ErrTooManyDepositors(GovError):
    code = 13
    description = "the proposal has the maximum number of depositors"


class ErrNoVotingPower(GovError):
    code = 14
    description = "the voter has no bonded or investor-locked AMIO"


class ErrTooManyDelegations(GovError):
    code = 15
    description = "the voter has more delegations than a vote may count"
