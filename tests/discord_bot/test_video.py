"""`/video` with an image, end to end to a delivered MP4, with the defer sent before anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.discord_bot.payloads import USER
from tests.discord_bot.rig import PNG, open_rig
from tests.harness import probe_video

BUTTONS = ["nemo:export", "nemo:status", "nemo:credits"]


async def test_video_with_an_image_ends_in_a_delivered_mp4(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        video = rig.make.command(
            "video", {"prompt": "generate a video of my cat"}, files=[("file", "cat.png", PNG, "image/png")],
        )
        await rig.feed(video)

        calls = rig.webhook(video)
        assert calls[0].path.endswith("/callback")
        assert calls[0].body["type"] == 5  # "thinking...", in the channel for everyone
        assert calls[1].path.endswith("/messages/@original")
        assert calls[1].content == "⚙️ Setting things up..."
        assert any(call.content == "📎 Added: cat.png (image)" for call in calls)
        assert calls[-1].content == "✅ Done."
        # Every reply of the agent carries the action buttons (progress cards carry only their Cancel button).
        agent_replies = [call for call in calls if call.custom_ids and not call.custom_ids[0].startswith("nemo:cancel")]
        assert agent_replies
        assert all(call.custom_ids == BUTTONS for call in agent_replies)
        assert len(rig.fake.find("GET", "/cdn/")) == 1
        uploads = rig.h.sim.world.requests_to("/api/upload-video/")
        assert len(uploads) == 1
        turns = rig.h.sim.world.requests_to("/run_sse")
        assert turns[-1]["body"]["new_message"]["parts"][0]["text"] == "generate a video of my cat"

        export = rig.make.command("export")
        await rig.feed(export)
        delivered = [call for call in rig.webhook(export, "POST") if call.files]
        assert len(delivered) == 1
        assert delivered[0].content == f"🎬 <@{USER}>, your video is ready (10s)"
        seconds, size = probe_video(delivered[0].files[0])
        assert size == "640x360"
        assert seconds == pytest.approx(10, abs=0.5)


async def test_the_defer_goes_out_before_any_other_request(tmp_path: Path) -> None:
    async with open_rig(tmp_path) as rig:
        seen: dict[str, int] = {}

        def on_request(method: str, path: str) -> None:
            if path.endswith("/callback") and not seen:
                seen.update(discord=len(rig.fake.calls), nemo=len(rig.h.sim.world.requests))

        rig.fake.listeners.append(on_request)
        discord_before, nemo_before = len(rig.fake.calls), len(rig.h.sim.world.requests)
        video = rig.make.command(
            "video", {"prompt": "generate a video of a dog"}, files=[("file", "dog.png", PNG, "image/png")],
        )
        await rig.feed(video)

        assert seen == {"discord": discord_before, "nemo": nemo_before}
        after = rig.fake.calls[discord_before:]
        assert after[0].path.endswith("/callback")
        assert after[1].path.startswith("/cdn/")  # the image is fetched at once, right after the defer
        assert len(rig.h.sim.world.requests) > nemo_before
