"""A chat closed to the bot (blocked, removed): its running render is stopped at Nemo and its jobs are closed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.store.keys import ChatKey
from bot.store.models import JobStatus, RenderJob
from nemo_sim.config import SimConfig
from tests.harness import running_bot, wait_for


async def test_a_gone_chat_s_render_is_cancelled_and_its_jobs_closed(tmp_path: Path) -> None:
    # Renders take 30 simulated seconds: long enough to be under way when the chat goes.
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.02)) as h:
        chat = h.chat()
        key = ChatKey("console", "chat-1")
        await h.engine.handle(h.message("make a video of a lighthouse", chat=key), chat)
        other = RenderJob("render_elsewhere", ChatKey("console", "chat-1", "topic"), "sess", 1e12, platform="console")
        await h.store.put_render(other)  # followed by another process: closed through the store

        export = asyncio.create_task(h.engine.handle(h.message("export", chat=key), chat))
        await wait_for(lambda: bool(h.sim.world.requests_to("/api/render/proxy/lambda")), 10)

        await h.engine.chat_gone(ChatKey("console", "chat-1"))
        await asyncio.wait_for(export, 10)

        assert await h.store.open_renders() == []
        closed = await h.store.get_render("render_elsewhere")
        assert closed is not None
        assert closed.status is JobStatus.FAILED
        assert [r for r in h.sim.world.requests_to("/api/render/proxy/lambda") if r["path"].endswith("/cancel")]
        assert not chat.videos
