"""Redis Streams read through a consumer group, as the queues and the inbox use them: the group made on first use,
an entry a dead reader left claimed back after a while (XAUTOCLAIM), else the next one never delivered (XREADGROUP)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.store.atomic import decoded

Entry = tuple[str, Any]
"""A stream entry: its id and its fields."""


async def ensure_group(redis: Redis, key: str, group: str) -> None:
    """The stream's consumer group, made (with the stream) on first use; it reads from the stream's start."""
    try:
        await redis.xgroup_create(key, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def reclaimed(redis: Redis, key: str, group: str, consumer: str, idle: float) -> Entry | None:
    """One entry read by a reader that has not let it go for `idle` seconds, now `consumer`'s (None: none)."""
    reply: Any = await redis.xautoclaim(key, group, consumer, int(idle * 1000), "0-0", count=1)
    claimed = reply[1] if len(reply) > 1 else []
    for entry_id, fields in claimed:
        if fields:
            return decoded(entry_id) or "", fields
    return None


async def next_entry(redis: Redis, key: str, group: str, consumer: str) -> Entry | None:
    """The oldest entry no reader of the group has had yet, now `consumer`'s (None: none waits)."""
    reply: Any = await redis.xreadgroup(group, consumer, {key: ">"}, count=1)
    for _, entries in reply or []:
        for entry_id, fields in entries:
            return decoded(entry_id) or "", fields
    return None


async def claimed_or_next(redis: Redis, key: str, group: str, consumer: str, idle: float) -> Entry | None:
    """An entry a dead reader left (idle `idle` seconds) first, else the next new one; None when none waits."""
    await ensure_group(redis, key, group)
    return await reclaimed(redis, key, group, consumer, idle) or await next_entry(redis, key, group, consumer)


async def settle(redis: Redis, key: str, group: str, entry_id: str) -> bool:
    """Acknowledge and delete an entry in one transaction; whether it was still there (deleted by this call)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xack(key, group, entry_id)
        pipe.xdel(key, entry_id)
        _, deleted = await pipe.execute()
    return bool(deleted)
