"""A team channel on Discord: two members' /video at once, the second waits its turn with its place shown; a Cancel
button under the progress message stops the job of whoever presses it (if it is theirs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nemo_sim.config import SimConfig
from tests.discord_bot.rig import open_rig
from tests.harness import wait_for

BOB = 4242


async def test_two_members_send_video_at_once_and_the_second_waits_its_turn(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SimConfig(speed=0.001, gen_seconds=3000)) as rig:
        first = rig.make.command("video", {"prompt": "make a video of a kite"})
        second = rig.make.command("video", {"prompt": "make a video of a lighthouse"}, user_id=BOB)
        started = await rig.start(first)
        await wait_for(lambda: bool(rig.h.sim.world.requests_to("/run_sse")))
        started += await rig.start(second)
        await rig.settle(started)

        said = [call.content for call in rig.webhook(second) if call.content]
        assert said[0] == "⏳ You're #2 in line — I'll start as soon as the current job ends."
        assert said[1] == "▶️ Your turn, as you asked: “make a video of a lighthouse”"
        assert any("lighthouse" in text.lower() for text in said[2:])
        assert any("kite" in call.content.lower() for call in rig.webhook(first) if call.content)
        sent = [str(request["body"]) for request in rig.h.sim.world.requests if request["path"] == "/run_sse"]
        assert len(sent) == 2
        assert "kite" in sent[0]
        assert "lighthouse" in sent[1]


async def test_the_cancel_button_under_progress_stops_the_pressers_own_job(tmp_path: Path) -> None:
    async with open_rig(tmp_path, sim=SimConfig(speed=0.001, gen_seconds=30_000)) as rig:
        turn = rig.make.command("video", {"prompt": "make a video of a comet"})
        started = await rig.start(turn)
        await wait_for(lambda: bool(_progress(rig.webhook(turn))))
        [row] = _progress(rig.webhook(turn))[0].body["components"]
        [button] = row["components"]
        assert button["label"] == "Cancel"
        assert button["custom_id"].startswith("nemo:cancel:job_")  # the job this card follows

        await rig.feed(rig.make.press(button["custom_id"]))
        await rig.settle(started)
        assert len(rig.h.sim.world.requests_to("/run_sse")) == 1
        last = _progress(rig.webhook(turn))[-1]
        assert "✖️ Cancelled." in str(last.body)
        assert last.body.get("components") == []  # the last edit takes the button away


def _progress(calls: list[Any]) -> list[Any]:
    """The calls that posted or edited the progress card."""
    return [call for call in calls if isinstance(call.body, dict) and "embeds" in call.body]
