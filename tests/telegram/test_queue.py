"""A Telegram group shared by a team: a second member's request waits its turn with its place shown, and the Cancel
button under a progress message stops only the presser's own job."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from telegram import Update

from nemo_sim.config import SimConfig
from tests.telegram.conftest import Tg, telegram_bot
from tests.telegram.updates import ADA, BOB, GROUP, bot_message

GID = GROUP["id"]


def _progress(tg: Tg) -> list[int]:
    return [shown.message_id for shown in tg.fake.chat(GID) if "Generating video" in shown.text]


async def test_a_second_member_waits_in_line_and_cancel_stops_only_the_pressers_job(tmp_path: Path) -> None:
    async with telegram_bot(tmp_path, sim=SimConfig(speed=0.001, gen_seconds=8000, busy="queue")) as tg:
        ada = tg.updates.text("@nemo_test_bot make a video of a windmill", chat=GROUP, user=ADA)
        bob = tg.updates.text("@nemo_test_bot make a video of a tram", chat=GROUP, user=BOB)
        first = asyncio.create_task(tg.application.process_update(_update(tg, ada)))
        await tg.until(lambda: bool(_progress(tg)))
        second = asyncio.create_task(tg.application.process_update(_update(tg, bob)))
        place = "⏳ You're #2 in line — I'll start as soon as the current job ends."
        await tg.until(lambda: place in tg.fake.texts(GID))

        [card] = [shown for shown in tg.fake.chat(GID) if shown.message_id == _progress(tg)[0]]
        [(label, data)] = card.buttons
        assert label == "✖️ Cancel"
        assert data.startswith("/cancel job_")  # it stops the job this card follows, not the presser's queued one
        pressed_on = bot_message(card.message_id, GROUP)
        await tg.application.process_update(_update(tg, tg.updates.button(data, pressed_on, user=BOB)))
        refusal = "Only whoever asked (Ada Lovelace) or an admin can stop what is running now."
        await tg.until(lambda: refusal in tg.fake.texts(GID))
        assert await tg.prompts() == ["make a video of a windmill"]

        await tg.application.process_update(_update(tg, tg.updates.button(data, pressed_on, user=ADA)))
        stopped = "🛑 Stopped: “make a video of a windmill”. Nothing more will be sent for it."
        await tg.until(lambda: stopped in tg.fake.texts(GID))
        await tg.until(lambda: "▶️ Your turn, as you asked: “make a video of a tram”" in tg.fake.texts(GID), 30)
        await asyncio.gather(first, second)
        await tg.settle()
        assert await tg.prompts() == ["make a video of a windmill", "make a video of a tram"]

def _update(tg: Tg, update: dict[str, Any]) -> Update:
    return Update.de_json(update, tg.application.bot)
