"""An export of a timeline that has not changed since its last delivered export sends that video again, unrendered."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.harness import Harness

UNCHANGED = "The timeline has not changed since your last export, so here is that video again."


def _digest(path: Path | None) -> str:
    assert path is not None
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_an_unchanged_timeline_is_sent_again_without_a_render(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lighthouse"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    assert len(await bot.requests("/api/render/proxy/lambda")) == 1
    first, second = chat.videos
    assert _digest(first.path) == _digest(second.path)
    assert second.meta == first.meta
    assert chat.texts.count(UNCHANGED) == 1
    kinds = [item.kind for item in chat.log if item.kind == "video" or item.text == UNCHANGED]
    assert kinds == ["video", "text", "video"]


async def test_an_edited_timeline_renders_again(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lighthouse"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    await bot.engine.handle(bot.message("add a title"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    assert len(await bot.requests("/api/render/proxy/lambda")) == 2
    assert len(chat.videos) == 2
    assert UNCHANGED not in chat.texts


async def test_a_fresh_project_is_never_the_last_video(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lighthouse"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    await bot.engine.handle(bot.message("/new"), chat)
    await bot.engine.handle(bot.message("make a video of a lighthouse"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    assert len(await bot.requests("/api/render/proxy/lambda")) == 2
    assert UNCHANGED not in chat.texts


async def test_when_the_last_file_is_gone_the_timeline_is_rendered_again(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lighthouse"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    await bot.configure(faults=[{"path_prefix": "/cdn/render/", "code": 404, "times": 1}])
    await bot.engine.handle(bot.message("export"), chat)
    assert len(await bot.requests("/api/render/proxy/lambda")) == 2
    assert len(chat.videos) == 2
    assert UNCHANGED not in chat.texts


async def test_chinese_export_again(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lighthouse", locale="zh-CN"), chat)
    await bot.engine.handle(bot.message("导出", locale="zh-CN"), chat)
    await bot.engine.handle(bot.message("导出", locale="zh-CN"), chat)
    assert len(await bot.requests("/api/render/proxy/lambda")) == 1
    assert "自上次导出以来时间线没有变化，这是那个视频。" in chat.texts
    assert len(chat.videos) == 2
