"""The typed tables a locale module may hold beside its `MESSAGES`: what its speakers type, and what the agent says."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Phrases:
    """A language's whole-message requests by intent name (`export`, `status`, ...) and the polite words around them."""

    requests: Mapping[str, frozenset[str]]
    openers: tuple[str, ...] = ()
    closers: tuple[str, ...] = ()


class GuiAction(StrEnum):
    """What the bot does with an instruction the agent wrote for its web editor."""

    REWORD = "reword"  # the words are replaced in place by `replacement`
    EXPORT = "export"  # the bot exports the video itself
    UPLOAD = "upload"  # the bot asks for the file
    TIMELINE = "timeline"  # the bot shows the timeline
    EDIT = "edit"  # an edit the person confirms with one tap; `replacement` expands into the instruction


@dataclass(frozen=True, slots=True)
class Rewrite:
    """An instruction the agent writes for its web editor, and what the bot does instead.

    For every action but REWORD, the sentence holding the match is replaced by the catalogue's `gui_<action>` line
    of the same language.
    """

    pattern: re.Pattern[str]
    replacement: str = ""
    action: GuiAction = GuiAction.REWORD
