"""An edit the agent suggests comes with an Apply button whose press works after a restart, and sends the edit once."""

from __future__ import annotations

from pathlib import Path

from nemo_sim.config import SimConfig
from tests.discord_bot.fake_discord import running
from tests.discord_bot.rig import SimClock, open_rig
from tests.harness import Harness, running_bot

EDIT = "Move the sunset clip to the start of the timeline"


async def _prompts(harness: Harness) -> list[str]:
    return [r["body"]["new_message"]["parts"][0]["text"] for r in await harness.requests("/run_sse")]


async def test_the_apply_button_sends_the_edit_once_even_after_a_restart(tmp_path: Path) -> None:
    clock = SimClock()
    sim = SimConfig(speed=0.001, gui_hint="Drag the sunset clip to the start of the timeline.")
    async with running_bot(tmp_path, db=12, sim=sim) as h, running(tmp_path / "fake", clock) as fake:
        async with open_rig(tmp_path, harness=h, fake=fake, clock=clock) as first:
            await first.feed(first.make.command("video", {"prompt": "make a video of a sunset"}))
            [offer] = [call for call in fake.calls if any(i.startswith("nemo:apply:") for i in call.custom_ids)]
            assert "Make this edit?" in offer.content
            [button] = offer.body["components"][0]["components"]
            assert (button["emoji"]["name"], button["label"]) == ("✅", "Apply")
            assert len(button["custom_id"]) <= 100  # Discord's limit
        await h.configure(gui_hint=None)

        # A new process: the press still reaches the engine through the registered dynamic item.
        async with open_rig(tmp_path, harness=h, fake=fake, clock=clock) as rig:
            first_press = rig.make.press(button["custom_id"])
            await rig.feed(first_press)
            again = rig.make.press(button["custom_id"])
            await rig.feed(again)
            assert await _prompts(h) == ["make a video of a sunset", EDIT]
            assert any("no longer waiting" in call.content for call in rig.webhook(again, "PATCH"))
