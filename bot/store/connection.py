"""How the store reaches Redis: its knobs (read by `bot.config.RedisSettings`), the client, and the wait at start."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
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


def connect(redis_url: str, options: RedisOptions) -> Redis:
    """A client for `redis_url` that reconnects by itself: a restarted Redis costs no command an error."""
    # Without `retry_on_error` redis-py gives up at once on a pooled connection the server closed.
    return Redis.from_url(
        redis_url,
        decode_responses=True,
        socket_connect_timeout=options.connect_timeout,
        socket_timeout=options.timeout,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), options.retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=options.health_check_interval,
    )


def address(redis_url: str) -> str:
    """Where `redis_url` points, as an operator names it: host:port, or a socket's path; never the password."""
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

