"""A group upgraded to a supergroup takes its project and renders along; a chat closed to the bot ends its work."""

from __future__ import annotations

from typing import Any

from bot.store.keys import ChatKey
from tests.telegram.conftest import Tg
from tests.telegram.updates import ADA

GROUP: dict[str, Any] = {"id": -4242, "type": "group", "title": "Film club"}
SUPERGROUP = -1004242
OLD, NEW = ChatKey("telegram", "-4242"), ChatKey("telegram", str(SUPERGROUP))
PRIVATE = ADA["id"]


async def test_an_upgraded_group_s_video_arrives_in_the_supergroup_and_its_project_moves(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("@nemo_test_bot make a video of a lighthouse", chat=GROUP))
    session = await tg.harness.store.get_session(OLD)
    assert session is not None
    shown_before = len(tg.fake.chat(GROUP["id"]))

    tg.fake.migrate(GROUP["id"], SUPERGROUP)
    await tg.deliver(tg.updates.text("/export", chat=GROUP))

    assert len(tg.fake.chat(GROUP["id"])) == shown_before  # nothing more lands in the old group
    [video] = tg.fake.videos(SUPERGROUP)
    assert video.reply_to is None  # the request is in the old group: it cannot be quoted
    assert await tg.harness.store.get_session(NEW) == session
    assert await tg.harness.store.get_session(OLD) is None
    assert await tg.harness.store.get_last_export(NEW, session.session_id) is not None
    assert await tg.harness.store.open_renders() == []

    supergroup = {"id": SUPERGROUP, "type": "supergroup", "title": "Film club"}
    await tg.deliver(tg.updates.text("/status", chat=supergroup))
    assert len(await tg.nemo_calls("/api/tasks/me/with-session/")) == 1  # the same project continues
    assert tg.fake.texts(SUPERGROUP)[-1].startswith("Timeline (")


async def test_the_upgrade_s_service_message_moves_the_project_at_once(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("@nemo_test_bot hello", chat=GROUP))
    session = await tg.harness.store.get_session(OLD)
    assert session is not None

    service = tg.updates.message(chat=GROUP, migrate_to_chat_id=SUPERGROUP)
    await tg.deliver(tg.updates.of(service))

    assert await tg.harness.store.get_session(NEW) == session
    assert await tg.harness.store.get_session(OLD) is None


async def test_a_blocked_bot_stops_the_render_and_sends_nothing_more(tg: Tg) -> None:
    await tg.deliver(tg.updates.text("make a video of a red panda"))
    sent_before = len(tg.fake.calls)
    tg.fake.close(PRIVATE)

    await tg.deliver(tg.updates.text("/export"))
    await tg.settle()

    to_chat = [call for call in tg.fake.calls[sent_before:] if call.params.get("chat_id") == PRIVATE]
    assert len(to_chat) == 1  # the first refusal; no retries, no typing renewed after it
    assert await tg.harness.store.open_renders() == []
    assert not tg.fake.videos(PRIVATE)


async def test_a_chat_that_writes_again_is_answered_again(tg: Tg) -> None:
    tg.fake.close(PRIVATE)
    await tg.deliver(tg.updates.text("/help"))
    del tg.fake.closed[PRIVATE]  # unblocked

    await tg.deliver(tg.updates.text("/help"))
    assert tg.fake.texts(PRIVATE)[-1].startswith("I make AI videos.")
