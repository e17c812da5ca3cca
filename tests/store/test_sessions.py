"""Contract: chat sessions and last project states."""

from __future__ import annotations

from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore

CHAT = ChatKey("telegram", "42")
THREAD = ChatKey("discord", "7", "thread")
OTHER = ChatKey("console", "other")


def session(n: int = 1, user_id: str | None = None) -> ChatSession:
    return ChatSession(f"sess-{n}", f"task-{n}", "zh", 1_700_000_000.5 + n, user_id)


async def test_missing_session_is_none(store: RedisStore) -> None:
    assert await store.get_session(CHAT) is None


async def test_session_round_trips(store: RedisStore) -> None:
    for value in (session(1), session(2, user_id="anon_9")):
        await store.put_session(CHAT, value)
        assert await store.get_session(CHAT) == value


async def test_session_overwrite_keeps_the_latest(store: RedisStore) -> None:
    await store.put_session(CHAT, session(1))
    await store.put_session(CHAT, session(2))
    assert await store.get_session(CHAT) == session(2)


async def test_sessions_are_per_chat(store: RedisStore) -> None:
    await store.put_session(CHAT, session(1))
    await store.put_session(THREAD, session(2))
    assert await store.get_session(CHAT) == session(1)
    assert await store.get_session(THREAD) == session(2)
    assert await store.get_session(ChatKey("discord", "7")) is None


async def test_drop_session(store: RedisStore) -> None:
    await store.put_session(CHAT, session(1))
    await store.put_session(OTHER, session(2))
    await store.drop_session(CHAT)
    await store.drop_session(ChatKey("console", "never-seen"))
    assert await store.get_session(CHAT) is None
    assert await store.get_session(OTHER) == session(2)


async def test_last_state_round_trips(store: RedisStore) -> None:
    assert await store.get_last_state(CHAT, "sess-1") is None
    state = {"draft": {"t": [{"tt": 7, "sg": [{"d": 3000}]}], "d": 10_000}, "title": "城市之夜", "n": None}
    await store.put_last_state(CHAT, "sess-1", state)
    assert await store.get_last_state(CHAT, "sess-1") == state
    await store.put_last_state(CHAT, "sess-1", {"draft": {}})
    assert await store.get_last_state(CHAT, "sess-1") == {"draft": {}}
    assert await store.get_last_state(OTHER, "sess-1") is None


async def test_last_states_are_per_session(store: RedisStore) -> None:
    # A fresh project in the same chat must never be diffed against the old one.
    await store.put_last_state(CHAT, "sess-1", {"draft": {"d": 1}})
    assert await store.get_last_state(CHAT, "sess-2") is None
    await store.put_last_state(CHAT, "sess-2", {"draft": {"d": 2}})
    assert await store.get_last_state(CHAT, "sess-1") == {"draft": {"d": 1}}


async def test_another_process_sees_the_session(store: RedisStore, make_store: MakeStore) -> None:
    other = make_store("test")
    await store.put_session(CHAT, session(3))
    assert await other.get_session(CHAT) == session(3)


async def test_a_claimed_session_is_kept_and_a_second_claim_gets_the_first(store: RedisStore) -> None:
    assert await store.claim_session(CHAT, session(1)) == session(1)
    assert await store.claim_session(CHAT, session(2)) == session(1)
    assert await store.get_session(CHAT) == session(1)
    await store.drop_session(CHAT)
    assert await store.claim_session(CHAT, session(3)) == session(3)
