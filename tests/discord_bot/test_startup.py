"""`serve_discord` for real: login and gateway discovery through DISCORD_API_URL, commands synced to the configured
guild, events over the gateway, and a clean stop when cancelled; and a start that cannot succeed, as an operator meets
it (`nemo-bot discord` as a subprocess: one or two plain lines and an exit code per kind)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path
from typing import Any

import discord
from aiohttp import WSMsgType, web
from pydantic import SecretStr

from bot.app import Bot
from bot.app_discord import serve_discord
from bot.config import DiscordSettings
from bot.engine.config import EngineConfig
from bot.store.keys import ChatKey
from tests.command import assert_plain_failure, run_command
from tests.discord_bot.fake_discord import running
from tests.discord_bot.fake_gateway import FakeGateway, guild
from tests.discord_bot.payloads import CHANNEL, GUILD, IN_CHANNEL, IN_THREAD, THREAD, Payloads, bot_mention
from tests.harness import FAST, running_bot, wait_for
from tests.redis_server import closed_port

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


class RefusingGateway:
    """A gateway that says HELLO, then answers IDENTIFY by closing with `code` (4004: the token is refused,
    4014: an intent the application may not ask for)."""

    def __init__(self, code: int) -> None:
        self.code = code

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One gateway connection, closed at IDENTIFY."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for frame in socket:
            if frame.type is WSMsgType.TEXT and json.loads(frame.data)["op"] == 2:
                await socket.close(code=self.code)
        return socket


TOKEN = "MTIzNDU2Nzg5.secret-discord-token.never-shown"


async def test_a_token_refused_at_login_exits_4(tmp_path: Path) -> None:
    async with running(tmp_path / "fake") as fake:
        fake.fail("GET", "/users/@me", 401, 0, message="401: Unauthorized")
        finished = await run_command(tmp_path, "discord", DISCORD_BOT_TOKEN=TOKEN, DISCORD_API_URL=fake.api_url)
    assert_plain_failure(finished, 4, names=["refused by Discord", "DISCORD_BOT_TOKEN"], secrets=[TOKEN])


async def test_a_token_refused_by_the_gateway_exits_4(tmp_path: Path) -> None:
    async with running(tmp_path / "fake", gateway=RefusingGateway(4004)) as fake:
        finished = await run_command(tmp_path, "discord", DISCORD_BOT_TOKEN=TOKEN, DISCORD_API_URL=fake.api_url)
    assert_plain_failure(finished, 4, names=["refused by Discord", "DISCORD_BOT_TOKEN"], secrets=[TOKEN])


async def test_a_refused_message_content_intent_exits_2_naming_the_setting(tmp_path: Path) -> None:
    async with running(tmp_path / "fake", gateway=RefusingGateway(4014)) as fake:
        finished = await run_command(
            tmp_path, "discord", DISCORD_BOT_TOKEN=TOKEN, DISCORD_API_URL=fake.api_url, DISCORD_MESSAGE_CONTENT="true",
        )
    assert_plain_failure(finished, 2, names=["Message Content", "DISCORD_MESSAGE_CONTENT"], secrets=[TOKEN])


async def test_an_unreachable_discord_api_exits_3_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/v10"
    finished = await run_command(tmp_path, "discord", DISCORD_BOT_TOKEN=TOKEN, DISCORD_API_URL=url)
    assert_plain_failure(finished, 3, names=[f"Discord's API at {url}", "DISCORD_API_URL"], secrets=[TOKEN])
