"""Files people send, streamed to disk when the engine asks; what Telegram would not hand over is reported as such."""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
from pathlib import Path

import anyio
import httpx
from telegram import Bot
from telegram.error import TelegramError

from adapters.telegram.incoming import FileRef
from bot.engine.messages import Attachment
from bot.engine.uploads import NotFetched, Screen

log = logging.getLogger(__name__)
CHUNK = 256 * 1024


class Downloader:
    """Turns file references into engine attachments whose `save_to` fetches them from Telegram."""

    def __init__(self, bot: Bot, http: httpx.AsyncClient) -> None:
        self._bot = bot
        self._http = http

    def attachment(self, ref: FileRef) -> Attachment:
        """An attachment for the engine, which screens it against the declared getFile limit before any download."""
        return Attachment(
            name=ref.name, mime_type=ref.mime_type, size=ref.size, save_to=functools.partial(self._save, ref),
        )

    async def _save(self, ref: FileRef, path: Path) -> None:
        try:
            found = await self._bot.get_file(ref.file_id)
        except TelegramError as exc:
            if "too big" in exc.message.lower():
                raise NotFetched(Screen.UNREACHABLE) from None
            log.warning("getFile failed for %s: %s", ref.name, exc)
            raise NotFetched(Screen.FAILED) from None
        if not found.file_path:
            raise NotFetched(Screen.FAILED)
        target = path.with_suffix(".oga") if ref.voice else path
        await self._fetch(found.file_path, target, ref)
        if ref.voice:
            converted = await to_m4a(target, path)
            target.unlink(missing_ok=True)
            if not converted:
                raise NotFetched(Screen.UNREADABLE)

    async def _fetch(self, source: str, target: Path, ref: FileRef) -> None:
        local = Path(source)
        if local.is_absolute() and await asyncio.to_thread(local.is_file):
            # A --local server hands out a path on the shared disk.
            await asyncio.to_thread(shutil.copyfile, local, target)
            return
        try:
            async with self._http.stream("GET", source) as reply, await anyio.open_file(target, "wb") as sink:
                reply.raise_for_status()
                async for chunk in reply.aiter_bytes(CHUNK):
                    await sink.write(chunk)
        except httpx.HTTPError as exc:
            # The URL carries the bot token: neither it nor the exception that holds it goes any further.
            log.warning("download of %s failed: %s", ref.name, type(exc).__name__)
            raise NotFetched(Screen.FAILED) from None


def ffmpeg_exe() -> str | None:
    """The ffmpeg that imageio-ffmpeg ships (the `sim` extra), else one on PATH; None in the slim runtime image."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return shutil.which("ffmpeg")
    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    return path


async def to_m4a(source: Path, target: Path) -> bool:
    """Convert a voice note (Opus in Ogg, which Nemo does not take) to AAC in an m4a file, in a subprocess."""
    ffmpeg = ffmpeg_exe()
    if ffmpeg is None:
        log.warning("a voice note cannot be converted: no ffmpeg (install nemo-video-bot[sim] or put one on PATH)")
        return False
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-v", "error", "-y", "-i", str(source),
        "-vn", "-c:a", "aac", "-b:a", "96k", str(target),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        log.warning("voice conversion failed: %s", errors.decode(errors="replace")[-300:])
    return process.returncode == 0
