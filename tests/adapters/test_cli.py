"""The `nemo-bot` command as a person runs it: settings, help, start-up failures, stopping, and a Telegram DM served
from a subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot import errors
from bot.cli import build_parser, configured_platforms, main
from bot.config import DiscordSettings, Settings, TelegramSettings, env_vars
from tests.command import assert_plain_failure, run_command
from tests.harness import wait_for
from tests.redis_server import closed_port, redis_server
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.updates import ADA, Updates


def test_help_lists_every_setting() -> None:
    text = build_parser().format_help()
    for var in env_vars():
        assert f"  {var.name} " in text


def test_platforms_follow_their_tokens() -> None:
    telegram = TelegramSettings(_env_file=None, bot_token="123:abc")
    assert configured_platforms(Settings(_env_file=None)) == []
    assert configured_platforms(Settings(_env_file=None, telegram=telegram)) == ["telegram"]
    both = Settings(_env_file=None, telegram=telegram, discord=DiscordSettings(_env_file=None, bot_token="x.y.z"))
    assert configured_platforms(both) == ["telegram", "discord"]


@pytest.mark.parametrize("command", ["telegram", "discord"])
def test_a_platform_command_without_its_token_says_so(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    env = {f"{command.upper()}_BOT_TOKEN": ""}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert main([command]) == 2
    assert f"set {command.upper()}_BOT_TOKEN first" in capsys.readouterr().err


SECRET = "123456:SECRET-token-that-must-never-be-printed-0000"


@pytest.mark.parametrize(("setting", "value"), [
    ("TELEGRAM_WEBHOOK_PORT", "abc"),
    ("LOG_LEVEL", "verbose"),
    ("DISCORD_GUILD_IDS", "12,x9"),
    ("TELEGRAM_WEBHOOK_SECRET", "not allowed!"),
    ("REDIS_URL", "localhost:6379"),
    ("REDIS_STARTUP_WAIT", "soon"),
])
async def test_a_bad_setting_exits_2_naming_it(setting: str, value: str, tmp_path: Path) -> None:
    finished = await run_command(tmp_path, "telegram", TELEGRAM_BOT_TOKEN=SECRET, **{setting: value})
    assert_plain_failure(finished, 2, names=[setting], secrets=[SECRET, value])


async def test_an_unreachable_redis_is_waited_for_then_exits_3_naming_it(tmp_path: Path) -> None:
    port = closed_port()
    password = "redis-pa55word-never-shown"
    finished = await run_command(
        tmp_path, "telegram", TELEGRAM_BOT_TOKEN=SECRET, REDIS_URL=f"redis://:{password}@127.0.0.1:{port}/0",
        REDIS_STARTUP_WAIT="1",
    )
    assert_plain_failure(finished, 3, names=[f"Redis at 127.0.0.1:{port}", "REDIS_URL"], secrets=[SECRET, password])
    assert "Connection refused" in finished.stderr


async def test_a_refused_redis_password_exits_4_at_once(tmp_path: Path) -> None:
    wrong = "wrong-pa55word-never-shown"
    with redis_server(tmp_path / "redis", password="the-right-one") as server:
        finished = await run_command(
            tmp_path, "console", REDIS_URL=server.url(wrong), REDIS_STARTUP_WAIT="60",
        )
    assert_plain_failure(finished, 4, names=[f"127.0.0.1:{server.port}", "REDIS_URL"], secrets=[wrong])


def test_the_cause_is_found_inside_task_groups() -> None:
    refused = errors.CredentialsRefused("the token was refused by Telegram", "check TELEGRAM_BOT_TOKEN")
    nested = ExceptionGroup("unhandled errors in a TaskGroup", [
        ExceptionGroup("inner", [ValueError("a side effect"), refused]),
    ])
    assert errors.stopped_by(nested) is refused
    other = ValueError("plain")
    assert errors.stopped_by(ExceptionGroup("g", [other])) is other
    assert errors.stopped_by(other) is other


def test_an_unexpected_error_is_one_masked_line_and_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import _stopped_by
    from bot.logs import Redactor

    group = ExceptionGroup("unhandled errors in a TaskGroup", [RuntimeError(f"boom with {SECRET}")])
    assert _stopped_by(group, Redactor([SECRET])) == 1
    shown = capsys.readouterr().err
    assert shown.splitlines() == [
        "nemo-bot: stopped by an unexpected error: RuntimeError: boom with ***",
        "  LOG_LEVEL=DEBUG logs where it happened",
    ]


async def test_plain_nemo_bot_with_a_telegram_token_serves_a_dm(tmp_path: Path) -> None:
    fake = FakeBotApi()
    async with fake_server(fake) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url, NEMO_CONFIG_DIR=str(tmp_path / "cfg"),
            WORK_DIR=str(tmp_path / "work"), LOG_LEVEL="WARNING",
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--sim", "--sim-speed", "0.001",
            stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env,
        )
        try:
            await fake.push_update(Updates().text("hello there"))
            await wait_for(lambda: any(shown.buttons for shown in fake.chat(ADA["id"])), 30)
        finally:
            proc.terminate()
            _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()
    texts = fake.texts(ADA["id"])
    assert texts[:2] == ["⚙️ Setting things up...", "✅ Connected and ready. Tell me what video to make."]
    assert TOKEN not in stderr.decode()


def test_discord_settings_come_from_the_one_settings_object() -> None:
    from bot.app_discord import discord_options

    settings = Settings(_env_file=None, discord=DiscordSettings(guild_ids="1, 2", api_url="http://127.0.0.1:9/api/"))
    config = discord_options(settings.discord)
    assert config.guild_ids == (1, 2)
    assert config.api_url == "http://127.0.0.1:9/api"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_"))}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "cfg"), WORK_DIR=str(tmp_path / "work"), **extra)
    return env


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_sigterm_and_sigint_stop_the_bot_cleanly(stop: signal.Signals, tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "console", "--sim",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=_env(tmp_path),
    )
    assert proc.stdin is not None
    proc.stdin.write(b"credits\n")
    await proc.stdin.drain()
    assert proc.stdout is not None
    async with asyncio.timeout(30):
        while b"Credits" not in await proc.stdout.readline():
            pass
    proc.send_signal(stop)
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()
    assert stderr == b""
