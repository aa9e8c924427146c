"""gov: proposals, deposits and votes by bonded and locked AMIO (docs/modules/gov.md)."""
