"""Tests of the Nemo API client: frame parser, draft, errors over scripted replies, and the simulator over HTTP."""
