"""Make the CJK font the bot draws pictures with: Noto Sans SC cut down to the characters people write.

The bot ships the result (bot/pictures/fonts/NotoSansSC-Subset.otf, about 2 MB) rather than the whole font (8 MB):
Latin, Greek and Cyrillic as Noto Sans SC has them, punctuation, arrows, shapes, kana, fullwidth forms, every
character of GB 2312 (6,763: Simplified Chinese as written day to day) and the common characters of Big5 (5,401:
Traditional Chinese), and every character in the bot's own message catalogue. Noto Sans SC is under the SIL Open
Font License 1.1, and so is this subset (bot/pictures/fonts/OFL.txt).

Run it again after adding a language whose script the subset lacks:

    pip download --no-deps -d /tmp/noto pylopdf-fonts-zh-cn   # any package that carries NotoSansSC-Regular.otf
    python deploy/subset_font.py /path/to/NotoSansSC-Regular.otf
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "bot" / "pictures" / "fonts" / "NotoSansSC-Subset.otf"
RANGES = (
    (0x20, 0x7F), (0xA0, 0x250), (0x370, 0x400), (0x400, 0x460),  # Latin, Greek, Cyrillic
    (0x2000, 0x2070), (0x20A0, 0x20C0), (0x2100, 0x2150), (0x2190, 0x2200), (0x2460, 0x2500),  # punctuation...
    (0x2500, 0x2600), (0x2600, 0x2700),  # box drawing, blocks and shapes (the progress bar's ▰▱)
    (0x3000, 0x3040), (0x3040, 0x3100),  # CJK punctuation, kana
    (0xFF00, 0xFFF0),  # fullwidth forms
)


def _double_byte(codec: str, first: range, second: list[int]) -> set[str]:
    found: set[str] = set()
    for high in first:
        for low in second:
            try:
                found.add(bytes([high, low]).decode(codec))
            except UnicodeDecodeError:
                continue
    return found


def characters() -> set[int]:
    """Every code point the subset keeps."""
    gb2312 = _double_byte("gb2312", range(0xB0, 0xF8), list(range(0xA1, 0xFF)))
    big5 = _double_byte("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
    catalogue = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "bot" / "i18n" / "locales").glob("*.py"))
    points = {point for low, high in RANGES for point in range(low, high)}
    return points | {ord(char) for char in gb2312 | big5 | set(catalogue)}


def main(source: str) -> None:
    """Subset `source` (NotoSansSC-Regular.otf) into the bot's font file."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False  # drawn at chart sizes, where hints change nothing visible
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size} bytes, {len(font.getBestCmap())} characters")


if __name__ == "__main__":
    main(sys.argv[1])
