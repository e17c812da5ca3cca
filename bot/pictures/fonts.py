"""The font pictures are drawn in: a subset of Noto Sans SC shipped with the bot (Latin and Chinese alike).

The subset (`fonts/NotoSansSC-Subset.otf`, made by `deploy/subset_font.py`) is under the SIL Open Font License 1.1
(`fonts/OFL.txt`); a runtime image needs no system fonts for it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

FONT_PATH = Path(__file__).with_name("fonts") / "NotoSansSC-Subset.otf"


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """The bot's font at `size` pixels, loaded once per size (callers draw with it one thread at a time)."""
    # Basic layout: no shaping engine is needed for Latin or Han, and it measures and draws several times faster.
    return ImageFont.truetype(str(FONT_PATH), size, layout_engine=ImageFont.Layout.BASIC)


@functools.cache
def advances(size: int) -> dict[str, float]:
    """How far each character drawn so far at `size` moves the pen (filled as texts are measured)."""
    return {}


def width(text: str, size: int) -> float:
    """The width of `text` at `size` pixels, from each character's advance (kerning aside: close enough to fit)."""
    known = advances(size)
    face = font(size)
    total = 0.0
    for char in text:
        advance = known.get(char)
        if advance is None:
            advance = known[char] = face.getlength(char)
        total += advance
    return total
