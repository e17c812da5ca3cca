"""When the store is unreachable the user is told so, in their language, and the bot answers again once it is back."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.ports import Outgoing
from bot.store.keys import ChatKey
from bot.store.models import RenderJob
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from tests.harness import FAST, Harness, RecordingChat, running_bot, wait_for
from tests.redis_proxy import RedisLink, redis_link

UNAVAILABLE = (
    "⚠️ My storage is unavailable right now, so this message was not sent to the video service and nothing was "
    "charged. Please send it again in a moment."
)
UNAVAILABLE_ZH = "⚠️ 我的存储暂时不可用，这条消息没有发送给视频服务，也没有扣费。请稍后重新发送。"


@pytest.fixture
async def link() -> AsyncIterator[RedisLink]:
    async with redis_link() as opened:
        yield opened


@contextlib.asynccontextmanager
async def engine_through(link: RedisLink, bot: Harness, tmp_path: Path) -> AsyncIterator[tuple[Engine, RedisStore]]:
    """An engine whose store reaches the test Redis (db 14, flushed by the harness) only through `link`."""
    client = link.client(db=14)
    store = RedisStore(client, "outage")
    timings: dict[str, Any] = FAST
    engine = Engine(bot.nemo, store, EngineConfig(workdir=tmp_path / "outage", **timings))
    try:
        yield engine, store
    finally:
        await engine.background.close()
        await client.aclose()


async def test_an_unreachable_store_gets_its_own_message_and_the_bot_recovers(
    bot: Harness, link: RedisLink, tmp_path: Path
) -> None:
    async with engine_through(link, bot, tmp_path) as (engine, _):
        chat = bot.chat()
        await engine.handle(bot.message("credits"), chat)
        assert chat.texts[-1].startswith("💳")

        link.cut()
        await engine.handle(bot.message("make a video of a harbour"), chat)
        assert chat.texts[-1] == UNAVAILABLE
        await engine.handle(bot.message("make a video of a harbour", locale="zh-CN"), chat)
        assert chat.texts[-1] == UNAVAILABLE_ZH
        assert not await bot.requests("/run_sse")  # nothing paid was sent without the store

        await link.restore()
        await engine.handle(bot.message("credits"), chat)
        assert chat.texts[-1].startswith("💳")


async def test_a_store_lost_after_the_paid_message_never_invites_a_resend(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=1000)
    async with (
        running_bot(tmp_path, db=14, sim=sim) as bot,
        redis_link() as link,
        engine_through(link, bot, tmp_path) as (engine, _),
    ):
        chat = bot.chat()
        await engine.handle(bot.message("hello"), chat)
        task = asyncio.create_task(engine.handle(bot.message("make a video of a glacier"), chat))
        await wait_for(lambda: any("Generating video" in item.text for item in chat.log))
        link.cut()
        await task
        assert chat.texts[-1].startswith("⚠️ Your request went through, but I could not check the result")
        assert UNAVAILABLE not in chat.texts


class OnePlatform:
    """A console platform whose every chat is one recording chat."""

    def __init__(self, chat: RecordingChat) -> None:
        self.chat = chat

    @property
    def name(self) -> str:
        """The console platform."""
        return "console"

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str) -> Outgoing:
        """The one recording chat."""
        return self.chat


async def test_a_resumed_render_stays_open_quietly_when_the_store_goes_away(
    bot: Harness, link: RedisLink, tmp_path: Path
) -> None:
    async with engine_through(link, bot, tmp_path) as (engine, store):
        job = RenderJob("render_waiting", ChatKey("console", "chat-1"), "s", time.time(), locale="zh-CN")
        await store.put_render(job)
        platform = OnePlatform(bot.chat())
        assert await engine.resume({"console": platform}) == 1
        link.cut()  # before the resumed job takes its lease
        await engine.background.drain()
        assert platform.chat.texts == []  # nobody asked just now: nothing that reads as "try again"

        await link.restore()
        assert [job.render_id for job in await store.open_renders()] == ["render_waiting"]


async def test_no_failure_after_the_agent_took_the_message_invites_a_resend(tmp_path: Path) -> None:
    # The agent suggests an edit: offering it for one tap needs the store, which is gone by then.
    sim = SimConfig(speed=0.001, gen_seconds=1000, gui_hint="Drag the sunset clip to the start of the timeline.")
    async with (
        running_bot(tmp_path, db=14, sim=sim) as bot,
        redis_link() as link,
        engine_through(link, bot, tmp_path) as (engine, _),
    ):
        chat = bot.chat()
        await engine.handle(bot.message("hello"), chat)
        before = len(await bot.requests("/run_sse"))
        task = asyncio.create_task(engine.handle(bot.message("make a video of a sunset"), chat))
        await wait_for(lambda: any("Generating video" in item.text for item in chat.log))
        link.cut()
        await task
        assert len(await bot.requests("/run_sse")) == before + 1
        said = [item.text for item in chat.log if item.kind in ("text", "finish")]
        assert said[-1].startswith("⚠️ Your request went through, but I could not check the result")
        assert [text for text in said if "went through" in text] == [said[-1]]  # said once
        for text in said:
            assert "try again" not in text.lower()
            assert "send your request again" not in text.lower()


class CutAfterUpload(RecordingChat):
    """A chat whose video upload goes through, after which the store goes away for a moment (a Redis restart)."""

    def __init__(self, folder: Path, link: RedisLink) -> None:
        super().__init__(folder)
        self._link = link
        self.restored: asyncio.Task[None] | None = None

    async def send_video(self, path: Path, video: Any, caption: str) -> None:
        """Keep the video, then cut the store for half a second."""
        await super().send_video(path, video, caption)
        self._link.cut()
        self.restored = asyncio.create_task(self._back_soon())

    async def _back_soon(self) -> None:
        await asyncio.sleep(0.5)
        await self._link.restore()


async def test_a_store_lost_right_after_the_video_went_out_is_waited_for_and_nothing_is_sent_twice(
    bot: Harness, link: RedisLink, tmp_path: Path
) -> None:
    async with engine_through(link, bot, tmp_path) as (engine, store):
        await engine.handle(bot.message("make a video of a quarry"), bot.chat())
        chat = CutAfterUpload(tmp_path / "cut", link)
        await engine.handle(bot.message("export"), chat)
        assert chat.restored is not None
        await chat.restored
        assert len(chat.videos) == 1
        assert chat.log[-1].text == "✅ Video ready!"
        assert "try again" not in chat.everything().lower()
        assert await store.open_renders() == []

        again = OnePlatform(bot.chat())
        later = Engine(bot.nemo, store, EngineConfig(workdir=tmp_path / "later", **FAST))
        try:
            assert await later.resume({"console": again}) == 0
        finally:
            await later.background.close()
        assert again.chat.videos == []
