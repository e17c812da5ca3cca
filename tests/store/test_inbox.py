"""The inbox contract, on a real Redis and the embedded store: an update goes to one reader, stays until it is
settled, and one whose reader died is read again by another after the lease, never before."""

from __future__ import annotations

import asyncio

from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore

LEASE = 0.2


async def test_each_update_goes_to_one_reader_in_order(make_store: MakeStore) -> None:
    first, second = make_store("test"), make_store("test")
    await first.inbox_add("telegram", '{"update_id": 1}')
    await second.inbox_add("telegram", '{"update_id": 2}')

    one = await first.inbox_take("telegram", "replica-a", LEASE)
    two = await second.inbox_take("telegram", "replica-b", LEASE)

    assert one is not None
    assert two is not None
    assert (one[1], two[1]) == ('{"update_id": 1}', '{"update_id": 2}')
    assert await first.inbox_take("telegram", "replica-a", LEASE) is None
    assert await second.inbox_take("telegram", "replica-b", LEASE) is None


async def test_a_settled_update_is_never_read_again(store: RedisStore) -> None:
    await store.inbox_add("telegram", "u1")
    taken = await store.inbox_take("telegram", "replica-a", LEASE)
    assert taken is not None
    await store.inbox_done("telegram", taken[0])

    await asyncio.sleep(LEASE * 2)

    assert await store.inbox_take("telegram", "replica-b", LEASE) is None


async def test_an_update_a_dead_reader_held_is_read_by_another_after_the_lease(make_store: MakeStore) -> None:
    dead, live = make_store("test"), make_store("test")
    await dead.inbox_add("telegram", "u1")
    held = await dead.inbox_take("telegram", "replica-a", LEASE)
    assert held is not None

    assert await live.inbox_take("telegram", "replica-b", LEASE) is None  # within the lease: still the reader's
    await asyncio.sleep(LEASE * 1.5)
    again = await live.inbox_take("telegram", "replica-b", LEASE)

    assert again == held
    await live.inbox_done("telegram", held[0])
    await asyncio.sleep(LEASE * 1.5)
    assert await live.inbox_take("telegram", "replica-c", LEASE) is None


async def test_inboxes_of_two_platforms_and_two_prefixes_are_apart(make_store: MakeStore) -> None:
    ours, theirs = make_store("test"), make_store("other")
    await ours.inbox_add("telegram", "ours")

    assert await ours.inbox_take("discord", "replica-a", LEASE) is None
    assert await theirs.inbox_take("telegram", "replica-a", LEASE) is None
    taken = await ours.inbox_take("telegram", "replica-a", LEASE)
    assert taken is not None
    assert taken[1] == "ours"


async def test_an_update_kept_by_its_reader_is_not_claimed_by_another(make_store: MakeStore) -> None:
    reader, other = make_store("test"), make_store("test")
    await reader.inbox_add("telegram", "u1")
    held = await reader.inbox_take("telegram", "replica-a", LEASE)
    assert held is not None

    for _ in range(3):
        await asyncio.sleep(LEASE * 0.6)
        await reader.inbox_keep("telegram", "replica-a", [held[0]])
        assert await other.inbox_take("telegram", "replica-b", LEASE) is None
    await asyncio.sleep(LEASE * 1.5)  # no longer kept: its reader is taken for dead

    assert await other.inbox_take("telegram", "replica-b", LEASE) == held


async def test_readers_of_process_starts_gone_are_forgotten_and_live_ones_kept(store: RedisStore) -> None:
    for update in ("u1", "u2", "u3"):
        await store.inbox_add("telegram", update)
    await store.mark_alive("live", 60)
    for reader in ("gone", "live", "gone-holding"):
        assert await store.inbox_take("telegram", reader, LEASE) is not None
    await store.inbox_done("telegram", (await _held_by(store, "gone"))[0])  # "gone" now holds nothing

    assert await store.inbox_forget("telegram") == 1

    assert sorted(await _readers(store)) == ["gone-holding", "live"]  # a dead reader's entry waits to be claimed
    assert await store.inbox_forget("telegram") == 0


async def _readers(store: RedisStore) -> list[str]:
    readers = await store._redis.xinfo_consumers(store.keys.inbox("telegram"), "replicas")
    return [str(reader["name"]) for reader in readers]


async def _held_by(store: RedisStore, reader: str) -> list[str]:
    held = await store._redis.xpending_range(store.keys.inbox("telegram"), "replicas", "-", "+", 10, reader)
    return [str(entry["message_id"]) for entry in held]
