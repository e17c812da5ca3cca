"""Contract: process starts marked alive for a while, and every lease held now with its owner."""

from __future__ import annotations

import asyncio

from bot.store.keys import ChatKey
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore

CHAT = ChatKey("telegram", "42")


async def test_a_start_is_alive_while_it_says_so(store: RedisStore) -> None:
    assert not await store.is_alive("s1")
    await store.mark_alive("s1", 0.2)
    assert await store.is_alive("s1")
    assert not await store.is_alive("s2")
    await asyncio.sleep(0.35)
    assert not await store.is_alive("s1")


async def test_saying_it_again_keeps_a_start_alive(store: RedisStore) -> None:
    await store.mark_alive("s1", 0.3)
    await asyncio.sleep(0.2)
    await store.mark_alive("s1", 0.3)
    await asyncio.sleep(0.2)
    assert await store.is_alive("s1")


async def test_a_start_marked_gone_is_not_alive(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    await first.mark_alive("s1", 30)
    assert await second.is_alive("s1")
    await first.mark_gone("s1")
    assert not await second.is_alive("s1")
    assert not await make_store("other").is_alive("s1")


async def test_every_held_lease_is_listed_with_its_owner(make_store: MakeStore) -> None:
    store, other = make_store("test"), make_store("other")
    assert await store.held_leases() == []
    assert await store.turn_lock(CHAT).acquire("a", 5)
    assert await store.render_lease("r-1").acquire("b", 5)
    assert await other.turn_lock(CHAT).acquire("c", 5)  # another bot's: not ours to see
    assert await store.first_sighting(CHAT, "m1")
    await store.mark_alive("s1", 5)

    held = {(repr(lease), owner) for lease, owner in await store.held_leases()}
    assert held == {(repr(store.turn_lock(CHAT)), "a"), (repr(store.render_lease("r-1")), "b")}
    assert [owner for _, owner in await other.held_leases()] == ["c"]


async def test_a_listed_lease_is_the_lease_itself(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    assert await first.turn_lock(CHAT).acquire("a", 5)
    [(lease, owner)] = await second.held_leases()
    assert await lease.holder() == owner == "a"
    assert not await lease.release("b")
    assert await lease.release("a")
    assert await first.turn_lock(CHAT).holder() is None
    assert await second.held_leases() == []
    assert await first.turn_lock(CHAT).acquire("b", 5)


async def test_a_lapsed_lease_has_no_holder_and_is_not_listed(store: RedisStore) -> None:
    assert await store.render_lease("r-1").acquire("a", 0.2)
    assert await store.render_lease("r-1").holder() == "a"
    await asyncio.sleep(0.35)
    assert await store.render_lease("r-1").holder() is None
    assert await store.held_leases() == []
