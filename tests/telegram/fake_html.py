"""Telegram's HTML parse mode, as strict as the real server: what the user sees, or the error Telegram gives."""

from __future__ import annotations

import re

_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler", "span",
         "blockquote", "tg-emoji"}
_TAG = re.compile(r'<(/?)([a-z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*>')
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ApiError(Exception):
    """An error answer, as Telegram words it."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def visible(text: str, parse_mode: str | None) -> str:
    """The text a user sees; raises ApiError as Telegram does for HTML it cannot parse."""
    if parse_mode is None:
        return text
    if parse_mode != "HTML":
        raise ApiError(400, f"Bad Request: the fake only speaks HTML, not {parse_mode}")
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            tag = _TAG.match(text, pos)
            if tag is None or tag.group(2) not in _TAGS:
                raise ApiError(400, f"Bad Request: can't parse entities: Unsupported start tag at byte offset {pos}")
            _tag(tag.group(1) == "/", tag.group(2), stack, pos)
            pos = tag.end()
        elif char == "&":
            entity = _ENTITY.match(text, pos)
            if entity is None:
                raise ApiError(400, f"Bad Request: can't parse entities: Character '&' at byte offset {pos}")
            name = entity.group(1)
            out.append(_NAMED.get(name) or chr(int(name[2:], 16) if name[1] == "x" else int(name[1:])))
            pos = entity.end()
        else:
            if char == ">":
                raise ApiError(400, f"Bad Request: can't parse entities: Character '>' at byte offset {pos}")
            out.append(char)
            pos += 1
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag for start tag {stack[-1]!r}")
    return "".join(out)


def _tag(closing: bool, name: str, stack: list[str], pos: int) -> None:
    if not closing:
        stack.append(name)
    elif not stack or stack.pop() != name:
        raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset {pos}')


def units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2
