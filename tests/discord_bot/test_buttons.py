"""Export / Timeline / Credits buttons are a persistent view: a press works on a client started afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.discord_bot.fake_discord import running
from tests.discord_bot.payloads import USER
from tests.discord_bot.rig import Rig, SimClock, open_rig
from tests.harness import probe_video, running_bot


async def test_an_export_press_after_a_restart_delivers_the_mp4(tmp_path: Path) -> None:
    clock = SimClock()
    async with running_bot(tmp_path, db=12) as h, running(tmp_path / "fake", clock) as fake:
        async with open_rig(tmp_path, harness=h, fake=fake, clock=clock) as first:
            await first.feed(first.make.command("video", {"prompt": "generate a video of a kite"}))
            buttons = [call for call in fake.calls if call.custom_ids]
            assert buttons
            drawn = buttons[-1].body["components"][0]["components"]
            # The same emoji and words as Telegram's buttons: the reply layer labels both from the catalogue.
            assert [(button["emoji"]["name"], button["label"]) for button in drawn] == [
                ("🎞", "Export"), ("🧾", "Timeline"), ("💳", "Credits"),
            ]

        # A new process: a new client, the same store and the same Discord.
        async with open_rig(tmp_path, harness=h, fake=fake, clock=clock) as rig:
            press = rig.make.press(buttons[-1].custom_ids[0])
            await rig.feed(press)
            await _check_delivered(rig, press)


async def _check_delivered(rig: Rig, press: dict[str, Any]) -> None:

    calls = rig.webhook(press)
    assert calls[0].path.endswith("/callback")
    assert calls[0].body["type"] == 5  # a new "thinking..." reply, not an edit of the pressed message
    delivered = [call for call in calls if call.files]
    assert len(delivered) == 1
    assert delivered[0].content == f"🎬 <@{USER}>, your video is ready (10s)"
    assert probe_video(delivered[0].files[0])[1] == "640x360"


async def test_the_timeline_and_credits_buttons_answer(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a bridge"}))
        timeline = rig.make.press("nemo:status", locale="zh-CN")
        credits = rig.make.press("nemo:credits")
        await rig.feed(timeline)
        await rig.feed(credits)

        assert rig.webhook(timeline, "PATCH")[0].content.startswith("时间线（3 条轨道）")  # a zh-CN client
        assert rig.webhook(credits, "PATCH")[0].content.startswith("💳 Credits: ")
