"""Compare-and-set on one key with WATCH/MULTI, which real Redis and the embedded fakeredis both run.

Lua would be shorter, but fakeredis needs the optional `lupa` package for EVAL; an optimistic transaction
gives the same atomicity on both backends, so both run the very same code under the contract tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from bot.store.errors import StoreError

# A WATCH conflict means another writer touched the key between our read and EXEC; each retry re-reads,
# so a handful is plenty unless something is rewriting the key in a tight loop.
_ATTEMPTS = 16

Queue = Callable[[Pipeline], object]
"""Queues the commands of a transaction on the pipeline (after MULTI)."""

Plan = Callable[[str | None], Queue | None]
"""Given the key's current value, the commands to run, or None to leave everything as it is."""


def decoded(value: bytes | str | None) -> str | None:
    """A Redis reply as text (the store asks for decode_responses=True, but tolerates a client without it)."""
    return value.decode() if isinstance(value, bytes) else value


async def transact(redis: Redis, key: str, plan: Plan) -> list[Any] | None:
    """Run `plan`'s commands only if `key` is unchanged since it was read; None when the plan declined."""
    for _ in range(_ATTEMPTS):
        async with redis.pipeline(transaction=True) as pipe:
            await pipe.watch(key)
            queue = plan(decoded(await pipe.get(key)))
            if queue is None:
                return None
            pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves multi() unannotated
            queue(pipe)
            try:
                results: list[Any] = await pipe.execute()
            except WatchError:
                continue
            return results
    raise StoreError("a key kept changing under a transaction; gave up")


async def compare_and_pexpire(redis: Redis, key: str, expected: str, ms: int) -> bool:
    """Set the key's time to live only while it still holds `expected`."""

    def plan(current: str | None) -> Queue | None:
        return (lambda pipe: pipe.pexpire(key, ms)) if current == expected else None

    results = await transact(redis, key, plan)
    return bool(results and results[0])


async def compare_and_delete(redis: Redis, key: str, expected: str) -> bool:
    """Delete the key only while it still holds `expected`."""

    def plan(current: str | None) -> Queue | None:
        return (lambda pipe: pipe.delete(key)) if current == expected else None

    results = await transact(redis, key, plan)
    return bool(results and results[0])
