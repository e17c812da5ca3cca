"""One Telegram chat as the engine sees it: messages with buttons, edits, the MP4, and the chat action."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from adapters.telegram.options import CAPTION_LIMIT, PLATFORM, TEXT_LIMIT, Options
from adapters.telegram.sender import Sender, Where, is_too_large, retry_seconds
from bot.engine.card import Card
from bot.engine.ports import Button, Counting, Limits, Post, Video
from bot.engine.refusals import EditRefused, NotDelivered, SlowDown, TooLarge, UploadUnconfirmed
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]]


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One row of buttons whose callback data is what a press sends (the action's word, or `/action argument`)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(f"{button.emoji} {button.label}", callback_data=button.command) for button in buttons
    ]])


class Activity:
    """Keeps `typing` (or `upload_video` during an upload) showing while the bot works in a chat."""

    def __init__(self, sender: Sender, where: Where, options: Options, spawn: Spawn) -> None:
        self._sender = sender
        self._where = where
        self._options = options
        self._spawn = spawn
        self._asked = False
        self._open = 0
        self._uploading = False
        self._task: asyncio.Task[Any] | None = None

    def _active(self) -> bool:
        return self._asked or self._open > 0 or self._uploading

    async def working(self) -> None:
        """Work started: show `typing` until the next reply, and while progress messages are open."""
        self._asked = True
        await self._sender.chat_action(self._where, ChatAction.TYPING)
        self._keep()

    def replied(self) -> None:
        """A reply went out (Telegram clears the action then); progress still open keeps it going."""
        self._asked = False

    def opened(self) -> None:
        """A progress message was opened."""
        self._open += 1
        self._keep()

    def closed(self) -> None:
        """A progress message showed its final text, which ends the work it announced."""
        self._open = max(0, self._open - 1)
        self._asked = False

    @contextlib.asynccontextmanager
    async def uploading(self) -> AsyncIterator[None]:
        """Show `upload_video` for as long as the upload runs."""
        self._uploading = True
        await self._sender.chat_action(self._where, ChatAction.UPLOAD_VIDEO)
        self._keep()
        try:
            yield
        finally:
            self._uploading = False

    def _keep(self) -> None:
        if self._task is None or self._task.done():
            self._task = self._spawn(self._renew(), f"tg-action-{self._where.chat_id}")

    async def _renew(self) -> None:
        started = time.monotonic()
        while time.monotonic() - started < self._options.working_cap:
            await asyncio.sleep(self._options.action_interval)
            if not self._active():
                return
            action = ChatAction.UPLOAD_VIDEO if self._uploading else ChatAction.TYPING
            await self._sender.chat_action(self._where, action)


class TelegramOutgoing:
    """One Telegram chat (or forum topic) as the engine's `Outgoing`: Bot API calls, Telegram's errors translated."""

    def __init__(
        self, sender: Sender, where: Where, *, reply_to: int | None, options: Options, spawn: Spawn,
    ) -> None:
        self._sender = sender
        self._where = where
        self._reply_to = reply_to
        self._limits = Limits(
            text_length=TEXT_LIMIT, upload_bytes=options.upload_limit, caption_length=CAPTION_LIMIT,
            counting=Counting.UTF16, min_edit_interval=options.edit_interval,
            download_bytes=options.download_limit, platform_name="Telegram",
        )
        self._activity = Activity(sender, where, options, spawn)
        self._photos: set[int] = set()  # progress messages that became pictures: their text is a caption now
        self._text_only = False  # the server refused to put a picture on a text message: cards stay text

    @property
    def limits(self) -> Limits:
        """4096 UTF-16 units a message; 50 MB uploads and 20 MB downloads through Telegram's cloud servers."""
        return self._limits

    async def send(self, post: Post) -> object:
        """Send one message (its handle is the message id); the first piece of a reply quotes the request."""
        text = f"{post.text}\n{post.link}" if post.link else post.text
        markup = keyboard(post.buttons)
        reply_to = self._reply_to if post.quoted else None
        picture = post.image or (post.card.image if post.card is not None else None)
        with self._translated():
            if picture is not None:
                message = await self._sender.send_photo(self._where, picture, text, markup=markup, reply_to=reply_to)
            else:
                message = await self._sender.send_text(self._where, text, markup=markup, reply_to=reply_to)
        if picture is not None and post.live:
            self._photos.add(message.message_id)
        if post.live:
            self._activity.opened()
        else:
            self._activity.replied()
        return message.message_id

    async def edit(self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None) -> None:
        """Edit a progress message (a card's text, formatted); a card's picture turns the message into a photo. The
        final edit sleeps out flood waits, an ordinary one is told to slow down."""
        assert isinstance(handle, int)
        try:
            if text is not None:
                with self._translated(editing=True):
                    await self._edit(handle, text, card.image if card is not None else None, last=last)
        finally:
            if last:
                self._activity.closed()

    async def _edit(self, handle: int, text: str, picture: Path | None, *, last: bool) -> None:
        if handle in self._photos:
            await self._sender.edit_caption(self._where, handle, text, wait=last)
            return
        if picture is not None and not self._text_only:
            try:
                await self._sender.edit_media(self._where, handle, picture, text)
            except BadRequest as exc:
                # A server before Bot API 10 cannot put a picture on a text message: the cards stay text.
                log.info("the progress card stays text: %s", exc.message)
                self._text_only = True
            else:
                self._photos.add(handle)
                return
        await self._sender.edit_text(self._where, handle, text, wait=last)

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Upload the MP4; a refusal says only why, the reply layer decides what the person gets instead."""
        try:
            with self._translated():
                async with self._activity.uploading():
                    await self._sender.send_video(self._where, path, video, caption, reply_to=self._reply_to)
        finally:
            self._activity.replied()

    @contextlib.contextmanager
    def _translated(self, *, editing: bool = False) -> Iterator[None]:
        """Telegram's errors as the engine's refusals: the one place they are sorted."""
        try:
            yield
        except RetryAfter as exc:
            raise SlowDown(retry_seconds(exc)) from exc
        except TimedOut as exc:
            # Telegram may have the whole request already and act on it: sending again could post twice.
            log.warning("a request to chat %s timed out; it is not sent again", self._where.chat_id)
            raise UploadUnconfirmed(exc.message) from exc
        except NetworkError as exc:  # BadRequest included: PTB raises it as a NetworkError subclass
            if is_too_large(exc):
                raise TooLarge(exc.message) from exc
            raise (EditRefused if editing and isinstance(exc, BadRequest) else NotDelivered)(exc.message) from exc
        except TelegramError as exc:
            raise NotDelivered(exc.message) from exc

    async def show_working(self) -> None:
        """Show `typing`, renewed while the work goes on."""
        await self._activity.working()


class TelegramPlatform:
    """The engine's view of Telegram: replies to any chat, also for renders resumed after a restart."""

    def __init__(self, sender: Sender, options: Options, spawn: Spawn) -> None:
        self._sender = sender
        self._options = options
        self._spawn = spawn

    @property
    def name(self) -> str:
        """The platform name in chat keys."""
        return PLATFORM

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str = "en") -> TelegramOutgoing:
        """Replies to a chat read back from the store; groups get a reply to the request when it is known."""
        where = Where.of(chat)
        replied = int(reply_to) if reply_to and reply_to.isdigit() and where.chat_id < 0 else None
        return self.reply(where, replied)

    def reply(self, where: Where, reply_to: int | None) -> TelegramOutgoing:
        """Replies to a chat (the engine words them in the user's language)."""
        return TelegramOutgoing(
            self._sender, where, reply_to=reply_to, options=self._options, spawn=self._spawn,
        )
