"""Redis restarting under a running bot: its pooled connections go stale, and the next command still succeeds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.store.connection import RedisOptions
from bot.store.errors import StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import RedisStore, open_store
from tests.harness import FAST, Harness, running_bot
from tests.redis_proxy import redis_link
from tests.redis_server import RedisServer, redis_server
from tests.store_fixtures import REDIS_HOST, REDIS_PORT

UNAVAILABLE = (
    "⚠️ My storage is unavailable right now, so this message was not sent to the video service and nothing was "
    "charged. Please send it again in a moment."
)
CHAT = ChatKey("console", "c")
QUICK = RedisOptions(startup_wait=0, connect_timeout=1, timeout=2)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    with redis_server(tmp_path / "redis") as started:
        yield started


async def test_the_first_command_after_a_restart_succeeds(server: RedisServer) -> None:
    async with open_store(server.url(), "p", QUICK) as store:
        await store.put_session(CHAT, ChatSession("s", "t", "en", 1.0))
        server.stop()
        server.start()
        # The pooled connection was closed by the old server: it is replaced, and the command goes through.
        assert await store.get_session(CHAT) is None  # no persistence: the restart lost the key
        await store.put_session(CHAT, ChatSession("s2", "t", "en", 1.0))
        assert await store.get_session(CHAT) == ChatSession("s2", "t", "en", 1.0)


async def test_redis_going_away_while_a_key_is_watched_reads_as_unavailable() -> None:
    # redis-py reports a connection lost under a WATCH as a WatchError; callers that wait out an outage (a
    # delivery's confirmation) must see it as one, not as a refusal they give up on.
    async with redis_link() as link:
        client = link.client(15)
        try:
            store = RedisStore(client, "watched")
            await client.delete(store.keys.delivery("render_1"))
            await store.claim_delivery("render_1", "me", 1.0)
            link.hold_after_sent(b"WATCH")
            confirming = asyncio.ensure_future(store.confirm_delivery("render_1", "me", 2.0))
            await asyncio.wait_for(link.held.wait(), 5)
            link.cut()  # Redis goes away between the WATCH and the read of the key
            with pytest.raises(StoreUnavailable):
                await confirming
        finally:
            await client.aclose()
            async with Redis(host=REDIS_HOST, port=REDIS_PORT, db=15) as direct:
                await direct.delete(RedisStore(direct, "watched").keys.delivery("render_1"))


async def test_without_retries_the_stale_connection_fails(server: RedisServer) -> None:
    # What the store's client settings are for: redis-py's defaults give up on the closed connection.
    client = Redis.from_url(server.url(), decode_responses=True)
    try:
        store = RedisStore(client, "p")
        await store.ping()
        server.stop()
        server.start()
        with pytest.raises(StoreUnavailable):
            await store.ping()
    finally:
        await client.aclose()


async def test_the_bot_says_storage_is_unavailable_and_recovers_when_redis_returns(
    server: RedisServer, tmp_path: Path,
) -> None:
    async with running_bot(tmp_path, db=14) as bot, open_store(server.url(), "outage", QUICK) as store:
        engine = _engine(bot, store, tmp_path)
        try:
            chat = bot.chat()
            await engine.handle(bot.message("credits"), chat)
            assert chat.texts[-1].startswith("💳")

            server.stop()
            await engine.handle(bot.message("make a video of a harbour"), chat)
            assert chat.texts[-1] == UNAVAILABLE
            assert not await bot.requests("/run_sse")  # nothing paid was sent without the store

            server.start()
            await engine.handle(bot.message("credits"), chat)
            assert chat.texts[-1].startswith("💳")
            await engine.handle(bot.message("hello"), chat)
            assert chat.texts[-1] != UNAVAILABLE
            assert await store.get_session(ChatKey("console", "chat-1")) is not None
        finally:
            await engine.background.close()


def _engine(bot: Harness, store: RedisStore, tmp_path: Path) -> Engine:
    timings: dict[str, Any] = FAST
    return Engine(bot.nemo, store, EngineConfig(workdir=tmp_path / "outage", allow_private_urls=True, **timings))
