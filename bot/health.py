"""The health server: /healthz (the event loop runs), /readyz (what the bot needs answers), /metrics (Prometheus).

Readiness is a set of named checks (`Readiness.add`): the composition root adds the store's and Nemo's, each
platform adds its own once it runs. Every check answers within a time limit, so a probe never hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.engine.ports import Clock
from bot.errors import reason
from bot.metrics import Metrics
from bot.nemo.errors import NemoError
from bot.nemo.observe import Exchange
from bot.serving import SharedServer, serve_asgi
from bot.store.errors import StoreError

BEAT = 1.0  # seconds between heartbeats
STALE = 5.0  # a heartbeat older than this: the event loop is stuck (or the heartbeat died)
CHECK_TIMEOUT = 3.0  # each readiness check answers within this, or fails


@dataclass(frozen=True, slots=True)
class Check:
    """One readiness check's answer."""

    ok: bool
    detail: str


Probe = Callable[[], Awaitable[Check]]
"""A readiness check; it may raise or hang: `Readiness` turns that into a failed check."""


class Heartbeat:
    """Ticks in the event loop: the process is alive while the last tick is recent; each tick reports its lag."""

    def __init__(self, on_lag: Callable[[float], None], clock: Clock = time.monotonic) -> None:
        self._on_lag = on_lag
        self._clock = clock
        self._last = clock()

    async def run(self) -> None:
        """Tick until cancelled."""
        while True:
            before = self._clock()
            await asyncio.sleep(BEAT)
            self._last = self._clock()
            self._on_lag(max(0.0, self._last - before - BEAT))

    def check(self) -> Check:
        """Alive while the last tick is recent."""
        age = self._clock() - self._last
        return Check(age <= STALE, f"last heartbeat {age:.1f} s ago")


class Readiness:
    """Named checks, run together; ready when every one passes."""

    def __init__(self, timeout: float = CHECK_TIMEOUT) -> None:
        self._timeout = timeout
        self._probes: dict[str, Probe] = {}

    def add(self, name: str, probe: Probe) -> None:
        """Check `probe` under `name` from now on (replacing one of that name)."""
        self._probes[name] = probe

    def discard(self, name: str) -> None:
        """Stop checking `name`."""
        self._probes.pop(name, None)

    async def run(self) -> tuple[bool, dict[str, Check]]:
        """Every check's answer, and whether all passed."""
        names = sorted(self._probes)
        answers = await asyncio.gather(*(self._one(self._probes[name]) for name in names))
        checks = dict(zip(names, answers, strict=True))
        return all(check.ok for check in checks.values()), checks

    async def _one(self, probe: Probe) -> Check:
        try:
            async with asyncio.timeout(self._timeout):
                return await probe()
        except TimeoutError:
            return Check(False, f"no answer within {self._timeout:g} s")
        except Exception as exc:
            return Check(False, f"the check failed ({reason(exc)})")


def store_probe(ping: Callable[[], Awaitable[None]]) -> Probe:
    """The store answers a ping."""

    async def probe() -> Check:
        try:
            await ping()
        except StoreError as exc:
            return Check(False, f"unreachable ({exc})")
        return Check(True, "answers")

    return probe


def always(detail: str) -> Probe:
    """A check that passes (a platform with nothing to connect to: the console)."""

    async def probe() -> Check:
        return Check(True, detail)

    return probe


class NemoWatch:
    """Nemo's reachability from the last request's outcome (fed by the client's observer); Nemo is never called per
    probe: when no request went there for `every` seconds, `ping` is (the API's root), at most that often."""

    def __init__(
        self, ping: Callable[[], Awaitable[int]] | None, every: float, clock: Clock = time.monotonic,
    ) -> None:
        self._ping = ping if every > 0 else None
        self._every = every
        self._clock = clock
        self._last: tuple[Exchange, float] | None = None
        self._asked = -every  # when a ping was last tried
        self._lock = asyncio.Lock()

    def saw(self, exchange: Exchange) -> None:
        """A request ended (`bot.nemo.observe.Observer`)."""
        self._last = (exchange, self._clock())

    async def check(self) -> Check:
        """Reachable unless the last request (or ping) got no reply, or a 5xx one."""
        if self._ping is not None and self._stale():
            async with self._lock:
                if self._stale():
                    self._asked = self._clock()
                    with contextlib.suppress(NemoError):  # its outcome reaches `saw` through the observer
                        await self._ping()
        return self._judged()

    def _stale(self) -> bool:
        now = self._clock()
        seen = self._last[1] if self._last is not None else None
        return (seen is None or now - seen >= self._every) and now - self._asked >= self._every

    def _judged(self) -> Check:
        if self._last is None:
            return Check(True, "no request yet")
        exchange, seen = self._last
        age = f"{self._clock() - seen:.0f} s ago"
        if exchange.status is None:
            return Check(False, f"no reply to the last request ({exchange.endpoint}, {age}): {exchange.error}")
        what = f"HTTP {exchange.status} to the last request ({exchange.endpoint}, {age})"
        return Check(exchange.status < 500, what)


def health_app(heartbeat: Heartbeat, readiness: Readiness, metrics: Metrics) -> Starlette:
    """GET /healthz, /readyz and /metrics."""

    async def healthz(request: Request) -> Response:
        check = heartbeat.check()
        return JSONResponse({"alive": check.ok, "detail": check.detail}, status_code=200 if check.ok else 503)

    async def readyz(request: Request) -> Response:
        ready, checks = await readiness.run()
        body = {"ready": ready, "checks": {name: asdict(check) for name, check in checks.items()}}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def exposition(request: Request) -> Response:
        content, content_type = metrics.exposition()
        return Response(content, headers={"Content-Type": content_type})

    return Starlette(routes=[
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", exposition, methods=["GET"]),
    ])


@contextlib.asynccontextmanager
async def serving(listen: str, port: int, readiness: Readiness, metrics: Metrics) -> AsyncIterator[SharedServer]:
    """The heartbeat running and the health server listening, until exit; yields the server, which the Telegram
    webhook may share, with its bound port (0: a free one).

    A port that cannot be bound raises OSError.
    """
    heartbeat = Heartbeat(metrics.loop_lag)
    beating = asyncio.create_task(heartbeat.run(), name="heartbeat")
    try:
        app = health_app(heartbeat, readiness, metrics)
        async with serve_asgi(app, listen, port, name="health-server") as bound:
            yield SharedServer(app, bound)
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
