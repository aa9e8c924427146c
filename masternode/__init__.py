"""Master node: the off-chain HTTP service that stores job modules, inputs and results."""
