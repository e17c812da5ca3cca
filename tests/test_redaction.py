"""Whole flows of every adapter at DEBUG, with secrets of every shape configured: no captured line carries one.

The console and a rejected Telegram start run as `nemo-bot` subprocesses (their stderr is read); Telegram and
Discord run in-process through the composition root (`serve_platforms`), with the redactor the entry point builds
installed on pytest's capturing handler, as the entry point installs it on the root handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import httpx
import pytest

from adapters.telegram.webhook import SECRET_HEADER
from bot import logs
from bot.app import serve_platforms
from bot.cli import redactor_for
from bot.config import DiscordSettings, EngineSettings, Settings, TelegramSettings
from nemo_sim import ids
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.discord_bot.fake_discord import running
from tests.discord_bot.fake_gateway import FakeGateway, guild
from tests.discord_bot.payloads import GUILD, IN_CHANNEL, IN_THREAD, THREAD, Payloads, bot_mention
from tests.harness import FAST, wait_for
from tests.store_fixtures import REDIS_HOST, REDIS_PORT, redis_backend
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.updates import ADA, Updates


@dataclass(frozen=True, slots=True)
class Secrets:
    """One set of configured secrets; `nemo` None means an anonymous token issued at run time."""

    telegram: str
    discord: str
    nemo: str | None
    webhook: str
    redis: str

    def configured(self) -> list[str]:
        """Every value that must never show."""
        values = [self.telegram, self.discord, self.webhook, self.redis]
        return values if self.nemo is None else [*values, self.nemo]


SHORT = Secrets("123456:SECRETtelegramTOKENxyz", "Zq9.shorty", "q7-nemo", "wh_S3c", "rPw9")
LONG = Secrets(
    "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ",
    "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
    "nmv_usr_" + "Kq3" * 14,
    "webhook_" + "S3cretValue-" * 5,
    "redis-password-" + "x7" * 20,
)
ISSUED = Secrets("42:tg", "Dq.1", None, "w-1", "p.2")  # the Nemo token is issued at run time, shaped as below
ISSUED_PREFIX = "Q7issued."  # a non-`nmv` shape, so no pattern knows the issued token
REDIS_DB = 14
TIMINGS: dict[str, Any] = dict(FAST)
DOCUMENT = {"file_id": "doc1", "file_unique_id": "udoc1", "file_name": "clip.mp4", "mime_type": "video/mp4",
            "file_size": 20}
KINDS = pytest.mark.parametrize("secrets", [SHORT, LONG, ISSUED], ids=["short", "long", "issued"])


def leaked(lines: list[str], secrets: list[str]) -> list[str]:
    """The lines that show a secret."""
    return [line for line in lines if any(secret in line for secret in secrets)]


def settings_for(secrets: Secrets, tmp_path: Path, sim: Simulator, **parts: object) -> Settings:
    """The bot's settings, every secret configured, pointed at the simulator and the test Redis."""
    redis_url = f"redis://default:{secrets.redis}@{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    return Settings(
        _env_file=None, nemo_api_url=sim.url, nemo_token=secrets.nemo, redis_url=redis_url,
        nemo_config_dir=str(tmp_path / "cfg"), work_dir=str(tmp_path / "work"),
        engine=EngineSettings(_env_file=None, **TIMINGS), **parts,
    )


@contextlib.asynccontextmanager
async def simulator(secrets: Secrets, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Simulator]:
    """The simulator, knowing the configured Nemo token, or issuing tokens of an unusual shape; the store flushed."""
    monkeypatch.setattr(ids, "TOKEN_PREFIX", ISSUED_PREFIX)
    async with redis_backend("redis", REDIS_DB), run_simulator(SimConfig(speed=0.001)) as sim:
        if secrets.nemo is not None:
            record = sim.world.tokens.pop(sim.world.mint_token(credits=500))
            record.token = secrets.nemo
            sim.world.tokens[secrets.nemo] = record
        yield sim


def nemo_tokens(sim: Simulator, secrets: Secrets, redactor: logs.Redactor) -> list[str]:
    """The Nemo tokens the bot held (configured, or issued to its client id), each known to the redactor."""
    held = [token for token, record in sim.world.tokens.items() if record.client_id or token == secrets.nemo]
    assert held, "the bot never authenticated"
    assert [redactor.redact(f"<{token}>") for token in held] == ["<***>"] * len(held)  # registered when issued
    return held


@contextlib.contextmanager
def capturing(caplog: pytest.LogCaptureFixture, settings: Settings) -> Iterator[logs.Redactor]:
    """DEBUG capture through the redactor the entry point builds for `settings`."""
    redactor = redactor_for(settings)
    logs.install(caplog.handler, redactor)
    caplog.set_level(logging.DEBUG)
    yield redactor


def captured(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured line, as formatted and as each record's message and traceback."""
    records = caplog.records
    return [*caplog.text.splitlines(), *(r.getMessage() for r in records), *(r.exc_text or "" for r in records)]


@contextlib.asynccontextmanager
async def served(task: asyncio.Task[int]) -> AsyncIterator[None]:
    """Cancel the served platforms on exit."""
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@KINDS
async def test_a_telegram_flow_logs_no_secret(
    secrets: Secrets, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeBotApi(token=secrets.telegram)
    fake.add_file("doc1", b"\x00\x00\x00\x18ftypmp42 a video", name="clip.mp4")
    updates = Updates()
    port = free_port()
    async with simulator(secrets, monkeypatch) as sim, fake_server(fake) as url, httpx.AsyncClient() as http:
        webhook: dict[str, Any] = {"webhook_url": "https://bot.example.com/tg", "webhook_port": port}
        if secrets is not SHORT:
            webhook = {}  # long polling
        telegram = TelegramSettings(
            _env_file=None, bot_token=secrets.telegram, api_url=url, webhook_secret=secrets.webhook, **webhook,
        )
        settings = settings_for(secrets, tmp_path, sim, telegram=telegram)
        with capturing(caplog, settings) as redactor:
            task = asyncio.create_task(serve_platforms(settings, ["telegram"], redactor))
            async with served(task):
                # A file with a prompt (getFile, the download URL, an upload, an agent turn), then a command.
                steps = (
                    (updates.of(updates.message(document=DOCUMENT, caption="hello there")), "📎 Added"),
                    (updates.text("/credits"), "💳 Credits"),
                )
                for update, answer in steps:
                    await _deliver(fake, http, update, port if webhook else None, secrets.webhook)
                    await wait_for(lambda said=answer: _shown(fake, said), 30)
                await wait_for(lambda: any(shown.buttons for shown in fake.chat(ADA["id"])), 30)
    assert fake.calls_to("getFile")  # the file URL, /file/bot<token>/..., was fetched
    assert leaked(captured(caplog), [*secrets.configured(), *nemo_tokens(sim, secrets, redactor)]) == []


def _shown(fake: FakeBotApi, start: str) -> bool:
    return any(text.startswith(start) for text in fake.texts(ADA["id"]))


async def _deliver(fake: FakeBotApi, http: httpx.AsyncClient, update: dict[str, object], port: int | None,
                   secret: str) -> None:
    if port is None:
        await fake.push_update(update)
        return
    await wait_for(lambda: bool(fake.calls_to("setWebhook")), 15)
    endpoint = f"http://127.0.0.1:{port}/tg"
    for _ in range(50):
        with contextlib.suppress(httpx.TransportError):
            await http.post(endpoint, json=update, headers={SECRET_HEADER: secret})
            return
        await asyncio.sleep(0.1)


@KINDS
async def test_a_discord_flow_logs_no_secret_and_no_interaction_token(
    secrets: Secrets, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    gateway = FakeGateway([guild(GUILD, [IN_CHANNEL.channel()], [IN_THREAD.channel()])])
    original = discord.http.Route.BASE
    async with simulator(secrets, monkeypatch) as sim, running(tmp_path / "fake", gateway=gateway) as fake:
        conf = DiscordSettings(_env_file=None, bot_token=secrets.discord, api_url=fake.api_url, guild_ids=(GUILD,))
        settings = settings_for(secrets, tmp_path, sim, discord=conf)
        make = Payloads(fake, time.time)
        realistic = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5OnNob3J0"
        try:
            with capturing(caplog, settings) as redactor:
                task = asyncio.create_task(serve_platforms(settings, ["discord"], redactor))
                async with served(task):
                    await asyncio.wait_for(gateway.identified.wait(), 10)
                    credits = make.command("credits")
                    fake.tokens[realistic] = fake.tokens.pop(str(credits["token"]))
                    interaction = str(credits["token"])
                    credits["token"] = realistic
                    await gateway.dispatch("INTERACTION_CREATE", credits)
                    await wait_for(lambda: any("Credits" in call.content for call in fake.find("PATCH", realistic)))
                    status = make.command("status")
                    await gateway.dispatch("INTERACTION_CREATE", status)
                    await wait_for(lambda: bool(fake.find("PATCH", str(status["token"]))))
                    await gateway.dispatch("MESSAGE_CREATE", make.message(f"{bot_mention()} hello", place=IN_THREAD))
                    await wait_for(lambda: any(call.custom_ids for call in fake.find("POST", f"/{THREAD}/")))
        finally:
            discord.http.Route.BASE = original
    tokens = [realistic, interaction, str(status["token"])]
    assert leaked(captured(caplog), [*secrets.configured(), *nemo_tokens(sim, secrets, redactor), *tokens]) == []


def _env(tmp_path: Path, secrets: Secrets, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_"))}
    env.update(
        NEMO_CONFIG_DIR=str(tmp_path / "cfg"), WORK_DIR=str(tmp_path / "work"), LOG_LEVEL="DEBUG",
        TELEGRAM_BOT_TOKEN=secrets.telegram, DISCORD_BOT_TOKEN=secrets.discord, TELEGRAM_WEBHOOK_SECRET=secrets.webhook,
        REDIS_URL=f"redis://default:{secrets.redis}@{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}", **extra,
    )
    if secrets.nemo is not None:
        env["NEMO_TOKEN"] = secrets.nemo
    return env


@KINDS
async def test_a_console_run_at_debug_logs_no_secret(secrets: Secrets, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42 a video")
    lines = f"hello\n/upload {clip}\nmake a video of a cat\ncredits\nexport\n"
    async with redis_backend("redis", REDIS_DB):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "console", "--sim", "--sim-speed", "0.001", "--out", str(tmp_path / "out"),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=_env(tmp_path, secrets),
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(lines.encode()), 60)
    shown = stderr.decode()
    assert "HTTP Request: POST" in shown  # DEBUG lines were written
    assert leaked(shown.splitlines() + stdout.decode().splitlines(), secrets.configured()) == []
    assert "nmv_usr_" not in shown


@KINDS
async def test_a_rejected_telegram_start_shows_no_secret(secrets: Secrets, tmp_path: Path) -> None:
    fake = FakeBotApi()  # knows only its own token, so it rejects the configured one like Telegram does
    async with fake_server(fake) as url:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "telegram", "--sim",
            stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            env=_env(tmp_path, secrets, TELEGRAM_API_URL=url),
        )
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    shown = stderr.decode()
    assert proc.returncode == 4, shown
    assert "telegram.error.InvalidToken: The token" in shown  # the traceback, logged at DEBUG
    assert leaked(shown.splitlines(), secrets.configured()) == []
