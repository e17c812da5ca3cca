"""Compare-and-set on one key with WATCH/MULTI, which real Redis and the embedded fakeredis both run.

A lease's release and renewal also have a one-command form in Lua (`Checked`), used where the server runs scripts:
they come twice per message, and the transaction takes five commands and three round trips. fakeredis needs the
optional `lupa` package for scripts; without it the transaction serves, and the contract tests run both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import ResponseError, WatchError

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


_DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_PEXPIRE_IF = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
)


class Checked:
    """Delete or re-time a key only while it holds an expected value: one script call where the server runs
    scripts, else the WATCH transactions above (decided on the first call)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._delete: AsyncScript = redis.register_script(_DELETE_IF)
        self._pexpire: AsyncScript = redis.register_script(_PEXPIRE_IF)
        self._scripts: bool | None = None  # unknown until the first call

    async def delete(self, key: str, expected: str) -> bool:
        """Delete `key` only while it holds `expected`."""
        if self._scripts is not False:
            result = await self._script(self._delete, key, expected)
            if result is not None:
                return bool(result)
        return await compare_and_delete(self._redis, key, expected)

    async def pexpire(self, key: str, expected: str, ms: int) -> bool:
        """Set `key`'s time to live only while it holds `expected`."""
        if self._scripts is not False:
            result = await self._script(self._pexpire, key, expected, ms)
            if result is not None:
                return bool(result)
        return await compare_and_pexpire(self._redis, key, expected, ms)

    async def _script(self, script: AsyncScript, key: str, *args: str | int) -> Any:
        """The script's result; None when this server runs no scripts (then the transactions serve from now on)."""
        try:
            result = await script(keys=[key], args=list(args))
        except ResponseError as exc:
            if self._scripts or "unknown command" not in str(exc).lower():
                raise
            self._scripts = False
            return None
        self._scripts = True
        return result
