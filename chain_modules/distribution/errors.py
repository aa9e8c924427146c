"""distribution errors (codespace "distribution")."""

from chain_modules.common.errors import ChainError


class DistributionError(ChainError):
    codespace = "distribution"


class ErrNoDelegation(DistributionError):
    code = 2
    description = "no delegation to this candidate"


class ErrNoCommission(DistributionError):
    code = 3
    description = "no commission to withdraw"
