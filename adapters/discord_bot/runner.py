"""`nemo-bot discord`: the adapter serving an opened client until cancelled."""

from __future__ import annotations

import logging

from adapters.discord_bot.client import DiscordBot

log = logging.getLogger(__name__)


async def run_discord(client: DiscordBot, token: str) -> None:
    """Log the opened `client` in and follow the gateway until cancelled (the composition root closes it)."""
    log.info("discord bot starting")
    await client.start(token)
