"""apppool events."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event


def event_app_registered(module_hash: bytes, publisher: bytes, name: str, classes: tuple[str, ...]) -> Event:
    return make_event("app_registered", module_hash=module_hash.hex(), publisher=bech32(publisher), name=name,
                      classes=",".join(classes))


def event_app_verified(module_hash: bytes, verified: bool, authority: bytes) -> Event:
    return make_event("app_verified", module_hash=module_hash.hex(), verified=verified, authority=bech32(authority))


def event_app_blocked(module_hash: bytes, blocked: bool, authority: bytes) -> Event:
    return make_event("app_blocked", module_hash=module_hash.hex(), blocked=blocked, authority=bech32(authority))
