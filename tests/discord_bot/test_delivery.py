"""Delivery: over the interaction's limit a link is sent; any refused or failed upload falls back to the link."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import discord
import pytest

from adapters.discord_bot.outgoing import DiscordOutgoing, Style
from adapters.discord_bot.surfaces import NOBODY, ChannelSurface, Extra, Posted
from bot.engine.refusals import NotDelivered
from tests.discord_bot.payloads import CHANNEL, IN_CHANNEL, USER, bot_mention
from tests.discord_bot.rig import open_rig

CHANNEL_MESSAGES = f"/channels/{CHANNEL}/messages"


async def test_an_mp4_over_the_interactions_limit_is_sent_as_a_link(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a train"}))
        export = rig.make.command("export", limit=1000)  # attachment_size_limit, in bytes
        await rig.feed(export)

        assert not [path for call in rig.fake.calls for path in call.files if path.suffix == ".mp4"]
        link = rig.webhook(export, "POST")[-1]
        assert link.content.startswith(f"<@{USER}>, the video is ")
        assert "over this chat's upload limit" in link.content
        assert f"{rig.h.sim.url}/" in link.content.splitlines()[-1]
        [thumbnail] = link.files  # the video's face beside its link
        assert thumbnail.read_bytes()[:3] == b"\xff\xd8\xff"


async def test_a_413_is_final_and_the_link_is_sent_instead(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a boat"}))
        rig.fake.fail("POST", "/webhooks/", 413, 40005, files_only=True, times=5)
        export = rig.make.command("export")
        await rig.feed(export)

        uploads = [call for call in rig.fake.calls if any(path.suffix == ".mp4" for path in call.files)]
        assert [call.status for call in uploads] == [413]  # tried once, never again
        link = rig.webhook(export, "POST")[-1]
        assert link.status == 200
        assert link.content.startswith(f"<@{USER}>, the video is ")
        assert link.content.splitlines()[-1].startswith(rig.h.sim.url)


async def test_an_upload_refused_for_permissions_sends_the_link_instead(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a kite"}))
        rig.fake.fail("POST", "/webhooks/", 403, 50013, files_only=True, times=5, message="Missing Permissions")
        export = rig.make.command("export")
        await rig.feed(export)

        uploads = [call for call in rig.fake.calls if call.files]
        assert [call.status for call in uploads] == [403]  # tried once, never again
        link = rig.webhook(export, "POST")[-1]
        assert link.status == 200
        assert link.content.startswith(f"🎬 <@{USER}>, your video is ready, but I could not attach the file here")
        assert link.content.splitlines()[-1].startswith(f"{rig.h.sim.url}/")
        assert len([call for call in rig.webhook(export) if rig.h.sim.url in call.content]) == 1  # sent once


async def test_a_channel_without_attach_files_gets_the_link(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.channels[CHANNEL] = IN_CHANNEL.channel()
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a kite"}))
        rig.fake.fail("POST", CHANNEL_MESSAGES, 403, 50013, files_only=True, times=5, message="Missing Permissions")
        await rig.feed(rig.make.message(f"{bot_mention()} /export"))

        posts = rig.fake.find("POST", CHANNEL_MESSAGES)
        assert [call.status for call in posts if call.files] == [403]
        assert posts[-1].status == 200
        assert posts[-1].content.startswith(f"🎬 <@{USER}>, your video is ready, but I could not attach the file here")
        assert posts[-1].content.splitlines()[-1].startswith(f"{rig.h.sim.url}/")


class _CutOff(ChannelSurface):
    """A channel where every upload fails on the way (as discord.py raises it, after its own retries)."""

    def __init__(self, channel: discord.PartialMessageable, error: Exception) -> None:
        super().__init__(channel, 10 * 1024 * 1024)
        self._error = error

    async def post(
        self, content: str, *, file: Path | None = None, view: discord.ui.View | None = None,
        reply_to: int | None = None, mentions: discord.AllowedMentions = NOBODY, embed: discord.Embed | None = None,
        extra: Extra | None = None,
    ) -> Posted:
        if file is not None:
            raise self._error
        return await super().post(
            content, file=file, view=view, reply_to=reply_to, mentions=mentions, embed=embed, extra=extra,
        )


@pytest.mark.parametrize(
    "error", [TimeoutError(), aiohttp.ClientConnectionError("reset"), ConnectionResetError()],
    ids=["timeout", "client", "os"],
)
async def test_an_upload_lost_on_the_way_sends_the_link_instead(tmp_path: Path, error: Exception) -> None:
    async with open_rig(tmp_path) as rig:
        video = tmp_path / "video.mp4"
        video.write_bytes(b"\0" * 1000)
        channel = _CutOff(rig.client.get_partial_messageable(CHANNEL), error)
        out = DiscordOutgoing(None, channel, style=Style("zh-CN"))
        await rig.replies(out, "zh-CN").send_video(
            video, width=640, height=360, duration=10, caption="🎬 ready", link="https://cdn.example/video.mp4",
            requester=f"<@{USER}>",
        )

        posts = rig.fake.find("POST", CHANNEL_MESSAGES)
        assert [post.content for post in posts] == [
            f"🎬 <@{USER}>，你的视频已完成，但无法在这里附加文件。请通过此链接下载：\nhttps://cdn.example/video.mp4",
        ]


async def test_an_upload_lost_without_a_link_raises_for_the_engine(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        video = tmp_path / "video.mp4"
        video.write_bytes(b"\0" * 1000)
        channel = _CutOff(rig.client.get_partial_messageable(CHANNEL), TimeoutError())
        out = DiscordOutgoing(None, channel, style=Style("en"))
        with pytest.raises(NotDelivered):
            await rig.replies(out).send_video(video, width=640, height=360, duration=10, caption="🎬 ready")

        assert not rig.fake.find("POST", CHANNEL_MESSAGES)
