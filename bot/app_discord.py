"""The composition root's Discord part: discord.py pointed at the API, the client and its download session opened."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord

from adapters.discord_bot.client import DiscordBot
from adapters.discord_bot.files import Downloader
from adapters.discord_bot.options import PLATFORM, Options
from adapters.discord_bot.runner import run_discord
from bot.app import Bot
from bot.config import DiscordSettings
from bot.engine.engine import Engine
from bot.engine.ports import Clock


def discord_options(conf: DiscordSettings) -> Options:
    """The adapter's plain values: the settings group as it is, less the token (the client logs in with it)."""
    return Options(**conf.model_dump(exclude={"bot_token"}))


def point_at(api_url: str) -> None:
    """Send every REST and interaction request to `api_url` (a proxy or a test server).

    discord.py builds each request URL from the class attribute `Route.BASE`, and its webhook adapter (which
    answers interactions) uses the same class; there is no per-client setting, so this is the one seam.
    """
    discord.http.Route.BASE = api_url


@contextlib.asynccontextmanager
async def open_discord(
    engine: Engine, config: Options, *, workdir: Path, max_upload_bytes: int, clock: Clock = time.time,
) -> AsyncIterator[DiscordBot]:
    """The client (not yet logged in) and its download session; both closed on exit."""
    point_at(config.api_url)
    async with aiohttp.ClientSession() as session:
        client = DiscordBot(
            engine, config, fetcher=Downloader(session, max_upload_bytes), workdir=workdir / "discord",
            clock=clock,
        )
        async with client:
            yield client


async def serve_discord(bot: Bot, conf: DiscordSettings) -> None:
    """Run the Discord bot until cancelled; needs DISCORD_BOT_TOKEN."""
    token = conf.token()
    engine = bot.engine(PLATFORM)
    async with open_discord(
        engine, discord_options(conf), workdir=bot.config.workdir, max_upload_bytes=bot.config.max_upload_bytes,
    ) as client:
        await run_discord(client, token)
