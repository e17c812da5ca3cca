"""What the agent tells a person to do in its web editor, done by the bot: export, the timeline, a file asked for, and
an edit offered for one tap that reaches the agent once."""

from __future__ import annotations

from typing import Any

from bot.engine.messages import Action
from bot.store.keys import ChatKey
from tests.harness import Harness, RecordingChat

DRAG = "Drag the sunset clip to the start of the timeline."
EDIT = "Move the sunset clip to the start of the timeline"


def _prompts(requests: list[dict[str, Any]]) -> list[str]:
    return [r["body"]["new_message"]["parts"][0]["text"] for r in requests]


def _offers(chat: RecordingChat) -> list[tuple[str, list[str]]]:
    return [(item.text, item.meta["commands"]) for item in chat.log if Action.APPLY in item.actions]


async def test_click_export_exports_and_a_second_export_sends_that_video_again(bot: Harness) -> None:
    await bot.configure(gui_hint="Click Export to download your video.")
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a harbour at dawn"), chat)
    assert any(text.endswith("I'm exporting the video for you now.") for text in chat.texts)
    assert "Click Export" not in chat.everything()
    assert len(chat.videos) == 1
    assert len(await bot.requests("/api/render/proxy/lambda")) == 1

    await bot.engine.handle(bot.message("export"), chat)
    assert len(chat.videos) == 2
    assert len(await bot.requests("/api/render/proxy/lambda")) == 1


async def test_export_when_happy_is_left_to_the_person(bot: Harness) -> None:
    await bot.configure(gui_hint="When you're happy with it, click the Export button to download it.")
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a harbour at dawn"), chat)
    assert any('send "export" or use the Export button' in text for text in chat.texts)
    assert chat.videos == []
    assert await bot.requests("/api/render/proxy/lambda") == []


async def test_open_the_timeline_shows_it(bot: Harness) -> None:
    await bot.configure(gui_hint="Open the timeline panel to check the tracks.")
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a harbour at dawn"), chat)
    said = next(i for i, text in enumerate(chat.texts) if text.endswith("Here is the timeline:"))
    assert chat.texts[said + 1].startswith("Timeline (3 tracks): 1. Video:")


async def test_click_upload_asks_for_the_file_and_nothing_more(bot: Harness) -> None:
    await bot.configure(gui_hint="Click Upload to add your own footage.")
    chat = bot.chat()
    await bot.engine.handle(bot.message("what can you do?"), chat)
    assert chat.texts[-1].endswith("Send the file here: attach it to a message, or send upload and a link.")
    assert len(await bot.requests("/run_sse")) == 1


async def test_a_drag_is_offered_and_one_tap_sends_it_to_the_agent_once(bot: Harness) -> None:
    await bot.configure(gui_hint=DRAG)
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a sunset"), chat)
    assert any(text.endswith(f"Suggested edit: {EDIT}.") for text in chat.texts)
    [(offer, [command])] = _offers(chat)
    assert offer == f"✏️ Make this edit? “{EDIT}”"
    assert command.startswith("/apply ")
    assert _prompts(await bot.requests("/run_sse")) == ["make a video of a sunset"]  # nothing sent unasked

    await bot.configure(gui_hint=None)
    await bot.engine.handle(bot.message(command), chat)
    await bot.engine.handle(bot.message(command), chat)  # a second tap
    assert _prompts(await bot.requests("/run_sse")) == ["make a video of a sunset", EDIT]
    assert chat.texts[-1].startswith("That suggested edit is no longer waiting")


async def test_an_offer_made_in_one_chat_is_not_taken_in_another(bot: Harness) -> None:
    await bot.configure(gui_hint=DRAG)
    chat = bot.chat()
    await bot.engine.handle(bot.message("make a video of a sunset"), chat)
    [(_, [command])] = _offers(chat)
    other = bot.chat()
    await bot.engine.handle(bot.message(command, chat=ChatKey("console", "elsewhere")), other)
    assert other.texts[-1].startswith("That suggested edit is no longer waiting")
    assert len(await bot.requests("/run_sse")) == 1


async def test_chinese_drag_is_offered_in_chinese(bot: Harness) -> None:
    await bot.configure(gui_hint="把日落片段拖到时间线开头。")
    chat = bot.chat()
    await bot.engine.handle(bot.message("做一个日落的视频", locale="zh-CN"), chat)
    [(offer, [command])] = _offers(chat)
    assert offer == "✏️ 要执行这个修改吗？“把日落片段移到时间线开头”"
    await bot.configure(gui_hint=None)
    await bot.engine.handle(bot.message(command, locale="zh-CN"), chat)
    assert _prompts(await bot.requests("/run_sse"))[-1] == "把日落片段移到时间线开头"
