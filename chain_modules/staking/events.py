"""staking events (Cosmos-compatible names where Cosmos has the same event)."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio


def event_create_super_node(operator: bytes, pubkey: bytes, moniker: str, self_bond: int) -> Event:
    return make_event("create_super_node", operator=bech32(operator), consensus_pubkey=pubkey.hex(), moniker=moniker,
                      self_bond=uamio(self_bond))


def event_edit_super_node(operator: bytes, moniker: str, commission_bps: int) -> Event:
    return make_event("edit_super_node", operator=bech32(operator), moniker=moniker, commission_bps=commission_bps)


def event_delegate(delegator: bytes, candidate: bytes, amount: int, shares: int) -> Event:
    return make_event("delegate", delegator=bech32(delegator), candidate=bech32(candidate), amount=uamio(amount),
                      shares=shares)


def event_undelegate(delegator: bytes, candidate: bytes, amount: int, completion_time: int) -> Event:
    return make_event("undelegate", delegator=bech32(delegator), candidate=bech32(candidate), amount=uamio(amount),
                      completion_time=completion_time)


def event_redelegate(delegator: bytes, source: bytes, destination: bytes, amount: int, completion_time: int) -> Event:
    return make_event("redelegate", delegator=bech32(delegator), source=bech32(source), destination=bech32(destination),
                      amount=uamio(amount), completion_time=completion_time)


def event_complete_unbonding(delegator: bytes, candidate: bytes, amount: int) -> Event:
    return make_event("complete_unbonding", delegator=bech32(delegator), candidate=bech32(candidate), amount=uamio(amount))


def event_validator_update(operator: bytes, pubkey: bytes, power: int) -> Event:
    return make_event("validator_update", operator=bech32(operator), consensus_pubkey=pubkey.hex(), power=power)


def event_master_node_update(operator: bytes, active: bool) -> Event:
    return make_event("master_node_update", operator=bech32(operator), active=active)


def event_create_master_node(operator: bytes, endpoint: str, region: str, sponsor: bytes, bond: int) -> Event:
    return make_event("create_master_node", operator=bech32(operator), endpoint=endpoint, region=region,
                      sponsor=bech32(sponsor), bond=uamio(bond))


def event_edit_master_node(operator: bytes, endpoint: str, region: str) -> Event:
    return make_event("edit_master_node", operator=bech32(operator), endpoint=endpoint, region=region)


def event_sponsorship(sponsor: bytes, master: bytes, consent: bool) -> Event:
    return make_event("sponsorship", sponsor=bech32(sponsor), master=bech32(master), consent=consent)
