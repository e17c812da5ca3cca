"""Telegram settings (`TELEGRAM_*`), read once by the entry point; the adapter itself takes plain values."""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.telegram.options import CLOUD_DOWNLOAD_LIMIT, CLOUD_UPLOAD_LIMIT, LOCAL_UPLOAD_LIMIT, Options
from bot.config import Settings

DEFAULT_API_URL = "https://api.telegram.org"
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramSettings(BaseSettings):
    """Every `TELEGRAM_*` knob; the token and the webhook secret are `SecretStr` so they never print."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
        hide_input_in_errors=True,  # a rejected value may be a secret
    )

    telegram_bot_token: SecretStr | None = Field(None, description="Telegram bot token from @BotFather.")
    telegram_api_url: str = Field(
        DEFAULT_API_URL,
        description="Bot API server root; the bot calls <root>/bot<token>/ and downloads from <root>/file/bot<token>/.",
    )
    telegram_local_mode: bool = Field(
        False, description="The server is a self-hosted telegram-bot-api started with --local (2000 MB files)."
    )
    telegram_webhook_url: str | None = Field(
        None, description="Public HTTPS URL Telegram posts updates to. Unset: long polling."
    )
    telegram_webhook_secret: SecretStr | None = Field(
        None, description="Webhook secret token (1-256 of A-Z a-z 0-9 _ -). Unset: a random one per start."
    )
    telegram_webhook_listen: str = Field("127.0.0.1", description="Address the webhook server listens on.")
    telegram_webhook_port: int = Field(8443, description="Port the webhook server listens on.")

    @field_validator("telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram refuses other characters in setWebhook; say so at start-up, without echoing the value.
        if value is not None and not _SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramSettings:
        """Take the `telegram_*` values the main settings carry; anything they lack is read from the environment."""
        known = settings.model_dump()
        return cls(**{name: known[name] for name in cls.model_fields if known.get(name) is not None})

    def token(self) -> str:
        """The bot token; a clear error when it is missing."""
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        return self.telegram_bot_token.get_secret_value()

    def options(self) -> Options:
        """The adapter's plain values."""
        local = self.telegram_local_mode
        return Options(
            upload_limit=LOCAL_UPLOAD_LIMIT if local else CLOUD_UPLOAD_LIMIT,
            download_limit=None if local else CLOUD_DOWNLOAD_LIMIT,
            local_mode=local,
        )
