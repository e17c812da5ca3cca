"""Jobs outliving the 15-minute interaction token: moved to channel messages, or the user told plainly."""

from __future__ import annotations

from pathlib import Path

from bot.sim.config import SimConfig
from tests.discord_bot.payloads import CHANNEL, USER
from tests.discord_bot.rig import open_rig
from tests.harness import probe_video, wait_for

SLOW_RENDER = SimConfig(speed=0.001, render_seconds=3000)
MINUTE = 60.0


async def test_a_render_outliving_the_token_continues_in_a_channel_message(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SLOW_RENDER) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a fox"}))
        export = rig.make.command("export")
        issued = rig.clock()
        started = await rig.start(export)
        await wait_for(lambda: any("Rendering" in call.content for call in rig.webhook(export, "PATCH")))

        rig.clock.advance(13.5 * MINUTE)
        channel = f"/channels/{CHANNEL}/messages"
        await wait_for(lambda: bool(rig.fake.find("POST", channel)))
        rig.clock.advance(2 * MINUTE)  # the token is dead now: the fake refuses it like Discord would
        await rig.settle(started)

        posts = rig.fake.find("POST", channel)
        moved = posts[0]
        assert "Rendering" in moved.content
        assert moved.body["message_reference"]["message_id"] == rig.fake.original_id(export["token"])
        delivered = [call for call in posts if call.files]
        assert len(delivered) == 1
        assert delivered[0].content == f"🎬 <@{USER}>, your video is ready (10s)"
        assert probe_video(delivered[0].files[0])[1] == "640x360"
        edits = [call for call in rig.fake.find(None, channel) if call.method == "PATCH"]
        assert edits[-1].content == "✅ Video ready!"  # progress went on in the channel message
        token_calls = rig.webhook(export)
        assert token_calls[-1].content.startswith("⏩ Continued in a new message below")
        assert all(call.clock < issued + 15 * MINUTE for call in token_calls)
        assert not [call for call in rig.fake.calls if call.status == 401]


async def test_where_the_bot_cannot_post_the_user_is_told_before_expiry(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SLOW_RENDER) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of an owl"}))
        export = rig.make.command("export", user_install_only=True, locale="zh-CN")
        issued = rig.clock()
        started = await rig.start(export)
        await wait_for(lambda: any("渲染" in call.content for call in rig.webhook(export, "PATCH")))

        rig.clock.advance(13.5 * MINUTE)
        await wait_for(lambda: any("15 分钟" in call.content for call in rig.webhook(export)))
        rig.clock.advance(2 * MINUTE)
        await rig.settle(started)

        warning = next(call for call in rig.webhook(export) if "15 分钟" in call.content)
        assert warning.clock < issued + 15 * MINUTE
        assert "/export" in warning.content
        assert not rig.fake.find(None, "/channels/")
        assert not [call for call in rig.fake.calls if call.files]
        assert not [call for call in rig.fake.calls if call.status == 401]  # no request on a dead token
