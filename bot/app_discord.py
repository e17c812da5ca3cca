"""The composition root's Discord part: discord.py pointed at the API, the client and its download session opened."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import discord

from adapters.discord_bot.client import DiscordBot
from adapters.discord_bot.files import Downloader
from adapters.discord_bot.options import PLATFORM, Options
from adapters.discord_bot.runner import run_discord
from adapters.discord_bot.watch import traced
from bot.app import Bot
from bot.config import DiscordSettings
from bot.engine.engine import Engine
from bot.engine.ports import Clock
from bot.errors import BadSetting, CredentialsRefused, Unreachable, reason, shown_url
from bot.health import Check, Probe
from bot.metrics import Metrics


def discord_options(conf: DiscordSettings) -> Options:
    """The adapter's plain values: the settings group as it is, less the token (the client logs in with it)."""
    return Options(**conf.model_dump(exclude={"bot_token"}))


def point_at(api_url: str) -> None:
    """Send every REST and interaction request to `api_url` (a proxy or a test server).

    discord.py builds each request URL from the class attribute `Route.BASE`, and its webhook adapter (which
    answers interactions) uses the same class; there is no per-client setting, so this is the one seam.
    """
    discord.http.Route.BASE = api_url


@contextlib.asynccontextmanager
async def open_discord(
    engine: Engine, config: Options, *, workdir: Path, max_upload_bytes: int, clock: Clock = time.time,
    metrics: Metrics | None = None,
) -> AsyncIterator[DiscordBot]:
    """The client (not yet logged in) and its download session; both closed on exit. Every API call that fails is
    counted in `metrics`."""
    point_at(config.api_url)
    # The bot never joins a voice channel: discord.py's warnings that its voice libraries are missing are noise.
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    async with aiohttp.ClientSession() as session:
        client = DiscordBot(
            engine, config, fetcher=Downloader(session, max_upload_bytes), workdir=workdir / "discord",
            clock=clock, trace=traced(_counting(metrics)) if metrics is not None else None,
        )
        async with client:
            yield client


async def serve_discord(bot: Bot, conf: DiscordSettings) -> None:
    """Run the Discord bot until cancelled; needs DISCORD_BOT_TOKEN."""
    token = conf.token()
    engine = bot.engine(PLATFORM)
    with startup_errors(conf):
        async with open_discord(
            engine, discord_options(conf), workdir=bot.config.workdir, max_upload_bytes=bot.config.max_upload_bytes,
            metrics=bot.metrics,
        ) as client:
            bot.readiness.add(PLATFORM, connected(client))
            await run_discord(client, token)


def _counting(metrics: Metrics) -> Callable[[str, str | None], None]:
    """A call report that counts the failures."""

    def report(route: str, code: str | None) -> None:
        if code is not None:
            metrics.platform_error(PLATFORM, route, code)

    return report


def connected(client: discord.AutoShardedClient) -> Probe:
    """Discord is connected while the client is ready and every shard's gateway connection is open."""

    async def probe() -> Check:
        if client.is_closed() or not client.is_ready():
            return Check(False, "not connected to the gateway")
        down = sorted(shard_id for shard_id, shard in client.shards.items() if shard.is_closed())
        if down:
            return Check(False, f"shard(s) {', '.join(map(str, down))} disconnected")
        return Check(True, "connected to the gateway")

    return probe


# The gateway's close code for a token it does not accept (discord.py raises it as a plain ConnectionClosed).
AUTHENTICATION_FAILED = 4004


@contextlib.contextmanager
def startup_errors(conf: DiscordSettings) -> Iterator[None]:
    """The seam for Discord failing to start: discord.py's and aiohttp's errors as start-up errors.

    discord.py reconnects by itself once logged in, so what reaches here stopped the start.
    """
    api = shown_url(conf.api_url)
    try:
        yield
    except (discord.LoginFailure, discord.ConnectionClosed) as exc:
        if isinstance(exc, discord.ConnectionClosed) and exc.code != AUTHENTICATION_FAILED:
            raise
        raise CredentialsRefused(
            "the token was refused by Discord",
            "check DISCORD_BOT_TOKEN: the Developer Portal makes a new one (your application, Bot, Reset Token)",
        ) from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise BadSetting(
            "Discord refused the Message Content intent that DISCORD_MESSAGE_CONTENT=true asks for",
            "turn on Message Content Intent (Developer Portal, your application, Bot), or unset "
            "DISCORD_MESSAGE_CONTENT",
        ) from exc
    except discord.DiscordServerError as exc:
        raise Unreachable(
            f"Discord's API at {api} answered HTTP {exc.status}", "Discord may be down: try again in a while",
        ) from exc
    except discord.NotFound as exc:
        raise BadSetting(
            f"the server at {api} does not answer like Discord's API (HTTP 404)",
            "check DISCORD_API_URL: Discord's REST API base, such as https://discord.com/api/v10",
        ) from exc
    except (aiohttp.ClientError, discord.GatewayNotFound, TimeoutError) as exc:
        raise Unreachable(
            f"Discord's API at {api} could not be reached ({reason(exc)})",
            "check the network (a proxy or firewall?), or DISCORD_API_URL if the bot goes through a proxy",
        ) from exc
