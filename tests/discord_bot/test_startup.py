"""`serve_discord` for real: login and gateway discovery through DISCORD_API_URL, commands synced to the configured
guild, events over the gateway, and a clean stop when cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import discord
from pydantic import SecretStr

from bot.app import Bot
from bot.app_discord import serve_discord
from bot.config import DiscordSettings
from bot.engine.config import EngineConfig
from bot.store.keys import ChatKey
from tests.discord_bot.fake_discord import running
from tests.discord_bot.fake_gateway import FakeGateway, guild
from tests.discord_bot.payloads import CHANNEL, GUILD, IN_CHANNEL, IN_THREAD, THREAD, Payloads, bot_mention
from tests.harness import FAST, running_bot, wait_for

MESSAGE_CONTENT = 1 << 15


async def test_run_discord_serves_commands_and_mentions_over_the_gateway_until_cancelled(tmp_path: Path) -> None:
    gateway = FakeGateway([guild(GUILD, [IN_CHANNEL.channel()], [IN_THREAD.channel()], tier=2, locale="zh-CN")])
    original = discord.http.Route.BASE
    async with running_bot(tmp_path, db=12) as h, running(tmp_path / "fake", gateway=gateway) as fake:
        timings: dict[str, Any] = dict(FAST)
        bot = Bot(h.nemo, h.store, EngineConfig(workdir=tmp_path / "work", **timings))
        settings = DiscordSettings(
            _env_file=None, bot_token=SecretStr("bot-secret"), api_url=fake.api_url, guild_ids=(GUILD,),
        )
        task = asyncio.create_task(serve_discord(bot, settings))
        try:
            await asyncio.wait_for(gateway.identified.wait(), 10)
            assert gateway.identify is not None
            assert gateway.identify["token"] == "bot-secret"
            assert not gateway.identify["intents"] & MESSAGE_CONTENT  # mentions work without the privileged intent
            assert gateway.query["v"] == "10"
            assert fake.find("GET", "/gateway/bot")
            assert [call.path for call in fake.find("PUT")] == [f"/applications/111/guilds/{GUILD}/commands"]

            make = Payloads(fake, time.time)
            credits = make.command("credits")
            await gateway.dispatch("INTERACTION_CREATE", credits)
            await wait_for(lambda: any("Credits" in call.content for call in fake.find("PATCH", credits["token"])))

            await gateway.dispatch("MESSAGE_CREATE", make.message(f"{bot_mention()} hello", place=IN_THREAD))
            thread_posts = f"/channels/{THREAD}/messages"
            await wait_for(lambda: any(call.custom_ids for call in fake.find("POST", thread_posts)))
            assert not fake.find("GET", "/channels/")  # the thread is known from GUILD_CREATE
            assert fake.find("POST", thread_posts)[0].content == "⚙️ 正在准备..."  # the server's language
            assert await h.store.get_session(ChatKey("discord", str(CHANNEL), str(THREAD))) is not None
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            discord.http.Route.BASE = original
        assert task.done()
