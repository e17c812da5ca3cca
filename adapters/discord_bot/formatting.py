"""Text for Discord: the agent's **bold**, `code` and ```blocks``` kept, every other Markdown shown as typed.

Elsewhere each character Discord could read as markup gets a backslash, which Discord hides, and `@everyone` or
`@here` a zero-width space (`discord.utils.escape_mentions`); links are left whole, so they stay clickable.
`discord.utils.escape_markdown` does not do here: a masked link hides the rest of its line from it, it writes a
visible backslash before an indented list item, and it leaves numbered lists, indented quotes and headings, and the
`<...>` syntax (mentions, timestamps, custom emoji) as they are.
"""

from __future__ import annotations

import re

from discord.utils import escape_mentions

ESCAPED = "\\*_~|`[<#>+-.@"
"""The characters `escape` may write one character longer: counting each as two keeps an escaped text in its limit."""

# What is kept as typed, in the order Discord reads it: code blocks, inline code, bold, and links (a bare one, or
# one in <...>, which Discord shows without a preview). A link ends as Discord ends it: not on a closing bracket or
# on punctuation.
_KEPT = re.compile(
    r"(?P<fence>```(?:[\w+#.-]*\n)?.*?```)"
    r"|(?P<code>`[^`\n]+`)"
    r"|\*\*(?P<bold>(?=\S).+?(?<=\S))\*\*"
    r"|(?P<link><https?://[^\s>]+>|https?://[^\s<]+[^<.,:;\"')\]\s])",
    re.DOTALL,
)
# Anywhere: emphasis, underline, strikethrough, spoilers, code, masked links, and <...> (mentions, timestamps,
# custom emoji, slash commands); a backslash escapes itself.
_INLINE = re.compile(r"[\\*_~|`\[<]")
# At the start of a line only: headings, subtext (-#), block quotes, and lists, bulleted or numbered.
_LINE_START = re.compile(r"^([ \t]*)(?:([#>+-])|(\d+)\.)", re.MULTILINE)


def escape(text: str) -> str:
    """`text` as Discord should show it: bold, code and links read as Markdown, everything else as typed."""
    return _markdown(text, line_start=True)


def _markdown(text: str, *, line_start: bool) -> str:
    out: list[str] = []
    last = 0
    for match in _KEPT.finditer(text):
        # Only the first stretch can start a line: a kept piece never ends with a newline.
        out.append(_plain(text[last:match.start()], line_start=line_start and last == 0))
        bold = match.group("bold")
        out.append(match.group(0) if bold is None else f"**{_markdown(bold, line_start=False)}**")
        last = match.end()
    out.append(_plain(text[last:], line_start=line_start and last == 0))
    return "".join(out)


def _plain(text: str, *, line_start: bool) -> str:
    def unmark(match: re.Match[str]) -> str:
        indent, sign, number = match.groups()
        if match.start() == 0 and not line_start:
            return match.group(0)  # mid-line, after a kept piece: not a line's start after all
        return f"{indent}\\{sign}" if sign else f"{indent}{number}\\."

    return escape_mentions(_LINE_START.sub(unmark, _INLINE.sub(r"\\\g<0>", text)))
