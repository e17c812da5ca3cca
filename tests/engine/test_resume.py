"""Renders left open by a previous process are resumed and delivered once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.ports import Outgoing
from bot.i18n import say
from bot.store.keys import ChatKey
from bot.store.models import JobStatus, RenderJob
from tests.harness import FAST, Harness, RecordingChat

CHAT = ChatKey("console", "chat-1")


class OnePlatform:
    """A platform whose every chat is one recording chat."""

    def __init__(self, chat: RecordingChat) -> None:
        self.chat = chat
        self.reached: list[tuple[ChatKey, str | None, str]] = []

    @property
    def name(self) -> str:
        """The console platform."""
        return "console"

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str) -> Outgoing:
        """Record who was reached."""
        self.reached.append((chat, reply_to, locale))
        return self.chat


async def test_a_saved_but_unsubmitted_job_is_submitted_and_delivered_once(bot: Harness, tmp_path: Path) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a meadow"), chat)
    session = await bot.store.get_session(CHAT)
    assert session is not None
    job = RenderJob(
        "render_left_behind", CHAT, session.session_id, time.time(), reply_to="m9", locale="zh-CN"
    )
    await bot.store.put_render(job)

    platform = OnePlatform(bot.chat())
    assert await bot.engine.resume({"console": platform}) == 1
    await bot.engine.background.drain()

    assert platform.reached == [(CHAT, "m9", "zh-CN")]
    assert len(platform.chat.videos) == 1
    assert platform.chat.videos[0].text.startswith("🎬 你的视频")
    submits = [r["body"]["id"] for r in await bot.requests("/api/render/proxy/lambda")]
    assert submits == ["render_left_behind"]
    assert await bot.store.open_renders() == []
    assert (await bot.store.get_render("render_left_behind")) is not None

    again = OnePlatform(bot.chat())
    assert await bot.engine.resume({"console": again}) == 0
    assert again.chat.videos == []


async def test_jobs_of_platforms_not_running_are_left_for_later(bot: Harness) -> None:
    job = RenderJob("render_tg", ChatKey("telegram", "5"), "123", time.time(), platform="telegram")
    await bot.store.put_render(job)
    assert await bot.engine.resume({"console": OnePlatform(bot.chat())}) == 0
    await bot.engine.background.drain()
    [still_open] = await bot.store.open_renders()
    assert still_open.status is JobStatus.RENDERING


async def test_two_processes_resuming_together_follow_and_deliver_a_render_once(bot: Harness, tmp_path: Path) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lagoon"), chat)
    session = await bot.store.get_session(CHAT)
    assert session is not None
    await bot.store.put_render(RenderJob("render_shared", CHAT, session.session_id, time.time()))

    timings: dict[str, Any] = {**FAST, "lock_lease": 0.5}
    other = Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / "other", **timings))
    mine, theirs = OnePlatform(bot.chat()), OnePlatform(bot.chat())
    try:
        await bot.engine.resume({"console": mine})
        await other.resume({"console": theirs})
        await bot.engine.background.drain()
        await other.background.drain()
    finally:
        await other.background.close()  # its heartbeat and its watch for renders to adopt

    shown = mine.chat.log + theirs.chat.log
    assert len([item for item in shown if item.kind == "video"]) == 1
    assert len([item for item in shown if item.kind == "progress"]) == 1
    assert await bot.store.open_renders() == []


async def test_a_resumed_render_whose_project_expired_says_so_once_and_starts_a_new_one(bot: Harness) -> None:
    await bot.engine.handle(bot.message("make a video of a canyon"), bot.chat())
    session = await bot.store.get_session(CHAT)
    assert session is not None
    await bot.store.put_render(RenderJob("render_expired", CHAT, session.session_id, time.time(), locale="zh-CN"))
    bot.sim.world.drop_session(session.session_id)

    platform = OnePlatform(bot.chat())
    assert await bot.engine.resume({"console": platform}) == 1
    await bot.engine.background.drain()

    assert [item.text for item in platform.chat.log if item.kind == "finish"] == [say("render_project_expired", "zh")]
    assert await bot.store.open_renders() == []
    renewed = await bot.store.get_session(CHAT)
    assert renewed is not None
    assert renewed.session_id != session.session_id


async def test_a_resumed_render_whose_project_expired_leaves_a_chat_that_moved_on_alone(bot: Harness) -> None:
    await bot.engine.handle(bot.message("make a video of a canyon"), bot.chat())
    session = await bot.store.get_session(CHAT)
    assert session is not None
    await bot.store.put_render(RenderJob("render_expired", CHAT, session.session_id, time.time()))
    bot.sim.world.drop_session(session.session_id)
    await bot.engine.handle(bot.message("/new"), bot.chat())
    fresh = await bot.store.get_session(CHAT)

    await bot.engine.resume({"console": OnePlatform(bot.chat())})
    await bot.engine.background.drain()

    assert await bot.store.get_session(CHAT) == fresh
    assert len(await bot.requests("/api/tasks/me/with-session/nemo_agent")) == 2  # the first, and /new's
