"""Store backends for tests: a real Redis (flushed around each use) or the embedded fakeredis."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fakeredis import FakeAsyncRedis, FakeServer
from redis.asyncio import Redis

from bot.store.redis_store import RedisStore

REDIS_HOST = "127.0.0.1"
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
"""Tests use 127.0.0.1:6379 unless TEST_REDIS_PORT names another server (to run two suites side by side)."""
KINDS = ("redis", "embedded")

Connect = Callable[[], Redis]
"""Opens one more client on the same backend, as another process would."""


@asynccontextmanager
async def redis_backend(kind: str, db: int = 15) -> AsyncIterator[Connect]:
    """Yield a client factory for one backend; every client it made is closed on exit.

    "redis" is the real server at 127.0.0.1:REDIS_PORT, database `db`, flushed before and after; when it is not
    running this raises, because CI starts it and a silent skip would hide a whole backend.
    "embedded" is a fresh in-process FakeServer shared by every client the factory makes.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown store backend {kind!r}; use one of {KINDS}")
    server = FakeServer()
    clients: list[Redis] = []

    def connect() -> Redis:
        client: Redis = (
            Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, decode_responses=True)
            if kind == "redis"
            else FakeAsyncRedis(server=server, decode_responses=True)
        )
        clients.append(client)
        return client

    admin = connect()
    try:
        await admin.flushdb()
        yield connect
        await admin.flushdb()
    finally:
        for client in clients:
            await client.aclose()


@asynccontextmanager
async def store_backend(kind: str, db: int = 15, prefix: str = "test") -> AsyncIterator[RedisStore]:
    """Yield a RedisStore on a fresh backend of `kind` (see `redis_backend`)."""
    async with redis_backend(kind, db) as connect:
        yield RedisStore(connect(), prefix)


def redis_url(db: int, password: str | None = None) -> str:
    """The URL of the test Redis database `db`."""
    auth = f":{password}@" if password else ""
    return f"redis://{auth}{REDIS_HOST}:{REDIS_PORT}/{db}"
