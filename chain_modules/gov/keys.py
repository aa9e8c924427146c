"""State keys owned by gov. Integers in keys are 8-byte big-endian so that keys sort by value."""

PREFIX = b"gov/"  # every key below starts with it

PARAMS_KEY = b"gov/params"
NEXT_ID_KEY = b"gov/next_id"
VOTING_COUNT_KEY = b"gov/voting_count"  # proposals in their voting period
UPGRADE_KEY = b"gov/upgrade"  # the scheduled upgrade plan [name, height, proposal id]
PROPOSAL_PREFIX = b"gov/proposal/"  # id -> Proposal
DEPOSIT_PREFIX = b"gov/deposit/"  # id + depositor -> uamio deposited
DEPOSIT_QUEUE_PREFIX = b"gov/queue/deposit/"  # deposit_end + id -> empty: proposals in their deposit period
VOTING_QUEUE_PREFIX = b"gov/queue/voting/"  # voting_end + id -> empty: proposals in their voting period
TALLY_PREFIX = b"gov/tally/"  # id -> the running tally [yes, no, abstain, no_with_veto]
VOTE_PREFIX = b"gov/vote/"  # id + voter -> [option, investor-locked uamio counted]
VOTE_SHARES_PREFIX = b"gov/vote_shares/"  # id + voter + candidate -> the voter's shares counted on that candidate
CANDIDATE_PREFIX = b"gov/candidate/"  # id + candidate -> [voted shares x4, counted tokens x4]
DONE_PREFIX = b"gov/upgrade_done/"  # plan name -> height it was applied at


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def proposal_key(proposal_id: int) -> bytes:
    return PROPOSAL_PREFIX + u64(proposal_id)


def deposit_key(proposal_id: int, depositor: bytes) -> bytes:
    return DEPOSIT_PREFIX + u64(proposal_id) + depositor


def deposit_queue_key(end: int, proposal_id: int) -> bytes:
    return DEPOSIT_QUEUE_PREFIX + u64(end) + u64(proposal_id)


def voting_queue_key(end: int, proposal_id: int) -> bytes:
    return VOTING_QUEUE_PREFIX + u64(end) + u64(proposal_id)


def tally_key(proposal_id: int) -> bytes:
    return TALLY_PREFIX + u64(proposal_id)


def vote_key(proposal_id: int, voter: bytes) -> bytes:
    return VOTE_PREFIX + u64(proposal_id) + voter


def vote_shares_key(proposal_id: int, voter: bytes, candidate: bytes) -> bytes:
    return VOTE_SHARES_PREFIX + u64(proposal_id) + voter + candidate


def candidate_key(proposal_id: int, candidate: bytes) -> bytes:
    return CANDIDATE_PREFIX + u64(proposal_id) + candidate


def done_key(name: str) -> bytes:
    return DONE_PREFIX + name.encode()
