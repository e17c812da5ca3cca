"""The bot's store: one implementation over redis.asyncio, for a real Redis or the embedded fakeredis."""

from __future__ import annotations

import json
import logging
import math
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import Any

from fakeredis import FakeAsyncRedis, FakeServer
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.store.atomic import Checked, Queue, decoded, transact
from bot.store.connection import RedisOptions, address, connected, wait_until_answering
from bot.store.errors import CorruptRecord
from bot.store.inbox import InboxRecords
from bot.store.journal import JournalRecords
from bot.store.keys import ChatKey, Keys
from bot.store.lineup import LineupRecords
from bot.store.models import (
    ChatSession,
    Credentials,
    DeliveredExport,
    DeliveryRecord,
    DeliveryState,
    JobStatus,
    RenderJob,
)
from bot.store.seam import operation
from bot.store.teams import TeamRecords

log = logging.getLogger(__name__)

WEEK = 7 * 24 * 3600.0
DAY = 24 * 3600.0
# Closed renders (and their delivery markers) outlive their last possible reader by far, then go.
CLOSED_RETENTION = 30 * 24 * 3600.0


def _ms(seconds: float) -> int:
    if not (seconds > 0 and math.isfinite(seconds)):
        raise ValueError(f"a duration must be positive and finite, not {seconds!r}")
    return max(1, round(seconds * 1000))


def _stored_status(text: str | None) -> JobStatus | None:
    """The status of a stored job, or None when there is none (an unreadable record counts as none)."""
    if text is None:
        return None
    try:
        return RenderJob.from_json(text).status
    except CorruptRecord:
        return None


def _stored_chat(text: str | None) -> ChatKey | None:
    """The chat of a stored job, or None when there is none (an unreadable record counts as none)."""
    if text is None:
        return None
    try:
        return RenderJob.from_json(text).chat_key
    except CorruptRecord:
        return None


class RedisStore(TeamRecords, LineupRecords, InboxRecords, JournalRecords):
    """Sessions, credentials, render jobs, last states, idempotency and leases under one key prefix (and the teams'
    grants, quotas and use: `bot.store.teams`)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._keys = Keys(prefix)
        self._checked = Checked(redis)

    def __repr__(self) -> str:
        # The client's repr can show the connection URL, and the URL a password.
        return f"RedisStore(prefix={self._keys.prefix!r})"

    @property
    def keys(self) -> Keys:
        """The key builder this store writes with."""
        return self._keys

    @operation
    async def ping(self) -> None:
        """Check that Redis answers; raises StoreUnavailable."""
        await self._redis.ping()

    # Chat sessions and last states

    @operation
    async def get_session(self, chat: ChatKey) -> ChatSession | None:
        """The chat's Nemo session, if any."""
        text = decoded(await self._redis.get(self._keys.session(chat)))
        return None if text is None else ChatSession.from_json(text)

    @operation
    async def put_session(self, chat: ChatKey, session: ChatSession) -> None:
        """Remember the chat's Nemo session."""
        await self._redis.set(self._keys.session(chat), session.to_json())

    @operation
    async def claim_session(self, chat: ChatKey, session: ChatSession) -> ChatSession:
        """Keep `session` as the chat's unless the chat has one already; returns the session kept."""
        key = self._keys.session(chat)
        while not await self._redis.set(key, session.to_json(), nx=True):
            # Another creator came first: theirs is the chat's session (read it, unless it was dropped since).
            text = decoded(await self._redis.get(key))
            if text is not None:
                return ChatSession.from_json(text)
        return session

    @operation
    async def drop_session(self, chat: ChatKey) -> None:
        """Forget the chat's session."""
        await self._redis.delete(self._keys.session(chat))

    @operation
    async def get_last_state(self, chat: ChatKey, session_id: str) -> dict[str, Any] | None:
        """The project state seen at the end of the chat's last turn in the session."""
        text = decoded(await self._redis.get(self._keys.last_state(chat, session_id)))
        if text is None:
            return None
        try:
            state: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorruptRecord("stored last state is not JSON") from exc
        if not isinstance(state, dict):
            raise CorruptRecord("stored last state is not a JSON object")
        return state

    @operation
    async def put_last_state(self, chat: ChatKey, session_id: str, state: dict[str, Any]) -> None:
        """Remember the session's project state for the next diff."""
        key = self._keys.last_state(chat, session_id)
        await self._redis.set(key, json.dumps(state, ensure_ascii=False))

    @operation
    async def get_last_export(self, chat: ChatKey, session_id: str) -> DeliveredExport | None:
        """The last video delivered in the chat's session, if any."""
        text = decoded(await self._redis.get(self._keys.last_export(chat, session_id)))
        return None if text is None else DeliveredExport.from_json(text)

    @operation
    async def put_last_export(self, chat: ChatKey, session_id: str, export: DeliveredExport) -> None:
        """Remember the video just delivered (a render's output is not kept for ever: neither is this)."""
        await self._redis.set(self._keys.last_export(chat, session_id), export.to_json(), px=_ms(DAY))

    # A chat that changed its id

    @operation
    async def move_chat(self, old: ChatKey, new: ChatKey) -> bool:
        """Move a chat's session (with its last state and last export) and its open renders to `new`.

        For a chat that changed its id (a Telegram group upgraded to a supergroup). A session already kept under
        `new` stays as it is. Safe to repeat and to run from two processes at once: every step only copies
        what is not there yet, then removes the old key. True when the session moved.
        """
        keys = self._keys
        moved = False
        text = decoded(await self._redis.get(keys.session(old)))
        if text is not None:
            moved = bool(await self._redis.set(keys.session(new), text, nx=True))
        # The session may have moved already while a turn still wrote its state or export under the old id.
        text = text or decoded(await self._redis.get(keys.session(new)))
        if text is not None:
            session_id = ChatSession.from_json(text).session_id
            for key in (keys.last_state, keys.last_export):
                await self._copy(key(old, session_id), key(new, session_id))
            await self._redis.delete(
                keys.session(old), keys.last_state(old, session_id), keys.last_export(old, session_id),
            )
        for job in await self.open_renders():
            if job.chat_key == old:
                await self.put_render(replace(job, chat_key=new))
        return moved

    async def _copy(self, source: str, target: str) -> None:
        """Copy a key's value and its time to live, unless `target` already has one."""
        value = decoded(await self._redis.get(source))
        if value is None:
            return
        ttl = await self._redis.pttl(source)
        await self._redis.set(target, value, nx=True, px=ttl if ttl > 0 else None)

    # Edits offered for one tap

    @operation
    async def put_offer(self, chat: ChatKey, text: str, ttl: float = DAY) -> str:
        """Keep an offered edit for `ttl` seconds; returns its short id."""
        while True:
            offer_id = secrets.token_hex(4)
            if await self._redis.set(self._keys.offer(chat, offer_id), text, nx=True, px=_ms(ttl)):
                return offer_id

    @operation
    async def take_offer(self, chat: ChatKey, offer_id: str) -> str | None:
        """The offered edit, exactly once (a second tap, or one after it expired, gets None)."""
        return decoded(await self._redis.getdel(self._keys.offer(chat, offer_id)))

    # Credentials and the client id

    @operation
    async def get_credentials(self) -> Credentials | None:
        """The shared Nemo token, if one is kept."""
        text = decoded(await self._redis.get(self._keys.credentials()))
        return None if text is None else Credentials.from_json(text)

    @operation
    async def put_credentials(self, credentials: Credentials) -> None:
        """Keep the shared Nemo token (its expiry is the caller's to check)."""
        await self._redis.set(self._keys.credentials(), credentials.to_json())

    @operation
    async def drop_credentials(self) -> None:
        """Forget the shared token."""
        await self._redis.delete(self._keys.credentials())

    @operation
    async def get_client_id(self) -> str | None:
        """The stable client id, if one was chosen."""
        return decoded(await self._redis.get(self._keys.client_id()))

    @operation
    async def put_client_id_if_absent(self, client_id: str) -> str:
        """Keep `client_id` unless another process chose one first; returns the id that is kept."""
        key = self._keys.client_id()
        await self._redis.set(key, client_id, nx=True)
        # Nothing ever deletes the client id, so whoever won is still there to read.
        winner = decoded(await self._redis.get(key))
        return client_id if winner is None else winner

    @operation
    async def replace_client_id(self, refused: str, client_id: str) -> str:
        """Put `client_id` in place of `refused`, unless another process replaced it first; returns the id kept."""
        key = self._keys.client_id()

        def plan(current: str | None) -> Queue | None:
            return (lambda pipe: pipe.set(key, client_id)) if current in (None, refused) else None

        if await transact(self._redis, key, plan) is not None:
            return client_id
        # Declined: another id is there, and nothing ever deletes it.
        return decoded(await self._redis.get(key)) or client_id

    # Render jobs

    def _queue_save(self, pipe: Pipeline, job: RenderJob, current: str | None = None) -> None:
        """Save `job` over `current` (its stored text), keeping the open set and its chat's open set in step."""
        record, open_set = self._keys.render(job.render_id), self._keys.open_renders()
        chat_set = self._keys.chat_renders(job.chat_key)
        was = _stored_chat(current)
        if was is not None and was != job.chat_key:
            pipe.srem(self._keys.chat_renders(was), job.render_id)
        if job.status.is_open:
            pipe.set(record, job.to_json())
            pipe.sadd(open_set, job.render_id)
            pipe.sadd(chat_set, job.render_id)
            return
        ttl = _ms(CLOSED_RETENTION)
        pipe.set(record, job.to_json(), px=ttl)
        pipe.srem(open_set, job.render_id)
        pipe.srem(chat_set, job.render_id)
        pipe.pexpire(self._keys.delivery(job.render_id), ttl)

    @operation
    async def put_render(self, job: RenderJob) -> None:
        """Save a render job; open unless delivered or failed. A delivered job is final and stays as it is."""

        def plan(current: str | None) -> Queue | None:
            if _stored_status(current) is JobStatus.DELIVERED:
                return None
            return lambda pipe: self._queue_save(pipe, job, current)

        await transact(self._redis, self._keys.render(job.render_id), plan)

    @operation
    async def get_render(self, render_id: str) -> RenderJob | None:
        """One render job (closed ones are kept for CLOSED_RETENTION seconds)."""
        text = decoded(await self._redis.get(self._keys.render(render_id)))
        return None if text is None else RenderJob.from_json(text)

    @operation
    async def open_renders(self) -> list[RenderJob]:
        """Every render job not yet delivered or failed, oldest first."""
        return await self._open_in(self._keys.open_renders())

    @operation
    async def open_renders_in(self, chat: ChatKey) -> list[RenderJob]:
        """The chat's render jobs not yet delivered or failed, oldest first."""
        # The chat's own set: an export looks at its chat's renders, not at every open one of every chat.
        return [job for job in await self._open_in(self._keys.chat_renders(chat)) if job.chat_key == chat]

    async def _open_in(self, members_key: str) -> list[RenderJob]:
        """The open render jobs whose ids the set at `members_key` holds, oldest first."""
        members = await self._redis.smembers(members_key)
        ids = sorted(text for text in map(decoded, members) if text is not None)
        if not ids:
            return []
        texts = await self._redis.mget([self._keys.render(i) for i in ids])
        jobs = []
        for render_id, raw in zip(ids, texts, strict=True):
            text = decoded(raw)
            try:
                job = None if text is None else RenderJob.from_json(text)
            except CorruptRecord:
                # One unreadable record must not stop every other render from resuming.
                log.warning("skipping unreadable render job %s", render_id)
                continue
            if job is not None and job.status.is_open:
                jobs.append(job)
        return sorted(jobs, key=lambda j: (j.created_at, j.render_id))

    @operation
    async def claim_delivery(self, render_id: str, owner: str, now: float) -> DeliveryRecord:
        """Record that `owner` begins sending the render's video at `now`; returns the record as it then stands.

        A confirmed delivery is returned as it is (nothing to send). Otherwise the claim is taken over, whoever held
        it, and `sends` counts this send: more than one means an earlier send was never confirmed and may have
        arrived. Callers hold the render's lease, so a claim they take over is one whose owner stopped.
        """
        key = self._keys.delivery(render_id)
        seen: list[DeliveryRecord] = []  # what each run of the plan made of the record: the last one stands

        def plan(current: str | None) -> Queue | None:
            before = None if current is None else DeliveryRecord.from_json(current)
            if before is not None and before.state is DeliveryState.SENT:
                seen.append(before)
                return None
            claim = DeliveryRecord(DeliveryState.SENDING, owner, now, 1 if before is None else before.sends + 1)
            seen.append(claim)
            return lambda pipe: pipe.set(key, claim.to_json(), keepttl=True)

        await transact(self._redis, key, plan)
        return seen[-1]

    @operation
    async def confirm_delivery(self, render_id: str, owner: str, now: float) -> None:
        """Record that the render's video reached the chat (sent by `owner`, confirmed at `now`)."""
        key = self._keys.delivery(render_id)

        def plan(current: str | None) -> Queue | None:
            before = None if current is None else DeliveryRecord.from_json(current)
            sends = 1 if before is None else before.sends
            text = DeliveryRecord(DeliveryState.SENT, owner, now, sends).to_json()
            return lambda pipe: pipe.set(key, text, keepttl=True)

        await transact(self._redis, key, plan)

    @operation
    async def get_delivery(self, render_id: str) -> DeliveryRecord | None:
        """The render's delivery record, if a send was ever begun."""
        text = decoded(await self._redis.get(self._keys.delivery(render_id)))
        return None if text is None else DeliveryRecord.from_json(text)

    @operation
    async def close_render(self, render_id: str, status: JobStatus) -> None:
        """Mark a render delivered or failed, which takes it off the open set."""
        if JobStatus(status).is_open:
            raise ValueError(f"close_render needs delivered or failed, not {status!r}")

        def plan(current: str | None) -> Queue | None:
            if _stored_status(current) is JobStatus.DELIVERED:
                return None
            if current is None or _stored_status(current) is None:
                return lambda pipe: pipe.srem(self._keys.open_renders(), render_id)
            closed = replace(RenderJob.from_json(current), status=JobStatus(status))
            return lambda pipe: self._queue_save(pipe, closed, current)

        await transact(self._redis, self._keys.render(render_id), plan)

    # Idempotency and leases

    @operation
    async def first_sighting(self, chat: ChatKey, message_id: str, ttl: float = WEEK, by: str = "") -> bool:
        """True only the first time the chat's message `message_id` is seen within `ttl` seconds; with `by` (one
        delivery of it, an inbox entry), also when that same delivery saw it before (an attempt that died)."""
        key = self._keys.seen(chat, message_id)
        if await self._redis.set(key, by or "1", nx=True, px=_ms(ttl)):
            return True
        return bool(by) and decoded(await self._redis.get(key)) == by

    def turn_lock(self, chat: ChatKey) -> RedisLease:
        """The chat's turn lock: one paid or stateful turn at a time."""
        return RedisLease(self._redis, self._keys.turn_lock(chat), self._checked)

    def render_lease(self, render_id: str) -> RedisLease:
        """The render's lease: one process follows and delivers it at a time."""
        return RedisLease(self._redis, self._keys.render_lease(render_id), self._checked)

    @operation
    async def held_leases(self) -> list[tuple[RedisLease, str]]:
        """Every turn lock and render lease held now, with its owner."""
        keys = sorted({key async for key in self._redis.scan_iter(match=self._keys.leases(), count=500)})
        if not keys:
            return []
        owners = await self._redis.mget(keys)
        return [
            (RedisLease(self._redis, key, self._checked), owner) for key, raw in zip(keys, owners, strict=True)
            if (owner := decoded(raw)) is not None
        ]

    # Processes alive

    @operation
    async def mark_alive(self, start: str, seconds: float) -> None:
        """Say that the process start `start` runs, for the next `seconds`."""
        await self._redis.set(self._keys.alive(start), "1", px=_ms(seconds))

    @operation
    async def is_alive(self, start: str) -> bool:
        """Whether the process start `start` said it runs, and that has not lapsed."""
        return bool(await self._redis.exists(self._keys.alive(start)))

    @operation
    async def mark_gone(self, start: str) -> None:
        """Say that the process start `start` has stopped."""
        await self._redis.delete(self._keys.alive(start))


class RedisLease:
    """One key held by one owner at a time, lapsing unless its holder extends it."""

    def __init__(self, redis: Redis, key: str, checked: Checked) -> None:
        self._redis = redis
        self._key = key
        self._checked = checked

    def __repr__(self) -> str:
        return f"RedisLease({self._key!r})"

    @operation
    async def holder(self) -> str | None:
        """Who holds the lease now (None: nobody)."""
        return decoded(await self._redis.get(self._key))

    @operation
    async def acquire(self, owner: str, seconds: float) -> bool:
        """Take the lease for `seconds`; False while anyone (even `owner`) holds it."""
        return bool(await self._redis.set(self._key, owner, nx=True, px=_ms(seconds)))

    @operation
    async def extend(self, owner: str, seconds: float) -> bool:
        """Reset the lease to `seconds` from now, only if `owner` still holds it."""
        return await self._checked.pexpire(self._key, owner, _ms(seconds))

    @operation
    async def release(self, owner: str) -> bool:
        """Release the lease, only if `owner` still holds it."""
        return await self._checked.delete(self._key, owner)


@asynccontextmanager
async def open_store(
    redis_url: str | None, prefix: str, options: RedisOptions | None = None,
) -> AsyncIterator[RedisStore]:
    """Connect to Redis at `redis_url` (None: an in-process fakeredis; `redis+sentinel://`: the master the sentinels
    name), wait until it answers, close on exit.

    An unreachable Redis is tried for `options.startup_wait` seconds, then StoreUnavailable names its address;
    a refused password raises StoreRefused at once.
    """
    options = options or RedisOptions()
    async with AsyncExitStack() as stack:
        client: Redis
        if redis_url is None:
            # A fresh FakeServer each time: two embedded stores never share data by accident.
            client = FakeAsyncRedis(server=FakeServer(), decode_responses=True)
            stack.push_async_callback(client.aclose)
        else:
            client = await stack.enter_async_context(connected(redis_url, options))
        store = RedisStore(client, prefix)
        where = "the embedded store" if redis_url is None else address(redis_url)
        await wait_until_answering(store.ping, where, options.startup_wait)
        yield store
