"""Renders left open by a previous process are resumed and delivered once."""

from __future__ import annotations

import time
from pathlib import Path

from bot.engine.messages import ChatKey
from bot.engine.ports import Outgoing
from bot.store.models import JobStatus, RenderJob
from tests.harness import Harness, RecordingChat


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
    session = await bot.store.get_session("console:chat-1:-")
    assert session is not None
    job = RenderJob(
        "render_left_behind", "console:chat-1:-", session.session_id, time.time(), reply_to="m9", locale="zh-CN"
    )
    await bot.store.put_render(job)

    platform = OnePlatform(bot.chat())
    assert await bot.engine.resume({"console": platform}) == 1
    await bot.engine.background.drain()

    assert platform.reached == [(ChatKey("console", "chat-1"), "m9", "zh-CN")]
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
    job = RenderJob("render_tg", "telegram:5:-", "123", time.time(), platform="telegram")
    await bot.store.put_render(job)
    assert await bot.engine.resume({"console": OnePlatform(bot.chat())}) == 0
    await bot.engine.background.drain()
    [still_open] = await bot.store.open_renders()
    assert still_open.status is JobStatus.RENDERING
