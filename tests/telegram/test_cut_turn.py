"""A turn cut short by kill -9: the next start closes its progress card and tells the person what became of their
request, read back from the project's state at Nemo, and never sends the paid request again. Real `nemo-bot
telegram` processes in webhook mode against the fake Bot API and the simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import redis.asyncio

from bot.i18n import say
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.store_fixtures import redis_url
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import FakeBotApi, Shown
from tests.telegram.replicas import post, started
from tests.telegram.test_inbox import kill
from tests.telegram.test_replicas import LEASE, prompts
from tests.telegram.updates import ADA, Updates

REDIS_URL = redis_url(10)


def reported(line: str) -> bool:
    """Whether a message tells what the agent changed in the project (after the restart, or as it was found)."""
    return line.startswith("✅ Updated:") or "but the video service finished it:" in line


QUICK = {"HEARTBEAT": "1", "RECOVERY_FIRST_WAIT": "1", "RECOVERY_WAIT": "1", "RECOVERY_CHECKS": "20"}


async def noted(store: RedisStore) -> bool:
    """Whether the running turn's record holds its progress card (the process may be killed from then on)."""
    return any(turn.card is not None for turn in await store.turns())


def card(fake: FakeBotApi) -> Shown | None:
    """Ada's progress card, once it says the video is being generated."""
    return next((shown for shown in fake.chat(ADA["id"]) if any("Generating video" in e for e in
                                                                 [shown.text, *shown.edits])), None)


@pytest.mark.timeout(120)  # two cold starts of the bot, a turn that runs on at Nemo after the kill
async def test_a_turn_killed_mid_way_is_closed_and_told_after_the_restart(tmp_path: Path) -> None:
    client = redis.asyncio.from_url(REDIS_URL, decode_responses=True)
    await client.flushdb()
    store = RedisStore(client, "nemo-bot")
    fake = FakeBotApi()
    text = "make a video of a comet"
    try:
        async with (
            run_simulator(SimConfig(speed=0.05)) as sim, fake_server(fake) as api_url,
            httpx.AsyncClient(timeout=30) as http,
        ):
            launch = dict(sim_url=sim.url, api_url=api_url, redis_url=REDIS_URL, lease=LEASE, **QUICK)
            async with started(tmp_path / "first", fake, http, **launch) as first:
                await post(http, first, Updates().text(text))
                async with asyncio.timeout(30):
                    while card(fake) is None or not await noted(store):  # noqa: ASYNC110 - another process's work
                        await asyncio.sleep(0.05)
                await kill(first)
            shown = card(fake)
            assert shown is not None
            assert "Generating video" in shown.text  # left saying so by the killed process

            async with started(tmp_path / "second", fake, http, **launch):
                async with asyncio.timeout(60):
                    while not [line for line in fake.texts(ADA["id"]) if reported(line)]:  # noqa: ASYNC110
                        await asyncio.sleep(0.1)
                await asyncio.sleep(2 * LEASE)  # a second account, if any, would come by now
            told = fake.texts(ADA["id"])
            asked = prompts(sim)
    finally:
        await client.flushdb()
        await client.aclose()

    assert shown.text == say("turn_cut_card", "en"), told
    cut = [line for line in told if line.startswith("🔄 The bot restarted while working on “make a video of a comet”")]
    assert len(cut) == 1, told
    assert "not sent again" in cut[0] or "finished it" in cut[0]
    assert len([line for line in told if reported(line)]) == 1, told  # what the agent did, told once
    assert asked == [text]  # the paid request went to the agent once, never again
