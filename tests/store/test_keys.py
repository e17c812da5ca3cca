"""Keys: chat keys round-trip, and the key strings stay the ones a running deployment already wrote."""

from __future__ import annotations

import pytest

from bot.store.keys import ChatKey, Keys
from bot.store.models import ChatSession, RenderJob
from bot.store.redis_store import RedisStore
from tests.store_fixtures import Connect

TOPIC = ChatKey("telegram", "-100123", "9")
DIRECT = ChatKey("discord", "555")


@pytest.mark.parametrize("chat", [TOPIC, DIRECT, ChatKey("console", "local")])
def test_a_chat_key_round_trips_through_its_string(chat: ChatKey) -> None:
    assert ChatKey.parse(str(chat)) == chat


def test_a_chat_key_string_names_every_part() -> None:
    assert str(TOPIC) == "telegram:-100123:9"
    assert str(DIRECT) == "discord:555:-"
    with pytest.raises(ValueError, match="values to unpack"):
        ChatKey.parse("telegram:1")


def test_key_strings_are_the_deployed_ones() -> None:
    keys = Keys("nemo-bot")
    assert keys.session(TOPIC) == "{nemo-bot}:session:telegram:-100123:9"
    assert keys.last_state(DIRECT, "sess-1") == "{nemo-bot}:state:discord:555:-/sess-1"
    assert keys.seen(TOPIC, "77") == "{nemo-bot}:seen:telegram:-100123:9:77"
    assert keys.turn_lock(DIRECT) == "{nemo-bot}:lock:discord:555:-"
    assert keys.render_lease("render_ab") == "{nemo-bot}:lock:render:render_ab"
    assert keys.render("render_ab") == "{nemo-bot}:render:render_ab"
    assert keys.delivery("render_ab") == "{nemo-bot}:delivery:render_ab"
    assert keys.grants() == "{nemo-bot}:grants"
    assert keys.quotas("telegram:1") == "{nemo-bot}:quota:telegram:1"
    assert keys.usage("day-2026-01-31") == "{nemo-bot}:usage:day-2026-01-31"


async def test_records_written_before_an_upgrade_are_found(store: RedisStore, connect: Connect) -> None:
    raw = connect()
    session = ChatSession("sess-1", "task-1", "en", 1.0)
    await raw.set("{test}:session:telegram:-100123:9", session.to_json())
    await raw.set("{test}:state:telegram:-100123:9/sess-1", '{"draft": {"d": 1}}')
    await raw.set(
        "{test}:render:render_old",
        '{"render_id":"render_old","chat_key":"telegram:-100123:9","session_id":"sess-1","created_at":1.0,'
        '"attempt":1,"status":"rendering","requested_by":null,"locale":"en","platform":"telegram","reply_to":"5"}',
    )
    await raw.sadd("{test}:renders:open", "render_old")
    await raw.set("{test}:seen:telegram:-100123:9:77", "1")

    assert await store.get_session(TOPIC) == session
    assert await store.get_last_state(TOPIC, "sess-1") == {"draft": {"d": 1}}
    [job] = await store.open_renders()
    assert job.chat_key == TOPIC
    assert not await store.first_sighting(TOPIC, "77")


async def test_a_render_job_stores_its_chat_as_the_key_string(store: RedisStore, connect: Connect) -> None:
    await store.put_render(RenderJob("render_new", DIRECT, "sess-1", 1.0, platform="discord"))
    text = await connect().get("{test}:render:render_new")
    assert isinstance(text, str)
    assert '"chat_key":"discord:555:-"' in text
