"""slashing: double-sign evidence (slash, jail and tombstone), downtime from the commit votes
(jail and a small slash), and unjailing."""
