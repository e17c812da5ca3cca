"""When the store is unreachable the user is told so, in their language, and the bot answers again once it is back."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from redis.asyncio import Redis

from bot.engine.card import Card
from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.ports import Limits, Outgoing, Post, Video
from bot.i18n import say
from bot.store.keys import ChatKey
from bot.store.models import RenderJob
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from tests.harness import FAST, Harness, RecordingChat, running_bot, wait_for
from tests.redis_proxy import RedisLink, redis_link
from tests.store_fixtures import REDIS_HOST, REDIS_PORT

UNAVAILABLE = (
    "⚠️ My storage is unavailable right now, so this message was not sent to the video service and nothing was "
    "charged. Please send it again in a moment."
)
UNAVAILABLE_ZH = "⚠️ 我的存储暂时不可用，这条消息没有发送给视频服务，也没有扣费。请稍后重新发送。"
CHECK_LATER = "⚠️ Your request went through, but I could not check the result"


@pytest.fixture
async def link() -> AsyncIterator[RedisLink]:
    async with redis_link() as opened:
        yield opened


@contextlib.asynccontextmanager
async def engine_through(
    link: RedisLink, bot: Harness, tmp_path: Path, lock_lease: float = 30.0,
) -> AsyncIterator[tuple[Engine, RedisStore]]:
    """An engine whose store reaches the test Redis (db 14, flushed by the harness) only through `link`."""
    client = link.client(db=14)
    store = RedisStore(client, "outage")
    timings: dict[str, Any] = {**FAST, "lock_lease": lock_lease}
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
        # The lock cannot be let go while the store is away: it lapses after its lease, kept short here.
        engine_through(link, bot, tmp_path, lock_lease=1.0) as (engine, _),
    ):
        chat = bot.chat()
        await engine.handle(bot.message("hello"), chat)
        task = asyncio.create_task(engine.handle(bot.message("make a video of a glacier"), chat))
        await wait_for(lambda: any("Generating video" in item.text for item in chat.log))
        link.cut()
        await task
        assert chat.texts[-1].startswith("⚠️ Your request went through, but I could not check the result")
        assert UNAVAILABLE not in chat.texts


async def test_an_outage_mid_turn_leaves_no_lock_held_and_never_invites_a_resend(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=500)
    async with (
        running_bot(tmp_path, db=14, sim=sim) as bot,
        redis_link() as link,
        engine_through(link, bot, tmp_path) as (engine, store),
    ):
        chat = bot.chat()
        task = asyncio.create_task(engine.handle(bot.message("make a video of a glacier"), chat))
        await wait_for(lambda: any("Generating video" in item.text for item in chat.log))
        link.cut()
        # The paid turn ends while the store is away; the lock is let go once it is back, long before its lease.
        await wait_for(lambda: any(text.startswith(CHECK_LATER) for text in chat.texts))
        await link.restore()
        await task
        await engine.background.drain()  # the lock is let go in the background, as soon as the store answers
        key = ChatKey("console", "chat-1")
        assert not await held(store.keys.turn_lock(key))
        assert not any("try again" in text.lower() for text in chat.texts)

        await engine.handle(bot.message("make it brighter"), chat)
        assert say("busy", "en") not in chat.texts
        assert len(bot.sim.world.sessions) == 1


async def test_a_session_made_while_the_store_went_away_is_the_one_used_next(tmp_path: Path) -> None:
    async with (
        running_bot(tmp_path, db=14) as bot,
        redis_link() as link,
        engine_through(link, bot, tmp_path) as (engine, _),
    ):
        chat = CuttingChat(bot.chat(), link, when=say("setting_up", "en"))
        task = asyncio.create_task(engine.handle(bot.message("hello"), chat))
        # The session is made at Nemo, then cannot be saved: the store is away.
        await wait_for(lambda: UNAVAILABLE in chat.chat.texts)
        await link.restore()
        await task
        await engine.background.drain()
        assert len(bot.sim.world.sessions) == 1

        await engine.handle(bot.message("make a video of a reef"), chat)
        assert any("I'll generate" in text for text in chat.chat.texts)
        assert len(bot.sim.world.sessions) == 1  # that same session, not a second one


async def held(key: str) -> bool:
    """Whether the key is in the test Redis (db 14), seen directly, not through the link."""
    client = Redis(host=REDIS_HOST, port=REDIS_PORT, db=14, decode_responses=True)
    try:
        return bool(await client.exists(key))
    finally:
        await client.aclose()


class CuttingChat:
    """A recording chat that cuts the store's link the first time it is about to show `when` (None: anything)."""

    def __init__(self, chat: RecordingChat, link: RedisLink, when: str | None) -> None:
        self.chat = chat
        self._link = link
        self._when = when
        self._armed = True

    @property
    def limits(self) -> Limits:
        """The recording chat's limits."""
        return self.chat.limits

    async def send(self, post: Post) -> object:
        """Record the post; cut the link first if it is the one."""
        if self._armed and self._when in (None, post.text):
            self._armed = False
            self._link.cut()
        return await self.chat.send(post)

    async def edit(
        self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None,
    ) -> None:
        """Record an edit."""
        await self.chat.edit(handle, text, last=last)

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Record a video."""
        await self.chat.send_video(path, video, caption)

    async def show_working(self) -> None:
        """Record a working status."""
        await self.chat.show_working()


ChatT = TypeVar("ChatT", bound=Outgoing)


class OnePlatform(Generic[ChatT]):
    """A console platform whose every chat is one chat."""

    def __init__(self, chat: ChatT) -> None:
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
        # Cut as the resumed render's card is first shown, before its first poll.
        chat = CuttingChat(bot.chat(), link, when=None)
        platform = OnePlatform(chat)
        assert await engine.resume({"console": platform}) == 1
        await engine.background.drain()
        assert chat.chat.texts == []  # nobody asked just now: nothing that reads as "try again"

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
