"""slashing params and messages."""

from __future__ import annotations

from dataclasses import dataclass

from chain_modules.common.messages import Msg, address_field
from chain_modules.common.params import IntParams

BPS = 10_000
FOREVER = 2**63 - 1
GAS_UNJAIL = 10_000


@dataclass(frozen=True, slots=True)
class SlashingParams(IntParams):
    MODULE = "slashing"

    signed_blocks_window: int = 10_000
    min_signed_bps: int = 500  # a validator must sign at least 5% of the window
    downtime_jail_seconds: int = 600
    slash_fraction_downtime_bps: int = 1  # 0.01%
    slash_fraction_double_sign_bps: int = 500  # 5%
    # Downtime is measured in block time too: a validator is jailed only after missing every vote for at least
    # this long, so a restart or an upgrade never jails (docs/modules/slashing.md, "Downtime").
    min_downtime_seconds: int = 600
    # Downtime jails a validator only while at least this many other eligible super nodes remain to fill the
    # set: jailing one of the last four would leave a set that cannot tolerate a single fault.
    min_validators_after_jail: int = 4

    def check(self) -> None:
        if self.signed_blocks_window == 0 or self.signed_blocks_window % 8:
            raise ValueError("slashing param 'signed_blocks_window' must be a positive multiple of 8")
        if max(self.min_signed_bps, self.slash_fraction_downtime_bps, self.slash_fraction_double_sign_bps) > BPS:
            raise ValueError("slashing fractions must be at most 10000 bps")


@dataclass(frozen=True, slots=True)
class MsgUnjail(Msg):
    """Bring a jailed candidate back into the election after its jail time."""

    TYPE = "slashing/unjail"
    FIELDS = {"operator": address_field}
    SIGNER = "operator"
    GAS = GAS_UNJAIL
    operator: bytes