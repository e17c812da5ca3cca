"""10062 and 50027 are final: replies move to a channel message once, or are dropped and logged; no loops."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.discord_bot.payloads import CHANNEL
from tests.discord_bot.rig import open_rig

CHANNEL_MESSAGES = f"/channels/{CHANNEL}/messages"


async def test_a_late_defer_10062_answers_with_a_channel_message(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.fail("POST", "/callback", 404, 10062, times=5)
        credits = rig.make.command("credits")
        await rig.feed(credits)

        assert [call.status for call in rig.webhook(credits)] == [404]  # the defer, once; the token never again
        posts = rig.fake.find("POST", CHANNEL_MESSAGES)
        assert len(posts) == 1
        assert posts[0].content.startswith("💳 Credits: ")


async def test_a_dead_token_50027_moves_replies_to_the_channel_once(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.fail("PATCH", "/messages/@original", 401, 50027, times=5)
        help_ = rig.make.command("help")
        await rig.feed(help_)

        assert [call.status for call in rig.webhook(help_)] == [200, 401]  # defer, one edit; nothing after
        posts = rig.fake.find("POST", CHANNEL_MESSAGES)
        assert len(posts) == 1
        assert posts[0].content.startswith("I make AI videos.")


async def test_a_dead_token_without_a_bot_in_the_server_is_logged_not_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.fail("PATCH", "/messages/@original", 401, 50027, times=5)
        help_ = rig.make.command("help", user_install_only=True)
        await rig.feed(help_)

        assert [call.status for call in rig.webhook(help_)] == [200, 401]
        assert not rig.fake.find(None, "/channels/")
        assert "interaction token refused (401 50027)" in caplog.text


async def test_out_of_followups_40094_replies_replace_the_original_response(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        rig.fake.fail("POST", "/webhooks/111/", 400, 40094, times=50)
        video = rig.make.command("video", {"prompt": "make a video of a robot"}, user_install_only=True)
        await rig.feed(video)

        followups = rig.webhook(video, "POST")[1:]  # after the defer
        assert [call.status for call in followups] == [400]  # refused once, never asked again
        originals = [call.content for call in rig.webhook(video, "PATCH") if call.path.endswith("@original")]
        assert originals[0] == "⚙️ Setting things up..."
        assert originals[1] == "✅ Connected and ready. Tell me what video to make."
        assert rig.h.sim.world.requests_to("/run_sse")
        assert originals[-1].startswith('Your video "Robot" is ready')  # never hidden by an older progress line
