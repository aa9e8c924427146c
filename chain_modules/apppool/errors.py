"""apppool errors (codespace "apppool"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class AppPoolError(ChainError):
    codespace = "apppool"


class ErrAppExists(AppPoolError):
    code = 2
    description = "an application with that module hash is already registered"


class ErrInvalidName(AppPoolError):
    code = 3
    description = "application name must be 1-64 printable characters"


class ErrUnknownClass(AppPoolError):
    code = 4
    description = "the application names a resource class that does not exist"


class ErrUnknownApp(AppPoolError):
    code = 5
    description = "no application with that module hash"


class ErrNotAuthority(AppPoolError):
    code = 6
    description = "only an account listed in the apppool authorities may verify applications"


class ErrModuleTooLarge(AppPoolError):
    code = 7
    description = "module size outside the allowed range"


class ErrInvalidModule(AppPoolError):
    code = 8
    description = "the module's bytes do not match its hash and size, or are not structurally valid WebAssembly"
