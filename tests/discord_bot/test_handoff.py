"""Jobs outliving the 15-minute interaction token: moved to channel messages, or the user told plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.discord_bot.options import TOKEN_MARGIN, Options
from nemo_sim.config import SimConfig
from tests.discord_bot.fake_discord import Call
from tests.discord_bot.payloads import CHANNEL, USER
from tests.discord_bot.rig import FAST, open_rig
from tests.harness import probe_video, wait_for

SLOW_RENDER = SimConfig(speed=0.001, render_seconds=3000)
MINUTE = 60.0


async def test_a_render_outliving_the_token_continues_in_a_channel_message(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SLOW_RENDER) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a fox"}))
        export = rig.make.command("export")
        issued = rig.clock()
        started = await rig.start(export)
        await wait_for(lambda: any("Rendering" in call.visible for call in rig.webhook(export, "PATCH")))

        # The token dies (the fake refuses it like Discord would) right after its reply points at the channel:
        # moved from the fake's answer, while the bot still waits on it, so no request of the bot races the move.
        def expire_after_the_pointer(call: Call) -> None:
            if call.content.startswith("⏩") and str(export["token"]) in call.path:
                rig.clock.advance(2 * MINUTE)

        rig.fake.answered.append(expire_after_the_pointer)
        rig.clock.advance(13.5 * MINUTE)
        await rig.settle(started)

        channel = f"/channels/{CHANNEL}/messages"
        posts = rig.fake.find("POST", channel)
        moved = posts[0]
        assert "Rendering" in moved.visible
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
        assert rig.clock() >= issued + 15 * MINUTE
        assert not [call for call in rig.fake.calls if call.status == 401]


@pytest.mark.parametrize(
    "config",
    [
        FAST,
        FAST.model_copy(update={"progress_interval": 3600.0}),  # only the watcher notices the deadline
        FAST.model_copy(update={"watch_tick": 3600.0}),  # only a progress update notices it, and then wants to edit
    ],
    ids=["either", "watcher", "progress"],
)
async def test_where_the_bot_cannot_post_the_user_is_told_before_expiry(
    tmp_path: Path, config: Options,
) -> None:
    async with open_rig(tmp_path, sim=SLOW_RENDER, config=config) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of an owl"}))
        export = rig.make.command("export", user_install_only=True, locale="zh-CN")
        issued = rig.clock()
        started = await rig.start(export)
        await wait_for(lambda: any("渲染" in call.visible for call in rig.webhook(export, "PATCH")))

        # The token expires while the warning is on its way: the clock moves when the fake has answered it, before
        # the bot reads the answer (it still holds the chat's lock), so the bot's next request always sees the
        # moved clock. Moving it from the test instead raced a progress edit already checked and in flight.
        def expire_after_the_warning(call: Call) -> None:
            if "15 分钟" in call.content and str(export["token"]) in call.path:
                rig.clock.advance(2 * MINUTE)

        rig.fake.answered.append(expire_after_the_warning)
        rig.clock.advance(13.5 * MINUTE)
        await rig.settle(started)

        warnings = [call for call in rig.webhook(export) if "15 分钟" in call.content]
        assert len(warnings) == 1
        assert warnings[0].clock < issued + 15 * MINUTE
        assert warnings[0].status == 200
        assert "/export" in warnings[0].content
        assert rig.clock() >= issued + 15 * MINUTE
        assert rig.webhook(export)[-1] is warnings[0]  # progress and delivery after expiry were dropped
        assert not rig.fake.find(None, "/channels/")
        assert not [call for call in rig.fake.calls if call.files]
        assert not [call for call in rig.fake.calls if call.status == 401]  # no request on a dead token


async def test_the_token_is_not_used_in_its_last_seconds(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        credits = rig.make.command("credits")
        rig.clock.advance(15 * MINUTE - TOKEN_MARGIN / 2)  # Discord still takes the token, but only just
        await rig.feed(credits)

        assert [call.path.rsplit("/", 1)[-1] for call in rig.webhook(credits)] == ["callback"]  # the defer only
        posts = rig.fake.find("POST", f"/channels/{CHANNEL}/messages")
        assert len(posts) == 1
        assert posts[0].content.startswith("💳 Credits: ")
