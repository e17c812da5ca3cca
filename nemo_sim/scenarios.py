"""Which scripted agent behaviour a message triggers, and what it costs.

Keywords are matched case-insensitively as whole words, in this order (first match wins):

| Scenario         | Keywords                                                         | Credits |
|------------------|------------------------------------------------------------------|---------|
| `legacy_frames`  | legacy                                                           | 0       |
| `stall`          | stall                                                            | 0       |
| `drop`           | drop                                                             | 100     |
| `error_mid`      | error                                                            | 0       |
| `trailing_issue` | trailing                                                         | 0       |
| `partial_stream` | partial                                                          | 0       |
| `thought`        | think, thinking, thought                                         | 0       |
| `silent_edit`    | silent                                                           | 50      |
| `generate`       | generate, make a video, create                                   | 100     |
| `silent_edit`    | add a title, add title, add music, add bgm, change, edit, trim,  | 50      |
|                  | shorten, longer, extend, title                                   |         |
| `chat`           | anything else                                                    | 0       |

`SimConfig.scenario` forces one for every turn. `refusal` (a text-only "out of credits" reply) is never picked
by keyword: it replaces a turn when credits run out and `no_credits="text"`.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Scenario(StrEnum):
    """The scripted behaviours of the simulated agent."""

    CHAT = "chat"
    GENERATE = "generate"
    SILENT_EDIT = "silent_edit"
    PARTIAL_STREAM = "partial_stream"
    THOUGHT = "thought"
    TRAILING_ISSUE = "trailing_issue"
    ERROR_MID = "error_mid"
    DROP = "drop"
    STALL = "stall"
    LEGACY_FRAMES = "legacy_frames"
    REFUSAL = "refusal"


KEYWORDS: tuple[tuple[Scenario, tuple[str, ...]], ...] = (
    (Scenario.LEGACY_FRAMES, ("legacy",)),
    (Scenario.STALL, ("stall",)),
    (Scenario.DROP, ("drop",)),
    (Scenario.ERROR_MID, ("error",)),
    (Scenario.TRAILING_ISSUE, ("trailing",)),
    (Scenario.PARTIAL_STREAM, ("partial",)),
    (Scenario.THOUGHT, ("think", "thinking", "thought")),
    (Scenario.SILENT_EDIT, ("silent",)),
    (Scenario.GENERATE, ("generate", "make a video", "create")),
    (
        Scenario.SILENT_EDIT,
        ("add a title", "add title", "add music", "add bgm", "change", "edit", "trim", "shorten", "longer", "extend",
         "title"),
    ),
)

COSTS = {Scenario.GENERATE: 100, Scenario.DROP: 100, Scenario.SILENT_EDIT: 50}

_PATTERNS = tuple(
    (scenario, re.compile("|".join(rf"\b{re.escape(word)}\b" for word in words), re.IGNORECASE))
    for scenario, words in KEYWORDS
)


def pick_scenario(text: str, forced: str | None = None) -> Scenario:
    """The scenario for a message: the forced one if set, else the first keyword row that matches."""
    if forced:
        return Scenario(forced)
    for scenario, pattern in _PATTERNS:
        if pattern.search(text):
            return scenario
    return Scenario.CHAT


def cost_of(scenario: Scenario) -> int:
    """Credits a scenario needs (held while it runs, charged when it succeeds)."""
    return COSTS.get(scenario, 0)
