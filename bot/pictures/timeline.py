"""The timeline chart drawn as a PNG: one lane per track on a time axis in seconds, each clip a labelled bar.

Blocking (Pillow): call it in a thread. A 20-track chart takes a few tens of milliseconds (`bench/timeline_image.py`).
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw

from bot.engine.charts import Bar, Chart, Lane
from bot.nemo.draft import TrackKind
from bot.pictures.fonts import font, width

WIDTH = 960
PAD = 24
HEADER = 44
NAME_COLUMN = 150
LANE = 44
GAP = 10
AXIS = 34
FOOTER = 26
BAR_INSET = 4
MIN_LABELLED = 28  # narrower bars carry no label: nothing legible fits

BACKGROUND = (30, 31, 36)
LANE_BACKGROUND = (42, 44, 51)
TEXT = (232, 232, 234)
MUTED = (150, 153, 163)
GRID = (62, 64, 72)
ON_BAR = (255, 255, 255)
COLOURS = {
    TrackKind.VIDEO: (76, 126, 243),
    TrackKind.BGM: (47, 163, 122),
    TrackKind.TITLE: (232, 150, 48),
    TrackKind.OTHER: (150, 105, 220),
}
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)  # axis ticks, in seconds: the first giving at most 10 ticks


def size_of(chart: Chart) -> tuple[int, int]:
    """The picture's width and height in pixels."""
    lanes = max(len(chart.lanes), 1)
    return WIDTH, PAD + HEADER + lanes * (LANE + GAP) + AXIS + (FOOTER if chart.more else 0) + PAD


def draw_png(chart: Chart) -> bytes:
    """The chart as PNG bytes."""
    width, height = size_of(chart)
    image = Image.new("RGB", (width, height), BACKGROUND)
    pen = ImageDraw.Draw(image)
    _header(pen, chart)
    top = PAD + HEADER
    scale = _Scale(chart.duration_ms)
    _grid(pen, chart, scale, top, height)
    for index, lane in enumerate(chart.lanes):
        _lane(pen, lane, scale, top + index * (LANE + GAP))
    if chart.more:
        pen.text((PAD, height - PAD - FOOTER + 6), chart.more, font=font(15), fill=MUTED)
    out = io.BytesIO()
    # A few flat colours and their anti-aliased edges: a palette loses nothing visible, and makes the file a third
    # as large and quicker to encode than full colour.
    image.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue()


class _Scale:
    """Milliseconds to x pixels across the bars' area."""

    def __init__(self, duration_ms: int) -> None:
        self.duration_ms = max(duration_ms, 1000)
        self.left = PAD + NAME_COLUMN
        self.right = WIDTH - PAD

    def x(self, ms: int) -> float:
        return self.left + (self.right - self.left) * min(max(ms, 0), self.duration_ms) / self.duration_ms

    def step(self) -> int:
        seconds = self.duration_ms / 1000
        return next((step for step in _STEPS if seconds / step <= 10), math.ceil(seconds / 10))


def _header(pen: ImageDraw.ImageDraw, chart: Chart) -> None:
    total_width = width(chart.total, 18)
    pen.text((WIDTH - PAD - total_width, PAD + 6), chart.total, font=font(18), fill=MUTED)
    heading = _fit(chart.heading, 24, WIDTH - 3 * PAD - total_width)
    pen.text((PAD, PAD), heading, font=font(24), fill=TEXT)


def _grid(pen: ImageDraw.ImageDraw, chart: Chart, scale: _Scale, top: int, height: int) -> None:
    bottom = top + max(len(chart.lanes), 1) * (LANE + GAP)
    tick_font = font(14)
    step = scale.step()
    for second in range(0, scale.duration_ms // 1000 + 1, step):
        x = scale.x(second * 1000)
        pen.line([(x, top - 4), (x, bottom)], fill=GRID, width=1)
        label = chart.seconds.format(value=second)
        label_width = width(label, 14)
        left = min(max(x - label_width / 2, scale.left - label_width / 2), WIDTH - PAD - label_width)
        pen.text((left, bottom + 6), label, font=tick_font, fill=MUTED)


def _lane(pen: ImageDraw.ImageDraw, lane: Lane, scale: _Scale, top: int) -> None:
    pen.rounded_rectangle([(PAD, top), (WIDTH - PAD, top + LANE)], radius=8, fill=LANE_BACKGROUND)
    name = _fit(lane.name, 16, NAME_COLUMN - 16)
    pen.text((PAD + 10, top + LANE / 2), name, font=font(16), fill=TEXT, anchor="lm")
    colour = COLOURS[lane.kind]
    bars = sorted(lane.bars, key=lambda bar: bar.start_ms)
    for index, bar in enumerate(bars):
        # The free lane after a bar, up to the next one: a short clip's label may go there instead.
        following = [later.start_ms for later in bars[index + 1:] if later.start_ms >= bar.start_ms + bar.duration_ms]
        free_until = scale.x(following[0]) if following else scale.right
        _bar(pen, bar, scale, top, colour, free_until)


def _bar(
    pen: ImageDraw.ImageDraw, bar: Bar, scale: _Scale, top: int, colour: tuple[int, int, int], free_until: float,
) -> None:
    left = scale.x(bar.start_ms)
    right = max(scale.x(bar.start_ms + bar.duration_ms), left + 3)
    box = [(left + 1, top + BAR_INSET), (right - 1, top + LANE - BAR_INSET)]
    pen.rounded_rectangle(box, radius=6, fill=colour, outline=BACKGROUND, width=1)
    inside, outside = right - left - 14, free_until - right - 14
    middle = top + LANE / 2
    if width(bar.label, 15) > inside and outside > max(inside, MIN_LABELLED):
        pen.text((right + 6, middle), _fit(bar.label, 15, outside), font=font(15), fill=TEXT, anchor="lm")
    elif inside >= MIN_LABELLED:
        pen.text((left + 8, middle), _fit(bar.label, 15, inside), font=font(15), fill=ON_BAR, anchor="lm")


def _fit(text: str, size: int, room: float) -> str:
    """`text` cut with an ellipsis to fit `room` pixels at `size`."""
    if width(text, size) <= room:
        return text
    room -= width("…", size)
    used = 0.0
    for index, char in enumerate(text):
        used += width(char, size)
        if used > room:
            return text[:index].rstrip() + "…" if index else ""
    return text
