"""`nemo-bot discord`: open the Discord client around the bot's engine and run it until cancelled."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import discord

from adapters.discord_bot.chats import PLATFORM
from adapters.discord_bot.client import DiscordBot
from adapters.discord_bot.downloads import Fetcher
from adapters.discord_bot.outgoing import Clock
from adapters.discord_bot.settings import DiscordConfig, DiscordSettings
from bot.app import Bot
from bot.config import Settings
from bot.engine.engine import Engine

log = logging.getLogger(__name__)


def point_at(api_url: str) -> None:
    """Send every REST and interaction request to `api_url` (a proxy or a test server).

    discord.py builds each request URL from the class attribute `Route.BASE`, and its webhook adapter (which
    answers interactions) uses the same class; there is no per-client setting, so this is the one seam.
    """
    discord.http.Route.BASE = api_url


@contextlib.asynccontextmanager
async def open_discord(
    engine: Engine, config: DiscordConfig, *, workdir: Path, max_upload_bytes: int, clock: Clock = time.time,
) -> AsyncIterator[DiscordBot]:
    """The client (not yet logged in) and its download session; both closed on exit."""
    point_at(config.api_url)
    async with aiohttp.ClientSession() as session:
        client = DiscordBot(
            engine, config, fetcher=Fetcher(session, max_upload_bytes), workdir=workdir / "discord",
            clock=clock,
        )
        async with client:
            yield client


async def run_discord(bot: Bot, settings: Settings, discord_settings: DiscordSettings | None = None) -> None:
    """Run the Discord adapter until cancelled; needs `DISCORD_BOT_TOKEN`."""
    if settings.discord_bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    config = (discord_settings or DiscordSettings.from_settings(settings)).config()
    engine = bot.engine(PLATFORM)
    async with open_discord(
        engine, config, workdir=bot.config.workdir, max_upload_bytes=bot.config.max_upload_bytes,
    ) as client:
        await client.start(settings.discord_bot_token.get_secret_value())
