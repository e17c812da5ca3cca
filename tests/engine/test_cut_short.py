"""Work a dead process left mid-way, told about by the next start: a turn the agent finished is reported from the
project's state, an export that never got to its render is said to be unsent, and one that did is left to its
render. Nothing is sent to Nemo again. Over the simulator (HTTP) and a real Redis."""

from __future__ import annotations

import time

from bot.i18n import say
from bot.store.keys import ChatKey
from bot.store.models import RenderJob, TurnRecord
from tests.engine.test_resume import OnePlatform
from tests.harness import Harness

CHAT = ChatKey("console", "chat-1")
DEAD = "start-of-a-dead-process"


def cut(job_id: str, label: str, kind: str, *, session_id: str | None = None, render_id: str | None = None,
        ) -> TurnRecord:
    """The record a dead process left of a job it ran."""
    return TurnRecord(job_id, str(CHAT), DEAD, "en", label, sent=session_id is not None, session_id=session_id,
                      started_at=time.time() - 5, kind=kind, render_id=render_id)


async def test_a_turn_the_agent_finished_is_told_from_the_project_and_never_sent_again(bot: Harness) -> None:
    await bot.engine.handle(bot.message("hello"), bot.chat())
    session = await bot.store.get_session(CHAT)
    assert session is not None
    before = await bot.store.get_last_state(CHAT, session.session_id)
    assert before is not None
    # The agent makes the video; the process is taken to have died before it could say so.
    await bot.engine.handle(bot.message("make a video of a meadow"), bot.chat())
    await bot.store.put_last_state(CHAT, session.session_id, before)
    await bot.store.put_turn(cut("job_cut", "make a video of a meadow", "turn", session_id=session.session_id))
    sent = len(await bot.requests("/run_sse"))

    platform = OnePlatform(bot.chat())
    await bot.engine.resume({"console": platform})
    await bot.engine.background.drain()

    [told] = platform.chat.texts
    assert told.startswith("🔄 The bot restarted while working on “make a video of a meadow”, but the video service "
                           "finished it:\n")
    assert "a meadow" in told.split("\n", 1)[1]  # the clip the agent added
    assert len(await bot.requests("/run_sse")) == sent
    assert await bot.store.turns() == []


async def test_an_export_cut_short_before_its_render_is_told_it_was_not_sent(bot: Harness) -> None:
    # Its render id was noted, but the process died before the render itself was recorded.
    await bot.store.put_turn(cut("job_export", "export", "export", render_id="render_never_recorded"))

    platform = OnePlatform(bot.chat())
    await bot.engine.resume({"console": platform})
    await bot.engine.background.drain()

    assert platform.chat.texts == [say("turn_cut_unsent", "en", request="export")]
    assert await bot.requests("/api/render/proxy/lambda") == []


async def test_an_export_cut_short_after_its_render_was_recorded_is_left_to_the_render(bot: Harness) -> None:
    await bot.engine.handle(bot.message("make a video of a harbour"), bot.chat())
    session = await bot.store.get_session(CHAT)
    assert session is not None
    await bot.store.put_render(RenderJob("render_left", CHAT, session.session_id, time.time()))
    await bot.store.put_turn(cut("job_export", "export", "export", render_id="render_left"))

    platform = OnePlatform(bot.chat())
    assert await bot.engine.resume({"console": platform}) == 1
    await bot.engine.background.drain()

    assert len(platform.chat.videos) == 1
    assert not [text for text in platform.chat.texts if text.startswith("🔄")]


async def test_an_export_whose_render_was_delivered_before_the_account_is_not_told_unsent(bot: Harness) -> None:
    await bot.engine.handle(bot.message("make a video of a harbour"), bot.chat())
    await bot.engine.handle(bot.message("export"), bot.chat())
    [render] = await bot.requests("/api/render/proxy/lambda")
    render_id = str(render["body"]["id"])
    assert await bot.store.get_render(render_id) is not None  # delivered and closed, its record kept
    await bot.store.put_turn(cut("job_export", "export", "export", render_id=render_id))

    platform = OnePlatform(bot.chat())
    await bot.engine.resume({"console": platform})
    await bot.engine.background.drain()

    assert platform.chat.log == []
