"""Deterministic state-transition modules of Amino chain (see docs/architecture.md)."""
