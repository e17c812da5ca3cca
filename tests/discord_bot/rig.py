"""The Discord adapter running for tests: the engine, the simulator and Redis DB 12 from the harness, the real
discord.py client logged in to the fake Discord API, and gateway payloads fed through the client's parse path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

from adapters.discord_bot.client import DiscordBot
from adapters.discord_bot.options import PLATFORM, Options
from adapters.discord_bot.outgoing import DiscordOutgoing
from bot.app_discord import open_discord
from bot.engine.config import MAX_UPLOAD_BYTES
from bot.engine.replies import Replies
from bot.store.keys import ChatKey
from nemo_sim.config import SimConfig
from tests.discord_bot.fake_discord import FakeDiscord, running
from tests.discord_bot.payloads import CHANNEL, Payloads
from tests.harness import Harness, running_bot

EPHEMERAL = 1 << 6  # the message flag: shown only to the person who asked
FAST = Options(progress_interval=0.25, watch_tick=0.02)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff5ccc0b6b0000000049454e44ae426082"
)


class SimClock:
    """Real time plus an offset the test moves forward (Discord's 15-minute token window in milliseconds)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Jump forward."""
        self.offset += seconds


@dataclass(slots=True)
class Rig:
    """Everything a Discord test touches."""

    h: Harness
    fake: FakeDiscord
    client: DiscordBot
    clock: SimClock
    make: Payloads

    async def start(self, payload: dict[str, Any]) -> list[asyncio.Task[Any]]:
        """Feed one gateway event through discord.py's own parser; returns the tasks the library started."""
        before = asyncio.all_tasks()
        state = self.client._connection
        if "token" in payload:
            state.parse_interaction_create(payload)  # type: ignore[arg-type]
        else:
            state.parse_message_create(payload)  # type: ignore[arg-type]
        return list(asyncio.all_tasks() - before)

    async def feed(self, payload: dict[str, Any]) -> None:
        """Feed an event and wait until the bot has finished everything it started for it."""
        await self.settle(await self.start(payload))

    async def settle(self, started: list[asyncio.Task[Any]]) -> None:
        """Wait for the library's handler tasks, then for the adapter's jobs."""
        async with asyncio.timeout(30):
            await asyncio.gather(*started)
            await self.client.jobs.drain()

    def replies(self, out: DiscordOutgoing, locale: str = "en") -> Replies:
        """What the engine says to the test channel, through `out` (as a job's replies go)."""
        return self.h.engine.replies.to(ChatKey(PLATFORM, str(CHANNEL)), out, locale)

    def webhook(self, payload: dict[str, Any], method: str | None = None) -> list[Any]:
        """Requests made with one interaction's token, in order."""
        return self.fake.find(method, str(payload["token"]))

    def private(self, payload: dict[str, Any]) -> list[str]:
        """The ephemeral followups of one interaction (errors, refusals, "busy"), in order."""
        return [call.content for call in self.fake.find("POST", f"/webhooks/111/{payload['token']}")
                if isinstance(call.body, dict) and call.body.get("flags", 0) & EPHEMERAL]


@asynccontextmanager
async def open_rig(
    tmp_path: Path, *, sim: SimConfig | None = None, config: Options = FAST, harness: Harness | None = None,
    fake: FakeDiscord | None = None, clock: SimClock | None = None,
) -> AsyncIterator[Rig]:
    """Start (or reuse) the harness and the fake, and a logged-in client; restore discord.py's API URL after."""
    original = discord.http.Route.BASE
    clock = clock or SimClock()
    try:
        async with _harness(tmp_path, sim, harness) as h, _fake(tmp_path, clock, fake) as served:
            settings = config.model_copy(update={"api_url": served.api_url})
            async with open_discord(
                h.engine, settings, workdir=tmp_path, max_upload_bytes=MAX_UPLOAD_BYTES, clock=clock,
            ) as client:
                await client.login("fake-bot-token")
                yield Rig(h, served, client, clock, Payloads(served, clock))
    finally:
        discord.http.Route.BASE = original


@asynccontextmanager
async def _harness(tmp_path: Path, sim: SimConfig | None, given: Harness | None) -> AsyncIterator[Harness]:
    if given is not None:
        yield given
        return
    async with running_bot(tmp_path, db=12, sim=sim or SimConfig(speed=0.001)) as h:
        yield h


@asynccontextmanager
async def _fake(tmp_path: Path, clock: SimClock, given: FakeDiscord | None) -> AsyncIterator[FakeDiscord]:
    if given is not None:
        yield given
        return
    async with running(tmp_path / "discord-fake", clock) as fake:
        yield fake
