"""Which Telegram chats the adapter can still post in: chats that moved to a new id (a group upgraded to a
supergroup) and chats closed to the bot (blocked, removed), each told to the engine once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from adapters.telegram.options import PLATFORM
from adapters.telegram.sender import Where
from bot.engine.ports import ChatEvents
from bot.store.keys import ChatKey

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any], str], asyncio.Task[Any]]
MAX_REMEMBERED = 100_000  # chats per kind kept in memory; the oldest is forgotten first


class Reach:
    """What replies learned about chats: their new ids, and the chats the bot may no longer post in."""

    def __init__(self, events: ChatEvents, spawn: Spawn) -> None:
        self._events = events
        self._spawn = spawn
        self._moved: dict[int, int] = {}
        self._closed: dict[int, None] = {}

    def current(self, where: Where) -> Where:
        """Where a chat is now: its new id once it moved (a supergroup: no topic carried over)."""
        new = self._moved.get(where.chat_id)
        return where if new is None else Where(new)

    def moved(self, old: Where, new_chat_id: int) -> Where:
        """Telegram said the chat now has `new_chat_id`: its work follows (told to the engine once)."""
        if self._moved.get(old.chat_id) != new_chat_id:
            _remember(self._moved, old.chat_id, new_chat_id)
            log.info("chat %s became %s", old.chat_id, new_chat_id)
            before, after = ChatKey(PLATFORM, str(old.chat_id)), ChatKey(PLATFORM, str(new_chat_id))
            self._spawn(self._events.chat_moved(before, after), f"tg-moved-{old.chat_id}")
        return Where(new_chat_id)

    def closed(self, where: Where) -> None:
        """Telegram refused the bot in this chat (403): its open work ends (told to the engine once)."""
        if where.chat_id not in self._closed:
            _remember(self._closed, where.chat_id, None)
            log.info("chat %s is closed to the bot; its open work ends", where.chat_id)
            self._spawn(self._events.chat_gone(ChatKey(PLATFORM, str(where.chat_id))), f"tg-gone-{where.chat_id}")

    def is_closed(self, chat_id: int) -> bool:
        """Whether replies to this chat are known to be refused (nothing is sent then)."""
        return chat_id in self._closed

    def reopened(self, chat_id: int) -> None:
        """A message came from the chat (unblocked, added back): the bot may post there again."""
        self._closed.pop(chat_id, None)


def _remember(table: dict[int, Any], key: int, value: Any) -> None:
    table.pop(key, None)
    table[key] = value
    if len(table) > MAX_REMEMBERED:
        del table[next(iter(table))]
