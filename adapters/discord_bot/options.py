"""The Discord adapter's plain values (built by the composition root from `bot.config.DiscordSettings`)."""

from __future__ import annotations

from dataclasses import dataclass

PLATFORM = "discord"
DEFAULT_API_URL = "https://discord.com/api/v10"
TOKEN_LIFETIME = 15 * 60.0
"""Seconds an interaction token stays valid, counted from the user's invocation."""
TOKEN_MARGIN = 10.0
"""Seconds before `TOKEN_LIFETIME` when the adapter stops using the token: a request checked just in time must not
land late (network latency, discord.py's rate-limit waits, this host's clock running behind Discord's)."""


@dataclass(frozen=True, slots=True)
class Options:
    """What the Discord adapter runs with; every delay is in seconds."""

    api_url: str = DEFAULT_API_URL
    guild_ids: tuple[int, ...] = ()
    message_content: bool = False
    progress_interval: float = 2.0
    handoff_after: float = 13 * 60.0
    watch_tick: float = 5.0
