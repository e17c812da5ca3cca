"""Errors, refusals and "busy" notes answer a slash command privately (ephemeral), and any failure of a command
becomes a friendly private message."""

from __future__ import annotations

from pathlib import Path

from bot.engine.rules import TeamRules
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from tests.discord_bot.payloads import CHANNEL
from tests.discord_bot.rig import EPHEMERAL, open_rig
from tests.harness import running_bot


async def test_a_busy_chat_is_told_so_privately_and_the_public_placeholder_goes(tmp_path: Path) -> None:
    no_queue = TeamRules(queue_per_chat=0)  # a busy chat refuses instead of queueing
    async with running_bot(tmp_path, db=12, sim=SimConfig(speed=0.001), team=no_queue) as h, open_rig(
        tmp_path, harness=h,
    ) as rig:
        assert await rig.h.store.turn_lock(ChatKey("discord", str(CHANNEL))).acquire("another-job", 60)
        video = rig.make.command("video", {"prompt": "make a video of a kite"})
        await rig.feed(video)

        token = video["token"]
        busy = "⏳ Still working on your previous request. Send /cancel to stop waiting on it."
        assert rig.private(video) == [busy]
        assert rig.fake.find("DELETE", f"/webhooks/111/{token}/messages/@original")
        # The busy note never filled the public placeholder: it was only resolved to a lock, then removed.
        assert [call.content for call in rig.fake.find("PATCH", token)] == ["🔒"]
        assert not rig.h.sim.world.requests_to("/run_sse")


async def test_a_nemo_error_is_private_and_an_ordinary_reply_is_not(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.h.configure(faults=[{"path_prefix": "/api/credits/", "code": 500, "times": 5}])
        failing = rig.make.command("credits")
        await rig.feed(failing)
        [said] = rig.private(failing)
        assert "💳 Credits" not in said

        await rig.h.configure(faults=[])
        working = rig.make.command("credits")
        await rig.feed(working)
        assert rig.private(working) == []
        edits = [call.content for call in rig.fake.find("PATCH", f"{working['token']}/messages/@original")]
        assert edits[0].startswith("💳 Credits: ")


async def test_any_failing_command_gets_a_friendly_private_message(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        stale = rig.make.command("renamed-long-ago")  # a command Discord still shows but the bot no longer has
        await rig.feed(stale)

        [callback] = rig.fake.find("POST", f"/interactions/{stale['id']}/{stale['token']}/callback")
        assert callback.body["type"] == 4  # answered at once, not deferred
        assert callback.body["data"]["flags"] & EPHEMERAL
        assert callback.body["data"]["content"] == "⚠️ Something went wrong on my side. Please try again."
