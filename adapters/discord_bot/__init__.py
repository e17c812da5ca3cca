"""The Discord adapter: slash commands, buttons and mentions in, engine replies out (package name avoids `discord`)."""

from adapters.discord_bot.options import PLATFORM
from adapters.discord_bot.runner import run_discord

__all__ = ["PLATFORM", "run_discord"]
