"""REDIS_POOL_SIZE bounds the store's connections to Redis: more commands at once than connections all succeed,
each waiting for a free one, over no more than the pool's connections."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.store.connection import RedisOptions, connected
from bot.store.keys import ChatKey
from bot.store.redis_store import RedisStore, open_store
from tests.store_fixtures import redis_backend, redis_url

DB = 12
POOL = 2
AT_ONCE = 40
CHAT = ChatKey("console", "pool")


async def clients_on(redis: Redis, db: int) -> int:
    """Connections to database `db` other than `redis`'s own."""
    me = await redis.client_id()
    return sum(1 for client in await redis.client_list() if int(client["db"]) == db and int(client["id"]) != me)


async def many_at_once(store: RedisStore) -> list[bool]:
    """AT_ONCE commands started together."""
    return await asyncio.gather(*(store.first_sighting(CHAT, f"m-{index}") for index in range(AT_ONCE)))


async def test_more_commands_than_connections_all_succeed_over_the_pool_only() -> None:
    async with redis_backend("redis", db=DB) as connect:
        direct = connect()
        try:
            before = await clients_on(direct, DB)  # the test's own
            options = RedisOptions(startup_wait=0, pool_size=POOL)
            async with open_store(redis_url(DB), "pool", options) as store:
                assert await many_at_once(store) == [True] * AT_ONCE
                assert 1 <= await clients_on(direct, DB) - before <= POOL
        finally:
            await direct.aclose()


async def test_a_command_finding_no_free_connection_in_time_fails_after_the_pool_timeout() -> None:
    options = RedisOptions(startup_wait=0, pool_size=1, pool_timeout=0.2)
    async with redis_backend("redis", db=DB), connected(redis_url(DB), options) as client:
        # One command holds the only connection for a second (a blocking pop on an empty list).
        holder = asyncio.create_task(pop(client))
        await asyncio.sleep(0.1)
        with pytest.raises(RedisConnectionError, match="No connection available"):
            await client.ping()
        assert await holder is None
        assert await client.ping()  # the connection is free again


async def pop(client: Redis) -> object:
    """A blocking pop on an empty list: holds its connection for a second, then gives None."""
    return await client.blpop(["pool-empty-list"], timeout=1)
