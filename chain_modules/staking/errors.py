"""staking errors (codespace "staking"). Codes are consensus: never renumber."""

from chain_modules.common.errors import ChainError


class StakingError(ChainError):
    codespace = "staking"


class ErrCandidateExists(StakingError):
    code = 2
    description = "this operator already runs a candidate"


class ErrConsensusKeyInUse(StakingError):
    code = 3
    description = "consensus public key is already used by another candidate"


class ErrUnknownCandidate(StakingError):
    code = 4
    description = "no such candidate"


class ErrSelfBondTooLow(StakingError):
    code = 5
    description = "self-bond is below the minimum"


class ErrInvalidCommission(StakingError):
    code = 6
    description = "commission rates must be basis points in [0, 10000] with rate <= 10000"


class ErrCommissionChangeTooLarge(StakingError):
    code = 7
    description = "commission change exceeds the candidate's max change rate"


class ErrCommissionChangeTooSoon(StakingError):
    code = 8
    description = "commission can change at most once per 24 hours"


class ErrInsufficientDelegation(StakingError):
    code = 9
    description = "delegation is smaller than the amount"


class ErrTooManyEntries(StakingError):
    code = 10
    description = "too many unbonding or redelegation entries for this pair"


class ErrRedelegateToSame(StakingError):
    code = 11
    description = "source and destination candidates are the same"


class ErrTransitiveRedelegation(StakingError):
    code = 12
    description = "cannot redelegate from a candidate while a redelegation to it is maturing"


class ErrInvalidMoniker(StakingError):
    code = 13
    description = "moniker must be 1 to 64 printable characters"


class ErrInvalidConsensusKey(StakingError):
    code = 14
    description = "consensus public key must be a valid ed25519 point of prime order (32 bytes, not small order)"


class ErrCandidateTombstoned(StakingError):
    code = 15
    description = "candidate is tombstoned (double-signed) and can never be elected again"


class ErrInvalidEndpoint(StakingError):
    code = 16
    description = "endpoint must be an http:// or https:// URL of 8 to 256 printable characters"


class ErrInvalidRegion(StakingError):
    code = 17
    description = "region must be 1 to 32 printable characters"


class ErrBondTooLow(StakingError):
    code = 18
    description = "master node bond is below the minimum"


class ErrInvalidSponsor(StakingError):
    code = 19
    description = "sponsor must be an existing, non-tombstoned super node"


class ErrWrongCandidateKind(StakingError):
    code = 20
    description = "this message does not apply to that kind of candidate"


class ErrInvalidProofOfPossession(StakingError):
    code = 21
    description = "the proof of possession is not the consensus key's signature over this operator and chain id"


class ErrNoSponsorConsent(StakingError):
    code = 22
    description = "the sponsor has not consented (staking/consent_sponsorship) to sponsor this master node"


class ErrNotSponsor(StakingError):
    code = 23
    description = "the signer is not the super node that consented to sponsor this master node"
