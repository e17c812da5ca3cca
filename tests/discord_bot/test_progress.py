"""Progress edits the original response, throttled, only when the text changes, and a burst ends in its latest text."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from adapters.discord_bot.outgoing import DiscordOutgoing, Style
from adapters.discord_bot.surfaces import ChannelSurface
from nemo_sim.config import SimConfig
from tests.discord_bot.payloads import CHANNEL
from tests.discord_bot.rig import FAST, open_rig


async def test_render_progress_edits_are_throttled_and_never_repeat(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SimConfig(speed=0.001, render_seconds=1500)) as rig:
        await rig.feed(rig.make.command("video", {"prompt": "generate a video of the sea"}))
        polls_before = len(rig.h.sim.world.requests_to("/api/render/proxy/lambda/", "GET"))
        export = rig.make.command("export")
        await rig.feed(export)

        edits = [call for call in rig.webhook(export, "PATCH") if call.path.endswith("/messages/@original")]
        texts = [call.visible for call in edits]
        polls = len(rig.h.sim.world.requests_to("/api/render/proxy/lambda/", "GET")) - polls_before
        assert texts[0].startswith("⏳ Waiting to render")
        assert texts[-1] == "✅ Video ready!"
        assert edits[-1].body["embeds"] == []  # the final word replaces the card
        assert any(text.startswith("🎞 Rendering") and "%" in text for text in texts)
        assert all(earlier != later for earlier, later in itertools.pairwise(texts))
        assert len(edits) < polls  # one progress update per poll reached the adapter; far fewer edits left it
        # The first is the card itself (the deferred response's text) and the final text is shown at once: the
        # progress edits between them are paced.
        middle = edits[1:-1]
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(middle)]
        assert all(gap >= FAST.progress_interval - 0.05 for gap in gaps), gaps


async def test_a_burst_of_updates_ends_in_its_latest_text_before_the_final_one(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        channel = rig.client.get_partial_messageable(CHANNEL)
        out = DiscordOutgoing(None, ChannelSurface(channel, 10 * 1024 * 1024), style=Style(interval=0.25))
        progress = await rig.replies(out).start_progress("🎞 Rendering... 0%")
        for percent in range(1, 40):
            await progress.update(f"🎞 Rendering... {percent}%")
        await asyncio.sleep(0.5)
        await progress.finish("✅ Video ready!")

        edits = [call.content for call in rig.fake.find("PATCH", f"/channels/{CHANNEL}/messages/")]
        assert edits == ["🎞 Rendering... 1%", "🎞 Rendering... 39%", "✅ Video ready!"]
