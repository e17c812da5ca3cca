"""Leases in the store: a key held by one process at a time, renewed while its work runs."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

from bot.engine.ports import TurnStore


@contextlib.asynccontextmanager
async def held(store: TurnStore, key: str, seconds: float) -> AsyncIterator[bool]:
    """Take `key` for `seconds`, renewed while the block runs; yields False when another holder has it.

    A process that dies stops renewing, so its keys lapse after `seconds` and another process can take over.
    """
    owner = uuid.uuid4().hex
    if not await store.acquire_lock(key, owner, seconds):
        yield False
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(seconds / 3)
            await store.extend_lock(key, owner, seconds)

    keeper = asyncio.create_task(renew(), name=f"lease-{key}")
    try:
        yield True
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await asyncio.shield(store.release_lock(key, owner))
