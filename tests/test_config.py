"""The settings tree: real environment variables and a real `.env` file, the documented names, and the plain
values each part is built from (which must not drift from the tree)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from adapters.discord_bot.options import TOKEN_LIFETIME, TOKEN_MARGIN, Knobs
from bot import __version__
from bot.app import engine_config
from bot.app_discord import discord_options
from bot.cli import main
from bot.config import DiscordSettings, Settings, env_example, env_vars
from bot.engine.config import EngineConfig, EngineTimings
from bot.engine.rules import Period, TeamRules

ROOT = Path(__file__).resolve().parent.parent

# Every variable deployments set today, with a value other than its default: none may be renamed or dropped.
DOCUMENTED = {
    "NEMO_API_URL": ("nemo_api_url", "http://nemo.test"),
    "NEMO_WEB_URL": ("nemo_web_url", "http://web.test"),
    "NEMO_CLIENT_ID": ("nemo_client_id", "client-7"),
    "NEMO_CONFIG_DIR": ("nemo_config_dir", "/tmp/cfg"),
    "SKILL_NAME": ("skill_name", "skill-x"),
    "SKILL_VERSION": ("skill_version", "9.9"),
    "SKILL_PLATFORM": ("skill_platform", "kiosk"),
    "REDIS_URL": ("redis_url", "redis://redis.test:6379/3"),
    "REDIS_PREFIX": ("redis_prefix", "p"),
    "REDIS_STARTUP_WAIT": ("redis.startup_wait", 0.0),
    "REDIS_CONNECT_TIMEOUT": ("redis.connect_timeout", 2.0),
    "REDIS_TIMEOUT": ("redis.timeout", 3.0),
    "REDIS_RETRIES": ("redis.retries", 0),
    "REDIS_HEALTH_CHECK_INTERVAL": ("redis.health_check_interval", 30),
    "WORK_DIR": ("work_dir", "/tmp/work"),
    "LOG_LEVEL": ("log_level", "DEBUG"),
    "HTTP_TIMEOUT": ("http_timeout", 7.0),
    "RATE_LIMIT_BACKOFF": ("rate_limit_backoff", 3.0),
    "TELEGRAM_API_URL": ("telegram.api_url", "http://tg.test"),
    "TELEGRAM_LOCAL_MODE": ("telegram.local_mode", True),
    "TELEGRAM_WEBHOOK_URL": ("telegram.webhook_url", "https://bot.test/hook"),
    "TELEGRAM_WEBHOOK_LISTEN": ("telegram.webhook_listen", "0.0.0.0"),
    "TELEGRAM_WEBHOOK_PORT": ("telegram.webhook_port", 9443),
    "DISCORD_API_URL": ("discord.api_url", "http://discord.test/api"),
    "DISCORD_GUILD_IDS": ("discord.guild_ids", (5,)),
    "DISCORD_MESSAGE_CONTENT": ("discord.message_content", True),
    "DISCORD_PROGRESS_INTERVAL": ("discord.progress_interval", 4.0),
    "DISCORD_HANDOFF_AFTER": ("discord.handoff_after", 600.0),
    "STREAM_TIMEOUT": ("engine.stream_timeout", 11.0),
    "STREAM_IDLE_TIMEOUT": ("engine.stream_idle_timeout", 12.0),
    "KEEPALIVE_PING_INTERVAL": ("engine.keepalive_ping_interval", 13.0),
    "RENDER_POLL_INITIAL": ("engine.render_poll_initial", 0.5),
    "RENDER_POLL_MAX": ("engine.render_poll_max", 9.0),
    "RENDER_POLL_FACTOR": ("engine.render_poll_factor", 2.0),
    "RENDER_TIMEOUT": ("engine.render_timeout", 99.0),
    "RECOVERY_FIRST_WAIT": ("engine.recovery_first_wait", 1.0),
    "RECOVERY_WAIT": ("engine.recovery_wait", 2.0),
    "RECOVERY_CHECKS": ("engine.recovery_checks", 3),
    "LOCK_LEASE": ("engine.lock_lease", 45.0),
    "ALLOWED_USERS": ("team.allowed_users", ("123", "discord:456")),
    "ALLOWED_CHATS": ("team.allowed_chats", ("-100500",)),
    "ADMIN_USERS": ("team.admin_users", ("telegram:9",)),
    "ALLOWED_ROLES": ("team.allowed_roles", ("880", "881")),
    "QUOTA_PERIOD": ("team.quota_period", "week"),
    "QUOTA_TURNS": ("team.quota_turns", 3),
    "QUOTA_EXPORTS": ("team.quota_exports", 2),
    "QUOTA_CREDITS": ("team.quota_credits", 100),
}
SECRETS = {
    "NEMO_TOKEN": "nemo_token", "TELEGRAM_BOT_TOKEN": "telegram.bot_token",
    "TELEGRAM_WEBHOOK_SECRET": "telegram.webhook_secret", "DISCORD_BOT_TOKEN": "discord.bot_token",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting from the surroundings, and a folder of our own (for `.env`)."""
    for var in env_vars():
        monkeypatch.delenv(var.name, raising=False)
    monkeypatch.delenv("SKILL_SOURCE", raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _get(settings: BaseModel, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value


def test_every_documented_variable_is_read_from_the_environment(env: pytest.MonkeyPatch) -> None:
    for name, (_, value) in DOCUMENTED.items():
        env.setenv(name, ",".join(map(str, value)) if isinstance(value, tuple) else str(value))
    for name in SECRETS:
        env.setenv(name, f"secret-{len(name)}")
    settings = Settings()
    for name, (path, value) in DOCUMENTED.items():
        assert _get(settings, path) == value, name
    for name, path in SECRETS.items():
        assert _get(settings, path).get_secret_value() == f"secret-{len(name)}", name
        assert f"secret-{len(name)}" not in repr(settings)
    assert {var.name for var in env_vars()} >= DOCUMENTED.keys() | SECRETS.keys()


def test_requests_speak_for_the_renderforest_skill_unless_told_otherwise(env: pytest.MonkeyPatch) -> None:
    assert Settings().attribution("console") == {
        "X-Skill-Source": "ai-video-maker-renderforest", "X-Skill-Version": __version__, "X-Skill-Platform": "console",
    }
    env.setenv("SKILL_NAME", "my-skill")
    assert Settings().attribution("discord")["X-Skill-Source"] == "my-skill"


def test_skill_source_still_sets_the_platform_header(env: pytest.MonkeyPatch) -> None:
    env.setenv("SKILL_SOURCE", "kiosk")
    assert Settings().attribution("telegram")["X-Skill-Platform"] == "kiosk"


def test_a_dotenv_file_feeds_every_group_and_the_environment_wins(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "NEMO_API_URL=http://from-file\nTELEGRAM_BOT_TOKEN=123:file\nDISCORD_GUILD_IDS=1, 2\n"
        "STREAM_TIMEOUT=5\nLOCK_LEASE=\n",
        encoding="utf-8",
    )
    env.setenv("STREAM_TIMEOUT", "6")
    settings = Settings()
    assert settings.nemo_api_url == "http://from-file"
    assert settings.telegram.token() == "123:file"
    assert settings.discord.guild_ids == (1, 2)
    assert settings.engine.stream_timeout == 6.0
    assert settings.engine.lock_lease == 120.0  # blank: the default

    alone = Settings(_env_file=None)  # no file for the root nor for any group
    assert (alone.nemo_api_url, alone.telegram.bot_token, alone.discord.guild_ids) == (
        "https://mega-api-prod.nemovideo.ai", None, (),
    )
    assert alone.engine.stream_timeout == 6.0


def test_the_engine_gets_its_group_as_plain_values(env: pytest.MonkeyPatch) -> None:
    env.setenv("RENDER_POLL_MAX", "3")
    env.setenv("WORK_DIR", "/tmp/nemo-work")
    config = engine_config(Settings())
    assert (config.render_poll_max, config.workdir) == (3.0, Path("/tmp/nemo-work"))
    # Every engine of one process shares its start (`incarnation`), made once with the config.
    default = EngineConfig(workdir=Path("/tmp/nemo-work"), incarnation=config.incarnation)
    assert config.model_copy(update={"render_poll_max": 15.0}) == default


def test_every_engine_timing_is_read_from_its_own_variable(env: pytest.MonkeyPatch) -> None:
    # The timings are declared once, with the engine; the settings group must read every one of them.
    for index, name in enumerate(EngineTimings.model_fields):
        env.setenv(name.upper(), str(index + 2))
    config = engine_config(Settings())
    assert {name: getattr(config, name) for name in EngineTimings.model_fields} == {
        name: index + 2 for index, name in enumerate(EngineTimings.model_fields)
    }


def test_every_discord_knob_is_read_from_its_own_variable(env: pytest.MonkeyPatch) -> None:
    # The knobs are declared once, with the adapter; the settings group must read every one of them.
    values = {
        "api_url": "http://127.0.0.1:9/api", "guild_ids": "5,6", "message_content": "true",
        "progress_interval": "3", "handoff_after": "100", "shard_count": "4", "shard_ids": "",
        "shards_per_pod": "2", "pod_ordinal": "1",
    }
    assert values.keys() == Knobs.model_fields.keys()
    for name, value in values.items():
        env.setenv(f"DISCORD_{name.upper()}", value)
    config = discord_options(Settings().discord)
    assert (config.api_url, config.guild_ids, config.message_content, config.progress_interval) == (
        "http://127.0.0.1:9/api", (5, 6), True, 3.0,
    )
    assert config.handoff_after == 100.0
    assert (config.shard_count, config.shard_ids, config.shards_per_pod, config.pod_ordinal) == (4, (), 2, 1)


def test_discord_values_are_checked_when_read(env: pytest.MonkeyPatch) -> None:
    config = discord_options(DiscordSettings(guild_ids="7, 8", api_url="http://127.0.0.1:9/api/"))
    assert (config.guild_ids, config.api_url) == ((7, 8), "http://127.0.0.1:9/api")
    assert DiscordSettings(handoff_after=TOKEN_LIFETIME - TOKEN_MARGIN - 1).handoff_after == 889
    for wrong in ({"handoff_after": TOKEN_LIFETIME - TOKEN_MARGIN}, {"progress_interval": 0}, {"guild_ids": "1,x"}):
        with pytest.raises(ValidationError):
            DiscordSettings(**wrong)
    with pytest.raises(ValidationError) as caught:
        DiscordSettings(guild_ids="12,guild-secret-x")
    assert "guild-secret-x" not in str(caught.value)  # the rule is named, the value never quoted


def test_a_rejected_setting_stops_the_start_without_echoing_it(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    env.setenv("TELEGRAM_WEBHOOK_SECRET", "not allowed!")
    assert main(["console"]) == 2
    shown = capsys.readouterr().err
    assert shown.startswith("nemo-bot: TELEGRAM_WEBHOOK_SECRET must be")
    assert "A-Z, a-z, 0-9" in shown
    assert "not allowed!" not in shown


def test_every_rejected_setting_is_named_on_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    env.setenv("HTTP_TIMEOUT", "soon")
    env.setenv("NEMO_CLIENT_ID", "two words")
    env.setenv("LOG_LEVEL", "loud")
    assert main(["console"]) == 2
    line, fix = capsys.readouterr().err.splitlines()
    assert line.startswith("nemo-bot: ")
    assert fix == "  fix it in the environment or ./.env (`nemo-bot --help` lists every setting)"
    assert "NEMO_CLIENT_ID must be" in line
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in line
    assert "HTTP_TIMEOUT: Input should be a valid number" in line
    assert "soon" not in line
    assert "two words" not in line


def test_env_example_is_made_from_the_tree() -> None:
    written = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert written == env_example(), "run `python -m bot.config > .env.example`"
    for var in env_vars():
        assert f"\n{var.name}={var.default}\n" in written


def test_private_links_are_refused_unless_the_engine_is_told(env: pytest.MonkeyPatch) -> None:
    assert engine_config(Settings()).allow_private_urls is False
    env.setenv("ALLOW_PRIVATE_URLS", "true")
    assert engine_config(Settings()).allow_private_urls is True


def test_the_engine_gets_the_teams_rules_as_plain_values(env: pytest.MonkeyPatch) -> None:
    assert engine_config(Settings()).team == TeamRules()  # nothing set: open to anyone, no quota
    env.setenv("ALLOWED_CHATS", "-100500, discord:700")
    env.setenv("QUOTA_TURNS", "5")
    team = engine_config(Settings()).team
    assert (team.allowed_chats, team.quota_turns, team.quota_period) == (("-100500", "discord:700"), 5, Period.DAY)


def test_a_wrong_id_list_stops_the_start_without_echoing_it(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    env.setenv("ADMIN_USERS", "123, slack:secret-person")
    env.setenv("QUOTA_PERIOD", "fortnight")
    assert main(["console"]) == 2
    line = capsys.readouterr().err.splitlines()[0]
    assert "ADMIN_USERS: must be a comma list of ids" in line
    assert "QUOTA_PERIOD: Input should be 'day', 'week' or 'month'" in line
    assert "secret-person" not in line
    assert "fortnight" not in line
