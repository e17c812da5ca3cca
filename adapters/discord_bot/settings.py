"""Discord settings, read once from the environment (and `.env`), and the plain values built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://discord.com/api/v10"
TOKEN_LIFETIME = 15 * 60.0
"""Seconds an interaction token stays valid, counted from the user's invocation."""
TOKEN_MARGIN = 10.0
"""Seconds before `TOKEN_LIFETIME` when the adapter stops using the token: a request checked just in time must not
land late (network latency, discord.py's rate-limit waits, this host's clock running behind Discord's)."""


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    """What the Discord adapter runs with; every delay is in seconds."""

    api_url: str = DEFAULT_API_URL
    guild_ids: tuple[int, ...] = ()
    message_content: bool = False
    progress_interval: float = 2.0
    handoff_after: float = 13 * 60.0
    watch_tick: float = 5.0


class DiscordSettings(BaseSettings):
    """The Discord adapter's knobs (the bot token itself is `DISCORD_BOT_TOKEN` in the main settings)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    discord_api_url: str = Field(
        DEFAULT_API_URL,
        description="Discord REST API base URL (an HTTP proxy or a test server); the gateway is discovered through it.",
    )
    discord_guild_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (), description="Comma-separated guild ids to sync slash commands to (instant); empty: sync globally."
    )
    discord_message_content: bool = Field(
        False, description="Request the privileged message content intent (also follow replies to the bot)."
    )
    discord_progress_interval: float = Field(2.0, gt=0, description="Least seconds between two progress edits.")
    discord_handoff_after: float = Field(
        13 * 60.0, gt=0, lt=TOKEN_LIFETIME - TOKEN_MARGIN,
        description="Seconds after a slash command when its replies move to ordinary channel messages.",
    )

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Environment variables are comma lists ("123,456"), not JSON.
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return (value,)
        return value

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DiscordSettings:
        """The `discord_*` values the main settings carry (validated again here)."""
        known = settings.model_dump()
        return cls(**{name: known[name] for name in cls.model_fields if known.get(name) not in (None, "")})

    def config(self) -> DiscordConfig:
        """The plain values the adapter runs with."""
        return DiscordConfig(
            api_url=self.discord_api_url.rstrip("/"),
            guild_ids=self.discord_guild_ids,
            message_content=self.discord_message_content,
            progress_interval=self.discord_progress_interval,
            handoff_after=self.discord_handoff_after,
        )
