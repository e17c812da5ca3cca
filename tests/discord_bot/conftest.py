"""Discord tests: discord.py is imported once here with its audioop deprecation silenced (Python 3.11 warns on
`import audioop`, used only for voice), since the suite turns every warning into an error."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord  # noqa: F401
