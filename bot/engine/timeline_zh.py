"""Chinese wording for the timeline summary and change lines the Nemo client writes in English."""

from __future__ import annotations

import re

from bot.engine.texts import pick_language

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Timeline is empty$"), "时间线为空"),
    (re.compile(r"^Timeline \((\d+) tracks?\): ?"), r"时间线（\1 条轨道）："),
    (re.compile(r"^Timeline updated$"), "时间线已更新"),
    (re.compile(r"^Duration (\S+)s -> (\S+)s$"), r"时长 \1 秒 → \2 秒"),
    (re.compile(r"^(\d+) new uploaded media items?$"), r"新增 \1 个上传素材"),
    (re.compile(r"^(\d+) new generated media items?$"), r"新增 \1 个生成素材"),
    (re.compile(r"\bVideo track\b"), "视频轨道"),
    (re.compile(r"\bBGM track\b"), "背景音乐轨道"),
    (re.compile(r"\bTitle track\b"), "标题轨道"),
    (re.compile(r"\b(\d+)\. Video: ?"), r"\1. 视频："),
    (re.compile(r"\b(\d+)\. BGM: ?"), r"\1. 背景音乐："),
    (re.compile(r"\b(\d+)\. Title: ?"), r"\1. 标题："),
    (re.compile(r" added: ?"), " 已添加："),
    (re.compile(r" removed$"), " 已移除"),
    (re.compile(r" changed: ?"), " 已修改："),
    (re.compile(r"(\d+) -> (\d+) segments$"), r"片段 \1 → \2"),
]


def localize(line: str, locale: str | None) -> str:
    """`line` in the user's language: Chinese wording for zh locales, unchanged otherwise."""
    if pick_language(locale) != "zh":
        return line
    for pattern, replacement in _RULES:
        line = pattern.sub(replacement, line)
    return line
