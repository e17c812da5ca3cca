"""The shipped font has the glyphs the bot draws: Chinese comes out as characters, never as tofu boxes."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageStat

from bot.i18n.locales import en, zh
from bot.pictures.fonts import FONT_PATH, font

REFERENCE = Path(__file__).with_name("reference_zh.png")
SAMPLE = "时间线 视频 音乐 标题 总时长 喵星人 冲浪"
EMOJI = "ℹ\ufe0f"  # written as symbols, shown as emoji
NOT_IN_FONT = "\ue000"  # a private-use code point: the font draws its .notdef glyph, as for any it lacks


def _covered() -> set[int]:
    return set(TTFont(FONT_PATH).getBestCmap())


def _drawn(text: str, size: int = 32) -> Image.Image:
    image = Image.new("L", (size * (len(text) + 1), size * 2), 0)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=font(size), fill=255)
    return image


def test_the_font_covers_every_character_of_the_catalogue() -> None:
    covered = _covered()
    # Emoji are left to the chat apps; the pictures only draw words.
    wanted = {ord(char) for table in (en.MESSAGES, zh.MESSAGES) for text in table.values() for char in text
              if char.isprintable() and unicodedata.category(char) != "So" and char not in EMOJI}
    assert sorted(chr(point) for point in wanted - covered) == []


@pytest.mark.parametrize("text", ["一只猫在冲浪", "城市夜景", "喵星人", "臺灣電影", "ひらがな", "Ünïcödé"])
def test_everyday_chinese_and_latin_are_covered(text: str) -> None:
    assert {ord(char) for char in text} <= _covered()


def test_chinese_glyphs_are_not_the_tofu_box() -> None:
    # What the font draws for a character it lacks (this font's .notdef is blank: a missing glyph shows nothing).
    tofu = _drawn(NOT_IN_FONT)
    for char in "时间线视频音乐标题":
        glyph = _drawn(char)
        bounds = glyph.getbbox()
        assert bounds is not None, char
        assert ImageStat.Stat(ImageChops.difference(glyph, tofu)).mean[0] > 5, char
        # A Han character fills most of its em square, with several strokes across it.
        left, top, right, bottom = bounds
        assert right - left > 20
        assert bottom - top > 20


def test_a_chinese_string_matches_its_reference_picture() -> None:
    # The reference was drawn by this test's `_drawn(SAMPLE)` and checked by eye; after changing the font, draw it
    # again and look at it before saving it here.
    drawn = _drawn(SAMPLE)
    reference = Image.open(REFERENCE).convert("L")

    assert reference.size == drawn.size
    difference = ImageChops.difference(drawn, reference)
    # Rasterizers differ by a pixel's shade here and there; a missing or wrong glyph differs by far more.
    assert ImageStat.Stat(difference).mean[0] < 4
