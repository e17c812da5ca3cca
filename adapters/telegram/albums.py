"""Albums: Telegram sends each part of a media group as its own update; gather them into one request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from telegram import Message

from adapters.telegram.reach import Spawn
from bot.engine.intake import Receipt, current, handed_over

Deliver = Callable[[list[Message]], bool]
"""Hands an album's parts on; whether a request was started for them (it then settles their receipts)."""


class Albums:
    """Holds album parts until none has arrived for `wait` seconds, then hands them over in order."""

    def __init__(self, wait: float, spawn: Spawn, deliver: Deliver) -> None:
        self._wait = wait
        self._spawn = spawn
        self._deliver = deliver
        self._parts: dict[tuple[int, str], dict[int, Message]] = {}
        self._last: dict[tuple[int, str], float] = {}
        self._receipts: dict[tuple[int, str], Receipt | None] = {}  # the first part's inbox receipt

    def add(self, message: Message) -> None:
        """Keep one part (a part delivered twice is kept once). Each part's inbox receipt is settled with the first
        part's, once the album's request is on record: a process that dies while the album gathers loses no part."""
        assert message.media_group_id is not None
        key = (message.chat.id, message.media_group_id)
        receipt = current()
        handed_over()
        if key not in self._parts:
            self._parts[key] = {}
            self._receipts[key] = receipt
            self._spawn(self._close_later(key), f"tg-album-{key[0]}-{key[1]}")  # carries the first part's receipt
        elif receipt is not None and (first := self._receipts[key]) is not None and first is not receipt:
            first.joined(receipt)
        self._parts[key][message.message_id] = message
        self._last[key] = time.monotonic()

    @property
    def pending(self) -> int:
        """Albums still being gathered."""
        return len(self._parts)

    async def _close_later(self, key: tuple[int, str]) -> None:
        remaining = self._wait
        while remaining > 0:
            # Each new part pushes the deadline back; sleep until the latest one.
            await asyncio.sleep(remaining)
            remaining = self._last[key] + self._wait - time.monotonic()
        parts = self._parts.pop(key)
        del self._last[key]
        receipt = self._receipts.pop(key)
        if not self._deliver([parts[message_id] for message_id in sorted(parts)]) and receipt is not None:
            await receipt.settle()  # nothing to do for it: no request will settle its parts
