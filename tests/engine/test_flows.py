"""End to end: upload, prompt, edits and export through the engine, the real client and the simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.engine.card import Stage
from bot.engine.messages import Action, Attachment
from bot.engine.ports import Video
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from tests.harness import Harness, RecordingChat, probe_video, running_bot, wait_for


def _attach(path: Path, mime: str | None = None) -> Attachment:
    return Attachment(name=path.name, mime_type=mime, size=path.stat().st_size, path=path)


async def test_quick_edit_upload_prompt_export(bot: Harness, media: dict[str, Path]) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message(attachments=(_attach(media["beach.png"], "image/png"),)), chat)
    await bot.engine.handle(bot.message("make a video of a sunny beach"), chat)
    await bot.engine.handle(bot.message("export"), chat)

    texts = chat.texts
    assert texts[0] == "⚙️ Setting things up..."
    assert texts[1].startswith("✅ Connected and ready")
    assert any(item.kind == "finish" and "Added: beach.png (image)" in item.text for item in chat.log)
    assert any("I'll generate" in text for text in texts)
    [video] = chat.videos
    assert video.path is not None
    seconds, size = probe_video(video.path)
    assert size == "640x360"
    assert abs(seconds - 10) < 0.5
    assert {key: video.meta[key] for key in ("width", "height", "duration")} == {
        "width": 640, "height": 360, "duration": 10.0,
    }
    assert "nmv_usr_" not in chat.everything()
    assert len(await bot.requests("/run_sse")) == 1
    assert len(await bot.requests("/api/render/proxy/lambda")) == 1


async def test_agent_replies_offer_buttons_and_translate_gui_phrases(bot: Harness) -> None:
    chat = bot.chat()
    for question in ("how do I get my video out?", "what can you do?", "any tips?", "hi there", "thanks!", "ok"):
        await bot.engine.handle(bot.message(question), chat)
    replies = [item for item in chat.log if item.kind == "text" and item.actions]
    assert len(replies) == 6
    assert all(item.actions == (Action.EXPORT, Action.TIMELINE, Action.CREDITS) for item in replies)
    shown = "\n".join(item.text for item in replies)
    for phrase in ("click the Export button", "Open the timeline panel", "drag your files into the editor"):
        assert phrase.lower() not in shown.lower()
    assert 'send "export"' in shown.lower() or 'send "status"' in shown.lower() or "send your files here" in shown


async def test_batch_several_files_one_upload_and_separate_renders(bot: Harness, media: dict[str, Path]) -> None:
    files = tuple(_attach(media[name]) for name in ("beach.png", "clip.mp4", "song.mp3"))
    first, second = ChatKey("console", "team-a"), ChatKey("console", "team-b")
    chat_a, chat_b = bot.chat(), bot.chat()
    await bot.engine.handle(bot.message("make a video with these", chat=first, attachments=files), chat_a)
    await bot.engine.handle(bot.message("make a video of mountains", chat=second), chat_b)
    await bot.engine.handle(bot.message("export", chat=first), chat_a)
    await bot.engine.handle(bot.message("export", chat=second), chat_b)

    upload_calls = [r for r in await _all(bot) if r["path"].startswith("/api/upload-video/")]
    assert len(upload_calls) == 1
    added = [item.text for item in chat_a.log if item.kind == "finish" and "Added:" in item.text]
    assert added
    assert all(name in added[0] for name in ("beach.png", "clip.mp4", "song.mp3"))
    renders = [r["body"]["id"] for r in await bot.requests("/api/render/proxy/lambda")]
    assert len(renders) == 2
    assert len(set(renders)) == 2
    assert len(chat_a.videos) == 1
    assert len(chat_b.videos) == 1


async def _all(bot: Harness) -> list[dict[str, Any]]:
    return list((await bot.http.get(f"{bot.sim.url}/__sim/requests")).json())


async def test_iterative_edits_report_each_change(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a forest"), chat)
    await bot.engine.handle(bot.message("silent: add a title"), chat)
    await bot.engine.handle(bot.message("change the music"), chat)
    await bot.engine.handle(bot.message("status"), chat)
    updates = [text for text in chat.texts if text.startswith("✅ Updated:")]
    assert len(updates) == 2
    assert chat.texts[-1].startswith("Timeline (")
    assert len(await bot.requests("/run_sse")) == 3


async def test_silent_edit_is_reported_from_the_state_diff(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a lake"), chat)
        before = len(chat.texts)
        await bot.engine.handle(bot.message("silent edit please"), chat)
        new = chat.texts[before:]
        assert len(new) == 1
        assert new[0].startswith("✅ Updated:\n")
        assert len(new[0].splitlines()) >= 2


async def test_nothing_to_export_yet(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("export"), chat)
    assert "nothing to export yet" in chat.texts[-1]
    assert await bot.requests("/api/render/proxy/lambda") == []


async def test_failed_render_is_retried_once_with_a_new_id(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of rain"), chat)
    await bot.configure(render_fail=1)
    await bot.engine.handle(bot.message("export"), chat)
    ids = [r["body"]["id"] for r in await bot.requests("/api/render/proxy/lambda")]
    assert len(ids) == 2
    assert ids[0] != ids[1]
    assert any("trying once more" in item.text for item in chat.log)
    assert len(chat.videos) == 1


async def test_render_failing_twice_gives_up_with_a_message(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of snow"), chat)
    await bot.configure(render_fail=2)
    await bot.engine.handle(bot.message("export"), chat)
    assert len(await bot.requests("/api/render/proxy/lambda")) == 2
    assert chat.videos == []
    assert chat.log[-1].text == "❌ Export failed, please try again later."


async def test_video_over_the_chat_limit_goes_as_a_link(bot: Harness) -> None:
    chat = bot.chat(upload_limit=1000)
    await bot.engine.handle(bot.message("make a video of a bridge"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    [link] = [item for item in chat.log if item.kind == "link"]
    assert "over this chat's upload limit" in link.text
    assert str(link.meta["url"]).startswith(bot.sim.url)
    assert chat.videos == []


async def test_render_progress_is_shown_in_percent(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, render_seconds=300)
    async with running_bot(tmp_path, db=14, sim=sim) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a train"), chat)
        await bot.engine.handle(bot.message("export"), chat)
        cards = [item.meta["card"] for item in chat.log if item.kind == "edit" and "card" in item.meta]
        rendering = [card for card in cards if card.stage is Stage.RENDERING]
        assert rendering
        assert all(card.bar.endswith(f" {card.percent}%") for card in rendering)
        # A cell for each tenth done: the simulator's percentage grows from 1 %, so the first cards may have none.
        assert all(("▰" in card.bar) == (card.percent >= 10) for card in rendering)
        assert any("▰" in card.bar for card in rendering)
        assert [card.stage for card in cards][-1] is Stage.UPLOADING
        assert len(chat.videos) == 1


async def test_credits_show_available_reserved_and_total(bot: Harness) -> None:
    assert bot.nemo.user_id is not None
    bot.sim.world.set_credits(bot.nemo.user_id, 90, 10)
    chat = bot.chat()
    await bot.engine.handle(bot.message("credits"), chat)
    assert chat.texts == ["💳 Credits: 90 available, 10 reserved for work in progress, 100 in all."]


async def test_chinese_user_gets_chinese_replies(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("余额？", locale="zh-CN"), chat)
    await bot.engine.handle(bot.message("导出", locale="zh-CN"), chat)
    assert chat.texts[0] == "💳 积分：可用 10000，冻结 0（进行中的任务占用），共 10000。"
    assert "还没有可导出的内容" in chat.texts[-1]
    session_calls = await bot.requests("/api/tasks/me/with-session/nemo_agent")
    assert session_calls[0]["body"]["language"] == "zh-CN"


async def test_new_starts_a_fresh_session(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    first = await bot.store.get_session(ChatKey("console", "chat-1"))
    await bot.engine.handle(bot.message("/new"), chat)
    second = await bot.store.get_session(ChatKey("console", "chat-1"))
    assert first is not None
    assert second is not None
    assert first.session_id != second.session_id
    assert "🆕 Started a fresh project." in chat.texts


async def test_urls_in_text_are_uploaded_by_url(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("upload https://example.com/media/intro.mp4"), chat)
    await bot.engine.handle(bot.message("make a trailer from https://example.com/media/logo.png please"), chat)
    uploads = [r for r in await _all(bot) if r["path"].startswith("/api/upload-video/")]
    bodies = [r["body"] for r in uploads]
    assert bodies == [
        {"urls": ["https://example.com/media/intro.mp4"], "source_type": "url"},
        {"urls": ["https://example.com/media/logo.png"], "source_type": "url"},
    ]
    assert any("Added: intro.mp4" in item.text for item in chat.log)
    assert len(await bot.requests("/run_sse")) == 1  # the prompt went to the agent after its upload


async def test_a_turn_over_the_time_cap_is_ended_and_reported(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, gen_seconds=5000), stream_timeout=0.5) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a glacier"), chat)
        assert any(text.startswith("⌛ This is taking longer than expected.") for text in chat.texts)
        assert len(await bot.requests("/run_sse")) == 1


class RefusingChat(RecordingChat):
    """A chat whose platform refuses the video file."""

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Fail like a platform error would."""
        raise RuntimeError("the platform refused the file")


async def test_a_refused_file_still_reaches_the_person_as_a_link(bot: Harness) -> None:
    chat = RefusingChat(bot.folder / "refusing")
    await bot.engine.handle(bot.message("make a video of a kite"), chat)
    await bot.engine.handle(bot.message("export"), chat)
    [link] = [item for item in chat.log if item.kind == "link"]
    assert str(link.meta["url"]).startswith(bot.sim.url)
    assert await bot.store.open_renders() == []


async def test_a_refused_export_closes_its_job(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a harbor"), chat)
    await bot.configure(plan="free_blocked")
    await bot.engine.handle(bot.message("export"), chat)
    assert chat.log[-1].kind == "finish"
    assert chat.log[-1].text.startswith("🔒 Export is not available on the free plan")
    assert await bot.store.open_renders() == []


async def test_passing_poll_failures_do_not_stop_the_export(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a lantern"), chat)
    await bot.configure(faults=[{"path_prefix": "/api/render/proxy/lambda/", "code": 503, "times": 3, "method": "GET"}])
    await bot.engine.handle(bot.message("export"), chat)
    assert len(chat.videos) == 1
    assert await bot.store.open_renders() == []


async def test_shutdown_mid_render_leaves_the_job_for_the_next_start(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, render_seconds=100_000)) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a bell"), chat)
        export = asyncio.create_task(bot.engine.handle(bot.message("export"), chat))
        # A poll went out: the render is submitted and followed (and so cancelled at Nemo) from here on.
        await wait_for(lambda: bool(bot.sim.world.requests_to("/api/render/proxy/lambda/", "GET")))
        # Shutting down stops the request and the render followed in the background (not as /cancel does).
        renders = [task for task in asyncio.all_tasks() if task.get_name().startswith("render-job_")]
        for task in (*renders, export):
            task.cancel()
        await asyncio.gather(*renders, export, return_exceptions=True)
        assert len(await bot.store.open_renders()) == 1
        assert [r for r in await _all(bot) if r["path"].endswith("/cancel")] == []


async def test_cancel_mid_render_stops_it_at_nemo(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001, render_seconds=100_000)) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a drum"), chat)
        export = asyncio.create_task(bot.engine.handle(bot.message("export"), chat))
        # A poll went out: the render is submitted and followed (and so cancelled at Nemo) from here on.
        await wait_for(lambda: bool(bot.sim.world.requests_to("/api/render/proxy/lambda/", "GET")))
        await bot.engine.handle(bot.message("/cancel"), chat)
        await export
        assert await bot.store.open_renders() == []
        assert len([r for r in await _all(bot) if r["path"].endswith("/cancel")]) == 1
        assert chat.texts[-1] == "🛑 Stopped: the render of your video. Nothing more will be sent for it."
        assert any(item.kind == "finish" and item.text == "✖️ Cancelled." for item in chat.log)


async def test_unknown_commands_get_help_and_a_bare_video_gets_usage(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("/settings"), chat)
    await bot.engine.handle(bot.message("/video"), chat)
    assert chat.texts[0].startswith("I make AI videos.")
    assert chat.texts[1].startswith("Describe the video after the command")
    assert await bot.requests("/run_sse") == []


async def test_timeline_and_changes_read_in_chinese(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a pagoda", locale="zh-CN"), chat)
    await bot.engine.handle(bot.message("silent: add a title", locale="zh-CN"), chat)
    await bot.engine.handle(bot.message("状态", locale="zh-CN"), chat)
    update = next(text for text in chat.texts if text.startswith("✅ 已更新："))
    assert not any(word in update for word in ("added", "removed", "changed", "Timeline", "track"))
    assert chat.texts[-1].startswith("时间线（3 条轨道）：1. 视频：")
    assert "背景音乐：" in chat.texts[-1]
