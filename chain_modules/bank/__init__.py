"""bank: the fixed-supply AMIO token: balances, vesting, send and multi-send."""
