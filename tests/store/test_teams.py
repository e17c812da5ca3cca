"""Contract: admins' grants, per-person quotas, and use per period counted atomically across processes."""

from __future__ import annotations

import asyncio
import time

from bot.store.models import Grant
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore
from tests.store_fixtures import Connect

ADA, BOB = "telegram:1", "discord:2"
TODAY, TOMORROW = "day-2026-01-31", "day-2026-02-01"
UNTIL = time.time() + 3600  # the period's end


async def test_a_grant_is_the_last_thing_an_admin_said(store: RedisStore) -> None:
    assert await store.get_grant(ADA) is None
    await store.put_grant(ADA, Grant.ALLOW)
    assert await store.get_grant(ADA) is Grant.ALLOW
    await store.put_grant(ADA, Grant.DENY)
    assert await store.get_grant(ADA) is Grant.DENY
    assert await store.get_grant(BOB) is None


async def test_an_unreadable_grant_counts_as_none(store: RedisStore, connect: Connect) -> None:
    await connect().hset("{test}:grants", ADA, "maybe")
    assert await store.get_grant(ADA) is None


async def test_a_persons_own_limits_are_set_and_cleared_by_kind(store: RedisStore) -> None:
    assert await store.get_limits(ADA) == {}
    await store.put_limit(ADA, "turns", 5)
    await store.put_limit(ADA, "exports", 0)
    assert await store.get_limits(ADA) == {"turns": 5, "exports": 0}
    await store.put_limit(ADA, "turns", None)
    assert await store.get_limits(ADA) == {"exports": 0}
    assert await store.get_limits(BOB) == {}


async def test_the_grant_and_the_limits_are_read_together(store: RedisStore, connect: Connect) -> None:
    assert await store.get_grant_and_limits(ADA) == (None, {})
    await store.put_grant(ADA, Grant.DENY)
    await store.put_limit(ADA, "turns", 5)
    await connect().hset("{test}:grants", BOB, "maybe")
    assert await store.get_grant_and_limits(ADA) == (Grant.DENY, {"turns": 5})
    assert await store.get_grant_and_limits(BOB) == (None, {})


async def test_use_is_counted_per_person_kind_and_period(store: RedisStore) -> None:
    assert await store.count_use(TODAY, UNTIL, ADA, "turns") == 1
    assert await store.count_use(TODAY, UNTIL, ADA, "turns") == 2
    assert await store.count_use(TODAY, UNTIL, ADA, "credits", 40) == 40
    assert await store.count_use(TODAY, UNTIL, BOB, "exports") == 1
    assert await store.count_use(TOMORROW, UNTIL + 86400, ADA, "turns") == 1
    assert await store.uses(TODAY) == {ADA: {"turns": 2, "credits": 40}, BOB: {"exports": 1}}
    assert await store.uses(TOMORROW) == {ADA: {"turns": 1}}
    assert await store.uses("day-2000-01-01") == {}


async def test_a_use_past_the_limit_is_refused_and_not_counted(store: RedisStore) -> None:
    assert [await store.count_use(TODAY, UNTIL, ADA, "turns", 1, 2) for _ in range(3)] == [1, 2, None]
    assert await store.uses(TODAY) == {ADA: {"turns": 2}}
    # Giving one back makes room again; adding nothing reads the count.
    assert await store.count_use(TODAY, UNTIL, ADA, "turns", -1) == 1
    assert await store.count_use(TODAY, UNTIL, ADA, "turns", 1, 2) == 2
    assert await store.count_use(TODAY, UNTIL, ADA, "turns", 0) == 2
    assert await store.count_use(TODAY, UNTIL, ADA, "turns", 1, 0) is None


async def test_a_period_is_dropped_a_day_after_it_ends(store: RedisStore, connect: Connect) -> None:
    await store.count_use(TODAY, UNTIL, ADA, "turns")
    left = await connect().pttl("{test}:usage:" + TODAY) / 1000
    expected = UNTIL - time.time() + 86400
    assert expected - 60 < left < expected + 1


async def test_processes_racing_at_the_limit_pass_exactly_as_many_as_it_allows(make_store: MakeStore) -> None:
    stores = [make_store("test") for _ in range(4)]
    counted = await asyncio.gather(*(stores[i % 4].count_use(TODAY, UNTIL, ADA, "turns", 1, 3) for i in range(24)))
    assert sorted(count for count in counted if count is not None) == [1, 2, 3]
    assert await stores[0].uses(TODAY) == {ADA: {"turns": 3}}


async def test_prefixes_keep_teams_apart(make_store: MakeStore) -> None:
    first, second = make_store("a"), make_store("a:b")
    await first.put_grant(ADA, Grant.DENY)
    await first.put_limit(ADA, "turns", 1)
    await first.count_use(TODAY, UNTIL, ADA, "turns")
    assert await second.get_grant(ADA) is None
    assert await second.get_limits(ADA) == {}
    assert await second.uses(TODAY) == {}
