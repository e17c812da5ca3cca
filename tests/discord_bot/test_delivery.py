"""Delivery size rules: over the interaction's limit a link is sent; a 413 from Discord falls back to the link."""

from __future__ import annotations

from pathlib import Path

from tests.discord_bot.payloads import USER
from tests.discord_bot.rig import open_rig


async def test_an_mp4_over_the_interactions_limit_is_sent_as_a_link(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a train"}))
        export = rig.make.command("export", limit=1000)  # attachment_size_limit, in bytes
        await rig.feed(export)

        assert not [call for call in rig.fake.calls if call.files]
        link = rig.webhook(export, "POST")[-1]
        assert link.content.startswith(f"<@{USER}> The video is ")
        assert "over this chat's upload limit" in link.content
        assert f"{rig.h.sim.url}/" in link.content.splitlines()[-1]


async def test_a_413_is_final_and_the_link_is_sent_instead(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of a boat"}))
        rig.fake.fail("POST", "/webhooks/", 413, 40005, files_only=True, times=5)
        export = rig.make.command("export")
        await rig.feed(export)

        uploads = [call for call in rig.fake.calls if call.files]
        assert [call.status for call in uploads] == [413]  # tried once, never again
        link = rig.webhook(export, "POST")[-1]
        assert link.status == 200
        assert link.content.startswith(f"<@{USER}> The video is ")
        assert link.content.splitlines()[-1].startswith(rig.h.sim.url)
