"""The store's part for the inbox: updates a platform pushed to a webhook, kept in a Redis Stream from before the
webhook answers until one replica has taken them.

Each replica reads the stream through one consumer group under its own name (XREADGROUP), so an update goes to one
replica; that replica keeps its entries claimed while it works on them (XCLAIM to itself), and acknowledges and
deletes each once the engine has left a durable trace of the request (its turn record, its place in a queue) or
has answered it. An entry a replica read and then died holding is claimed by a live one after a lease
(XAUTOCLAIM); the engine's per-message dedupe, keyed by entry, lets only that same entry run again.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.store.atomic import decoded
from bot.store.keys import Keys
from bot.store.seam import operation
from bot.store.streams import claimed_or_next, settle

GROUP = "replicas"


class InboxRecords:
    """The inbox streams under the store's prefix, one per platform; mixed into `RedisStore`."""

    _redis: Redis
    _keys: Keys

    @operation
    async def inbox_add(self, source: str, update: str) -> str:
        """Keep an update that `source` delivered; its entry id."""
        return decoded(await self._redis.xadd(self._keys.inbox(source), {"update": update})) or ""

    @operation
    async def inbox_take(self, source: str, consumer: str, abandoned_after: float) -> tuple[str, str] | None:
        """The next update for `consumer` to hand on: one a reader left untaken for `abandoned_after` seconds
        first, else the oldest nobody has read; None when none waits."""
        key = self._keys.inbox(source)
        while (entry := await claimed_or_next(self._redis, key, GROUP, consumer, abandoned_after)) is not None:
            entry_id, fields = entry
            update = decoded(fields.get("update")) if isinstance(fields, dict) else None
            if update is not None:
                return entry_id, update
            await settle(self._redis, key, GROUP, entry_id)  # not an update of ours: dropped
        return None

    @operation
    async def inbox_keep(self, source: str, consumer: str, entry_ids: list[str]) -> None:
        """`consumer` still works on these entries: none of them counts as abandoned for another lease."""
        ids: list[Any] = list(entry_ids)  # redis-py's annotation asks for a list of any of its value types
        if ids:
            await self._redis.xclaim(self._keys.inbox(source), GROUP, consumer, 0, ids, justid=True)

    @operation
    async def inbox_done(self, source: str, entry_id: str) -> None:
        """The update has been taken: nobody is to hand it on again."""
        await settle(self._redis, self._keys.inbox(source), GROUP, entry_id)

    @operation
    async def inbox_forget(self, source: str) -> int:
        """Forget the inbox's readers whose process start no longer runs and that hold nothing (what a live one
        read from them it has claimed already); how many. A live reader is never forgotten: forgetting a reader
        also forgets what it holds."""
        key = self._keys.inbox(source)
        try:
            readers: list[dict[str, Any]] = await self._redis.xinfo_consumers(key, GROUP)
        except ResponseError:
            return 0  # no inbox (or no group) yet: nobody to forget
        forgotten = 0
        for reader in readers:
            name = decoded(reader.get("name"))
            if not name or int(reader.get("pending", 0)) or await self._redis.exists(self._keys.alive(name)):
                continue
            await self._redis.xgroup_delconsumer(key, GROUP, name)
            forgotten += 1
        return forgotten
