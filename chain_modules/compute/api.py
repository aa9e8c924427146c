"""What other modules and clients may use of compute: module accounts, the commitment rule, and the rules the
services follow to offer the chain only what it accepts (chain_modules.compute.rules)."""

from chain_modules.bank.types import module_address
from chain_modules.compute.admission import admission_sign_bytes
from chain_modules.compute.probes import PROBE_CUSTOMER, probe_class, start_probe
from chain_modules.compute.rules import (
    assignment_refusal,
    commit_refusal,
    fits_class,
    free_slots,
    is_available,
    may_release,
    reputation_bps,
    reveal_refusal,
)
from chain_modules.compute.state import get_params, get_worker
from chain_modules.compute.types import commitment, cost

ESCROW = module_address("compute_escrow")  # holds the escrow of every open task
DEPOSITS = module_address("compute_deposits")  # holds the deposits of registered workers
REVENUE_POOL = module_address("revenue_pool")  # task payments and slashed deposits (FOG redemption pays from it)

__all__ = [
    "get_params", "get_worker", "admission_sign_bytes", "ESCROW", "DEPOSITS", "REVENUE_POOL", "commitment", "cost",
    "assignment_refusal", "commit_refusal", "fits_class", "free_slots", "is_available", "may_release",
    "reputation_bps", "reveal_refusal", "PROBE_CUSTOMER", "probe_class", "start_probe",
]
