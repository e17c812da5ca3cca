"""Chat platform adapters: each turns platform messages into `Incoming` and replies into platform calls."""
