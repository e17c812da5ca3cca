"""Contract: message idempotency, the per-chat turn lock and the per-render lease."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.keys import ChatKey
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore

CHAT = ChatKey("telegram", "42")


async def test_first_sighting_is_true_once(store: RedisStore) -> None:
    assert await store.first_sighting(CHAT, "m1") is True
    assert await store.first_sighting(CHAT, "m1") is False
    assert await store.first_sighting(CHAT, "m2") is True


async def test_first_sighting_once_across_processes(make_store: MakeStore) -> None:
    stores = [make_store("test") for _ in range(4)]
    seen = await asyncio.gather(*(stores[i % 4].first_sighting(CHAT, "m") for i in range(20)))
    assert seen.count(True) == 1


async def test_first_sighting_forgets_after_ttl(store: RedisStore) -> None:
    assert await store.first_sighting(CHAT, "m", ttl=0.2)
    assert not await store.first_sighting(CHAT, "m", ttl=0.2)
    await asyncio.sleep(0.35)
    assert await store.first_sighting(CHAT, "m", ttl=0.2)


async def test_lock_excludes_everyone_else_even_the_owner(store: RedisStore) -> None:
    assert await store.turn_lock(CHAT).acquire("a", 5)
    assert not await store.turn_lock(CHAT).acquire("b", 5)
    assert not await store.turn_lock(CHAT).acquire("a", 5)
    assert await store.turn_lock(ChatKey("telegram", "43")).acquire("b", 5)


async def test_lock_lapses_after_its_lease(store: RedisStore) -> None:
    assert await store.turn_lock(CHAT).acquire("a", 0.2)
    await asyncio.sleep(0.35)
    assert await store.turn_lock(CHAT).acquire("b", 5)
    assert not await store.turn_lock(CHAT).extend("a", 5)
    assert not await store.turn_lock(CHAT).release("a")
    assert not await store.turn_lock(CHAT).acquire("c", 5)


async def test_extend_keeps_the_lock_past_its_first_lease(store: RedisStore) -> None:
    assert await store.turn_lock(CHAT).acquire("a", 0.2)
    await asyncio.sleep(0.1)
    assert await store.turn_lock(CHAT).extend("a", 1.0)
    await asyncio.sleep(0.3)
    assert not await store.turn_lock(CHAT).acquire("b", 5)


async def test_only_the_owner_extends(store: RedisStore) -> None:
    assert not await store.turn_lock(CHAT).extend("a", 5)
    assert await store.turn_lock(CHAT).acquire("a", 0.3)
    assert not await store.turn_lock(CHAT).extend("b", 5)
    await asyncio.sleep(0.45)
    assert await store.turn_lock(CHAT).acquire("b", 5)


async def test_only_the_owner_releases(store: RedisStore) -> None:
    assert await store.turn_lock(CHAT).acquire("a", 5)
    assert not await store.turn_lock(CHAT).release("b")
    assert not await store.turn_lock(CHAT).acquire("b", 5)
    assert await store.turn_lock(CHAT).release("a")
    assert not await store.turn_lock(CHAT).release("a")
    assert await store.turn_lock(CHAT).acquire("b", 5)


async def test_two_processes_contend_for_one_lock(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    results = await asyncio.gather(
        *(
            s.turn_lock(CHAT).acquire(f"{name}-{i}", 5)
            for i in range(10)
            for name, s in (("first", first), ("second", second))
        )
    )
    assert results.count(True) == 1
    assert not await second.turn_lock(CHAT).acquire("late", 5)


async def test_lock_held_by_one_process_is_released_for_the_other(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    assert await first.turn_lock(CHAT).acquire("p1", 5)
    assert not await second.turn_lock(CHAT).acquire("p2", 5)
    assert not await second.turn_lock(CHAT).release("p2")
    assert await first.turn_lock(CHAT).release("p1")
    assert await second.turn_lock(CHAT).acquire("p2", 5)


async def test_concurrent_releases_free_the_lock_once(make_store: MakeStore) -> None:
    stores = [make_store("test") for _ in range(4)]
    assert await stores[0].turn_lock(CHAT).acquire("a", 5)
    released = await asyncio.gather(*(s.turn_lock(CHAT).release("a") for s in stores for _ in range(5)))
    assert released.count(True) == 1


@pytest.mark.parametrize("lease", [0, -1.0, float("nan"), float("inf")])
async def test_lease_must_be_positive(store: RedisStore, lease: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        await store.turn_lock(CHAT).acquire("a", lease)
    with pytest.raises(ValueError, match="positive"):
        await store.first_sighting(CHAT, "m", ttl=lease)


async def test_sightings_are_per_chat(store: RedisStore) -> None:
    assert await store.first_sighting(CHAT, "m1")
    assert await store.first_sighting(ChatKey("telegram", "42", "7"), "m1")
    assert await store.first_sighting(ChatKey("discord", "42"), "m1")
    assert not await store.first_sighting(CHAT, "m1")


async def test_a_render_lease_is_not_a_turn_lock(store: RedisStore) -> None:
    # A render id can look like a chat id; the two leases still never exclude each other.
    assert await store.turn_lock(ChatKey("render", "r-1")).acquire("turn", 5)
    assert await store.render_lease("r-1").acquire("follower", 5)
    assert not await store.render_lease("r-1").acquire("other", 5)
    assert await store.render_lease("r-2").acquire("other", 5)
    assert not await store.turn_lock(ChatKey("render", "r-1")).release("follower")
    assert await store.render_lease("r-1").release("follower")


async def test_one_process_follows_a_render(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    assert await first.render_lease("r-1").acquire("p1", 0.2)
    assert not await second.render_lease("r-1").acquire("p2", 5)
    assert not await second.render_lease("r-1").extend("p2", 5)
    await asyncio.sleep(0.35)
    assert await second.render_lease("r-1").acquire("p2", 5)
    assert not await first.render_lease("r-1").extend("p1", 5)


async def test_a_sighting_by_the_same_delivery_counts_as_first_again(make_store: MakeStore) -> None:
    one, other = make_store("test"), make_store("test")
    assert await one.first_sighting(CHAT, "m", by="entry-1") is True
    # The same inbox entry, read again after its first reader died: it may run; another delivery of it may not.
    assert await other.first_sighting(CHAT, "m", by="entry-1") is True
    assert await other.first_sighting(CHAT, "m", by="entry-2") is False
    assert await other.first_sighting(CHAT, "m") is False
