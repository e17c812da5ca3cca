"""Contract tests for the store, run against a real Redis and the embedded backend."""
