"""gov events: submissions, deposits, votes, the start and end of voting, and what a passed proposal did."""

from __future__ import annotations

from chain_modules.common.events import Event, bech32, make_event, uamio


def event_proposal_submitted(proposal_id: int, proposer: bytes, kind: str, expedited: bool, deposit_end: int) -> Event:
    return make_event("submit_proposal", proposal_id=proposal_id, proposer=bech32(proposer), proposal_kind=kind,
                      expedited=expedited, deposit_end=deposit_end)


def event_deposit(proposal_id: int, depositor: bytes, amount: int, total: int) -> Event:
    return make_event("proposal_deposit", proposal_id=proposal_id, depositor=bech32(depositor), amount=uamio(amount),
                      total_deposit=uamio(total))


def event_voting_started(proposal_id: int, voting_end: int) -> Event:
    return make_event("active_proposal", proposal_id=proposal_id, voting_end=voting_end)


def event_vote(proposal_id: int, voter: bytes, option: str) -> Event:
    return make_event("proposal_vote", proposal_id=proposal_id, voter=bech32(voter), option=option)


def event_proposal_ended(proposal_id: int, result: str, tally: list[int], total_power: int, note: str) -> Event:
    yes, no, abstain, veto = tally
    return make_event("proposal_ended", proposal_id=proposal_id, result=result, yes=uamio(yes), no=uamio(no),
                      abstain=uamio(abstain), no_with_veto=uamio(veto), total_power=uamio(total_power), note=note)


def event_expedited_converted(proposal_id: int, voting_end: int) -> Event:
    return make_event("expedited_proposal_converted", proposal_id=proposal_id, voting_end=voting_end)


def event_deposits_settled(proposal_id: int, refunded: bool, amount: int) -> Event:
    return make_event("proposal_deposits_refunded" if refunded else "proposal_deposits_burned",
                      proposal_id=proposal_id, amount=uamio(amount))


def event_params_changed(proposal_id: int, module: str, names: list[str]) -> Event:
    return make_event("params_changed", proposal_id=proposal_id, module=module, params=",".join(names))


def event_community_spent(proposal_id: int, recipient: bytes, amount: int) -> Event:
    return make_event("community_pool_spent", proposal_id=proposal_id, recipient=bech32(recipient), amount=uamio(amount))


def event_upgrade_scheduled(proposal_id: int, name: str, height: int) -> Event:
    return make_event("upgrade_scheduled", proposal_id=proposal_id, name=name, height=height)
