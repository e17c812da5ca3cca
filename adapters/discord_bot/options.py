"""The Discord adapter's plain values: the knobs an operator sets (read by `bot.config.DiscordSettings`) and limits."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

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

    shard_count: int | None = Field(
        None, gt=0,
        description="Total number of gateway shards across every process. Unset: Discord's recommendation, all "
        "run here.",
    )
    shard_ids: tuple[int, ...] = Field(
        (),
        description="Comma list of the shards this process runs (needs DISCORD_SHARD_COUNT). Empty: all of them, "
        "or a slice by pod ordinal with DISCORD_SHARDS_PER_POD.",
    )
    shards_per_pod: int | None = Field(
        None, gt=0,
        description="Shards per pod of a StatefulSet: pod N runs shards N*this to N*this+this-1 (needs "
        "DISCORD_SHARD_COUNT).",
    )
    pod_ordinal: int | None = Field(
        None, ge=0,
        description="This pod's ordinal for DISCORD_SHARDS_PER_POD. Unset: the number ending the host name "
        "(nemo-bot-discord-2 is 2).",
    )

    @field_validator("guild_ids", "shard_ids", mode="before")
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


    @model_validator(mode="after")
    def _shards_fit(self) -> Knobs:
        # Said at start-up: discord.py would only fail once it connects, or silently run shards twice.
        count = self.shard_count
        if (self.shard_ids or self.shards_per_pod) and count is None:
            raise ValueError("DISCORD_SHARD_IDS and DISCORD_SHARDS_PER_POD need DISCORD_SHARD_COUNT")
        if self.shard_ids and self.shards_per_pod:
            raise ValueError("set DISCORD_SHARD_IDS or DISCORD_SHARDS_PER_POD, not both")
        if count is not None and any(not 0 <= shard < count for shard in self.shard_ids):
            raise ValueError("DISCORD_SHARD_IDS must be between 0 and DISCORD_SHARD_COUNT - 1")
        return self


class Options(Knobs):
    """What the Discord adapter runs with; every delay is in seconds."""

    model_config = ConfigDict(frozen=True)

    watch_tick: float = 5.0  # how often a quiet job checks whether its interaction token must be left
