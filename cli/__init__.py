"""amino: the command line of Amino chain, a thin layer over the client library (client/) and the services.

main.py wires the command groups; each topic module (keys, bank, staking, locks, compute, task, ...) holds
its commands as module-level functions. Every tx command signs and broadcasts through cli.tx.send_tx, which
calls the client library's one path, client.wallet.tx.sign_and_broadcast.
"""
