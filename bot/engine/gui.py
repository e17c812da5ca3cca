"""Rewrite the agent's GUI instructions ("click Export") into what to type in a chat."""

from __future__ import annotations

import functools
import re

from bot.i18n import catalogue


def translate_gui(text: str) -> str:
    """Replace GUI phrases of every catalogue language with chat instructions; other text is kept as it is."""
    found = catalogue()
    for name in found.in_order():
        for rule in found.rewrites.get(name, ()):
            text = rule.pattern.sub(functools.partial(_same_case, new=rule.replacement), text)
    return text


def _same_case(match: re.Match[str], new: str) -> str:
    """Keep a capital letter at the start of a sentence."""
    return new[:1].upper() + new[1:] if match.group(0)[:1].isupper() else new


def is_temporary_issue(text: str) -> bool:
    """The backend's trailing 'I encountered a temporary issue' line, in any catalogue language."""
    return any(pattern.search(text) for pattern in catalogue().temporary.values())
