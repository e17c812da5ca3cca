"""Which scripted agent behaviour a message triggers, and what it costs.

`KEYWORDS` is matched case-insensitively, row by row (the first row with a match wins); anything else is `chat`.
An English keyword matches as whole words; a Chinese one anywhere in the text. In a keyword, `…` stands for up
to 30 characters within one clause, so `做…视频` matches "做一个30秒的猫咪宣传视频".

Every scenario is one operation of `PRICES` (credits held while it runs, charged when it succeeds); the README
shows both tables. `SimConfig.scenario` forces a scenario for every turn. `refusal` (a text-only "out of
credits" reply) is never picked by keyword: it replaces a turn when credits run out and `no_credits="text"`.
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

ZH_MAKE = ("生成", "做", "制作", "创建", "创作", "拍", "来")  # Chinese asks for a video with one of these verbs
ZH_VIDEO = ("视频", "短片", "宣传片")  # ... followed by one of these nouns

KEYWORDS: tuple[tuple[Scenario, tuple[str, ...]], ...] = (
    (Scenario.LEGACY_FRAMES, ("legacy",)),
    (Scenario.STALL, ("stall",)),
    (Scenario.DROP, ("drop",)),
    (Scenario.ERROR_MID, ("error",)),
    (Scenario.TRAILING_ISSUE, ("trailing",)),
    (Scenario.PARTIAL_STREAM, ("partial",)),
    (Scenario.THOUGHT, ("think", "thinking", "thought")),
    (Scenario.SILENT_EDIT, ("silent",)),
    (
        Scenario.GENERATE,
        ("generate", "create", "make a…video", "make an…video", "make me a…video", "make a…clip",
         *(f"{verb}…{noun}" for verb in ZH_MAKE for noun in ZH_VIDEO)),
    ),
    (
        Scenario.SILENT_EDIT,
        ("add a title", "add title", "add music", "add bgm", "change", "edit", "trim", "shorten", "shorter",
         "longer", "extend", "title", "caption", "captions", "subtitles", "replace", "swap", "refine", "tweak",
         "adjust", "make it", "make the", "music", "song", "soundtrack", "bgm", "upbeat", "faster", "slower",
         "brighter", "darker", "remove", "cut", "effect", "effects", "filter", "transition", "fade",
         "加标题", "添加标题", "标题", "加字幕", "添加字幕", "字幕", "加音乐", "添加音乐", "背景音乐", "配乐",
         "音乐", "修改", "改成", "改为", "换", "剪", "缩短", "加长", "延长", "特效", "滤镜", "调整", "编辑"),
    ),
)

GAP = r"[^.!?;,\n。！？；，]{0,30}?"  # what `…` in a keyword stands for: a short stretch of one clause


def _pattern(keyword: str) -> str:
    body = GAP.join(re.escape(piece) for piece in keyword.split("…"))
    return rf"\b{body}\b" if keyword.isascii() else body


_PATTERNS = tuple(
    (scenario, re.compile("|".join(_pattern(word) for word in words), re.IGNORECASE)) for scenario, words in KEYWORDS
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
