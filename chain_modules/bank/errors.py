"""bank errors (codespace "bank"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class BankError(ChainError):
    codespace = "bank"


class ErrInsufficientFunds(BankError):
    code = 2
    description = "insufficient funds"


class ErrInvalidAmount(BankError):
    code = 3
    description = "amount must be a positive integer of uamio"


class ErrInvalidAddress(BankError):
    code = 4
    description = "invalid address"


class ErrTooManyOutputs(BankError):
    code = 5
    description = "multi-send has too many outputs"


class ErrLockedByVesting(BankError):
    code = 6
    description = "funds are locked by a vesting schedule"


class ErrModuleAccountRecipient(BankError):
    code = 7
    description = "module accounts do not accept transfers"
