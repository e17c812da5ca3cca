"""Contract: a chat that changed its id (a Telegram group upgraded to a supergroup) takes its work along."""

from __future__ import annotations

from bot.store.keys import ChatKey
from bot.store.models import ChatSession, DeliveredExport, JobStatus, RenderJob
from bot.store.redis_store import RedisStore
from tests.store.conftest import MakeStore
from tests.store_fixtures import Connect

GROUP = ChatKey("telegram", "-42")
SUPERGROUP = ChatKey("telegram", "-100042")
OTHER = ChatKey("telegram", "-7")
SESSION = ChatSession("sess-1", "task-1", "en", 1_700_000_000.0)
EXPORT = DeliveredExport("fp-1", "render_done", "https://cdn.example/v.mp4", 640, 360, 5.0, "Cats")


def job(render_id: str, chat: ChatKey, status: JobStatus = JobStatus.RENDERING) -> RenderJob:
    return RenderJob(render_id, chat, "sess-1", 1_700_000_000.0, status=status, platform="telegram")


async def test_the_session_its_state_and_its_export_move(store: RedisStore) -> None:
    await store.put_session(GROUP, SESSION)
    await store.put_last_state(GROUP, "sess-1", {"draft": {"tracks": []}})
    await store.put_last_export(GROUP, "sess-1", EXPORT)

    assert await store.move_chat(GROUP, SUPERGROUP)

    assert await store.get_session(SUPERGROUP) == SESSION
    assert await store.get_last_state(SUPERGROUP, "sess-1") == {"draft": {"tracks": []}}
    assert await store.get_last_export(SUPERGROUP, "sess-1") == EXPORT
    assert await store.get_session(GROUP) is None
    assert await store.get_last_state(GROUP, "sess-1") is None
    assert await store.get_last_export(GROUP, "sess-1") is None


async def test_open_renders_move_and_closed_ones_stay(store: RedisStore, connect: Connect) -> None:
    await store.put_session(GROUP, SESSION)
    await store.put_render(job("render_open", GROUP))
    await store.put_render(job("render_other", OTHER))
    await store.put_render(job("render_closed", GROUP, JobStatus.DELIVERED))

    await store.move_chat(GROUP, SUPERGROUP)

    chats = {item.render_id: item.chat_key for item in await store.open_renders()}
    assert chats == {"render_open": SUPERGROUP, "render_other": OTHER}
    assert [item.render_id for item in await store.open_renders_in(SUPERGROUP)] == ["render_open"]
    assert await store.open_renders_in(GROUP) == []
    assert await connect().smembers(store.keys.chat_renders(GROUP)) == set()
    closed = await store.get_render("render_closed")
    assert closed is not None
    assert closed.chat_key == GROUP


async def test_a_session_already_at_the_new_id_is_kept(store: RedisStore) -> None:
    newer = ChatSession("sess-2", "task-2", "en", 1_700_000_100.0)
    await store.put_session(GROUP, SESSION)
    await store.put_session(SUPERGROUP, newer)

    assert not await store.move_chat(GROUP, SUPERGROUP)
    assert await store.get_session(SUPERGROUP) == newer


async def test_moving_twice_or_from_two_processes_is_harmless(store: RedisStore, make_store: MakeStore) -> None:
    await store.put_session(GROUP, SESSION)
    await store.put_render(job("render_open", GROUP))
    other_process = make_store("test")

    assert await store.move_chat(GROUP, SUPERGROUP)
    assert not await other_process.move_chat(GROUP, SUPERGROUP)
    assert not await store.move_chat(ChatKey("telegram", "-1"), SUPERGROUP)  # nothing there: nothing happens

    assert await store.get_session(SUPERGROUP) == SESSION
    assert [item.chat_key for item in await store.open_renders()] == [SUPERGROUP]


async def test_what_a_turn_wrote_under_the_old_id_after_the_move_follows_on_the_next(store: RedisStore) -> None:
    await store.put_session(GROUP, SESSION)
    await store.move_chat(GROUP, SUPERGROUP)
    await store.put_last_export(GROUP, "sess-1", EXPORT)  # a turn that began before the move ends

    await store.move_chat(GROUP, SUPERGROUP)
    assert await store.get_last_export(SUPERGROUP, "sess-1") == EXPORT
    assert await store.get_last_export(GROUP, "sess-1") is None
