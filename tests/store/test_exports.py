"""Contract: the last delivered export per session, and edits offered for one tap."""

from __future__ import annotations

from bot.store.keys import ChatKey
from bot.store.models import DeliveredExport
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore

CHAT = ChatKey("telegram", "42")
OTHER = ChatKey("discord", "7", "thread")


def export(n: int) -> DeliveredExport:
    return DeliveredExport(f"fp-{n}", f"render_{n}", f"https://cdn.test/{n}.mp4", 1920, 1080, 30.0, "主题 Title")


async def test_no_export_yet(store: RedisStore) -> None:
    assert await store.get_last_export(CHAT, "sess-1") is None


async def test_last_export_round_trips_and_the_latest_wins(store: RedisStore) -> None:
    await store.put_last_export(CHAT, "sess-1", export(1))
    assert await store.get_last_export(CHAT, "sess-1") == export(1)
    await store.put_last_export(CHAT, "sess-1", export(2))
    assert await store.get_last_export(CHAT, "sess-1") == export(2)


async def test_last_export_is_per_chat_and_session(store: RedisStore, make_store: MakeStore) -> None:
    await store.put_last_export(CHAT, "sess-1", export(1))
    assert await store.get_last_export(CHAT, "sess-2") is None
    assert await store.get_last_export(OTHER, "sess-1") is None
    # Another process on the same prefix sees it; another prefix does not.
    assert await make_store("test").get_last_export(CHAT, "sess-1") == export(1)
    assert await make_store("other").get_last_export(CHAT, "sess-1") is None


async def test_an_offer_is_taken_exactly_once(store: RedisStore, make_store: MakeStore) -> None:
    offer_id = await store.put_offer(CHAT, "Move the clip to the start")
    assert offer_id.isalnum()
    assert len(offer_id) <= 16
    assert await make_store("test").take_offer(CHAT, offer_id) == "Move the clip to the start"
    assert await store.take_offer(CHAT, offer_id) is None


async def test_offers_are_per_chat_and_distinct(store: RedisStore) -> None:
    first = await store.put_offer(CHAT, "把片段移到开头")
    second = await store.put_offer(CHAT, "Add a title")
    assert first != second
    assert await store.take_offer(OTHER, first) is None
    assert await store.take_offer(CHAT, "unknown") is None
    assert await store.take_offer(CHAT, second) == "Add a title"
    assert await store.take_offer(CHAT, first) == "把片段移到开头"
