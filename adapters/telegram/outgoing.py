"""Replies to one Telegram chat: text with buttons, progress, the MP4 (or a link), and the chat action."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import NetworkError, TimedOut

from adapters.telegram.formatting import split_text, truncate
from adapters.telegram.options import PLATFORM, TEXT_LIMIT, Options
from adapters.telegram.progress import Paces, Spawn, TelegramProgress
from adapters.telegram.sender import Sender, Where, is_too_large
from adapters.telegram.texts import button, say
from bot.engine.messages import Action
from bot.engine.ports import Progress
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)


def keyboard(actions: Sequence[Action], locale: str) -> InlineKeyboardMarkup | None:
    """One row of buttons whose callback data is the action's value."""
    if not actions:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(button(a, locale), callback_data=a.value) for a in actions]])


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
    """The engine's `Outgoing` for one Telegram chat (or forum topic)."""

    def __init__(
        self, sender: Sender, where: Where, *, locale: str, reply_to: int | None, paces: Paces, options: Options,
        spawn: Spawn,
    ) -> None:
        self._sender = sender
        self._where = where
        self._locale = locale
        self._reply_to = reply_to
        self._paces = paces
        self._options = options
        self._spawn = spawn
        self._activity = Activity(sender, where, options, spawn)

    @property
    def upload_limit(self) -> int:
        """50 MB through Telegram's cloud servers, 2000 MB through a local server."""
        return self._options.upload_limit

    async def send_text(self, text: str, actions: Sequence[Action] = ()) -> None:
        """Send text in pieces under the length limit; the buttons go under the last piece."""
        pieces = split_text(text)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            await self._sender.send_text(
                self._where, piece, markup=keyboard(actions, self._locale) if last else None,
                reply_to=self._reply_to if index == 0 else None,
            )
        self._activity.replied()

    async def start_progress(self, text: str) -> Progress:
        """Send the progress message that later updates edit."""
        first = truncate(text, TEXT_LIMIT)
        message = await self._sender.send_text(self._where, first, reply_to=self._reply_to)
        self._activity.opened()
        return TelegramProgress(
            self._sender, self._where, message.message_id, first, self._paces.of(self._where.chat_id),
            self._spawn, self._activity.closed,
        )

    async def send_video(
        self, path: Path, *, width: int, height: int, duration: float, caption: str, link: str | None = None,
    ) -> None:
        """Upload the MP4; a refused (413) upload becomes the link, and a timed-out one is never sent again."""
        try:
            async with self._activity.uploading():
                await self._sender.send_video(
                    self._where, path, width=width, height=height, duration=duration, caption=caption,
                    reply_to=self._reply_to,
                )
        except TimedOut:
            # Telegram may have the whole file already and post it: uploading again could post it twice.
            log.warning("video upload to chat %s timed out; not sending it again", self._where.chat_id)
            await self._note("upload_slow", link)
        except NetworkError as exc:
            if not is_too_large(exc):
                raise
            log.info("video refused as too large in chat %s", self._where.chat_id)
            await self._note("upload_too_big", link)
        self._activity.replied()

    async def _note(self, key: str, link: str | None) -> None:
        if link:
            await self.send_link(link, say(f"{key}_link", self._locale))
        else:
            await self.send_text(say(key, self._locale))

    async def send_link(self, url: str, note: str) -> None:
        """A short note and the link under it."""
        await self.send_text(f"{note}\n{url}")

    async def show_working(self) -> None:
        """Show `typing`, renewed while the work goes on."""
        await self._activity.working()


class TelegramPlatform:
    """The engine's view of Telegram: replies to any chat, also for renders resumed after a restart."""

    def __init__(self, sender: Sender, options: Options, spawn: Spawn) -> None:
        self._sender = sender
        self._options = options
        self._spawn = spawn
        self._paces = Paces(options.edit_interval)

    @property
    def name(self) -> str:
        """The platform name in chat keys."""
        return PLATFORM

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str = "en") -> TelegramOutgoing:
        """Replies to a chat read back from the store; groups get a reply to the request when it is known."""
        where = Where(int(chat.chat_id), int(chat.thread_id) if chat.thread_id else None)
        replied = int(reply_to) if reply_to and reply_to.isdigit() and where.chat_id < 0 else None
        return self.reply(where, locale, replied)

    def reply(self, where: Where, locale: str, reply_to: int | None) -> TelegramOutgoing:
        """Replies to a chat in the user's language."""
        return TelegramOutgoing(
            self._sender, where, locale=locale, reply_to=reply_to, paces=self._paces, options=self._options,
            spawn=self._spawn,
        )
