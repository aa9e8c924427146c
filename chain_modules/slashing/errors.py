"""slashing errors (codespace "slashing")."""

from chain_modules.common.errors import ChainError


class SlashingError(ChainError):
    codespace = "slashing"


class ErrNotJailed(SlashingError):
    code = 2
    description = "candidate is not jailed"


class ErrJailPeriodActive(SlashingError):
    code = 3
    description = "the jail period has not ended"


class ErrTombstoned(SlashingError):
    code = 4
    description = "candidate is tombstoned (double-signed) and cannot be unjailed"


class ErrUnknownCandidate(SlashingError):
    code = 5
    description = "no candidate for this operator"


class ErrSelfBondTooLow(SlashingError):
    code = 6
    description = "self-bond is below the minimum: bond more before unjailing"
