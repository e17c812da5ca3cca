"""The `Pictures` port as the bot runs it: timeline charts drawn with Pillow, frames cut with ffmpeg."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

from bot.engine.charts import Chart
from bot.pictures.frames import Frames
from bot.pictures.timeline import draw_png

log = logging.getLogger(__name__)


class PictureMaker:
    """Draws timelines and cuts frames off the event loop; any failure gives None, so the reply goes as text."""

    def __init__(self, frames: Frames) -> None:
        self._frames = frames
        # FreeType faces are shared between draws and are not safe to use from two threads at once.
        self._drawing = threading.Lock()

    async def timeline(self, chart: Chart, dest: Path) -> Path | None:
        """Draw the chart as a PNG at `dest`."""
        try:
            await asyncio.to_thread(self._draw, chart, dest)
        except (OSError, ValueError) as exc:
            log.warning("the timeline could not be drawn: %s", exc)
            return None
        return dest

    async def frame(self, video: Path, dest: Path, *, max_side: int, max_bytes: int, at: float = 0.0) -> Path | None:
        """A JPEG of the video's frame at `at` seconds, within `max_side` pixels and `max_bytes`, at `dest`."""
        return await self._frames.jpeg(video, dest, max_side=max_side, max_bytes=max_bytes, at=at)

    def _draw(self, chart: Chart, dest: Path) -> None:
        with self._drawing:
            png = draw_png(chart)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(png)
