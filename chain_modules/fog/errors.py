"""fog errors (codespace "fog"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class FogError(ChainError):
    codespace = "fog"


class ErrInsufficientFog(FogError):
    code = 2
    description = "not enough redeemable FOG"
