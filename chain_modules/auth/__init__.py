"""auth: accounts (public key, sequence) and the transaction params (size, gas, fees)."""
