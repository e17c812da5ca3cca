"""Which scripted agent behaviour a message triggers, and what it costs.

`KEYWORDS` is matched case-insensitively, as whole words, row by row (the first row with a match wins);
anything else is `chat`.

Every scenario is one operation of `PRICES` (credits held while it runs, charged when it succeeds).
`SimConfig.scenario` forces a scenario for every turn. `refusal` (a text-only "out of credits" reply) is never
picked by keyword: it replaces a turn when credits run out and `no_credits="text"`.
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


class Operation(StrEnum):
    """What a turn costs as: the priced operations of the Nemo API."""

    GENERATE = "generate"
    EDIT = "edit"
    CHAT = "chat"
    EXPORT = "export"


# Credits per operation. An anonymous account's 100 credits see each of the skill's three workflows through:
# quick edit (generate + edit = 40), batch (three instructions, at most 3 x 30 = 90), iterative (generate +
# two refinements = 50); exports are free.
PRICES: dict[Operation, int] = {Operation.GENERATE: 30, Operation.EDIT: 10, Operation.CHAT: 0, Operation.EXPORT: 0}

OPERATIONS: dict[Scenario, Operation] = {
    Scenario.GENERATE: Operation.GENERATE,
    Scenario.DROP: Operation.GENERATE,  # the stream is cut, the clip is still made and charged
    Scenario.LEGACY_FRAMES: Operation.GENERATE,
    Scenario.SILENT_EDIT: Operation.EDIT,
}

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


def operation_of(scenario: Scenario) -> Operation:
    """The priced operation a scenario performs."""
    return OPERATIONS.get(scenario, Operation.CHAT)


def cost_of(scenario: Scenario) -> int:
    """Credits a scenario needs (held while it runs, charged when it succeeds)."""
    return PRICES[operation_of(scenario)]
