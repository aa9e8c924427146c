"""What other modules (compute) may use of apppool."""

from chain_modules.apppool.state import get_app, iter_apps

__all__ = ["get_app", "iter_apps"]
