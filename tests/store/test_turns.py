"""Contract: message idempotency and the per-chat turn lock with a lease."""

from __future__ import annotations

import asyncio

import pytest

from bot.store import RedisStore
from tests.store.conftest import MakeStore

CHAT = "telegram:42:-"


async def test_first_sighting_is_true_once(store: RedisStore) -> None:
    assert await store.first_sighting("telegram:42:m1") is True
    assert await store.first_sighting("telegram:42:m1") is False
    assert await store.first_sighting("telegram:42:m2") is True


async def test_first_sighting_once_across_processes(make_store: MakeStore) -> None:
    stores = [make_store("test") for _ in range(4)]
    seen = await asyncio.gather(*(stores[i % 4].first_sighting("m") for i in range(20)))
    assert seen.count(True) == 1


async def test_first_sighting_forgets_after_ttl(store: RedisStore) -> None:
    assert await store.first_sighting("m", ttl=0.2)
    assert not await store.first_sighting("m", ttl=0.2)
    await asyncio.sleep(0.35)
    assert await store.first_sighting("m", ttl=0.2)


async def test_lock_excludes_everyone_else_even_the_owner(store: RedisStore) -> None:
    assert await store.acquire_lock(CHAT, "a", lease=5)
    assert not await store.acquire_lock(CHAT, "b", lease=5)
    assert not await store.acquire_lock(CHAT, "a", lease=5)
    assert await store.acquire_lock("other-chat", "b", lease=5)


async def test_lock_lapses_after_its_lease(store: RedisStore) -> None:
    assert await store.acquire_lock(CHAT, "a", lease=0.2)
    await asyncio.sleep(0.35)
    assert await store.acquire_lock(CHAT, "b", lease=5)
    assert not await store.extend_lock(CHAT, "a", lease=5)
    assert not await store.release_lock(CHAT, "a")
    assert not await store.acquire_lock(CHAT, "c", lease=5)


async def test_extend_keeps_the_lock_past_its_first_lease(store: RedisStore) -> None:
    assert await store.acquire_lock(CHAT, "a", lease=0.2)
    await asyncio.sleep(0.1)
    assert await store.extend_lock(CHAT, "a", lease=1.0)
    await asyncio.sleep(0.3)
    assert not await store.acquire_lock(CHAT, "b", lease=5)


async def test_only_the_owner_extends(store: RedisStore) -> None:
    assert not await store.extend_lock(CHAT, "a", lease=5)
    assert await store.acquire_lock(CHAT, "a", lease=0.3)
    assert not await store.extend_lock(CHAT, "b", lease=5)
    await asyncio.sleep(0.45)
    assert await store.acquire_lock(CHAT, "b", lease=5)


async def test_only_the_owner_releases(store: RedisStore) -> None:
    assert await store.acquire_lock(CHAT, "a", lease=5)
    assert not await store.release_lock(CHAT, "b")
    assert not await store.acquire_lock(CHAT, "b", lease=5)
    assert await store.release_lock(CHAT, "a")
    assert not await store.release_lock(CHAT, "a")
    assert await store.acquire_lock(CHAT, "b", lease=5)


async def test_two_processes_contend_for_one_lock(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    results = await asyncio.gather(
        *(
            s.acquire_lock(CHAT, f"{name}-{i}", lease=5)
            for i in range(10)
            for name, s in (("first", first), ("second", second))
        )
    )
    assert results.count(True) == 1
    assert not await second.acquire_lock(CHAT, "late", lease=5)


async def test_lock_held_by_one_process_is_released_for_the_other(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    assert await first.acquire_lock(CHAT, "p1", lease=5)
    assert not await second.acquire_lock(CHAT, "p2", lease=5)
    assert not await second.release_lock(CHAT, "p2")
    assert await first.release_lock(CHAT, "p1")
    assert await second.acquire_lock(CHAT, "p2", lease=5)


async def test_concurrent_releases_free_the_lock_once(make_store: MakeStore) -> None:
    stores = [make_store("test") for _ in range(4)]
    assert await stores[0].acquire_lock(CHAT, "a", lease=5)
    released = await asyncio.gather(*(s.release_lock(CHAT, "a") for s in stores for _ in range(5)))
    assert released.count(True) == 1


@pytest.mark.parametrize("lease", [0, -1.0, float("nan"), float("inf")])
async def test_lease_must_be_positive(store: RedisStore, lease: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        await store.acquire_lock(CHAT, "a", lease=lease)
    with pytest.raises(ValueError, match="positive"):
        await store.first_sighting("m", ttl=lease)
