"""The composition root: opens every resource with `async with` and wires the parts together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from pathlib import Path
from typing import Any

import httpx

from adapters.console import PLATFORM as CONSOLE
from adapters.console import run_console
from bot.client_id import ClientIds
from bot.config import Settings
from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.gate import TurnGate
from bot.logs import Redactor
from bot.nemo.client import NemoClient
from bot.nemo.models import AnonToken
from bot.nemo.transport import AiohttpTransport
from bot.store.models import Credentials
from bot.store.redis_store import RedisStore, open_store

log = logging.getLogger(__name__)


def engine_config(settings: Settings) -> EngineConfig:
    """The engine's plain values: its settings group as it is, plus the scratch folder and the web app's URL."""
    workdir = Path(settings.work_dir) if settings.work_dir else Path(tempfile.gettempdir()) / "nemo-video-bot"
    return EngineConfig(workdir=workdir, web_url=settings.nemo_web_url, **settings.engine.model_dump())


async def stored_credentials(store: RedisStore, cid: str) -> Credentials | None:
    """A still-valid anonymous token from the store, issued for this client id."""
    creds = await store.get_credentials()
    if creds is None or creds.client_id != cid:
        return None
    if creds.expires_at is not None and creds.expires_at < time.time() + 3600:
        return None
    return creds


class Bot:
    """The open resources, and one engine per platform (each sends its own X-Skill-Platform)."""

    def __init__(
        self, nemo: NemoClient, store: RedisStore, config: EngineConfig, platform_override: str | None = None,
    ) -> None:
        self.nemo = nemo
        self._override = platform_override
        self.store = store
        self.config = config
        self._engines: dict[str, Engine] = {}
        # One cap on agent turns for the whole process, whichever platform they come from.
        self._gate = TurnGate(config.max_concurrent_turns)

    def engine(self, platform: str) -> Engine:
        """The engine serving `platform`, made on first use."""
        if platform not in self._engines:
            nemo = self.nemo.for_platform(self._override or platform)
            self._engines[platform] = Engine(nemo, self.store, self.config, gate=self._gate)
        return self._engines[platform]

    async def close(self) -> None:
        """Stop every engine's background work."""
        for engine in self._engines.values():
            await engine.background.close()


@contextlib.asynccontextmanager
async def open_bot(settings: Settings, redactor: Redactor) -> AsyncIterator[Bot]:
    """The HTTP client, the store and the Nemo client, open; everything is closed on exit.

    Every Nemo token the bot holds (kept from an earlier run, or issued now) is registered with `redactor`.
    """
    timeout = httpx.Timeout(settings.http_timeout, connect=15.0)
    async with (
        httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(settings.nemo_connections)) as http,
        httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(settings.engine.max_concurrent_turns)) as streams,
        open_store(
            settings.redis_url, settings.redis_prefix,
            pool_size=settings.redis_pool_size, pool_timeout=settings.redis_pool_timeout,
        ) as store,
    ):
        ids = ClientIds(store, settings.nemo_config_dir, settings.nemo_client_id)
        cid = await ids.load()

        async def keep_token(token: AnonToken) -> None:
            redactor.add(token.token)
            # Issued for the id in use now, which a refusal may have replaced since start-up.
            expires = token.expires_at.timestamp() if token.expires_at else None
            await store.put_credentials(Credentials(ids.current, token.token, token.user_id, expires))

        anonymous = settings.nemo_token is None
        creds = await stored_credentials(store, cid) if anonymous else None
        redactor.add(creds.token if creds is not None else None)
        token = settings.nemo_token.get_secret_value() if settings.nemo_token is not None else None
        nemo = NemoClient(
            http,
            base_url=settings.nemo_api_url,
            client_id=cid,
            attribution=settings.attribution("unknown"),
            token=creds.token if creds is not None else token,
            anonymous=anonymous,
            user_id=creds.user_id if creds is not None else None,
            web_url=settings.nemo_web_url,
            rate_limit_backoff=settings.rate_limit_backoff,
            stream_idle_timeout=settings.engine.stream_idle_timeout,
            on_token=keep_token,
            new_client_id=ids.renew,
            streams=streams,
        )
        bot = Bot(nemo, store, engine_config(settings), settings.skill_platform)
        try:
            yield bot
        finally:
            await bot.close()


def terminal_language() -> str | None:
    """The terminal's language, as POSIX ranks the variables: LC_ALL, then LC_MESSAGES, then LANG."""
    return next((value for name in ("LC_ALL", "LC_MESSAGES", "LANG") if (value := os.environ.get(name))), None)


async def serve_console(
    settings: Settings, out: Path, redactor: Redactor, *, sim_speed: float | None = None,
    sim_resolution: str | None = None,
) -> int:
    """Chat in this terminal until the end of input (against an in-process simulator with `sim_speed`)."""
    async with _simulated(settings, sim_speed, sim_resolution) as effective, open_bot(effective, redactor) as bot:
        return await run_console(bot.engine(CONSOLE), out, terminal_language())


async def serve_platforms(
    settings: Settings, names: Sequence[str], redactor: Redactor, *, sim_speed: float | None = None,
    sim_resolution: str | None = None,
) -> int:
    """Run the named platform adapters in one process until cancelled."""
    async with (
        _simulated(settings, sim_speed, sim_resolution) as effective,
        open_bot(effective, redactor) as bot,
        asyncio.TaskGroup() as group,
    ):
        for name in names:
            group.create_task(_serve(name, bot, effective), name=f"adapter-{name}")
    return 0


def _serve(name: str, bot: Bot, settings: Settings) -> Coroutine[Any, Any, None]:
    # The platforms' own resources are opened in bot/app_telegram.py and bot/app_discord.py, imported on demand:
    # each platform library takes a while to load, and the console needs neither.
    if name == "telegram":
        from bot.app_telegram import serve_telegram

        return serve_telegram(bot, settings.telegram)
    if name == "discord":
        from bot.app_discord import serve_discord

        return serve_discord(bot, settings.discord)
    raise ValueError(f"unknown platform {name!r}")


@contextlib.asynccontextmanager
async def _simulated(settings: Settings, speed: float | None, resolution: str | None) -> AsyncIterator[Settings]:
    """The settings as given, or (with a speed) pointed at a simulator running in this process (at `resolution`,
    else the simulator's own default canvas)."""
    if speed is None:
        yield settings
        return
    from nemo_sim.config import SimConfig
    from nemo_sim.server import run_simulator

    config = SimConfig(speed=speed).patched({"resolution": resolution} if resolution else {})
    async with run_simulator(config) as sim:
        # The simulator serves its media on 127.0.0.1, so its own links have to be let through.
        engine = settings.engine.model_copy(update={"allow_private_urls": True})
        yield settings.model_copy(update={"nemo_api_url": sim.url, "engine": engine})
