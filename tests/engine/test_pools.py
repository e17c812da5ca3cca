"""More chats at once than any pool has places: every chat gets its video, none an error, the excess waits its turn.

The bot is opened as `nemo-bot` opens it (`open_bot`), with two Redis connections, two connections for short Nemo
calls and two agent turns (so two streaming connections) at a time, then eight chats talk to it at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_bot
from bot.config import EngineSettings, RedisSettings, Settings
from bot.engine.messages import Incoming
from bot.i18n import say
from bot.logs import Redactor
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.harness import FAST, RecordingChat
from tests.store_fixtures import redis_backend, redis_url

DB = 13
CHATS = 8
PLACES = 2
ERRORS = ("⚠️", "❌", "📡", "🚦", "⌛", "🔑")


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with redis_backend("redis", db=DB), run_simulator(SimConfig(speed=0.002)) as opened:
        yield opened


def small_pools(sim: Simulator, folder: Path) -> Settings:
    timings: dict[str, Any] = {**FAST, "allow_private_urls": True, "max_concurrent_turns": PLACES}
    return Settings(
        _env_file=None, nemo_api_url=sim.url, nemo_client_id="pools-test", nemo_config_dir=str(folder),
        redis_url=redis_url(DB), redis_prefix="pools", work_dir=str(folder / "work"), rate_limit_backoff=0.01,
        nemo_connections=PLACES, redis=RedisSettings(_env_file=None, pool_size=PLACES),
        engine=EngineSettings(_env_file=None, **timings),
    )


async def test_more_chats_than_places_all_get_their_video_and_no_error(sim: Simulator, tmp_path: Path) -> None:
    chats = [RecordingChat(tmp_path / f"chat-{index}") for index in range(CHATS)]
    async with open_bot(small_pools(sim, tmp_path), Redactor()) as bot:
        assert bot.nemo.user_id is None
        await bot.nemo.authenticate()
        sim.world.set_credits(str(bot.nemo.user_id), 10_000)
        engine = bot.engine("console")

        async def talk(index: int) -> None:
            key = ChatKey("console", f"pool-{index}")
            for number, text in enumerate(("make a video of a lighthouse", "export")):
                message = Incoming(key, "u", "Ada", text, message_id=f"m{index}-{number}")
                await engine.handle(message, chats[index])

        async with asyncio.timeout(50):
            await asyncio.gather(*(talk(index) for index in range(CHATS)))
        await engine.background.drain()

    assert all(len(chat.videos) == 1 for chat in chats)
    errors = [text for chat in chats for text in chat.texts if text.startswith(ERRORS)]
    assert errors == []
    # Two turns ran at a time: the others were told they were queued, and then went through.
    queued = [chat for chat in chats if say("turn_queued", "en") in chat.texts]
    assert len(queued) >= CHATS - PLACES - 1
    assert len(sim.world.requests_to("/run_sse", "POST")) == CHATS
