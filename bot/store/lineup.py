"""The store's part for queues: each chat's waiting requests as a Redis Stream read through a consumer group, the
jobs running now on any replica, and the channel that carries a cancel to the replica running the job.

Only the replica holding a chat's turn lock reads its stream (XREADGROUP), and it deletes an entry as it starts it,
so a request runs once. An entry read by a replica that died before starting it stays pending in the group and is
claimed by the next reader after one lease (XAUTOCLAIM). A cancel deletes waiting entries (XDEL) of its own: the
reader and the cancel both delete, and whichever deletes first wins.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from bot.store.atomic import decoded
from bot.store.errors import CorruptRecord
from bot.store.keys import ChatKey, Keys
from bot.store.models import QueuedRequest, QueueRefusal, RunningJob
from bot.store.seam import operation
from bot.store.streams import claimed_or_next, ensure_group, settle

log = logging.getLogger(__name__)

GROUP = "runners"
_ATTEMPTS = 20


class LineupRecords:
    """Queues, running jobs and cancels, under the store's prefix; mixed into `RedisStore`."""

    _redis: Redis
    _keys: Keys

    @operation
    async def enqueue(
        self, request: QueuedRequest, per_chat: int, per_person: int,
    ) -> int | QueueRefusal:
        """Add a request to the end of its chat's queue; returns how many wait before it, or why it may not join."""
        key = self._keys.queue(request.chat_key)
        await self._group(key)
        for _ in range(_ATTEMPTS):
            async with self._redis.pipeline(transaction=True) as pipe:
                await pipe.watch(key)
                entries: list[Any] = await pipe.xrange(key) or []
                waiting = [_request(fields) for _, fields in entries]
                if len(waiting) >= per_chat:
                    return QueueRefusal.CHAT_FULL
                if sum(1 for item in waiting if item is not None and item.person == request.person) >= per_person:
                    return QueueRefusal.PERSON_FULL
                pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves multi() unannotated
                pipe.xadd(key, {"request": request.to_json()})
                pipe.sadd(self._keys.queued_chats(), str(request.chat_key))
                try:
                    await pipe.execute()
                except WatchError:
                    continue
                return len(waiting)
        return QueueRefusal.CHAT_FULL

    @operation
    async def waiting(self, chat: ChatKey) -> int:
        """How many requests wait in the chat's queue."""
        return int(await self._redis.xlen(self._keys.queue(chat)))

    @operation
    async def queued(self, chat: ChatKey) -> list[tuple[str, QueuedRequest]]:
        """The chat's waiting requests, first first, with their entry ids."""
        found = []
        entries: list[Any] = await self._redis.xrange(self._keys.queue(chat)) or []
        for entry_id, fields in entries:
            request = _request(fields)
            if request is not None:
                found.append((decoded(entry_id) or "", request))
        return found

    @operation
    async def take_queued(
        self, chat: ChatKey, consumer: str, abandoned_after: float,
    ) -> tuple[str, QueuedRequest] | None:
        """The next request to run, taken off the queue: one a dead reader left first, else the oldest waiting."""
        key = self._keys.queue(chat)
        while True:
            entry = await claimed_or_next(self._redis, key, GROUP, consumer, abandoned_after)
            if entry is None:
                return None
            entry_id, fields = entry
            deleted = await settle(self._redis, key, GROUP, entry_id)
            request = _request(fields)
            if deleted and request is not None:
                return entry_id, request
            # Cancelled between the read and the delete (or unreadable): on to the next one.

    @operation
    async def unqueue(self, chat: ChatKey, entry_id: str) -> bool:
        """Take a waiting request off the queue without running it; False when it has started or gone already."""
        key = self._keys.queue(chat)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xdel(key, entry_id)
            pipe.xack(key, GROUP, entry_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    @operation
    async def queued_chats(self) -> list[ChatKey]:
        """Chats with requests waiting; empty queues are forgotten on the way."""
        chats = []
        for text in await self._redis.smembers(self._keys.queued_chats()):
            try:
                chat = ChatKey.parse(decoded(text) or "")
            except ValueError:
                await self._redis.srem(self._keys.queued_chats(), text)
                continue
            if await self._forget_if_empty(chat):
                continue
            chats.append(chat)
        return chats

    async def _forget_if_empty(self, chat: ChatKey) -> bool:
        key = self._keys.queue(chat)
        with contextlib.suppress(WatchError):
            async with self._redis.pipeline(transaction=True) as pipe:
                await pipe.watch(key)
                if await pipe.xlen(key):
                    return False
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.delete(key)
                pipe.srem(self._keys.queued_chats(), str(chat))
                await pipe.execute()
                return True
        return False

    async def _group(self, key: str) -> None:
        await ensure_group(self._redis, key, GROUP)

    # Jobs running now, on any replica

    @operation
    async def put_running(self, chat: ChatKey, job: RunningJob) -> None:
        """Say the job runs (or still runs) in the chat."""
        await self._redis.hset(self._keys.running(chat), job.job_id, job.to_json())

    @operation
    async def drop_running(self, chat: ChatKey, job_id: str) -> None:
        """The job has ended."""
        await self._redis.hdel(self._keys.running(chat), job_id)

    @operation
    async def running(self, chat: ChatKey) -> list[RunningJob]:
        """The chat's jobs running now; those whose replica stopped renewing them are forgotten on the way."""
        key = self._keys.running(chat)
        now = time.time()
        jobs = []
        for job_id, text in (await self._redis.hgetall(key)).items():
            try:
                job = RunningJob.from_json(decoded(text) or "")
            except CorruptRecord:
                job = None
            if job is None or job.alive_until < now:
                await self._redis.hdel(key, job_id)
                continue
            jobs.append(job)
        return jobs

    @operation
    async def publish_cancel(self, process: str, job_id: str) -> None:
        """Ask the replica `process` to stop `job_id` (it looks several times a second)."""
        key = self._keys.cancels(process)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, job_id)
            pipe.expire(key, 24 * 3600)
            await pipe.execute()

    @operation
    async def take_cancels(self, process: str) -> list[str]:
        """The job ids other replicas asked `process` to stop since it last looked."""
        key = self._keys.cancels(process)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            found, _ = await pipe.execute()
        return [decoded(item) or "" for item in found or []]


def _request(fields: Any) -> QueuedRequest | None:
    text = decoded(fields.get("request")) if isinstance(fields, dict) else None
    if text is None:
        return None
    try:
        return QueuedRequest.from_json(text)
    except CorruptRecord:
        log.warning("a queued request could not be read; it is dropped")
        return None
