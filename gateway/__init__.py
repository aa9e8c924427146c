"""The REST gateway and web explorer: a FastAPI service over CometBFT's RPC (docs/gateway.md)."""
