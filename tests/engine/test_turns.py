"""Agent turns: the stream relayed once, drops recovered without re-sending, busy chats and duplicates."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.engine.messages import Attachment
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from tests.harness import Harness, running_bot, wait_for


async def test_dropped_stream_is_never_resent_and_the_change_is_reported(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    await bot.engine.handle(bot.message("drop: make a video of a canyon"), chat)
    assert len(await bot.requests("/run_sse")) == 2  # one per message
    assert "📡 Lost the connection to the video agent." in chat.texts[-2]
    assert chat.texts[-1].startswith("✅ Updated:")


async def test_dropped_stream_with_no_change_gives_up_after_the_checks(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=100_000)  # the work outlasts the recovery window
    async with running_bot(tmp_path, db=14, sim=sim, recovery_checks=3) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("hello"), chat)
        states_before = len([r for r in await _log(bot) if r["path"].startswith("/api/state/")])
        await bot.engine.handle(bot.message("drop: make a video of a canyon"), chat)
        states = len([r for r in await _log(bot) if r["path"].startswith("/api/state/")]) - states_before
        assert states == 3
        assert chat.texts[-1].startswith("❌ Lost the connection and the project did not change.")
        assert len(await bot.requests("/run_sse")) == 2


async def _log(bot: Harness) -> list[dict[str, str]]:
    return list((await bot.http.get(f"{bot.sim.url}/__sim/requests")).json())


async def test_busy_chat_queues_the_next_request_and_runs_it_after(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=3000)  # about 3 s of generation
    async with running_bot(tmp_path, db=14, sim=sim) as bot:
        chat = bot.chat()
        first = asyncio.create_task(bot.engine.handle(bot.message("make a video of a volcano"), chat))
        await wait_for(lambda: any("Generating video" in item.text for item in chat.log))
        second = asyncio.create_task(bot.engine.handle(bot.message("make a video of a glacier"), chat))
        place = "⏳ You're #2 in line — I'll start as soon as the current job ends."
        await wait_for(lambda: place in chat.texts)
        assert len(await bot.requests("/run_sse")) == 1  # the second waits: nothing sent for it yet
        await first
        await second  # its handler returns once the queued request has been served
        turn = chat.texts.index("▶️ Starting what you asked while I was busy: “make a video of a glacier”")
        assert turn > chat.texts.index(place)
        sent = [request["body"] for request in await bot.requests("/run_sse")]
        assert len(sent) == 2
        assert "glacier" in str(sent[1])
        assert "went wrong" not in chat.everything()


async def test_cancel_stops_waiting_and_frees_the_chat(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=30000)
    async with running_bot(tmp_path, db=14, sim=sim) as bot:
        chat = bot.chat()
        first = asyncio.create_task(bot.engine.handle(bot.message("make a video of a desert"), chat))
        await wait_for(lambda: any("Generating video" in item.text for item in chat.log))
        await bot.engine.handle(bot.message("/cancel"), chat)
        await first
        assert chat.texts[-1] == "🛑 Stopped: “make a video of a desert”. Nothing more will be sent for it."
        assert chat.everything().count("🛑") == 1  # said once: the progress line only says it was cancelled
        await bot.engine.handle(bot.message("credits"), chat)
        assert chat.texts[-1].startswith("💳")
        assert await bot.store.turn_lock(ChatKey("console", "chat-1")).acquire("probe", 1.0)


async def test_a_message_id_seen_before_is_ignored(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello", message_id="42"), chat)
    shown = len(chat.log)
    await bot.engine.handle(bot.message("hello", message_id="42"), chat)
    assert len(chat.log) == shown
    assert len(await bot.requests("/run_sse")) == 1


async def test_stream_error_midway_is_explained(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("error please"), chat)
    assert any(text.startswith("⚠️ The video agent ran into a problem") for text in chat.texts)
    assert "nmv_usr_" not in chat.everything()


async def test_partial_chunks_print_once_and_thoughts_stay_hidden(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("partial answer please"), chat)
    replies = [item.text for item in chat.log if item.actions]
    assert replies
    # Each piece of text shows once: no reply repeats or contains another one.
    assert all(a == b or a not in b for a in replies for b in replies)
    assert len(set(replies)) == len(replies)
    await bot.engine.handle(bot.message("think about it"), chat)
    shown = "\n".join(item.text for item in chat.log if item.actions)
    assert "Plan: suggest a 10-second clip." not in shown
    assert len(await bot.requests("/run_sse")) == 2


async def test_trailing_temporary_issue_is_dropped(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("trailing reply please"), chat)
    replies = [item.text for item in chat.log if item.actions]
    assert replies
    assert not any("temporary issue" in text for text in replies)


async def test_keepalives_show_still_working_at_most_every_interval(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=1500, hb_interval=15)
    async with running_bot(tmp_path, db=14, sim=sim, keepalive_ping_interval=0.5) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("make a video of a harbor"), chat)
        pings = [item for item in chat.log if "Still working" in item.text]
        assert 1 <= len(pings) <= 4  # 1.5 s of keepalives, one ping per 0.5 s at most


async def test_keepalives_only_for_too_long_ends_the_turn(tmp_path: Path) -> None:
    async with running_bot(tmp_path, db=14, sim=SimConfig(speed=0.001), stream_idle_timeout=0.3) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("stall"), chat)
        assert any(text.startswith("⌛ This is taking longer than expected.") for text in chat.texts)
        assert len(await bot.requests("/run_sse")) == 1


async def test_legacy_frames_are_relayed(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("legacy please"), chat)
    assert [item for item in chat.log if item.actions]


async def test_a_silent_connection_points_at_status_instead_of_a_resend(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001)
    async with running_bot(tmp_path, db=14, sim=sim, client_idle_timeout=0.3, stream_idle_timeout=60) as bot:
        chat = bot.chat()
        await bot.engine.handle(bot.message("stall"), chat)
        assert chat.texts[-1].startswith("⌛ This is taking longer than expected.")
        assert not any("finished without changing" in text for text in chat.texts)


async def test_a_failure_after_the_stream_never_invites_a_resend(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("hello"), chat)
    for code in (500, 1002):
        await bot.configure(faults=[{"path_prefix": "/api/state/", "code": code, "times": 1}])
        await bot.engine.handle(bot.message("silent edit: add a title"), chat)
        assert chat.texts[-1].startswith("⚠️ Your request went through, but I could not check the result")
    assert len(await bot.requests("/run_sse")) == 3  # one per message, never a second send
    assert len(await bot.requests("/api/tasks/me/with-session/nemo_agent")) == 1


async def test_a_stream_error_is_told_once_without_raw_server_text(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("error please"), chat)
    problems = [text for text in chat.texts if text.startswith("⚠️ The video agent ran into a problem")]
    assert len(problems) == 1
    assert "{" not in problems[0]
    assert "Error" not in problems[0]


async def test_after_new_a_dropped_stream_is_judged_against_the_new_project(bot: Harness) -> None:
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a castle"), chat)
    await bot.engine.handle(bot.message("/new"), chat)
    await bot.engine.handle(bot.message("hello"), chat)
    await bot.engine.handle(bot.message("drop: make a video of a tower"), chat)
    update = chat.texts[-1]
    assert update.startswith("✅ Updated:")
    assert "removed" not in update


async def test_cancel_during_an_upload_closes_its_progress(bot: Harness) -> None:
    started = asyncio.Event()

    async def slow(path: Path) -> None:
        started.set()
        await asyncio.sleep(60)

    chat = bot.chat()
    clip = Attachment("clip.mp4", "video/mp4", 1000, save_to=slow)
    upload = asyncio.create_task(bot.engine.handle(bot.message(attachments=(clip,)), chat))
    await asyncio.wait_for(started.wait(), 10)
    await bot.engine.handle(bot.message("/cancel"), chat)
    await upload
    assert any(item.kind == "finish" and item.text == "✖️ Cancelled." for item in chat.log)
    assert chat.texts[-1] == "🛑 Stopped: “clip.mp4”. Nothing more will be sent for it."
    assert [r for r in await _log(bot) if r["path"].startswith("/api/upload-video/")] == []
