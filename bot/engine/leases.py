"""Holding a lease from the store: one process at a time, renewed while its work runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator

from bot.engine.ports import Lease
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)


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
            try:
                await lease.extend(owner, seconds)
            except StoreUnavailable as exc:
                # A short outage: the lease outlives two missed renewals, so keep trying.
                log.warning("could not renew a lease: %s", exc)

    keeper = asyncio.create_task(renew(), name=f"renew-{owner}")
    try:
        yield True
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        try:
            await asyncio.shield(lease.release(owner))
        except StoreUnavailable as exc:
            # The lease lapses on its own after `seconds`; the work's own outcome is what the user hears about.
            log.warning("could not release a lease: %s", exc)
