"""A Discord flow through the composition root (`serve_platforms`, the fake Discord API and gateway) with HEALTH_PORT
set: /readyz follows the gateway connection, and a refused API call is counted by route and status."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from pathlib import Path
from typing import Any

import discord
import httpx

from bot.app import serve_platforms
from bot.config import DiscordSettings, EngineSettings, HealthSettings, Settings
from bot.logs import Redactor
from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.discord_bot.fake_discord import running
from tests.discord_bot.fake_gateway import FakeGateway, guild
from tests.discord_bot.payloads import GUILD, IN_CHANNEL, IN_THREAD, THREAD, Payloads, bot_mention
from tests.harness import FAST, wait_for
from tests.scrape import until_scraped, until_status
from tests.store_fixtures import REDIS_HOST, REDIS_PORT, redis_backend

REDIS_DB = 12
TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz"
ENGINE: dict[str, Any] = dict(FAST)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_discord_flow_is_seen_in_metrics_and_readiness(tmp_path: Path) -> None:
    gateway = FakeGateway([guild(GUILD, [IN_CHANNEL.channel()], [IN_THREAD.channel()])])
    original = discord.http.Route.BASE
    port = _free_port()
    try:
        async with (
            redis_backend("redis", REDIS_DB),
            run_simulator(SimConfig(speed=0.001)) as sim,
            running(tmp_path / "fake", gateway=gateway) as fake,
            httpx.AsyncClient(timeout=10) as http,
        ):
            settings = Settings(
                _env_file=None, nemo_api_url=sim.url, redis_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
                nemo_config_dir=str(tmp_path / "cfg"), work_dir=str(tmp_path / "work"),
                engine=EngineSettings(_env_file=None, **ENGINE),
                discord=DiscordSettings(_env_file=None, bot_token=TOKEN, api_url=fake.api_url, guild_ids=(GUILD,)),
                health=HealthSettings(_env_file=None, port=port, listen="127.0.0.1"),
            )
            task = asyncio.create_task(serve_platforms(settings, ["discord"], Redactor()))
            try:
                await asyncio.wait_for(gateway.identified.wait(), 10)
                ready = await until_status(http, port, "/readyz", 200)
                assert ready["checks"]["discord"] == {"ok": True, "detail": "connected to the gateway"}
                fake.fail("POST", f"/channels/{THREAD}/typing", 403, 50013, message="Missing Permissions")
                make = Payloads(fake, time.time)
                await gateway.dispatch("MESSAGE_CREATE", make.message(f"{bot_mention()} hello", place=IN_THREAD))
                await wait_for(lambda: any(call.custom_ids for call in fake.find("POST", f"/{THREAD}/")), 30)
                seen = await until_scraped(http, port, lambda seen: seen.value(
                    "nemo_bot_turns_total", platform="discord", outcome="done") == 1)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        discord.http.Route.BASE = original
    assert seen.value("nemo_bot_messages_in_total", platform="discord", intent="agent") == 1
    assert seen.value("nemo_bot_platform_api_errors_total", platform="discord", method="channels", code="403") == 1
    assert seen.value("nemo_bot_nemo_request_seconds_count", endpoint="run_sse") == 1
