"""staking: super node candidates, delegations (votes), unbonding, redelegation and the DPoS election
of the CometBFT validator set at every epoch boundary."""
