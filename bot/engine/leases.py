"""Holding a lease from the store: one process at a time, renewed while its work runs."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

from bot.engine.ports import Lease


@contextlib.asynccontextmanager
async def held(lease: Lease, seconds: float) -> AsyncIterator[bool]:
    """Take `lease` for `seconds`, renewed while the block runs; yields False when another holder has it.

    A process that dies stops renewing, so its leases lapse after `seconds` and another process can take over.
    """
    owner = uuid.uuid4().hex
    if not await lease.acquire(owner, seconds):
        yield False
        return

    async def renew() -> None:
        while True:
            await asyncio.sleep(seconds / 3)
            await lease.extend(owner, seconds)

    keeper = asyncio.create_task(renew(), name=f"renew-{owner}")
    try:
        yield True
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await asyncio.shield(lease.release(owner))
