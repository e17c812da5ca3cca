"""The Discord adapter: slash commands, buttons and mentions in, engine replies out (package name avoids `discord`)."""

from adapters.discord_bot.chats import PLATFORM
from adapters.discord_bot.runner import run_discord
from adapters.discord_bot.settings import DiscordSettings

__all__ = ["PLATFORM", "DiscordSettings", "run_discord"]
