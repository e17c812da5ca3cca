"""The typed tables a locale module may hold beside its `MESSAGES`: what its speakers type, and what the agent says."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Phrases:
    """A language's whole-message requests by intent name (`export`, `status`, ...) and the polite words around them."""

    requests: Mapping[str, frozenset[str]]
    openers: tuple[str, ...] = ()
    closers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rewrite:
    """An instruction the agent writes for its web editor, and what to tell a chat user instead."""

    pattern: re.Pattern[str]
    replacement: str
