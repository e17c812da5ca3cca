"""The first frame of a clip the agent generated, shown on the turn's card: fetched beside the turn, never in its way.

The clip is downloaded (streamed to disk) by a supervised task while the agent goes on; its first frame is cut by
the `Pictures` port, then the card is redrawn with it. Whatever fails, the card simply stays without a picture. When
the turn is over, a fetch still under way is stopped and the files are removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from bot.engine.replies import Replies
from bot.engine.tasks import Supervisor
from bot.nemo.errors import NemoError

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 120.0  # a clip that takes longer to arrive is not worth a picture on a progress card
_URL_KEYS = ("video_url", "videoUrl", "url", "output_url", "outputUrl", "cdn_url")

Download = Callable[[str, Path], Awaitable[int]]
"""Streams a link to a file (`NemoMedia.download`); returns its size."""
Show = Callable[[Path], Awaitable[bool]]
"""Puts the frame on the card; False when the card is finished already (the frame is then removed)."""


def clip_url(response: Mapping[str, Any]) -> str | None:
    """The generated clip's link in a generation tool's result, under whichever name it comes."""
    for key in _URL_KEYS:
        value = response.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


class ClipFrame:
    """One turn's first frame: fetched at most once, removed when the turn is over."""

    def __init__(self, download: Download, out: Replies, folder: Path, supervisor: Supervisor | None) -> None:
        self._download = download
        self._out = out
        self._folder = folder
        self._supervisor = supervisor
        self._task: asyncio.Task[None] | None = None
        self._frames: list[Path] = []

    def fetch(self, url: str, show: Show) -> None:
        """Start fetching the clip at `url` for its first frame (once per turn; never without a supervisor)."""
        if self._task is not None or self._supervisor is None:
            return
        self._task = self._supervisor.spawn(self._fetch(url, show), name="first-frame")

    async def close(self) -> None:
        """Stop a fetch still under way and remove the frame files (the card has its final text now)."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})
        await self._remove()

    async def _remove(self) -> None:
        frames, self._frames = self._frames, []
        for frame in frames:
            await asyncio.to_thread(frame.unlink, missing_ok=True)

    async def _fetch(self, url: str, show: Show) -> None:
        clip = self._folder / f"clip-{uuid.uuid4().hex[:12]}.mp4"
        frame: Path | None = None
        try:
            await asyncio.to_thread(self._folder.mkdir, parents=True, exist_ok=True)
            async with asyncio.timeout(FETCH_TIMEOUT):
                await self._download(url, clip)
                frame = await self._out.frame(clip)
        except (NemoError, OSError, TimeoutError) as exc:
            log.info("no first frame for the card: %s", exc or type(exc).__name__)
        finally:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(clip.unlink, missing_ok=True)
        if frame is None:
            return
        self._frames.append(frame)
        if not await show(frame):
            await self._remove()
