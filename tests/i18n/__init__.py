"""Tests of the message catalogue and the phrasing built on it."""
