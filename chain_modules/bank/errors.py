"""bank errors (codespace "bank"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError
# codes 3 and 4 of "bank": the field format errors every module's messages raise
from chain_modules.common.messages import ErrInvalidAddress, ErrInvalidAmount


class BankError(ChainError):
    codespace = "bank"


class ErrInsufficientFunds(BankError):
    code = 2
    description = "insufficient funds"


class ErrTooManyOutputs(BankError):
    code = 5
    description = "multi-send has too many outputs"


class ErrLockedByVesting(BankError):
    code = 6
    description = "funds are locked by a vesting schedule"


class ErrModuleAccountRecipient(BankError):
    code = 7
    description = "module accounts do not accept transfers"
