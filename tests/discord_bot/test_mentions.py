"""Mentions: every message pings nobody, whatever the agent's text echoes, except a delivery, which pings only
whoever asked for it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from adapters.discord_bot.options import PLATFORM
from bot.store.keys import ChatKey
from bot.store.models import RenderJob
from nemo_sim.config import SimConfig
from tests.discord_bot.fake_discord import Call
from tests.discord_bot.payloads import CHANNEL, IN_CHANNEL, IN_DM, USER, bot_mention
from tests.discord_bot.rig import open_rig
from tests.harness import wait_for

HOSTILE = "<@999> @everyone <@&5> @here"
SHOWN = "\\<@999> @\u200beveryone \\<@&5> @\u200bhere"  # escaped: Discord shows it as typed
PROMPT = f"generate a video of {HOSTILE}"
NOBODY: dict[str, Any] = {"parse": []}
REQUESTER: dict[str, Any] = {"parse": [], "users": [USER]}


def messages(calls: list[Call], contains: str) -> list[Call]:
    """The messages among `calls` the bot posted or edited (interaction responses, followups, channel messages)."""
    return [
        call for call in calls
        if contains in call.path and call.method in ("POST", "PATCH")
        and (call.path.startswith("/webhooks/") or "/messages" in call.path)
    ]


def mentions(calls: list[Call]) -> list[Any]:
    """What each call allows to ping (None: the call did not say)."""
    return [call.body.get("allowed_mentions") for call in calls]


async def test_agent_text_that_echoes_mentions_pings_nobody_and_the_video_pings_only_the_requester(
    tmp_path: Path,
) -> None:
    async with open_rig(tmp_path) as rig:
        video = rig.make.command("video", {"prompt": PROMPT})
        await rig.feed(video)

        sent = messages(rig.fake.calls, str(video["token"]))
        assert any(SHOWN in call.content for call in sent)  # the agent's words, as written
        assert {call.method for call in sent} == {"POST", "PATCH"}  # followups and edits alike
        assert mentions(sent) == [NOBODY] * len(sent)

        export = rig.make.command("export")
        await rig.feed(export)
        sent = messages(rig.fake.calls, str(export["token"]))
        [delivered] = [call for call in sent if call.files]
        assert delivered.content == f"🎬 <@{USER}>, your video is ready (10s)"
        assert delivered.body["allowed_mentions"] == REQUESTER
        assert mentions([call for call in sent if not call.files]) == [NOBODY] * (len(sent) - 1)


async def test_the_link_standing_in_for_the_video_pings_only_the_requester(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": PROMPT}))
        export = rig.make.command("export", limit=1000)
        await rig.feed(export)

        sent = messages(rig.fake.calls, str(export["token"]))
        [link] = [call for call in sent if rig.h.sim.url in call.content]
        assert link.content.startswith(f"<@{USER}>, the video is ")
        assert link.body["allowed_mentions"] == REQUESTER
        assert mentions([call for call in sent if call is not link]) == [NOBODY] * (len(sent) - 1)


async def test_a_job_handed_off_to_the_channel_delivers_there_pinging_only_the_requester(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SimConfig(speed=0.001, render_seconds=3000)) as rig:
        await rig.feed(rig.make.command("video", {"prompt": PROMPT}))
        export = rig.make.command("export")
        started = await rig.start(export)
        await wait_for(lambda: any("Rendering" in call.visible for call in rig.webhook(export, "PATCH")))
        rig.clock.advance(13.5 * 60)  # past the hand-off time, the token still alive
        await rig.settle(started)

        token, channel = str(export["token"]), f"/channels/{CHANNEL}/messages"
        sent = messages(rig.fake.calls, channel) + messages(rig.fake.calls, token)
        [delivered] = [call for call in sent if call.files]
        assert delivered.path == channel
        assert delivered.body["allowed_mentions"] == REQUESTER
        assert any(call.content.startswith("⏩") for call in sent)  # the old reply points at the channel
        assert mentions([call for call in sent if not call.files]) == [NOBODY] * (len(sent) - 1)


async def test_a_job_started_by_a_mention_pings_nobody_but_the_requester_on_delivery(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.channels[CHANNEL] = IN_CHANNEL.channel()
        await rig.feed(rig.make.message(f"{bot_mention()} {PROMPT}"))

        sent = messages(rig.fake.calls, f"/channels/{CHANNEL}/messages")
        assert any(SHOWN in call.content for call in sent)
        assert mentions(sent) == [NOBODY] * len(sent)  # nor does quoting the person's message ping them

        before = len(rig.fake.calls)
        await rig.feed(rig.make.message(f"{bot_mention()} /export"))
        sent = messages(rig.fake.calls[before:], f"/channels/{CHANNEL}/messages")
        [delivered] = [call for call in sent if call.files]
        assert delivered.content.startswith(f"🎬 <@{USER}>, your video is ready")
        assert delivered.body["allowed_mentions"] == REQUESTER
        assert mentions([call for call in sent if not call.files]) == [NOBODY] * (len(sent) - 1)


async def test_a_video_delivered_in_a_dm_pings_nobody(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": PROMPT}, place=IN_DM))
        export = rig.make.command("export", place=IN_DM)
        await rig.feed(export)

        sent = messages(rig.fake.calls, str(export["token"]))
        assert [call.content for call in sent if call.files] == ["🎬 Your video (10s, 640x360)"]
        assert mentions(sent) == [NOBODY] * len(sent)


async def test_a_resumed_render_names_the_requester_but_pings_nobody(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": PROMPT}))
        chat = ChatKey(PLATFORM, str(CHANNEL))
        session = await rig.h.store.get_session(chat)
        assert session is not None
        job = RenderJob(
            "render_left_behind", chat, session.session_id, time.time(), requested_by=f"<@{USER}>",
            platform=PLATFORM,
        )
        await rig.h.store.put_render(job)

        before = len(rig.fake.calls)
        assert await rig.h.engine.resume({PLATFORM: rig.client.platform}) == 1
        await rig.h.engine.background.drain()

        sent = messages(rig.fake.calls[before:], f"/channels/{CHANNEL}/messages")
        [delivered] = [call for call in sent if call.files]
        assert delivered.content.startswith(f"🎬 <@{USER}>, your video is ready")
        assert mentions(sent) == [NOBODY] * len(sent)


async def test_a_message_sent_without_its_own_mentions_pings_nobody(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.client.get_partial_messageable(CHANNEL).send(HOSTILE)

        [sent] = messages(rig.fake.calls, f"/channels/{CHANNEL}/messages")
        assert sent.body["allowed_mentions"] == NOBODY  # the client's default, under every message
