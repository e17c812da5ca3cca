"""open_store: the embedded and the real backend, failing fast, and no secret in reprs or errors."""

from __future__ import annotations

import socket

import pytest
from redis.asyncio import Redis

from bot.store.errors import StoreUnavailable
from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import RedisStore, open_store
from tests.store_fixtures import redis_backend, redis_url

PASSWORD = "pa55-w0rd-never-shown"
CHAT = ChatKey("console", "c")


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


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


async def test_unreachable_redis_fails_fast_without_the_password() -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/0"
    with pytest.raises(StoreUnavailable) as caught:
        async with open_store(url, "nemo-bot"):
            pytest.fail("open_store yielded without a reachable Redis")
    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value)


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
