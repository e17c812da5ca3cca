"""Fixtures running each store test once per backend: a real Redis (DB 15) and the embedded fakeredis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.store.redis_store import RedisStore
from tests.store_fixtures import KINDS, Connect, redis_backend

MakeStore = Callable[[str], RedisStore]


@pytest.fixture(params=KINDS)
async def connect(request: pytest.FixtureRequest) -> AsyncIterator[Connect]:
    """A client factory on a freshly flushed backend."""
    kind: str = request.param
    async with redis_backend(kind, db=15) as factory:
        yield factory


@pytest.fixture
def make_store(connect: Connect) -> MakeStore:
    """Another store on the same backend, on its own connection, as another process would have."""
    return lambda prefix: RedisStore(connect(), prefix)


@pytest.fixture
def store(make_store: MakeStore) -> RedisStore:
    """A store under the prefix "test"."""
    return make_store("test")
