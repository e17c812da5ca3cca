"""Webhook updates through the store's inbox: kept there before Telegram is answered, then read by whichever replica
is free (each one a reader of the same consumer group) and handed to PTB with a receipt the engine settles once the
request has left a durable trace. Entries in hand are kept claimed every half second; one a replica read and then
died holding is read again by a live one after a lease."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from telegram import Update

from adapters.telegram.client import AnyApplication
from adapters.telegram.options import PLATFORM
from bot.engine.intake import Receipt, carrying
from bot.engine.leases import stop_if_cancelled
from bot.engine.ports import InboxStore
from bot.store.errors import StoreError

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks at the inbox when no update came in here (another replica's, a dead one's)


class Inbox:
    """This replica's end of the inbox: `put` keeps an update, `running` hands updates on to PTB until exit."""

    def __init__(self, store: InboxStore, application: AnyApplication, consumer: str, lease: float) -> None:
        self._store = store
        self._application = application
        self._consumer = consumer
        self._lease = lease
        self._arrived = asyncio.Event()
        self._in_hand: dict[str, Receipt] = {}  # entries handed on and not yet settled: kept claimed

    async def put(self, update: dict[str, Any]) -> None:
        """Keep `update` (raises StoreError: then it must not be acknowledged to Telegram) and look at it soon."""
        await self._store.inbox_add(PLATFORM, json.dumps(update, ensure_ascii=False, separators=(",", ":")))
        self._arrived.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Hand updates on while the block runs."""
        task = asyncio.create_task(self._run(), name="tg-inbox")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        try:
            forgotten = await self._store.inbox_forget(PLATFORM)
            if forgotten:
                log.info("forgot %d inbox readers of process starts that no longer run", forgotten)
        except StoreError as exc:
            log.warning("could not look at the inbox's readers: %s", exc)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL):
                    await self._arrived.wait()
            self._arrived.clear()
            try:
                await self._keep()
                while (entry := await self._store.inbox_take(PLATFORM, self._consumer, self._lease)) is not None:
                    await self._hand_on(*entry)
            except StoreError as exc:
                stop_if_cancelled()  # a store call cut short by the shutdown's cancellation: stop, don't retry
                log.warning("could not read the inbox: %s", exc)
                await asyncio.sleep(POLL)
            stop_if_cancelled()  # redis-py may swallow a cancellation that lands inside a command

    async def _keep(self) -> None:
        """Renew the claim on the entries still in hand, so no live replica takes them for a dead one's."""
        self._in_hand = {key: receipt for key, receipt in self._in_hand.items() if not receipt.settled}
        await self._store.inbox_keep(PLATFORM, self._consumer, list(self._in_hand))

    async def _hand_on(self, entry_id: str, text: str) -> None:
        """Give one update to PTB; its receipt is settled by the engine (a message it takes) or here (anything else,
        or an update that cannot be read)."""
        receipt = Receipt(entry_id, lambda: self._store.inbox_done(PLATFORM, entry_id))
        try:
            update = Update.de_json(json.loads(text), self._application.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("an update in the inbox could not be read (%s); it is dropped", type(exc).__name__)
            await receipt.settle()
            return
        with carrying(receipt):
            await self._application.process_update(update)
        if receipt.handed:
            self._in_hand[entry_id] = receipt
        else:
            await receipt.settle()
