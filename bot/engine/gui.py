"""Rewrite the agent's GUI instructions ("click Export") into what to type in a chat."""

from __future__ import annotations

import functools
import re

_OPT_THE = r"(?:on\s+)?(?:the\s+)?"
_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"\b(?:click|press|tap|hit|use)\s+{_OPT_THE}[\"'“]?(?:export|download)[\"'”]?(?:\s+button)?",
                   re.IGNORECASE),
        'send "export"',
    ),
    (
        re.compile(rf"\b(?:open|check|see|view)\s+{_OPT_THE}(?:timeline|tracks?|layers?)(?:\s+(?:panel|view|tab))?",
                   re.IGNORECASE),
        'send "status"',
    ),
    (
        re.compile(r"\b(?:drag\s+and\s+drop|drag|drop)\s+(?:your\s+|the\s+)?(?:files?|media|videos?|images?|clips?)"
                   r"(?:\s+(?:in)?to\s+(?:the\s+)?(?:editor|timeline|canvas|upload\s+area|media\s+panel))?",
                   re.IGNORECASE),
        "send your files here",
    ),
    (
        re.compile(r"\b(?:click|press|tap)\s+(?:on\s+)?(?:the\s+)?[\"'“]?upload[\"'”]?(?:\s+button)?",
                   re.IGNORECASE),
        "send your files here",
    ),
    (
        re.compile(r"\b(?:preview|play)\s+(?:it\s+)?in\s+the\s+(?:player|preview\s+(?:panel|window)|editor)",
                   re.IGNORECASE),
        'send "export" to get the video',
    ),
    (re.compile(r"点击\s*[“\"「]?(?:导出|下载)[”\"」]?(?:按钮)?"), "发送“导出”"),
    (re.compile(r"(?:打开|查看)\s*(?:时间线|轨道)(?:面板)?"), "发送“状态”"),
    (re.compile(r"(?:拖拽|拖入|拖动)(?:文件|素材|视频|图片)?(?:到)?(?:编辑器|时间线|画布)?"), "直接发送文件"),
]


def translate_gui(text: str) -> str:
    """Replace GUI phrases with chat instructions; other text is kept as it is."""
    for pattern, replacement in _RULES:
        text = pattern.sub(functools.partial(_same_case, new=replacement), text)
    return text


def _same_case(match: re.Match[str], new: str) -> str:
    """Keep a capital letter at the start of a sentence."""
    return new[:1].upper() + new[1:] if match.group(0)[:1].isupper() else new


_TEMPORARY_ISSUE = re.compile(r"(encountered|ran into|experiencing)\s+(a\s+)?temporary\s+(issue|problem|error)"
                              r"|暂时的问题|临时问题", re.IGNORECASE)


def is_temporary_issue(text: str) -> bool:
    """The backend's trailing 'I encountered a temporary issue' line."""
    return bool(_TEMPORARY_ISSUE.search(text))
