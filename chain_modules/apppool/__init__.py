"""apppool: the registry of job applications (WASM modules by hash) with a verified flag."""
