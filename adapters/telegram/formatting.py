"""Text for Telegram: escaped into HTML, with the agent's bold and code kept."""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"```(?:[\w+#.-]*\n)?(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)


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
    """A media caption (already within the caption limit), escaped."""
    return _escape(text)
