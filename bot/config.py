"""The bot's settings: one tree, read once from the environment (and `.env`) by the entry point."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.sources import ENV_FILE_SENTINEL, DotenvType

from adapters.discord_bot.options import Knobs
from bot import __version__
from bot.engine.config import EngineLimits, EngineSwitches, EngineTimings
from bot.engine.rules import TeamRules
from bot.nemo.wire import CLIENT_ID_MAX, Header, is_client_id
from bot.store.connection import SENTINEL_SCHEME, RedisOptions, SentinelUrl

# `Settings` holds the Nemo API, storage and logging knobs and one group per part (`telegram`, `discord`, `engine`,
# `team`), each reading its own variables (`TELEGRAM_*`, `DISCORD_*`, the engine's and the team's unprefixed ones). The
# composition root turns the groups into the plain values each part runs with. A part whose values are all its own
# declares them next to its code (the engine's `EngineTimings` and `EngineSwitches`, the team's `TeamRules`, Discord's
# `Knobs`) and its group here reads them,
# so each knob is declared once. `.env.example` and `--help` are made from this tree (`env_vars`): every field is
# documented.

DEFAULT_API_URL = "https://mega-api-prod.nemovideo.ai"
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_REDIS_SCHEMES = ("redis", "rediss", "unix", SENTINEL_SCHEME)

# A base URL without its trailing slash: the adapters append paths that start with one.
BaseUrl = Annotated[str, AfterValidator(lambda url: url.rstrip("/"))]


class _Group(BaseSettings):
    """How every part of the tree reads: the environment first, then `.env`; a blank value counts as unset."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True,
        hide_input_in_errors=True,  # a rejected value may be a secret
    )
    section: ClassVar[str] = ""  # its heading in `.env.example`


class RedisSettings(_Group, RedisOptions):
    """How the store's client reaches Redis (declared with the store, in `bot/store/connection.py`)."""

    model_config = SettingsConfigDict(env_prefix="REDIS_")
    section: ClassVar[str] = "Redis connection (used when REDIS_URL is set; times in seconds)"


class TelegramSettings(_Group):
    """The Telegram adapter: bot token, Bot API server and webhook mode."""

    model_config = SettingsConfigDict(env_prefix="TELEGRAM_")
    section: ClassVar[str] = "Telegram"

    bot_token: SecretStr | None = Field(
        None, description="Telegram bot token from @BotFather. Set: `nemo-bot` (or `nemo-bot run`) serves Telegram."
    )
    api_url: BaseUrl = Field(
        "https://api.telegram.org",
        description="Bot API server root; the bot derives /bot<token>/ and /file/bot<token>/ from it "
        "(a self-hosted server's URL here).",
    )
    local_mode: bool = Field(
        False,
        description="true when that server runs `telegram-bot-api --local`: uploads up to 2000 MB, "
        "no 20 MB download limit.",
    )
    webhook_url: str | None = Field(
        None, description="Public HTTPS URL Telegram posts updates to. Unset: long polling."
    )
    webhook_secret: SecretStr | None = Field(
        None,
        description="Webhook secret token (1-256 of A-Z a-z 0-9 _ -); set a fixed one when several replicas share "
        "one URL. Unset: a random one per start.",
    )
    webhook_listen: str = Field(
        "127.0.0.1", description="Address the webhook server listens on (0.0.0.0 in containers)."
    )
    webhook_port: int = Field(
        8443, description="Port the webhook server listens on. The same as HEALTH_PORT: the health server answers the "
        "webhook too (on HEALTH_LISTEN), one port for both.",
    )

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram refuses other characters in setWebhook; say so at start-up, without echoing the value.
        if value is not None and not _SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    def token(self) -> str:
        """The bot token; a clear error when it is missing."""
        return _required(self.bot_token, "TELEGRAM_BOT_TOKEN")


class DiscordSettings(_Group, Knobs):
    """The Discord adapter: its bot token, and the knobs it declares (`adapters/discord_bot/options.py`)."""

    # Comma lists ("123, 456") are split by the adapter's own validator, never read as JSON.
    model_config = SettingsConfigDict(env_prefix="DISCORD_", enable_decoding=False)
    section: ClassVar[str] = "Discord"

    bot_token: SecretStr | None = Field(
        None, description="Discord bot token. Set: `nemo-bot` (or `nemo-bot run`) serves Discord."
    )

    def token(self) -> str:
        """The bot token; a clear error when it is missing."""
        return _required(self.bot_token, "DISCORD_BOT_TOKEN")


class HealthSettings(_Group):
    """The health, readiness and metrics server (off unless HEALTH_PORT is set)."""

    model_config = SettingsConfigDict(env_prefix="HEALTH_")
    section: ClassVar[str] = "Health and metrics"

    port: int | None = Field(
        None, ge=0, le=65535,
        description="Port serving /healthz, /readyz and /metrics (Prometheus). Unset: no such server.",
    )
    listen: str = Field("0.0.0.0", description="Address that server listens on (127.0.0.1: this machine only).")
    nemo_check_interval: float = Field(
        30.0, ge=0,
        description="/readyz asks the Nemo API's root at most this often when no request has gone there for as "
        "long; 0: it reports the last request's outcome only.",
    )


class EngineSettings(_Group, EngineLimits, EngineSwitches, EngineTimings):
    """The conversation engine's timings and switches (declared with the engine, in `bot/engine/config.py`),
    unprefixed names."""

    section: ClassVar[str] = "Engine (timings in seconds)"


class TeamSettings(_Group, TeamRules):
    """Who may use the bot and each person's quota (declared with the engine, in `bot/engine/rules.py`), unprefixed
    names."""

    # Comma lists ("123, discord:456") are split by the rules' own validator, never read as JSON.
    model_config = SettingsConfigDict(enable_decoding=False)
    section: ClassVar[str] = "Teams: who may use the bot, and quotas on the shared credits (see README, Teams)"


class Settings(_Group):
    """Every knob the bot has; secrets are `SecretStr` so they never print."""

    section: ClassVar[str] = "Nemo API, storage, files and logs"

    # Nemo API
    nemo_api_url: str = Field(
        DEFAULT_API_URL, description="Base URL of the Nemo API, or of `nemo-bot sim` (e.g. http://127.0.0.1:8765)."
    )
    nemo_web_url: str = Field("https://nemovideo.com", description="Nemo web app, used in registration links.")
    nemo_token: SecretStr | None = Field(
        None, description="A registered Nemo token (nmv_usr_...). Unset: one anonymous token serves every chat."
    )
    nemo_client_id: str | None = Field(
        None,
        description="Stable client id for anonymous tokens (a UUID, or 1-64 visible ASCII characters). "
        "Unset: made once, kept (store + NEMO_CONFIG_DIR/client_id), replaced if refused.",
    )
    nemo_config_dir: str = Field("~/.config/nemovideo", description="Folder keeping the generated client id.")
    skill_name: str = Field(
        "ai-video-maker-renderforest",
        description="X-Skill-Source attribution header sent with every request: the skill this bot speaks for.",
    )
    skill_version: str = Field(__version__, description="X-Skill-Version attribution header.")
    skill_platform: str | None = Field(
        None,
        validation_alias=AliasChoices("skill_platform", "skill_source"),
        description="X-Skill-Platform override (SKILL_SOURCE is read too). Unset: each adapter sends its own "
        "(console, telegram, discord).",
    )
    http_timeout: float = Field(60.0, description="Seconds for an ordinary Nemo API request.")
    rate_limit_backoff: float = Field(30.0, description="Seconds to wait after HTTP 429 before the one retry.")
    nemo_connections: int = Field(
        100, ge=1,
        description="Connections to the Nemo API for everything but agent streams (states, polls, uploads, "
        "downloads); more requests wait their turn, up to HTTP_TIMEOUT. Agent streams have a pool of their own, "
        "MAX_CONCURRENT_TURNS connections.",
    )

    # Storage
    redis_url: str | None = Field(
        None,
        description="Redis URL, e.g. redis://127.0.0.1:6379/0; through Redis Sentinel: "
        "redis+sentinel://[:PASSWORD@]HOST:26379[,HOST:26379...]/SERVICE[/DB]. Unset: the embedded in-process store "
        "(nothing survives a restart).",
    )
    redis_prefix: str = Field("nemo-bot", description="Prefix of every Redis key the bot writes.")

    # Files and logs
    work_dir: str | None = Field(
        None, description="Scratch folder for uploads and renders. Unset: the system temp dir."
    )
    log_level: str | None = Field(
        None,
        description="Logging level: DEBUG, INFO, WARNING, ERROR. Unset: WARNING, to stderr; the console then logs "
        "nothing (its terminal is the conversation) unless --log-file names a file.",
    )

    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or json: one JSON object per line (time, level, logger, message, "
        "chat, render_id, request_id).",
    )

    # The parts, each reading its own variables
    redis: RedisSettings = Field(default_factory=RedisSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    team: TeamSettings = Field(default_factory=TeamSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)

    @field_validator("nemo_client_id")
    @classmethod
    def _client_id_shape(cls, value: str | None) -> str | None:
        # The token endpoint refuses other ids with HTTP 400 on every request; say so at start-up instead.
        if value is not None and not is_client_id(value):
            raise ValueError(
                f"NEMO_CLIENT_ID must be 1-{CLIENT_ID_MAX} visible ASCII characters, no spaces (a UUID is best)"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        # redis-py would refuse it at the first connection, quoting the URL (and so its password).
        if value is None:
            return value
        scheme = urlsplit(value).scheme
        if scheme not in _REDIS_SCHEMES:
            raise ValueError("REDIS_URL must start with redis://, rediss://, unix:// or redis+sentinel://")
        if scheme == SENTINEL_SCHEME:
            SentinelUrl.parse(value)  # its ValueError names the form, never the value
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format_name(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _log_level_name(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in _LOG_LEVELS:
            raise ValueError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
        return None if value is None else value.upper()

    def __init__(self, _env_file: DotenvType | None = ENV_FILE_SENTINEL, **values: Any) -> None:
        # Each group reads the same `.env` as the root, so `Settings(_env_file=None)` reads no file at all.
        for name, group in _groups(type(self)):
            if name not in values:
                values[name] = group(_env_file=_env_file)
        super().__init__(_env_file=_env_file, **values)

    def attribution(self, platform: str) -> dict[str, str]:
        """The three attribution headers for requests made on behalf of `platform`."""
        return {
            Header.SKILL_SOURCE: self.skill_name,
            Header.SKILL_VERSION: self.skill_version,
            Header.SKILL_PLATFORM: self.skill_platform or platform,
        }


def _required(secret: SecretStr | None, name: str) -> str:
    if secret is None or not secret.get_secret_value():
        raise ValueError(f"{name} is not set")
    return secret.get_secret_value()


def _groups(root: type[_Group]) -> list[tuple[str, type[_Group]]]:
    """The root's fields that are groups of their own, in declaration order."""
    return [
        (name, field.annotation) for name, field in root.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, _Group)
    ]


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One environment variable of the tree, as `.env.example` and `--help` show it."""

    name: str
    section: str
    description: str
    default: str  # spelled as in a `.env` file; empty when unset


def env_vars() -> list[EnvVar]:
    """Every environment variable the tree reads: the root's own fields first, then each group's."""
    groups = dict(_groups(Settings))
    found = [_env_var(Settings, name, field) for name, field in Settings.model_fields.items() if name not in groups]
    for group in groups.values():
        found.extend(_env_var(group, name, field) for name, field in group.model_fields.items())
    return found


def _env_var(group: type[_Group], name: str, field: FieldInfo) -> EnvVar:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        alias = alias.choices[0]
    env_name = alias if isinstance(alias, str) else group.model_config.get("env_prefix", "") + name
    return EnvVar(env_name.upper(), group.section, field.description or "", _spelled(field))


def _spelled(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None or value == ():
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def env_example() -> str:
    """The text of `.env.example`: every variable with its description and default, by section."""
    lines = [
        "# nemo-video-bot settings. Copy to .env and fill in what you need; every field is optional.",
        "# Made from bot/config.py by `python -m bot.config > .env.example` (a test keeps the two equal).",
    ]
    section = ""
    for var in env_vars():
        if var.section != section:
            section = var.section
            lines += ["", f"# --- {section} ---"]
        lines += [f"# {var.description}", f"{var.name}={var.default}"]
    return "\n".join(lines) + "\n"


def rejected(exc: ValidationError) -> str:
    """A failed `Settings()` in one line: each rejected variable with its rule, never its value."""
    every: list[type[_Group]] = [Settings, *(group for _, group in _groups(Settings))]
    groups = {group.__name__: group for group in every}
    group = groups.get(exc.title, Settings)
    problems = []
    for error in exc.errors(include_url=False):
        problem = error["msg"].removeprefix("Value error, ")
        name = str(error["loc"][0]) if error["loc"] else ""
        if name in group.model_fields:
            variable = _env_var(group, name, group.model_fields[name]).name
            problem = problem if variable in problem else f"{variable}: {problem}"
        problems.append(problem)
    return "; ".join(problems)


if __name__ == "__main__":
    print(env_example(), end="")
