"""How the store reaches Redis: its knobs (read by `bot.config.RedisSettings`), the client (straight, or through
Redis Sentinel), and the wait at start."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.errors import reason
from bot.store.errors import StoreRefused, StoreUnavailable

log = logging.getLogger(__name__)

# While Redis is down at start, one line says so at most this often, and attempts are spaced up to this far apart.
NOTICE_EVERY = 5.0
LONGEST_PAUSE = 2.0


class RedisOptions(BaseModel):
    """The Redis client's knobs, in seconds, declared once: the settings tree reads each from `REDIS_<NAME>`."""

    startup_wait: float = Field(
        30.0, ge=0,
        description="At start, keep trying an unreachable Redis this long before giving up (exit 3); 0: at once.",
    )
    connect_timeout: float = Field(5.0, gt=0, description="Give up one connection attempt after this long.")
    timeout: float = Field(5.0, gt=0, description="Give up waiting for one command's answer after this long.")
    retries: int = Field(
        3, ge=0,
        description="Times a command is tried again (after growing, jittered pauses) when its connection failed or "
        "timed out, as a pooled connection does after a Redis restart.",
    )
    health_check_interval: int = Field(
        10, ge=0, description="A connection idle this long is checked with PING before its next command; 0: never.",
    )
    pool_size: int = Field(
        1000, ge=1,
        description="Connections to Redis at most; a command finding none free waits for one. A command holds its "
        "connection until the bot reads the answer, so a busy process needs many: with 200, commands of a "
        "1,000-chat burst waited over 10 s for one.",
    )
    pool_timeout: float = Field(
        60.0, gt=0,
        description="How long a command waits for a free connection before the store counts as unavailable (a burst "
        "of thousands of chats queues for connections; an unreachable Redis fails at its connection attempt).",
    )


SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
SENTINEL_FORM = "redis+sentinel://[:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/SERVICE[/DB]"


@dataclass(frozen=True, slots=True)
class SentinelUrl:
    """A `redis+sentinel://` URL taken apart: the sentinels to ask, the service they monitor, and the master's
    database and credentials (the sentinels themselves are asked without a password)."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SentinelUrl:
        """Take `url` apart; a ValueError says what is wrong without quoting it (it may hold a password)."""
        parts = urlsplit(url)
        if parts.scheme != SENTINEL_SCHEME:
            raise ValueError(f"a Sentinel URL starts with {SENTINEL_SCHEME}://")
        if parts.query or parts.fragment:
            raise ValueError(f"a Sentinel URL takes no ?query or #fragment: {SENTINEL_FORM}")
        hosts = parts.netloc.rpartition("@")[2]
        sentinels = tuple(_host_port(host) for host in hosts.split(","))
        service, _, db = parts.path.removeprefix("/").partition("/")
        if not service or "/" in db or (db and not db.isdigit()):
            raise ValueError(f"a Sentinel URL names the service, then optionally the database: {SENTINEL_FORM}")
        return cls(
            sentinels, unquote(service), int(db or 0),
            unquote(parts.username) if parts.username else None, unquote(parts.password) if parts.password else None,
        )

    def where(self) -> str:
        """The service and its sentinels, as an operator names them; never the password."""
        return f"{self.service} (Sentinel {', '.join(_shown(host, port) for host, port in self.sentinels)})"


def _host_port(item: str) -> tuple[str, int]:
    parts = urlsplit(f"//{item}")
    try:
        port = parts.port or SENTINEL_PORT
    except ValueError:
        port = -1
    if not parts.hostname or port < 0 or parts.path:
        raise ValueError(f"a Sentinel URL lists its sentinels as HOST:PORT separated by commas: {SENTINEL_FORM}")
    return parts.hostname, port


def _shown(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_sentinel(redis_url: str) -> bool:
    """Whether `redis_url` asks Redis Sentinel for the master rather than naming Redis itself."""
    return urlsplit(redis_url).scheme == SENTINEL_SCHEME


@asynccontextmanager
async def connected(redis_url: str, options: RedisOptions) -> AsyncIterator[Redis]:
    """A client for `redis_url` that reconnects by itself: a restarted Redis costs no command an error; closed on exit.

    A `redis+sentinel://` URL gets a client of the master the sentinels name, asked again whenever a connection to
    it is made, so a failover moves the bot to the new master. Either way at most `options.pool_size` connections
    are open; a command finding none free waits up to `options.pool_timeout` for one (redis-py's default pool
    fails at once when full).
    """
    # Without `retry_on_error` redis-py gives up at once on a pooled connection the server closed.
    client_options: dict[str, Any] = {
        "decode_responses": True,
        "socket_connect_timeout": options.connect_timeout,
        "socket_timeout": options.timeout,
        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), options.retries),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "health_check_interval": options.health_check_interval,
    }
    if not is_sentinel(redis_url):
        pool = BlockingConnectionPool.from_url(
            redis_url, max_connections=options.pool_size, timeout=options.pool_timeout, **client_options,
        )
        client = Redis.from_pool(pool)
        try:
            yield client
        finally:
            await client.aclose()
        return
    target = SentinelUrl.parse(redis_url)
    asking = {"socket_connect_timeout": options.connect_timeout, "socket_timeout": options.timeout}
    async with Sentinel(list(target.sentinels), sentinel_kwargs=asking) as sentinel:
        master: Redis = sentinel.master_for(
            target.service, db=target.db, username=target.username, password=target.password,
            connection_pool_class=_BlockingSentinelPool, max_connections=options.pool_size,
            timeout=options.pool_timeout, **client_options,
        )
        try:
            yield master
        finally:
            await master.aclose()


class _BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """The sentinels' master, reached through a bounded pool that waits for a free connection."""


def address(redis_url: str) -> str:
    """Where `redis_url` points, as an operator names it: host:port, a socket's path, or a Sentinel service and its
    sentinels; never the password."""
    if is_sentinel(redis_url):
        try:
            return SentinelUrl.parse(redis_url).where()
        except ValueError:  # refused by the settings before any connection
            return "the sentinels in REDIS_URL"
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return parts.path
    host = parts.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port or 6379
    except ValueError:  # not a number: redis-py refuses the URL too
        return host
    return f"{host}:{port}"


async def wait_until_answering(
    ping: Callable[[], Awaitable[None]], where: str, wait: float, *, clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once `ping` succeeds, trying for `wait` seconds with growing pauses; then raise StoreUnavailable.

    A refused password (StoreRefused) is raised at once: waiting would not change it.
    """
    start = clock()
    pause, noticed = 0.1, 0.0
    while True:
        try:
            await ping()
            return
        except StoreRefused:
            raise
        except StoreUnavailable as exc:
            waited = clock() - start
            if waited >= wait:
                raise StoreUnavailable(f"Redis at {where} did not answer ({reason(exc)})") from exc
            if waited - noticed >= NOTICE_EVERY:
                noticed = waited
                log.warning("Redis at %s does not answer (%s); trying for %.0f s more", where, reason(exc),
                            wait - waited)
            await asyncio.sleep(min(pause, wait - waited))
            pause = min(pause * 2, LONGEST_PAUSE)

