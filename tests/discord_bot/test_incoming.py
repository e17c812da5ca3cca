"""Team channels: one session per channel and per thread; a mention continues the channel's session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.keys import ChatKey
from tests.discord_bot.payloads import CHANNEL, IN_CHANNEL, IN_THREAD, THREAD, bot_mention
from tests.discord_bot.rig import FAST, open_rig


async def test_a_thread_gets_its_own_session(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        in_thread = rig.make.command("video", {"prompt": "make a video of waves"}, place=IN_THREAD)
        in_channel = rig.make.command("video", {"prompt": "make a video of rain"}, place=IN_CHANNEL)
        await rig.feed(in_thread)
        await rig.feed(in_channel)

        for payload in (in_thread, in_channel):
            assert rig.webhook(payload, "PATCH")[0].content == "⚙️ Setting things up..."
        thread_session = await rig.h.store.get_session(ChatKey("discord", str(CHANNEL), str(THREAD)))
        channel_session = await rig.h.store.get_session(ChatKey("discord", str(CHANNEL)))
        assert thread_session is not None
        assert channel_session is not None
        assert thread_session.session_id != channel_session.session_id


async def test_a_mention_continues_the_channels_session(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.channels[CHANNEL] = IN_CHANNEL.channel()
        await rig.feed(rig.make.command("video", {"prompt": "make a video of a lighthouse"}))
        session = await rig.h.store.get_session(ChatKey("discord", str(CHANNEL)))
        assert session is not None

        message = rig.make.message(f"{bot_mention()} add a title please")  # default intents: no content intent
        await rig.feed(message)

        posts = rig.fake.find("POST", f"/channels/{CHANNEL}/messages")
        assert posts
        assert posts[0].body["message_reference"]["message_id"] == int(message["id"])
        assert not [post for post in posts if "Setting things up" in post.content]
        turn = rig.h.sim.world.requests_to("/run_sse")[-1]["body"]
        assert turn["session_id"] == session.session_id
        assert turn["new_message"]["parts"][0]["text"] == "add a title please"


async def test_a_mention_in_a_thread_continues_the_threads_session(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.channels[THREAD] = IN_THREAD.channel()
        await rig.feed(rig.make.command("video", {"prompt": "make a video of a comet"}, place=IN_THREAD))
        session = await rig.h.store.get_session(ChatKey("discord", str(CHANNEL), str(THREAD)))
        assert session is not None

        await rig.feed(rig.make.message(f"{bot_mention()} add music", place=IN_THREAD))

        assert rig.fake.find("GET", f"/channels/{THREAD}")  # not in the cache: asked once what it is
        assert rig.fake.find("POST", f"/channels/{THREAD}/messages")
        turn = rig.h.sim.world.requests_to("/run_sse")[-1]["body"]
        assert turn["session_id"] == session.session_id


async def test_a_message_that_does_not_address_the_bot_is_ignored(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        before_discord, before_nemo = len(rig.fake.calls), len(rig.h.sim.world.requests)
        await rig.feed(rig.make.message("lunch anyone?", mentions_bot=False))

        assert len(rig.fake.calls) == before_discord
        assert len(rig.h.sim.world.requests) == before_nemo


@pytest.mark.parametrize("content_intent", [False, True])
async def test_a_reply_to_the_bot_continues_the_session_only_with_the_content_intent(
    tmp_path: Path, content_intent: bool,
) -> None:
    async with open_rig(tmp_path, config=FAST.model_copy(update={"message_content": content_intent})) as rig:
        rig.fake.channels[CHANNEL] = IN_CHANNEL.channel()
        await rig.feed(rig.make.command("video", {"prompt": "make a video of a lighthouse"}))
        turns = len(rig.h.sim.world.requests_to("/run_sse"))

        await rig.feed(rig.make.message("make it longer", mentions_bot=False, replying_to=900_001))

        assert bool(rig.fake.find("POST", f"/channels/{CHANNEL}/messages")) is content_intent
        assert len(rig.h.sim.world.requests_to("/run_sse")) == turns + content_intent
