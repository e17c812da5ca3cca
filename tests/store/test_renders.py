"""Contract: durable render jobs, the open set, and delivery claims with their confirmations."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from bot.store.keys import ChatKey
from bot.store.models import DeliveryRecord, DeliveryState, JobStatus, RenderJob
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore
from tests.store_fixtures import Connect


def job(render_id: str = "r-1", created_at: float = 100.0, **changes: Any) -> RenderJob:
    return replace(RenderJob(render_id, ChatKey("telegram", "42"), "sess-1", created_at), **changes)


async def test_missing_render_is_none(store: RedisStore) -> None:
    assert await store.get_render("nope") is None
    assert await store.open_renders() == []


async def test_render_round_trips_every_field(store: RedisStore) -> None:
    full = RenderJob(
        render_id="r-9",
        chat_key=ChatKey("discord", "1", "2"),
        session_id="sess-9",
        created_at=123.25,
        attempt=3,
        status=JobStatus.DELIVERING,
        requested_by="u-5",
        locale="zh",
        platform="discord",
        reply_to="m-77",
    )
    await store.put_render(full)
    loaded = await store.get_render("r-9")
    assert loaded == full
    assert loaded is not None
    assert loaded.status is JobStatus.DELIVERING


async def test_open_renders_lists_open_jobs_oldest_first(store: RedisStore) -> None:
    await store.put_render(job("r-b", created_at=200.0))
    await store.put_render(job("r-a", created_at=300.0))
    await store.put_render(job("r-c", created_at=100.0, status=JobStatus.DELIVERING))
    await store.put_render(job("r-d", created_at=50.0, status=JobStatus.DELIVERED))
    await store.put_render(job("r-e", created_at=60.0, status=JobStatus.FAILED))
    assert [j.render_id for j in await store.open_renders()] == ["r-c", "r-b", "r-a"]


async def test_open_renders_in_lists_the_chats_open_jobs_only(store: RedisStore, connect: Connect) -> None:
    other = ChatKey("discord", "7", "8")
    await store.put_render(job("r-b", created_at=200.0))
    await store.put_render(job("r-a", created_at=100.0, status=JobStatus.DELIVERING))
    await store.put_render(job("r-x", chat_key=other))
    await store.put_render(job("r-d", status=JobStatus.DELIVERED))
    await store.put_render(job("r-c"))
    await store.close_render("r-c", JobStatus.FAILED)
    assert [j.render_id for j in await store.open_renders_in(ChatKey("telegram", "42"))] == ["r-a", "r-b"]
    assert [j.render_id for j in await store.open_renders_in(other)] == ["r-x"]
    assert await store.open_renders_in(ChatKey("telegram", "43")) == []
    # The chat's set shrinks as its renders close, so it does not grow with every render ever made.
    assert await connect().smembers(store.keys.chat_renders(ChatKey("telegram", "42"))) == {"r-a", "r-b"}


async def test_overwrite_updates_one_entry(store: RedisStore) -> None:
    await store.put_render(job())
    await store.put_render(job(attempt=2, status=JobStatus.DELIVERING))
    assert await store.open_renders() == [job(attempt=2, status=JobStatus.DELIVERING)]


@pytest.mark.parametrize("status", [JobStatus.DELIVERED, JobStatus.FAILED])
async def test_close_render_takes_it_off_the_open_set(store: RedisStore, connect: Connect, status: JobStatus) -> None:
    await store.put_render(job("r-1"))
    await store.put_render(job("r-2"))
    await store.close_render("r-1", status)
    assert [j.render_id for j in await store.open_renders()] == ["r-2"]
    assert await store.get_render("r-1") == job("r-1", status=status)
    # The set itself shrinks, so it does not grow with every render ever made.
    assert await connect().smembers(store.keys.open_renders()) == {"r-2"}


async def test_close_render_rejects_an_open_status(store: RedisStore) -> None:
    await store.put_render(job())
    with pytest.raises(ValueError, match="delivered or failed"):
        await store.close_render("r-1", JobStatus.RENDERING)
    assert await store.open_renders() == [job()]


async def test_close_unknown_render_is_harmless(store: RedisStore) -> None:
    await store.close_render("ghost", JobStatus.FAILED)
    assert await store.get_render("ghost") is None
    assert await store.open_renders() == []


async def test_delivered_is_final(store: RedisStore, make_store: MakeStore) -> None:
    await store.put_render(job())
    await store.close_render("r-1", JobStatus.DELIVERED)
    stale = make_store("test")  # a second process still holding the old job
    await stale.put_render(job(status=JobStatus.DELIVERING))
    await stale.close_render("r-1", JobStatus.FAILED)
    assert await store.get_render("r-1") == job(status=JobStatus.DELIVERED)
    assert await store.open_renders() == []


async def test_failed_render_can_be_retried(store: RedisStore) -> None:
    await store.put_render(job())
    await store.close_render("r-1", JobStatus.FAILED)
    await store.put_render(job(attempt=2))
    assert await store.open_renders() == [job(attempt=2)]


async def test_closed_records_expire_eventually(store: RedisStore, connect: Connect) -> None:
    await store.put_render(job())
    await store.claim_delivery("r-1", "process-a", 1.0)
    redis = connect()  # a raw client, to read TTLs the API does not expose
    assert await redis.pttl(store.keys.render("r-1")) == -1
    assert await redis.pttl(store.keys.delivery("r-1")) == -1
    await store.close_render("r-1", JobStatus.DELIVERED)
    for key in (store.keys.render("r-1"), store.keys.delivery("r-1")):
        assert 29 * 86_400_000 < await redis.pttl(key) <= 30 * 86_400_000


async def test_a_claim_counts_the_sends_begun_until_one_is_confirmed(store: RedisStore) -> None:
    assert await store.get_delivery("r-1") is None
    first = await store.claim_delivery("r-1", "process-a", 10.0)
    assert first == DeliveryRecord(DeliveryState.SENDING, "process-a", 10.0, sends=1)
    # The first sender died mid-upload: the next one takes the claim over, counted as a second send.
    second = await store.claim_delivery("r-1", "process-b", 20.0)
    assert second == DeliveryRecord(DeliveryState.SENDING, "process-b", 20.0, sends=2)
    assert await store.get_delivery("r-1") == second
    await store.confirm_delivery("r-1", "process-b", 25.0)
    sent = DeliveryRecord(DeliveryState.SENT, "process-b", 25.0, sends=2)
    assert await store.get_delivery("r-1") == sent
    # Confirmed: a later claim gets the confirmation back, unchanged, and nothing is sent again.
    assert await store.claim_delivery("r-1", "process-c", 30.0) == sent
    assert await store.get_delivery("r-1") == sent
    assert (await store.claim_delivery("r-2", "process-c", 30.0)).sends == 1


async def test_concurrent_claims_each_count_one_send(make_store: MakeStore) -> None:
    # Claims are taken under the render's lease, so more than two at once would be rare: four here, from four clients.
    stores = [make_store("test") for _ in range(4)]
    claims = await asyncio.gather(*(store.claim_delivery("r-1", f"p{i}", 1.0) for i, store in enumerate(stores)))
    assert sorted(claim.sends for claim in claims) == [1, 2, 3, 4]


async def test_the_bare_marker_of_earlier_versions_reads_as_an_unconfirmed_send(
    store: RedisStore, connect: Connect,
) -> None:
    await connect().set(store.keys.delivery("r-1"), "1")
    assert await store.get_delivery("r-1") == DeliveryRecord(DeliveryState.SENDING, "unknown", 0.0, sends=1)
    assert (await store.claim_delivery("r-1", "process-a", 5.0)).sends == 2


async def test_a_confirmation_survives_close_and_reopen(store: RedisStore) -> None:
    await store.put_render(job())
    await store.claim_delivery("r-1", "process-a", 1.0)
    await store.confirm_delivery("r-1", "process-a", 2.0)
    await store.close_render("r-1", JobStatus.FAILED)
    await store.put_render(job(attempt=2))
    assert (await store.claim_delivery("r-1", "process-b", 3.0)).state is DeliveryState.SENT


async def test_open_renders_seen_by_a_restarted_process(store: RedisStore, make_store: MakeStore) -> None:
    await store.put_render(job("r-1", created_at=1.0))
    await store.put_render(job("r-2", created_at=2.0))
    await store.close_render("r-1", JobStatus.DELIVERED)
    restarted = make_store("test")
    assert [j.render_id for j in await restarted.open_renders()] == ["r-2"]
