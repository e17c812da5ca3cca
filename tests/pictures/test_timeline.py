"""The timeline picture: its size follows the lanes, each lane's bars are drawn in its kind's colour where the clip
is on the time axis, and drawing stays quick."""

from __future__ import annotations

import io
import time

from PIL import Image

from bot.engine.charts import chart_of
from bot.nemo.draft import TrackKind
from bot.pictures import timeline
from bot.pictures.timeline import COLOURS, GAP, HEADER, LANE, PAD, WIDTH, draw_png, size_of
from tests.pictures.drafts import CAT, ROCKET, tracks


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _near(image: Image.Image, at: tuple[int, int], colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    pixel = image.getpixel(at)
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def _lane_middle(index: int) -> int:
    return PAD + HEADER + index * (LANE + GAP) + LANE // 2


def _x(ms: int, duration_ms: int) -> int:
    left, right = PAD + timeline.NAME_COLUMN, WIDTH - PAD
    return round(left + (right - left) * ms / duration_ms)


def test_a_png_of_the_declared_size_with_one_lane_per_track() -> None:
    chart = chart_of(ROCKET, "en")
    image = _image(draw_png(chart))

    assert image.size == size_of(chart) == (WIDTH, PAD + HEADER + 3 * (LANE + GAP) + timeline.AXIS + PAD)
    # Where each clip is, the lane has its kind's colour; past a clip's end, the lane is empty.
    # (The first pixels of a bar carry its label: look just above the text line.)
    top_of_text = -LANE // 2 + 7
    video, music, title = (_lane_middle(index) + top_of_text for index in range(3))
    assert _near(image, (_x(6000, 20000), video), COLOURS[TrackKind.VIDEO])
    assert _near(image, (_x(16000, 20000), video), COLOURS[TrackKind.VIDEO])
    assert _near(image, (_x(10000, 20000), music), COLOURS[TrackKind.BGM])
    assert _near(image, (_x(1500, 20000), title), COLOURS[TrackKind.TITLE])
    assert _near(image, (_x(10000, 20000), title), timeline.LANE_BACKGROUND)


def test_more_tracks_make_a_taller_picture() -> None:
    small, big = (_image(draw_png(chart_of(tracks(count), "en"))) for count in (2, 20))

    assert small.width == big.width == WIDTH
    assert big.height - small.height == 18 * (LANE + GAP)


def test_a_chinese_chart_is_drawn() -> None:
    image = _image(draw_png(chart_of(CAT, "zh")))

    assert image.size == size_of(chart_of(CAT, "zh"))
    assert _near(image, (_x(15000, 30000), _lane_middle(0) - LANE // 2 + 7), COLOURS[TrackKind.VIDEO])


def test_twenty_tracks_are_drawn_well_under_100_ms() -> None:
    chart = chart_of(tracks(20), "zh")
    draw_png(chart)  # the font is loaded once
    spent = []
    for _ in range(5):
        started = time.thread_time()
        draw_png(chart)
        spent.append(time.thread_time() - started)

    assert min(spent) < 0.1
