"""The Discord adapter's plain values: the knobs an operator sets (read by `bot.config.DiscordSettings`) and limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

PLATFORM = "discord"
DEFAULT_API_URL = "https://discord.com/api/v10"
TOKEN_LIFETIME = 15 * 60.0
"""Seconds an interaction token stays valid, counted from the user's invocation."""
TOKEN_MARGIN = 10.0
"""Seconds before `TOKEN_LIFETIME` when the adapter stops using the token: a request checked just in time must not
land late (network latency, discord.py's rate-limit waits, this host's clock running behind Discord's)."""


class Knobs(BaseModel):
    """What an operator sets for Discord, declared once: the settings tree reads each from `DISCORD_<NAME>`."""

    api_url: Annotated[str, AfterValidator(lambda url: url.rstrip("/"))] = Field(
        DEFAULT_API_URL,
        description="Discord REST API base (an HTTP proxy such as nirn-proxy, or a test server); the gateway is "
        "discovered through it.",
    )
    guild_ids: tuple[int, ...] = Field(
        (),
        description="Comma list of guild ids to sync slash commands to (instant, for development). "
        "Empty: sync globally.",
    )
    message_content: bool = Field(
        False,
        description="true: request the privileged message content intent (replies to the bot then continue a "
        "project without a mention).",
    )
    progress_interval: float = Field(2.0, gt=0, description="Least seconds between two progress edits.")
    handoff_after: float = Field(
        780.0, gt=0, lt=TOKEN_LIFETIME - TOKEN_MARGIN,
        description="Seconds after a slash command when its replies move to ordinary channel messages "
        "(before the 15-minute token ends).",
    )

    @field_validator("guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # Environment variables are comma lists ("123, 456"), not JSON.
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if not all(part.isdigit() for part in parts):
                # Said without the value: int()'s own message would quote it.
                raise ValueError("DISCORD_GUILD_IDS must be a comma list of numeric guild ids")
            return tuple(int(part) for part in parts)
        if isinstance(value, int):
            return (value,)
        return value


class Options(Knobs):
    """What the Discord adapter runs with; every delay is in seconds."""

    model_config = ConfigDict(frozen=True)

    watch_tick: float = 5.0  # how often a quiet job checks whether its interaction token must be left
