"""The Discord adapter: slash commands, buttons and mentions in, engine replies out (package name avoids `discord`)."""

from adapters.discord_bot.chats import PLATFORM

__all__ = ["PLATFORM"]
