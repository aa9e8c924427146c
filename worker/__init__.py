"""Worker-side local state: configuration and the crash-safe commit/reveal journal."""
