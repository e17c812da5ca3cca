"""Intent routing: a pure function from a message's text to what the bot does with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What a message asks for."""

    START = "start"
    HELP = "help"
    NEW = "new"
    CANCEL = "cancel"
    EXPORT = "export"
    CREDITS = "credits"
    STATUS = "status"
    UPLOAD = "upload"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Route:
    """The decision: the intent, the text left for the agent, and URLs to upload."""

    intent: Intent
    text: str = ""
    urls: tuple[str, ...] = ()


_COMMANDS = {
    "start": Intent.START,
    "help": Intent.HELP,
    "new": Intent.NEW,
    "reset": Intent.NEW,
    "cancel": Intent.CANCEL,
    "stop": Intent.CANCEL,
    "export": Intent.EXPORT,
    "status": Intent.STATUS,
    "timeline": Intent.STATUS,
    "credits": Intent.CREDITS,
    "balance": Intent.CREDITS,
    "upload": Intent.UPLOAD,
    "video": Intent.AGENT,
}

# Whole-message phrases: a keyword routes only when the message is the request itself.
_PHRASES = {
    Intent.EXPORT: {
        "export", "export it", "export video", "export the video", "export my video", "download",
        "download it", "download video", "download the video", "send me the video", "send the video",
        "send video", "give me the video", "render", "render it", "render the video",
        "导出", "导出视频", "下载", "下载视频", "发给我", "把视频发给我", "发视频",
    },
    Intent.CREDITS: {
        "credits", "credit", "my credits", "check credits", "credit balance", "balance", "my balance",
        "check balance", "how many credits", "how many credits do i have",
        "积分", "余额", "我的积分", "我的余额", "查积分", "查余额", "还有多少积分",
    },
    Intent.STATUS: {
        "status", "show status", "show tracks", "tracks", "timeline", "show timeline", "show the timeline",
        "show me the timeline", "what do we have", "状态", "查看状态", "时间线", "轨道", "查看轨道",
    },
    Intent.UPLOAD: {"upload", "上传"},
    Intent.CANCEL: {"cancel", "stop", "取消", "停止"},
    Intent.HELP: {"help", "帮助", "?", "？"},
}
_PHRASE_TO_INTENT = {phrase: intent for intent, phrases in _PHRASES.items() for phrase in phrases}

_POLITE = re.compile(r"^(please|pls|can you|could you|now|ok|okay|请|帮我|给我)\s*|\s*(please|pls|now|吧|吗|呢)$")
_TRAILING = re.compile(r"[\s?!.。？！~…]+$")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def normalize(text: str) -> str:
    """Lower-case, trim punctuation and polite padding, collapse spaces."""
    out = " ".join(text.lower().split())
    out = _TRAILING.sub("", out) or out
    for _ in range(2):
        out = _POLITE.sub("", out).strip()
    return _TRAILING.sub("", out) or out


def route(text: str, has_attachments: bool = False) -> Route:
    """Decide what a message asks for. Attachments always mean an upload (the text rides along)."""
    stripped = text.strip()
    command = _COMMAND.match(stripped)
    if command:
        # An unknown command is not a prompt: answering with help costs nothing, the agent would charge.
        intent = _COMMANDS.get(command.group(1).lower(), Intent.HELP)
        rest = (command.group(2) or "").strip()
        if has_attachments and intent in (Intent.AGENT, Intent.UPLOAD):
            return Route(Intent.UPLOAD, rest, tuple(_URL.findall(rest)))
        if intent is Intent.UPLOAD:
            return Route(Intent.UPLOAD, "", tuple(_URL.findall(rest)))
        return Route(intent, rest)
    if has_attachments:
        return Route(Intent.UPLOAD, "" if normalize(stripped) in _PHRASES[Intent.UPLOAD] else stripped)
    return _route_text(stripped)


def _route_text(text: str) -> Route:
    urls = tuple(_URL.findall(text))
    if urls:
        rest = _URL.sub("", text).strip()
        if not rest or normalize(rest) in _PHRASES[Intent.UPLOAD]:
            return Route(Intent.UPLOAD, "", urls)
        return Route(Intent.AGENT, text, urls)
    intent = _PHRASE_TO_INTENT.get(normalize(text))
    if intent is None or not text:
        return Route(Intent.AGENT, text)
    return Route(intent)
