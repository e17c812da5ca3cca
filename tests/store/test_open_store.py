"""open_store: the embedded and the real backend, waiting for Redis at start (for a while), and no secret in reprs
or errors."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.store.connection import RedisOptions, address
from bot.store.errors import StoreRefused, StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import RedisStore, open_store
from tests.redis_server import RedisServer, closed_port, redis_server
from tests.store_fixtures import redis_backend, redis_url

PASSWORD = "pa55-w0rd-never-shown"
CHAT = ChatKey("console", "c")
AT_ONCE = RedisOptions(startup_wait=0)


async def test_embedded_store_works_and_is_private() -> None:
    session = ChatSession("s", "t", "en", 1.0)
    async with open_store(None, "nemo-bot") as first, open_store(None, "nemo-bot") as second:
        await first.put_session(CHAT, session)
        assert await first.get_session(CHAT) == session
        assert await second.get_session(CHAT) is None


async def test_real_redis_store_works() -> None:
    async with redis_backend("redis", db=15) as connect:
        async with open_store(redis_url(15), "nemo-bot") as store:
            assert await store.put_client_id_if_absent("cid") == "cid"
        assert await connect().get("{nemo-bot}:client-id") == "cid"


async def test_unreachable_redis_fails_at_once_when_told_not_to_wait() -> None:
    port = closed_port()
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        async with open_store(url, "nemo-bot", AT_ONCE):
            pytest.fail("open_store yielded without a reachable Redis")
    assert time.monotonic() - started < 2
    assert str(caught.value) == f"Redis at 127.0.0.1:{port} did not answer (Connection refused)"
    assert PASSWORD not in repr(caught.value)


async def test_unreachable_redis_is_tried_for_the_startup_wait_then_named(caplog: pytest.LogCaptureFixture) -> None:
    port = closed_port()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=f"Redis at 127.0.0.1:{port} did not answer"):
        async with open_store(f"redis://127.0.0.1:{port}/0", "nemo-bot", RedisOptions(startup_wait=0.6)):
            pytest.fail("open_store yielded without a reachable Redis")
    assert 0.6 <= time.monotonic() - started < 3
    assert not caplog.records  # a line at most every few seconds: none in a short wait


async def test_a_redis_that_comes_up_during_the_wait_is_used(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)  # not started yet

    async def start_later() -> None:
        await asyncio.sleep(0.5)
        await asyncio.to_thread(server.start)

    starting = asyncio.create_task(start_later())
    try:
        async with open_store(server.url(), "nemo-bot", RedisOptions(startup_wait=10)) as store:
            await store.put_session(CHAT, ChatSession("s", "t", "en", 1.0))
            assert await store.get_session(CHAT) is not None
    finally:
        await starting
        server.stop()


async def test_a_refused_password_is_not_waited_for_and_not_shown(tmp_path: Path) -> None:
    with redis_server(tmp_path, password="right-one") as server:
        started = time.monotonic()
        with pytest.raises(StoreRefused) as caught:
            async with open_store(server.url(PASSWORD), "nemo-bot", RedisOptions(startup_wait=30)):
                pytest.fail("open_store yielded with a wrong password")
        assert time.monotonic() - started < 5
        assert PASSWORD not in str(caught.value)
        async with open_store(server.url("right-one"), "nemo-bot", AT_ONCE) as store:
            await store.ping()


@pytest.mark.parametrize(("url", "shown"), [
    (f"redis://:{PASSWORD}@redis.internal:6380/2", "redis.internal:6380"),
    (f"rediss://user:{PASSWORD}@cache.example.com/0", "cache.example.com:6379"),
    ("redis://[::1]:7000", "[::1]:7000"),
    ("unix:///run/redis/redis.sock?db=1", "/run/redis/redis.sock"),
])
def test_redis_is_named_by_its_address_never_its_password(url: str, shown: str) -> None:
    assert address(url) == shown


async def test_lost_connection_raises_store_unavailable() -> None:
    client = Redis(host="127.0.0.1", port=closed_port(), decode_responses=True)
    store = RedisStore(client, "nemo-bot")
    try:
        with pytest.raises(StoreUnavailable):
            await store.get_session(CHAT)
        with pytest.raises(StoreUnavailable):
            await store.turn_lock(CHAT).acquire("o", 1)
    finally:
        await client.aclose()


async def test_store_repr_shows_no_connection_secret() -> None:
    client = Redis.from_url(redis_url(15, PASSWORD), decode_responses=True)
    try:
        store = RedisStore(client, "nemo-bot")
        assert PASSWORD not in repr(store)
        assert "nemo-bot" in repr(store)
    finally:
        await client.aclose()


async def test_bad_prefix_closes_the_connection() -> None:
    with pytest.raises(ValueError, match="invalid key prefix"):
        async with open_store(None, "bad prefix"):
            pytest.fail("open_store yielded with a bad prefix")
