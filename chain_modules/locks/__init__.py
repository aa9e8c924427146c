"""locks: investor locks (AMIO locked for a period, weighted by amount x remaining time) and
API access locks (AMIO locked in proportion to the time an application may use the gateway)."""
