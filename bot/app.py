"""The composition root: opens every resource with `async with` and wires the parts together."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from adapters.console import PLATFORM as CONSOLE
from adapters.console import run_console
from bot.client_id import ClientIds
from bot.config import HealthSettings, Settings
from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.gate import TurnGate
from bot.engine.rules import TeamRules
from bot.errors import BadSetting, CredentialsRefused, Unreachable, reason
from bot.health import NemoWatch, Readiness, always, serving, store_probe
from bot.logs import Redactor
from bot.metrics import Metrics
from bot.nemo.client import NemoClient
from bot.nemo.models import AnonToken
from bot.nemo.observe import Exchange
from bot.nemo.transport import AiohttpTransport
from bot.pictures.frames import Frames, find_ffmpeg
from bot.pictures.maker import PictureMaker
from bot.serving import SharedServer
from bot.store.connection import RedisOptions, address, is_sentinel
from bot.store.errors import StoreRefused, StoreUnavailable
from bot.store.models import Credentials
from bot.store.redis_store import RedisStore, open_store

log = logging.getLogger(__name__)


def engine_config(settings: Settings) -> EngineConfig:
    """The engine's plain values: its settings group as it is, plus the scratch folder and the web app's URL."""
    workdir = Path(settings.work_dir) if settings.work_dir else Path(tempfile.gettempdir()) / "nemo-video-bot"
    return EngineConfig(
        workdir=workdir, web_url=settings.nemo_web_url, team=TeamRules(**settings.team.model_dump()),
        **settings.engine.model_dump(),
    )


async def stored_credentials(store: RedisStore, cid: str) -> Credentials | None:
    """A still-valid anonymous token from the store, issued for this client id."""
    creds = await store.get_credentials()
    if creds is None or creds.client_id != cid:
        return None
    if creds.expires_at is not None and creds.expires_at < time.time() + 3600:
        return None
    return creds


class Bot:
    """The open resources, and one engine per platform (each sends its own X-Skill-Platform); the metrics they
    count, and the readiness checks each part adds (the store's and Nemo's here, a platform's when it runs)."""

    def __init__(
        self, nemo: NemoClient, store: RedisStore, config: EngineConfig, platform_override: str | None = None,
        pictures: PictureMaker | None = None, *, metrics: Metrics | None = None, readiness: Readiness | None = None,
    ) -> None:
        self.nemo = nemo
        self.pictures = pictures
        self._override = platform_override
        self.store = store
        self.config = config
        self.metrics = metrics or Metrics()
        self.readiness = readiness or Readiness()
        # The health server while it runs: the Telegram webhook answers there too when it is given the same port.
        self.health_server: SharedServer | None = None
        self._engines: dict[str, Engine] = {}
        # One cap on agent turns for the whole process, whichever platform they come from.
        self._gate = TurnGate(config.max_concurrent_turns)

    def engine(self, platform: str) -> Engine:
        """The engine serving `platform`, made on first use."""
        if platform not in self._engines:
            nemo = self.nemo.for_platform(self._override or platform)
            self._engines[platform] = Engine(
                nemo, self.store, self.config, events=self.metrics, pictures=self.pictures, gate=self._gate,
            )
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
        contextlib.AsyncExitStack() as stack,
    ):
        with _store_startup(settings):
            store = await stack.enter_async_context(
                open_store(settings.redis_url, settings.redis_prefix, RedisOptions(**settings.redis.model_dump())),
            )
            ids = ClientIds(store, settings.nemo_config_dir, settings.nemo_client_id)
            cid = await ids.load()
            anonymous = settings.nemo_token is None
            creds = await stored_credentials(store, cid) if anonymous else None

        async def keep_token(token: AnonToken) -> None:
            redactor.add(token.token)
            # Issued for the id in use now, which a refusal may have replaced since start-up.
            expires = token.expires_at.timestamp() if token.expires_at else None
            await store.put_credentials(Credentials(ids.current, token.token, token.user_id, expires))

        redactor.add(creds.token if creds is not None else None)
        token = settings.nemo_token.get_secret_value() if settings.nemo_token is not None else None
        metrics = Metrics()
        # Readiness judges Nemo by the requests the client observes, and pings it through the client (made below).
        nemo_watch = NemoWatch(lambda: nemo.ping(), settings.health.nemo_check_interval)

        def observe(exchange: Exchange) -> None:
            metrics.nemo_exchange(exchange)
            nemo_watch.saw(exchange)

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
            observer=observe,
            streams=streams,
        )
        readiness = Readiness()
        readiness.add("store", store_probe(store.ping))
        readiness.add("nemo", nemo_watch.check)
        bot = Bot(
            nemo, store, engine_config(settings), settings.skill_platform, pictures(), metrics=metrics,
            readiness=readiness,
        )
        try:
            yield bot
        finally:
            await bot.close()


def pictures() -> PictureMaker:
    """Timeline pictures always; thumbnails and frames only where an ffmpeg binary is found."""
    ffmpeg = find_ffmpeg()
    if ffmpeg is None:
        log.warning("no ffmpeg found (install imageio-ffmpeg, or ffmpeg on PATH): videos go without our thumbnails")
    return PictureMaker(Frames(ffmpeg))


@contextlib.contextmanager
def _store_startup(settings: Settings) -> Iterator[None]:
    """The seam for a store that fails while the bot starts: a start-up error naming Redis's address."""
    where = address(settings.redis_url or "")
    try:
        yield
    except StoreRefused as exc:
        raise CredentialsRefused(
            f"Redis at {where} refused the password in REDIS_URL",
            "check the password in REDIS_URL (redis://:PASSWORD@host:port/db) against Redis's requirepass or ACL",
        ) from exc
    except StoreUnavailable as exc:
        there = (
            "that the sentinels run there and monitor that service" if is_sentinel(settings.redis_url or "")
            else "that Redis runs there"
        )
        raise Unreachable(
            f"Redis at {where} could not be reached ({reason(exc)}; waited {settings.redis.startup_wait:g} s)",
            f"check REDIS_URL and {there}; REDIS_STARTUP_WAIT sets how long the bot waits for it",
        ) from exc


def terminal_language() -> str | None:
    """The terminal's language, as POSIX ranks the variables: LC_ALL, then LC_MESSAGES, then LANG."""
    return next((value for name in ("LC_ALL", "LC_MESSAGES", "LANG") if (value := os.environ.get(name))), None)


async def serve_console(
    settings: Settings, out: Path, redactor: Redactor, *, sim_speed: float | None = None,
    sim_resolution: str | None = None,
) -> int:
    """Chat in this terminal until the end of input (against an in-process simulator with `sim_speed`)."""
    async with (
        _simulated(settings, sim_speed, sim_resolution) as effective,
        open_bot(effective, redactor) as bot,
        serving_health(effective.health, bot),
    ):
        bot.readiness.add(CONSOLE, always("in this terminal"))
        return await run_console(bot.engine(CONSOLE), out, terminal_language())


async def serve_platforms(
    settings: Settings, names: Sequence[str], redactor: Redactor, *, sim_speed: float | None = None,
    sim_resolution: str | None = None,
) -> int:
    """Run the named platform adapters in one process until cancelled."""
    async with (
        _simulated(settings, sim_speed, sim_resolution) as effective,
        open_bot(effective, redactor) as bot,
        serving_health(effective.health, bot),
        asyncio.TaskGroup() as group,
    ):
        for name in names:
            group.create_task(_serve(name, bot, effective), name=f"adapter-{name}")
    return 0


@contextlib.asynccontextmanager
async def serving_health(conf: HealthSettings, bot: Bot) -> AsyncIterator[int | None]:
    """The health server, when HEALTH_PORT is set, until exit; yields its port (None: not served)."""
    if conf.port is None:
        yield None
        return
    async with contextlib.AsyncExitStack() as stack:
        try:
            server = await stack.enter_async_context(serving(conf.listen, conf.port, bot.readiness, bot.metrics))
        except OSError as exc:
            raise _health_listen_error(conf, exc) from exc
        log.info("health server on %s:%d (/healthz, /readyz, /metrics)", conf.listen, server.port)
        bot.health_server = server
        try:
            yield server.port
        finally:
            bot.health_server = None


def _health_listen_error(conf: HealthSettings, exc: OSError) -> BadSetting:
    where = f"{conf.listen}:{conf.port}"
    if exc.errno == errno.EADDRINUSE:
        return BadSetting(
            f"the health port {where} is already in use", "set HEALTH_PORT to a free port, or stop what listens there",
        )
    return BadSetting(
        f"the health server cannot listen on {where} ({reason(exc)})",
        "check HEALTH_LISTEN (an address of this machine, 0.0.0.0 for all) and HEALTH_PORT (below 1024 needs "
        "privileges)",
    )


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
    async with simulator_installed(), run_simulator(config) as sim:
        # The simulator serves its media on 127.0.0.1, so its own links have to be let through.
        engine = settings.engine.model_copy(update={"allow_private_urls": True})
        yield settings.model_copy(update={"nemo_api_url": sim.url, "engine": engine})


@contextlib.asynccontextmanager
async def simulator_installed() -> AsyncIterator[None]:
    """Translate the simulator's missing ffmpeg (the `sim` extra not installed) into a start-up error."""
    from nemo_sim.media import FfmpegMissing

    try:
        yield
    except FfmpegMissing as exc:
        raise BadSetting(
            "the simulator needs ffmpeg, which is not installed here",
            "pip install 'nemo-video-bot[sim]' (or build the image's sim target)",
        ) from exc
