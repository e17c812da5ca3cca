"""Contract: every key lives under the store's prefix, and two prefixes never see each other's data."""

from __future__ import annotations

import pytest

from bot.store.keys import ChatKey, Keys
from bot.store.models import ChatSession, Credentials, DeliveryState, RenderJob
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore
from tests.store_fixtures import Connect

CHAT = ChatKey("telegram", "1")


async def fill(store: RedisStore) -> None:
    """Write one of everything the store keeps."""
    await store.put_session(CHAT, ChatSession("s", "t", "en", 1.0))
    await store.put_last_state(CHAT, "s", {"d": 1})
    await store.put_credentials(Credentials("cid", "tok", None, None))
    await store.put_client_id_if_absent("cid")
    await store.put_render(RenderJob("r-1", CHAT, "s", 1.0))
    await store.claim_delivery("r-1", "owner", 1.0)
    await store.confirm_delivery("r-1", "owner", 2.0)
    assert await store.first_sighting(CHAT, "m-1")
    assert await store.turn_lock(CHAT).acquire("owner", 5)
    assert await store.render_lease("r-1").acquire("owner", 5)


async def test_prefixes_do_not_see_each_other(make_store: MakeStore) -> None:
    # "a" and "a:b" would collide under a naive `prefix:` scheme; the hash-tag braces keep them apart.
    first, second = make_store("a"), make_store("a:b")
    await fill(first)
    assert await second.get_session(CHAT) is None
    assert await second.get_last_state(CHAT, "s") is None
    assert await second.get_credentials() is None
    assert await second.get_client_id() is None
    assert await second.get_render("r-1") is None
    assert await second.open_renders() == []
    assert await second.open_renders_in(CHAT) == []
    assert await second.get_delivery("r-1") is None
    assert await second.first_sighting(CHAT, "m-1")
    assert await second.turn_lock(CHAT).acquire("other", 5)
    assert await second.render_lease("r-1").acquire("other", 5)
    assert await second.put_client_id_if_absent("other") == "other"
    await second.drop_session(CHAT)
    await second.drop_credentials()
    assert await first.get_client_id() == "cid"
    assert await first.get_session(CHAT) is not None
    assert await first.get_credentials() is not None
    assert (await first.claim_delivery("r-1", "other", 3.0)).state is DeliveryState.SENT
    assert not await first.turn_lock(CHAT).acquire("third", 5)
    assert not await first.render_lease("r-1").acquire("third", 5)


async def test_every_key_is_under_the_prefix(make_store: MakeStore, connect: Connect) -> None:
    store = make_store("bot-1")
    await fill(store)
    keys = [key async for key in connect().scan_iter(match="*")]
    assert len(keys) == 11
    assert all(key.startswith("{bot-1}:") for key in keys)
    assert sorted(keys) == sorted([key async for key in connect().scan_iter(match=store.keys.pattern())])


@pytest.mark.parametrize("prefix", ["", "a b", "x*", "{x}", "q?", "[a]", ":lead"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="invalid key prefix"):
        Keys(prefix)


def test_keys_are_distinct_per_kind() -> None:
    keys = Keys("nemo-bot")
    chat = ChatKey("c", "c")
    built = [
        keys.session(chat),
        keys.last_state(chat, "c"),
        keys.credentials(),
        keys.client_id(),
        keys.render("c"),
        keys.open_renders(),
        keys.chat_renders(chat),
        keys.delivery("c"),
        keys.seen(chat, "c"),
        keys.turn_lock(chat),
        keys.render_lease("c"),
    ]
    assert len(set(built)) == len(built)
    assert all(key.startswith("{nemo-bot}:") for key in built)
