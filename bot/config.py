"""The bot's settings, read once from the environment (and `.env`) by the entry point."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import __version__

DEFAULT_API_URL = "https://mega-api-prod.nemovideo.ai"


class Settings(BaseSettings):
    """Every knob the bot has; secrets are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
        hide_input_in_errors=True,  # a rejected value may be a secret
    )

    # Nemo API
    nemo_api_url: str = Field(DEFAULT_API_URL, description="Base URL of the Nemo API (or of `nemo-bot sim`).")
    nemo_web_url: str = Field("https://nemovideo.com", description="Nemo web app, used for registration links.")
    nemo_token: SecretStr | None = Field(
        None, description="A registered Nemo token (nmv_usr_...). Unset: one anonymous token serves every chat."
    )
    nemo_client_id: str | None = Field(
        None, description="Stable client id for anonymous tokens. Unset: generated once and kept in the store."
    )
    nemo_config_dir: str = Field(
        "~/.config/nemovideo", description="Folder keeping the generated client id (file `client_id`)."
    )
    skill_name: str = Field("nemo-video", description="X-Skill-Source header value.")
    skill_version: str = Field(__version__, description="X-Skill-Version header value.")
    skill_platform: str | None = Field(
        None,
        validation_alias=AliasChoices("skill_platform", "skill_source"),
        description="X-Skill-Platform override (SKILL_SOURCE also works). Unset: each adapter sends its own.",
    )

    # Storage
    redis_url: str | None = Field(None, description="Redis URL. Unset: the embedded in-process store.")
    redis_prefix: str = Field("nemo-bot", description="Prefix of every Redis key the bot writes.")

    # Platforms
    telegram_bot_token: SecretStr | None = Field(None, description="Telegram bot token from @BotFather.")
    telegram_api_url: str = Field(
        "https://api.telegram.org", description="Telegram Bot API server root (a self-hosted server's URL)."
    )
    telegram_local_mode: bool = Field(False, description="The Bot API server runs with --local (2000 MB files).")
    telegram_webhook_url: str | None = Field(None, description="Public HTTPS URL for Telegram updates. Unset: polling.")
    telegram_webhook_secret: SecretStr | None = Field(
        None, description="Webhook secret token (1-256 of A-Z a-z 0-9 _ -). Unset: a random one per start."
    )
    telegram_webhook_listen: str = Field("127.0.0.1", description="Address the Telegram webhook server listens on.")
    telegram_webhook_port: int = Field(8443, description="Port the Telegram webhook server listens on.")
    discord_bot_token: SecretStr | None = Field(None, description="Discord bot token.")
    discord_api_url: str = Field(
        "https://discord.com/api/v10", description="Discord REST API base (a proxy or test server)."
    )
    discord_guild_ids: str = Field("", description="Comma list of guild ids to sync commands to; empty: globally.")
    discord_message_content: bool = Field(
        False, description="Request the privileged message content intent (also follow replies to the bot)."
    )
    discord_progress_interval: float = Field(2.0, description="Least seconds between two Discord progress edits.")
    discord_handoff_after: float = Field(
        780.0, description="Seconds after a slash command when its replies move to channel messages (< 890)."
    )

    # Files and logs
    work_dir: str | None = Field(None, description="Scratch folder for uploads and renders (default: system temp).")
    log_level: str = Field("WARNING", description="Logging level (DEBUG, INFO, WARNING, ERROR).")

    # Timing
    http_timeout: float = Field(60.0, description="Seconds for an ordinary Nemo API request.")
    stream_timeout: float = Field(900.0, description="Cap in seconds on one agent turn (/run_sse).")
    stream_idle_timeout: float = Field(600.0, description="Seconds of keepalives only before a turn is given up.")
    keepalive_ping_interval: float = Field(120.0, description="Least seconds between 'Still working...' pings.")
    rate_limit_backoff: float = Field(30.0, description="Seconds to wait after HTTP 429 before the one retry.")
    render_poll_initial: float = Field(2.0, description="First render poll delay in seconds.")
    render_poll_max: float = Field(15.0, description="Longest delay between render polls in seconds.")
    render_poll_factor: float = Field(1.5, description="Back-off factor between render polls.")
    render_timeout: float = Field(600.0, description="Give up on a render after this many seconds.")
    recovery_first_wait: float = Field(30.0, description="After a dropped stream: seconds to the first state check.")
    recovery_wait: float = Field(60.0, description="After a dropped stream: seconds between later state checks.")
    recovery_checks: int = Field(5, description="After a dropped stream: state checks before giving up.")
    lock_lease: float = Field(120.0, description="Seconds a chat's turn lock is held before it lapses.")

    def attribution(self, platform: str) -> dict[str, str]:
        """The three attribution headers for requests made on behalf of `platform`."""
        return {
            "X-Skill-Source": self.skill_name,
            "X-Skill-Version": self.skill_version,
            "X-Skill-Platform": self.skill_platform or platform,
        }
