"""Files people send: refused early past the getFile limit, else streamed to disk when the engine asks."""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
from pathlib import Path

import anyio
import httpx
import imageio_ffmpeg
from telegram import Bot
from telegram.error import TelegramError

from adapters.telegram.incoming import FileRef
from bot.engine.config import MAX_UPLOAD_BYTES
from bot.engine.messages import Attachment
from bot.engine.uploads import Screen, UploadRefused, screen
from bot.i18n import say

log = logging.getLogger(__name__)
CHUNK = 256 * 1024


class Downloader:
    """Turns file references into engine attachments whose `save_to` fetches them from Telegram."""

    def __init__(self, bot: Bot, http: httpx.AsyncClient, download_limit: int | None) -> None:
        self._bot = bot
        self._http = http
        self._limit = download_limit

    def attachment(self, ref: FileRef, locale: str) -> Attachment:
        """An attachment for the engine; one over the getFile limit refuses without any download."""
        verdict = screen(ref.name, ref.mime_type, ref.size, max_bytes=MAX_UPLOAD_BYTES, download_limit=self._limit)
        over_limit = verdict is Screen.UNREACHABLE
        save = self._refuse if over_limit else self._save
        return Attachment(
            name=ref.name, mime_type=ref.mime_type, size=ref.size, save_to=functools.partial(save, ref, locale),
            refusal=too_big(ref, locale) if over_limit else None,
        )

    async def _refuse(self, ref: FileRef, locale: str, path: Path) -> None:
        raise UploadRefused(too_big(ref, locale))

    async def _save(self, ref: FileRef, locale: str, path: Path) -> None:
        try:
            found = await self._bot.get_file(ref.file_id)
        except TelegramError as exc:
            if "too big" in exc.message.lower():
                raise UploadRefused(too_big(ref, locale)) from None
            log.warning("getFile failed for %s: %s", ref.name, exc)
            raise UploadRefused(say("telegram_download_failed", locale, name=ref.name)) from None
        if not found.file_path:
            raise UploadRefused(say("telegram_download_failed", locale, name=ref.name))
        target = path.with_suffix(".oga") if ref.voice else path
        await self._fetch(found.file_path, target, ref, locale)
        if ref.voice:
            converted = await to_m4a(target, path)
            target.unlink(missing_ok=True)
            if not converted:
                raise UploadRefused(say("telegram_voice_failed", locale))

    async def _fetch(self, source: str, target: Path, ref: FileRef, locale: str) -> None:
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
            raise UploadRefused(say("telegram_download_failed", locale, name=ref.name)) from None


def too_big(ref: FileRef, locale: str) -> str:
    """Why a file over the getFile limit cannot be used, and what to send instead."""
    if ref.size is None:
        return say("telegram_input_too_big_unknown", locale, name=ref.name)
    return say("telegram_input_too_big", locale, name=ref.name, size_mb=ref.size / 1e6)


async def to_m4a(source: Path, target: Path) -> bool:
    """Convert a voice note (Opus in Ogg, which Nemo does not take) to AAC in an m4a file, in a subprocess."""
    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", "-i", str(source),
        "-vn", "-c:a", "aac", "-b:a", "96k", str(target),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        log.warning("voice conversion failed: %s", errors.decode(errors="replace")[-300:])
    return process.returncode == 0
