"""Text for Telegram: split under the length limits, then escaped into HTML (with the agent's bold and code kept)."""

from __future__ import annotations

import html
import re

from adapters.telegram.options import CAPTION_LIMIT, TEXT_LIMIT

_FENCE = re.compile(r"```(?:[\w+#.-]*\n)?(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_BREAKS = ("\n\n", "\n", " ")


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), so emoji and CJK never overflow a limit."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` units, cut at a paragraph, line or word break where one is near."""
    pieces: list[str] = []
    rest = text.strip()
    while units(rest) > limit:
        cut = _cut_point(rest, limit)
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _cut_point(text: str, limit: int) -> int:
    fits = _fit(text, limit)
    window = text[:fits]
    for mark in _BREAKS:
        at = window.rfind(mark)
        # Only a break in the second half is worth it; otherwise cut hard and keep pieces full.
        if at > fits // 2:
            return at + len(mark)
    return max(fits, 1)


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` units, with an ellipsis when anything was dropped."""
    if units(text) <= limit:
        return text
    return text[: _fit(text, limit - 1)].rstrip() + "…"


def to_html(text: str) -> str:
    """Every character escaped; the agent's ```blocks```, `code` and **bold** become Telegram HTML tags."""
    out: list[str] = []
    last = 0
    for match in _FENCE.finditer(text):
        out.append(_inline(text[last:match.start()]))
        out.append(f"<pre>{_escape(match.group(1).strip(chr(10)))}</pre>")
        last = match.end()
    out.append(_inline(text[last:]))
    return "".join(out)


def _inline(text: str) -> str:
    out: list[str] = []
    last = 0
    for match in _CODE.finditer(text):
        out.append(_bold(text[last:match.start()]))
        out.append(f"<code>{_escape(match.group(1))}</code>")
        last = match.end()
    out.append(_bold(text[last:]))
    return "".join(out)


def _bold(text: str) -> str:
    out: list[str] = []
    last = 0
    for match in _BOLD.finditer(text):
        out.append(_escape(text[last:match.start()]))
        out.append(f"<b>{_escape(match.group(1))}</b>")
        last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def caption(text: str) -> str:
    """A media caption: within the caption limit, escaped."""
    return _escape(truncate(text, CAPTION_LIMIT))


def link_text(note: str, url: str) -> str:
    """A note followed by a link, both escaped (the URL stays visible and tappable)."""
    return f"{_escape(note)}\n{_escape(url)}"
