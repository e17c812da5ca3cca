"""One Telegram chat as the engine sees it: messages with buttons, edits, the MP4, and the chat action."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatAction
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from adapters.telegram.options import CAPTION_LIMIT, PLATFORM, TEXT_LIMIT, Options
from adapters.telegram.reach import Reach, Spawn
from adapters.telegram.sender import Sender, Where, is_too_large, retry_seconds
from bot.engine.card import Card
from bot.engine.ports import Button, ChatEvents, Counting, Limits, Post, Video
from bot.engine.refusals import ChatGone, EditRefused, NotDelivered, SlowDown, TooLarge, UploadUnconfirmed
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

T = TypeVar("T")
Act = Callable[[str], Awaitable[bool]]
"""Shows a chat action; False when the chat can no longer be reached (the indicator stops)."""


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One row of buttons whose callback data is what a press sends (the action's word, or `/action argument`)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(f"{button.emoji} {button.label}", callback_data=button.command) for button in buttons
    ]])


class Activity:
    """Keeps `typing` (or `upload_video` during an upload) showing while the bot works in a chat."""

    def __init__(self, act: Act, name: str, options: Options, spawn: Spawn) -> None:
        self._act = act
        self._name = name
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
        if await self._act(ChatAction.TYPING):
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
        if await self._act(ChatAction.UPLOAD_VIDEO):
            self._keep()
        try:
            yield
        finally:
            self._uploading = False

    def _keep(self) -> None:
        if self._task is None or self._task.done():
            self._task = self._spawn(self._renew(), f"tg-action-{self._name}")

    async def _renew(self) -> None:
        started = time.monotonic()
        while time.monotonic() - started < self._options.working_cap:
            await asyncio.sleep(self._options.action_interval)
            if not self._active():
                return
            action = ChatAction.UPLOAD_VIDEO if self._uploading else ChatAction.TYPING
            if not await self._act(action):
                return


class TelegramOutgoing:
    """One Telegram chat (or forum topic) as the engine's `Outgoing`: Bot API calls, Telegram's errors translated.

    A chat that moved (ChatMigrated: a group upgraded to a supergroup) is followed to its new id and the message
    sent again there; a chat closed to the bot (Forbidden: blocked, removed) gets nothing more, not even a chat
    action. Both are told to the engine through `reach`, which moves or closes the chat's work.
    """

    def __init__(
        self, sender: Sender, where: Where, *, reply_to: int | None, options: Options, spawn: Spawn, reach: Reach,
    ) -> None:
        self._sender = sender
        self._reach = reach
        self._where = reach.current(where)
        self._reply_to = reply_to if self._where == where else None  # a message of the old chat cannot be quoted
        self._limits = Limits(
            text_length=TEXT_LIMIT, upload_bytes=options.upload_limit, caption_length=CAPTION_LIMIT,
            counting=Counting.UTF16, min_edit_interval=options.edit_interval,
            download_bytes=options.download_limit, platform_name="Telegram",
        )
        self._activity = Activity(self._act, str(where.chat_id), options, spawn)
        self._photos: set[int] = set()  # progress messages that became pictures: their text is a caption now
        self._markups: dict[int, InlineKeyboardMarkup] = {}  # progress messages' buttons, kept until their last edit
        self._text_only = False  # the server refused to put a picture on a text message: cards stay text

    @property
    def chat(self) -> ChatKey:
        """The chat replies go to now (its new id once it moved)."""
        where = self._where
        return ChatKey(PLATFORM, str(where.chat_id), str(where.thread_id) if where.thread_id else None)

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
        if picture is not None:
            message = await self._call(lambda where: self._sender.send_photo(
                where, picture, text, markup=markup, reply_to=reply_to,
            ))
        else:
            message = await self._call(lambda where: self._sender.send_text(
                where, text, markup=markup, reply_to=reply_to,
            ))
        if picture is not None and post.live:
            self._photos.add(message.message_id)
        if post.live and markup is not None:
            # Telegram drops a message's buttons on an edit that does not repeat them: each edit but the last does.
            self._markups[message.message_id] = markup
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
                picture = card.image if card is not None else None
                await self._call(lambda where: self._edit(where, handle, text, picture, last=last), editing=True)
        finally:
            if last:
                self._markups.pop(handle, None)
                self._activity.closed()

    async def _edit(self, where: Where, handle: int, text: str, picture: Path | None, *, last: bool) -> None:
        markup = None if last else self._markups.get(handle)
        if handle in self._photos:
            await self._sender.edit_caption(where, handle, text, wait=last, markup=markup)
            return
        if picture is not None and not self._text_only:
            try:
                await self._sender.edit_media(where, handle, picture, text, markup)
            except BadRequest as exc:
                # A server before Bot API 10 cannot put a picture on a text message: the cards stay text.
                log.info("the progress card stays text: %s", exc.message)
                self._text_only = True
            else:
                self._photos.add(handle)
                return
        try:
            await self._sender.edit_text(where, handle, text, wait=last, markup=markup)
        except BadRequest as exc:
            if "no text in the message" not in exc.message.lower():
                raise
            # A card an earlier start of the bot turned into a photo: its words are the caption.
            self._photos.add(handle)
            await self._sender.edit_caption(where, handle, text, wait=last, markup=markup)

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Upload the MP4; a refusal says only why, the reply layer decides what the person gets instead."""
        try:
            async with self._activity.uploading():
                await self._call(
                    lambda where: self._sender.send_video(where, path, video, caption, reply_to=self._reply_to),
                )
        finally:
            self._activity.replied()

    async def _call(self, call: Callable[[Where], Awaitable[T]], *, editing: bool = False) -> T:
        """Make one Bot API call for this chat, at its new id once it moved; Telegram's errors translated."""
        if self._reach.is_closed(self._where.chat_id):
            raise ChatGone("the bot may no longer post in this chat")
        with self._translated(editing=editing):
            try:
                return await call(self._where)
            except ChatMigrated as exc:
                self._move(exc.new_chat_id)
                if editing:
                    # Message ids do not carry over to the new chat: a final text is sent there as a new message.
                    raise EditRefused("the chat moved to a new id") from exc
                return await call(self._where)

    def _move(self, new_chat_id: int) -> None:
        self._where = self._reach.moved(self._where, new_chat_id)
        self._reply_to = None

    async def _act(self, action: str) -> bool:
        """Show a chat action; False once the chat is closed to the bot."""
        if self._reach.is_closed(self._where.chat_id):
            return False
        try:
            await self._sender.chat_action(self._where, action)
        except ChatMigrated as exc:
            self._move(exc.new_chat_id)
        except Forbidden:
            self._reach.closed(self._where)
            return False
        return True

    @contextlib.contextmanager
    def _translated(self, *, editing: bool = False) -> Iterator[None]:
        """Telegram's errors as the engine's refusals: the one place they are sorted."""
        try:
            yield
        except Forbidden as exc:
            # Blocked, or removed from the group: never retried; the engine closes the chat's open work.
            self._reach.closed(self._where)
            raise ChatGone(exc.message) from exc
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

    def __init__(self, sender: Sender, options: Options, spawn: Spawn, events: ChatEvents) -> None:
        self._sender = sender
        self._options = options
        self._spawn = spawn
        self.reach = Reach(events, spawn)

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
            self._sender, where, reply_to=reply_to, options=self._options, spawn=self._spawn, reach=self.reach,
        )
