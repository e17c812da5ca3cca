"""A progress message edited in place: coalesced, one edit per interval per chat, and the final text always lands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, RetryAfter, TelegramError

from adapters.telegram.formatting import truncate
from adapters.telegram.options import TEXT_LIMIT
from adapters.telegram.sender import Sender, Where, retry_seconds

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]]
_MAX_PACES = 10_000


@dataclass(slots=True)
class Pace:
    """When the next progress edit in one chat may go out (edits count toward Telegram's flood limits)."""

    interval: float
    last_edit: float = float("-inf")
    blocked_until: float = float("-inf")

    def next_edit(self) -> float:
        """The earliest time of the next ordinary edit."""
        return max(self.last_edit + self.interval, self.blocked_until)

    def flooded(self, seconds: float) -> None:
        """Telegram said to wait `seconds` before anything else in this chat."""
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


class Paces:
    """One `Pace` per chat, shared by every progress message in it."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._paces: dict[int, Pace] = {}

    def of(self, chat_id: int) -> Pace:
        """The chat's pace, made on first use."""
        if chat_id not in self._paces and len(self._paces) >= _MAX_PACES:
            now = time.monotonic()
            self._paces = {key: pace for key, pace in self._paces.items() if pace.next_edit() > now}
        return self._paces.setdefault(chat_id, Pace(self._interval))


class TelegramProgress:
    """One progress message; `update` only records the wish, a flusher task edits when the pace allows."""

    def __init__(
        self, sender: Sender, where: Where, message_id: int, text: str, pace: Pace, spawn: Spawn,
        on_close: Callable[[], None],
    ) -> None:
        self._sender = sender
        self._where = where
        self._message_id = message_id
        self._shown = text
        self._wanted = text
        self._pace = pace
        self._spawn = spawn
        self._on_close = on_close
        self._closed = asyncio.Event()
        self._editing = asyncio.Lock()
        self._flusher: asyncio.Task[Any] | None = None

    async def update(self, text: str) -> None:
        """Ask for `text` to be shown; bursts collapse into the latest text."""
        if self._closed.is_set():
            return
        self._wanted = truncate(text, TEXT_LIMIT)
        if self._wanted != self._shown and (self._flusher is None or self._flusher.done()):
            self._flusher = self._spawn(self._flush(), f"tg-progress-{self._where.chat_id}")

    async def finish(self, text: str) -> None:
        """Show the final text (waiting out a flood block first); later updates are ignored."""
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            async with self._editing:  # an edit in flight lands first, then the final one
                await self._final(truncate(text, TEXT_LIMIT))
        finally:
            self._on_close()

    async def _flush(self) -> None:
        while not self._closed.is_set() and self._wanted != self._shown:
            delay = self._pace.next_edit() - time.monotonic()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), delay)
                continue
            async with self._editing:
                if not self._closed.is_set():
                    await self._edit(self._wanted)

    async def _edit(self, text: str) -> None:
        self._pace.last_edit = time.monotonic()
        try:
            await self._sender.edit_text(self._where, self._message_id, text, wait=False)
        except RetryAfter as exc:
            # Skip ahead: the newest text goes out once the block is over.
            self._pace.flooded(retry_seconds(exc))
            return
        except TelegramError as exc:
            log.warning("progress edit failed in chat %s: %s", self._where.chat_id, exc)
        self._shown = text

    async def _final(self, text: str) -> None:
        if text == self._shown:
            return
        blocked = self._pace.blocked_until - time.monotonic()
        if blocked > 0:
            await asyncio.sleep(blocked)
        self._pace.last_edit = time.monotonic()
        try:
            await self._sender.edit_text(self._where, self._message_id, text, wait=True)
        except BadRequest as exc:
            # The message is gone or cannot be edited: the final word still has to reach the chat.
            log.info("final progress edit refused (%s); sending it as a new message", exc)
            await self._sender.send_text(self._where, text)
        self._shown = text
