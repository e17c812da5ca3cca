"""Texts fitted to a platform's length limit, counted the way the platform counts: split, or cut short."""

from __future__ import annotations

from bot.engine.ports import Counting

_BREAKS = ("\n\n", "\n", " ")  # a paragraph, then a line, then a word


def length(text: str, counting: Counting) -> int:
    """The text's length as the platform counts it."""
    if counting is Counting.UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def split(text: str, limit: int, counting: Counting = Counting.CHARACTERS) -> list[str]:
    """Pieces of at most `limit`, cut at a paragraph, line or word break where one is near; none for blank text."""
    pieces: list[str] = []
    rest = text.strip()
    while length(rest, counting) > limit:
        cut = _cut_point(rest, limit, counting)
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def truncate(text: str, limit: int, counting: Counting = Counting.CHARACTERS) -> str:
    """`text` cut to `limit`, with an ellipsis when anything was dropped."""
    if length(text, counting) <= limit:
        return text
    return text[: _fit(text, limit - 1, counting)].rstrip() + "…"


def _fit(text: str, limit: int, counting: Counting) -> int:
    """How many characters of `text` fit in `limit`."""
    if counting is Counting.CHARACTERS:
        return min(len(text), limit)
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut_point(text: str, limit: int, counting: Counting) -> int:
    fits = _fit(text, limit, counting)
    window = text[:fits]
    for mark in _BREAKS:
        at = window.rfind(mark)
        # Only a break in the second half is worth it; otherwise cut hard and keep pieces full.
        if at > fits // 2:
            return at + len(mark)
    return max(fits, 1)
