"""Holding a lease from the store: one process at a time, renewed while its work runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from bot.engine.ports import Lease
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

FIRST_RETRY = 0.05  # seconds before a failed release is tried again; doubled each time
LAST_RETRY = 2.0  # the longest wait between two tries

Later = Callable[[Coroutine[Any, Any, None], str], object]
"""Runs a coroutine in the background under a name (`Supervisor.spawn`)."""


@contextlib.asynccontextmanager
async def held(lease: Lease, seconds: float, later: Later | None = None) -> AsyncIterator[bool]:
    """Take `lease` for `seconds`, renewed while the block runs; yields False when another holder has it.

    A process that dies stops renewing, so its leases lapse after `seconds` and another process can take over.
    A live process lets go when the block ends. With `later`, a release that fails is tried again in the background
    through a store outage until the lease would have lapsed anyway, so a short outage never leaves a chat locked
    for the whole lease, and whoever waits on the block (a reply) does not wait for the tries.
    """
    loop = asyncio.get_running_loop()
    owner = uuid.uuid4().hex
    if not await lease.acquire(owner, seconds):
        yield False
        return
    lapses_at = loop.time() + seconds
    done = asyncio.Event()

    async def renew() -> None:
        nonlocal lapses_at
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds / 3):
                    await done.wait()
            if done.is_set():
                return
            try:
                renewed_at = loop.time()
                if await lease.extend(owner, seconds):
                    lapses_at = renewed_at + seconds
            except StoreUnavailable as exc:
                # A short outage: the lease outlives two missed renewals, so keep trying.
                log.warning("could not renew a lease: %s", exc)

    keeper = asyncio.create_task(renew(), name=f"renew-{owner}")
    try:
        yield True
    finally:
        # Stopped, never cancelled: a store call cancelled half-way can wedge redis-py's blocking pool
        # (redis/redis-py#3056), so a renewal in flight is let finish.
        done.set()
        await asyncio.shield(keeper)
        try:
            await asyncio.shield(lease.release(owner))
        except StoreUnavailable as exc:
            if later is None:
                # The lease lapses on its own after `seconds`; the work's own outcome is what the user hears about.
                log.warning("could not release a lease: %s", exc)
            else:
                later(_let_go(lease, owner, lapses_at), f"release-{owner}")


async def _let_go(lease: Lease, owner: str, lapses_at: float) -> None:
    """Release the lease, retrying while the store is unreachable and the lease has not lapsed on its own."""
    loop = asyncio.get_running_loop()
    delay = FIRST_RETRY
    while True:
        try:
            await asyncio.shield(lease.release(owner))
            return
        except StoreUnavailable as exc:
            if loop.time() + delay >= lapses_at:
                # The work's own outcome is what the user hears about; the lease lapses now by itself.
                log.warning("could not release a lease before it lapsed: %s", exc)
                return
            log.info("could not release a lease yet, trying again in %.2fs: %s", delay, exc)
        await asyncio.sleep(delay)
        delay = min(delay * 2, LAST_RETRY)
