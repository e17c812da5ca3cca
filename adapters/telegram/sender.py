"""Bot API calls as the adapter makes them: flood waits honoured, and HTML that never breaks a send."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, InputFile, InputMediaPhoto, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from adapters.telegram.formatting import caption as caption_html
from adapters.telegram.formatting import to_html
from adapters.telegram.options import Options
from bot.engine.ports import Video
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
FLOOD_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class Where:
    """A chat, and the forum topic in it when there is one."""

    chat_id: int
    thread_id: int | None = None

    @classmethod
    def of(cls, chat: ChatKey) -> Where:
        """Where a chat key points: Telegram's ids are integers, the key holds them as text."""
        return cls(int(chat.chat_id), int(chat.thread_id) if chat.thread_id else None)


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, whether PTB reports it as an int or (PTB_TIMEDELTA=1) a timedelta."""
    with warnings.catch_warnings():
        # PTB 22 warns that the int form is going away; both forms are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def is_not_modified(exc: TelegramError) -> bool:
    """The edit would not change anything (already shown)."""
    return isinstance(exc, BadRequest) and "not modified" in exc.message.lower()


def is_parse_error(exc: TelegramError) -> bool:
    """Telegram could not parse the HTML."""
    return isinstance(exc, BadRequest) and "parse entities" in exc.message.lower()


def is_too_large(exc: TelegramError) -> bool:
    """The upload was over the server's size limit (413, often an HTML page, so PTB raises NetworkError)."""
    text = exc.message.lower()
    return isinstance(exc, NetworkError) and ("413" in text or "too large" in text or "too big" in text)


class Sender:
    """Sends, edits and uploads for the adapter."""

    def __init__(self, bot: Bot, options: Options, sleep: Sleep = asyncio.sleep) -> None:
        self.bot = bot
        self._options = options
        self._sleep = sleep

    async def patiently(self, call: Callable[[], Awaitable[T]]) -> T:
        """Make the call, sleeping out each RetryAfter (the request was refused, so repeating it is safe)."""
        attempt = 1
        while True:
            try:
                return await call()
            except RetryAfter as exc:
                if attempt >= self._options.flood_attempts:
                    raise
                attempt += 1
                wait = retry_seconds(exc)
                log.info("flood control: waiting %.1f s as Telegram asked", wait)
                await self._sleep(wait + FLOOD_MARGIN)

    async def send_text(
        self, where: Where, text: str, *, markup: InlineKeyboardMarkup | None = None, reply_to: int | None = None,
    ) -> Message:
        """Send one piece of text (within the length limit) as HTML, or as plain text if Telegram cannot parse it."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None

        def send(body: str, mode: str | None) -> Callable[[], Awaitable[Message]]:
            return lambda: self.bot.send_message(
                where.chat_id, body, parse_mode=mode, message_thread_id=where.thread_id,
                reply_markup=markup, reply_parameters=reply,
            )

        try:
            return await self.patiently(send(to_html(text), ParseMode.HTML))
        except BadRequest as exc:
            if not is_parse_error(exc):
                raise
            log.warning("Telegram could not parse a message as HTML; sending it as plain text")
            return await self.patiently(send(text, None))

    async def edit_text(
        self, where: Where, message_id: int, text: str, *, wait: bool, markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Replace a message's text and its buttons (None: none); `wait=False` lets a RetryAfter through so the
        caller can skip ahead."""
        def edit(body: str, mode: str | None) -> Callable[[], Awaitable[object]]:
            return lambda: self.bot.edit_message_text(
                body, where.chat_id, message_id, parse_mode=mode, reply_markup=markup,
            )

        async def run(call: Callable[[], Awaitable[object]]) -> None:
            await (self.patiently(call) if wait else call())

        try:
            await run(edit(to_html(text), ParseMode.HTML))
        except BadRequest as exc:
            if is_not_modified(exc):
                return
            if not is_parse_error(exc):
                raise
            log.warning("Telegram could not parse an edit as HTML; sending it as plain text")
            try:
                await run(edit(text, None))
            except BadRequest as again:
                if not is_not_modified(again):
                    raise

    async def send_video(
        self, where: Where, path: Path, video: Video, caption: str, *, reply_to: int | None,
    ) -> Message:
        """Upload an MP4 (streamed from disk; a local server reads the path itself)."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None

        # Read ahead (a few kilobytes): each attempt needs its own file object; a local server reads the path.
        thumb_bytes = (
            await asyncio.to_thread(video.thumbnail.read_bytes)
            if video.thumbnail is not None and not self._options.local_mode else None
        )

        async def upload() -> Message:
            with path.open("rb") as handle:
                # A file handle (not its bytes) keeps the upload streaming from disk; local mode sends file://.
                media: Path | InputFile = (
                    path if self._options.local_mode
                    else InputFile(handle, filename=path.name, read_file_handle=False)
                )
                # Our own thumbnail: a server that does not read a big upload's frames would show a grey square.
                thumbnail: Path | InputFile | None = video.thumbnail
                if thumb_bytes is not None:
                    thumbnail = InputFile(thumb_bytes, filename="thumbnail.jpg")
                return await self.bot.send_video(
                    where.chat_id, media, duration=max(1, round(video.duration)), width=video.width,
                    height=video.height, caption=caption_html(caption), parse_mode=ParseMode.HTML,
                    supports_streaming=True, message_thread_id=where.thread_id, reply_parameters=reply,
                    thumbnail=thumbnail,
                    write_timeout=self._options.media_write_timeout, read_timeout=self._options.media_read_timeout,
                )

        return await self.patiently(upload)

    async def send_photo(
        self, where: Where, path: Path, caption: str, *, markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> Message:
        """Send a picture (a PNG or JPEG of a few hundred kilobytes at most) with an HTML caption."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        picture = await asyncio.to_thread(path.read_bytes)
        return await self.patiently(lambda: self.bot.send_photo(
            where.chat_id, InputFile(picture, filename=path.name), caption=to_html(caption) or None,
            parse_mode=ParseMode.HTML, message_thread_id=where.thread_id, reply_markup=markup, reply_parameters=reply,
        ))

    async def edit_caption(
        self, where: Where, message_id: int, caption: str, *, wait: bool, markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Replace a picture's caption (a progress card that shows a picture) and its buttons; `wait` as for
        `edit_text`."""
        async def edit() -> object:
            return await self.bot.edit_message_caption(
                where.chat_id, message_id, caption=to_html(caption), parse_mode=ParseMode.HTML, reply_markup=markup,
            )

        try:
            await (self.patiently(edit) if wait else edit())
        except BadRequest as exc:
            if not is_not_modified(exc):
                raise

    async def edit_media(
        self, where: Where, message_id: int, path: Path, caption: str, markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Turn a message into a picture with a caption (Bot API 10: a text message can become a photo)."""
        # Raw bytes, so PTB attaches them by name (`attach://...`), as a media object must.
        picture = await asyncio.to_thread(path.read_bytes)
        media = InputMediaPhoto(picture, caption=to_html(caption), parse_mode=ParseMode.HTML, filename=path.name)
        await self.bot.edit_message_media(media, where.chat_id, message_id, reply_markup=markup)

    async def chat_action(self, where: Where, action: str) -> None:
        """Show `typing` or `upload_video` for a few seconds; failures only cost the indicator, except a chat that
        moved or closed to the bot (ChatMigrated, Forbidden), which is raised."""
        try:
            await self.bot.send_chat_action(where.chat_id, action, message_thread_id=where.thread_id)
        except (ChatMigrated, Forbidden):
            raise
        except TelegramError as exc:
            log.debug("chat action %s not shown: %s", action, exc)

