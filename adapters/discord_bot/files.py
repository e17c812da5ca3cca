"""Discord attachments streamed to disk as soon as they arrive: their signed CDN URLs expire."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import aiohttp
import discord

from bot.engine.config import MAX_UPLOAD_BYTES
from bot.engine.messages import Attachment
from bot.engine.uploads import NotFetched, Screen, screen

log = logging.getLogger(__name__)

CHUNK = 256 * 1024


class DownloadFailed(Exception):
    """The CDN did not hand over the file."""


class Downloader:
    """Streams attachments to a scratch folder without holding them in memory."""

    def __init__(self, session: aiohttp.ClientSession, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self._session = session
        self._max_bytes = max_bytes

    async def fetch(self, items: Sequence[discord.Attachment], folder: Path) -> tuple[Attachment, ...]:
        """Download now every attachment the engine's screen accepts; the engine refuses the rest (and failed ones)."""
        ready: list[Attachment] = []
        for index, item in enumerate(items):
            if screen(item.filename, item.content_type, item.size, max_bytes=self._max_bytes) is not Screen.ACCEPT:
                # Not worth fetching: the engine refuses it before any transfer. The saver is a safety net only.
                ready.append(self._later(item))
                continue
            path = folder / str(index) / _safe_name(item.filename)
            try:
                await self.save(item.url, path)
            except DownloadFailed as exc:
                log.warning("could not fetch attachment %s: %s", item.id, exc)
                ready.append(Attachment(item.filename, item.content_type, item.size, fetch_failed=True))
                continue
            ready.append(Attachment(item.filename, item.content_type, item.size, path=path))
        return tuple(ready)

    async def save(self, url: str, path: Path) -> None:
        """Stream one URL to `path`, giving up past the size limit."""
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        handle: BinaryIO = await asyncio.to_thread(path.open, "wb")
        written = 0
        try:
            async with self._session.get(url) as response:
                if response.status != 200:
                    raise DownloadFailed(f"HTTP {response.status}")
                async for chunk in response.content.iter_chunked(CHUNK):
                    written += len(chunk)
                    if written > self._max_bytes:
                        raise DownloadFailed("larger than the upload limit")
                    await asyncio.to_thread(handle.write, chunk)
        except aiohttp.ClientError as exc:
            raise DownloadFailed(type(exc).__name__) from exc
        finally:
            await asyncio.to_thread(handle.close)

    def _later(self, item: discord.Attachment) -> Attachment:
        async def save_to(path: Path) -> None:
            try:
                await self.save(item.url, path)
            except DownloadFailed as exc:
                raise NotFetched(Screen.FAILED) from exc

        return Attachment(item.filename, item.content_type, item.size, save_to=save_to)


def _safe_name(name: str) -> str:
    """The file name alone: a name from the chat never chooses the folder it is written to."""
    base = Path(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "file"
