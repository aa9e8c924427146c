"""compute: priced resource classes, workers, tasks with escrow, allocation, commit-reveal verification, settlement."""
