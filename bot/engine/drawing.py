"""The reply layer's pictures: made through the `Pictures` port into a scratch folder, removed once sent.

Without the port (or when it cannot make one) there is no picture, and the reply goes as text alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.engine.charts import Chart
from bot.engine.ports import Pictures
from bot.i18n import say

# Telegram's limits on a video's thumbnail, which do for a picture beside a link or on a card anywhere.
THUMBNAIL_SIDE = 320
THUMBNAIL_BYTES = 200_000


@dataclass(frozen=True, slots=True)
class Delivery:
    """What is known of a video beside its file: its size and length, title, who asked, and the link to it."""

    width: int
    height: int
    duration: float
    caption: str
    title: str = ""
    link: str | None = None
    requester: str | None = None

    def facts(self, locale: str) -> tuple[tuple[str, str], ...]:
        """Its duration, resolution and who asked, named in the user's language."""
        facts = [
            (say("video_fact_duration", locale), say("video_fact_seconds", locale, seconds=self.duration)),
            (say("video_fact_resolution", locale), f"{self.width}×{self.height}"),
        ]
        if self.requester:
            facts.append((say("video_fact_requester", locale), self.requester))
        return tuple(facts)


@dataclass(frozen=True, slots=True)
class Drawing:
    """Where replies get their pictures: the `Pictures` port (None: text only) and a folder for the files."""

    pictures: Pictures | None
    folder: Path

    @contextlib.asynccontextmanager
    async def timeline(self, chart: Chart) -> AsyncIterator[Path | None]:
        """The chart drawn as a PNG for one reply, removed afterwards."""
        async with self._made("timeline", ".png") as (pictures, dest):
            path = await pictures.timeline(chart, dest) if pictures is not None else None
            try:
                yield path
            finally:
                await _remove(path)

    @contextlib.asynccontextmanager
    async def thumbnail(self, video: Path, at: float) -> AsyncIterator[Path | None]:
        """A video's thumbnail for one reply, removed afterwards."""
        path = await self.frame(video, at=at, name="thumbnail")
        try:
            yield path
        finally:
            await _remove(path)

    async def frame(self, video: Path, *, at: float = 0.0, name: str = "frame") -> Path | None:
        """A thumbnail-sized JPEG of the video's frame at `at` seconds; the caller removes it."""
        async with self._made(name, ".jpg") as (pictures, dest):
            if pictures is None:
                return None
            return await pictures.frame(video, dest, max_side=THUMBNAIL_SIDE, max_bytes=THUMBNAIL_BYTES, at=at)

    @contextlib.asynccontextmanager
    async def _made(self, name: str, suffix: str) -> AsyncIterator[tuple[Pictures | None, Path]]:
        """The port and a fresh file name in the folder (`timeline-1f0c….png`), the folder made when needed."""
        dest = self.folder / f"{name}-{uuid.uuid4().hex[:12]}{suffix}"
        if self.pictures is not None:
            await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
        yield self.pictures, dest


async def _remove(path: Path | None) -> None:
    if path is not None:
        await asyncio.to_thread(path.unlink, missing_ok=True)
