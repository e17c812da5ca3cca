"""Texts fitted to a platform's length limit, counted the way the platform counts: split, or cut short.

A platform that escapes markup names the characters it may escape (`Limits.escaped`); each counts as two, so a text
that fits here still fits once the platform has escaped it.
"""

from __future__ import annotations

from bot.engine.ports import Counting

_BREAKS = ("\n\n", "\n", " ")  # a paragraph, then a line, then a word


def length(text: str, counting: Counting, escaped: str = "") -> int:
    """The text's length as the platform counts it, each of the `escaped` characters as two."""
    size = len(text.encode("utf-16-le", "surrogatepass")) // 2 if counting is Counting.UTF16 else len(text)
    return size + sum(text.count(char) for char in escaped)


def split(text: str, limit: int, counting: Counting = Counting.CHARACTERS, escaped: str = "") -> list[str]:
    """Pieces of at most `limit`, cut at a paragraph, line or word break where one is near; none for blank text."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        fits = _fit(rest, limit, counting, escaped)
        if fits == len(rest):
            pieces.append(rest)
            break
        cut = _cut_point(rest, fits)
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    return pieces


def truncate(text: str, limit: int, counting: Counting = Counting.CHARACTERS, escaped: str = "") -> str:
    """`text` cut to `limit`, with an ellipsis when anything was dropped."""
    if length(text, counting, escaped) <= limit:
        return text
    return text[: _fit(text, limit - 1, counting, escaped)].rstrip() + "…"


def _fit(text: str, limit: int, counting: Counting, escaped: str) -> int:
    """How many characters of `text` fit in `limit` (it looks at no more than `limit` + 1 of them)."""
    if counting is Counting.CHARACTERS and not escaped:
        return min(len(text), limit)
    wide = counting is Counting.UTF16
    used = 0
    for index, char in enumerate(text):
        used += 1 + (wide and ord(char) > 0xFFFF) + (char in escaped)
        if used > limit:
            return index
    return len(text)


def _cut_point(text: str, fits: int) -> int:
    window = text[:fits]
    for mark in _BREAKS:
        at = window.rfind(mark)
        # Only a break in the second half is worth it; otherwise cut hard and keep pieces full.
        if at > fits // 2:
            return at + len(mark)
    return max(fits, 1)
