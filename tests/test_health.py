"""The health server's parts: readiness checks that fail, hang or pass; Nemo's reachability from the last request and
a ping at most every N seconds; the heartbeat; and the names calls are counted under."""

from __future__ import annotations

import asyncio

import httpx
from yarl import URL

from adapters.discord_bot.watch import route_of
from adapters.telegram.watch import method_of
from bot.health import Check, Heartbeat, NemoWatch, Readiness, always, store_probe
from bot.nemo.errors import ConnectionLost
from bot.nemo.observe import Exchange
from bot.store.errors import StoreUnavailable


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_ready_only_when_every_check_passes_and_a_hung_or_broken_check_fails_in_time() -> None:
    readiness = Readiness(timeout=0.2)
    readiness.add("console", always("here"))

    async def hangs() -> Check:
        await asyncio.sleep(60)
        return Check(True, "never")

    async def breaks() -> Check:
        raise OSError(111, "Connection refused")

    assert await readiness.run() == (True, {"console": Check(True, "here")})
    readiness.add("slow", hangs)
    readiness.add("broken", breaks)
    async with asyncio.timeout(2):
        ready, checks = await readiness.run()
    assert not ready
    assert checks["slow"] == Check(False, "no answer within 0.2 s")
    assert checks["broken"] == Check(False, "the check failed (Connection refused)")
    readiness.discard("slow")
    readiness.discard("broken")
    assert (await readiness.run())[0]


async def test_the_store_check_reports_an_unreachable_store() -> None:
    async def down() -> None:
        raise StoreUnavailable("redis: ConnectionError")

    async def up() -> None:
        return None

    assert await store_probe(up)() == Check(True, "answers")
    failed = await store_probe(down)()
    assert not failed.ok
    assert "unreachable" in failed.detail


def _exchange(status: int | None, error: str | None = None, endpoint: str = "state") -> Exchange:
    return Exchange(endpoint, status, error, 0.01)


async def test_nemo_is_judged_by_its_last_reply_and_pinged_at_most_every_interval() -> None:
    clock = Clock()
    pings: list[float] = []
    watch: NemoWatch

    async def ping() -> int:
        pings.append(clock.now)
        watch.saw(_exchange(404, endpoint="ping"))  # as the client's observer reports it
        return 404

    watch = NemoWatch(ping, every=30, clock=clock)
    assert await watch.check() == Check(True, "HTTP 404 to the last request (ping, 0 s ago)")
    assert pings == [1000.0]
    clock.now += 10
    watch.saw(_exchange(None, "ConnectionLost"))
    check = await watch.check()
    assert not check.ok
    assert check.detail == "no reply to the last request (state, 0 s ago): ConnectionLost"
    assert pings == [1000.0]  # a request went there lately: no ping
    clock.now += 29
    watch.saw(_exchange(503, "http_503", endpoint="run_sse"))
    assert not (await watch.check()).ok  # a 5xx
    watch.saw(_exchange(402, "http_402", endpoint="render"))
    assert (await watch.check()).ok  # refused, but reachable
    clock.now += 31
    assert (await watch.check()).ok
    assert pings == [1000.0, 1070.0]


async def test_a_failed_ping_is_not_repeated_before_the_interval() -> None:
    clock = Clock()
    calls = 0

    async def ping() -> int:
        nonlocal calls
        calls += 1
        raise ConnectionLost("connection failed (ConnectError)")  # the observer saw nothing: no request went out

    watch = NemoWatch(ping, every=30, clock=clock)
    assert await watch.check() == Check(True, "no request yet")
    clock.now += 5
    await watch.check()
    assert calls == 1
    clock.now += 30
    await watch.check()
    assert calls == 2


async def test_without_an_interval_nemo_is_never_pinged() -> None:
    async def ping() -> int:
        raise AssertionError("pinged")

    watch = NemoWatch(ping, every=0)
    assert await watch.check() == Check(True, "no request yet")


async def test_the_heartbeat_is_alive_while_it_ticks() -> None:
    clock = Clock()
    ticked = asyncio.Event()

    def lag(seconds: float) -> None:
        ticked.set()

    heart = Heartbeat(lag, clock)
    assert heart.check().ok
    clock.now += 6
    assert heart.check() == Check(False, "last heartbeat 6.0 s ago")
    ticking = asyncio.create_task(heart.run())
    try:
        await asyncio.wait_for(ticked.wait(), 3)
    finally:
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
    assert heart.check().ok


def test_telegram_calls_are_named_by_method_never_by_token_or_file() -> None:
    base = "https://api.telegram.org/bot123456:SECRET"
    assert method_of(f"{base}/sendMessage", "POST") == "sendMessage"
    assert method_of("https://api.telegram.org/file/bot123456:SECRET/documents/clip.mp4", "GET") == "file"
    assert method_of(f"{base}/", "POST") == "other"  # the token is never a label


def test_discord_calls_are_named_by_resource_never_by_id_or_token() -> None:
    api = "https://discord.com/api/v10"
    assert route_of(URL(f"{api}/channels/123/messages")) == "channels"
    assert route_of(URL(f"{api}/webhooks/1098/aW50ZXJhY3Rpb246MTIz/messages/@original")) == "webhooks"
    assert route_of(URL(f"{api}/interactions/1234/aW50ZXJh/callback")) == "interactions"
    assert route_of(URL("http://127.0.0.1:5000/api/v10/gateway/bot")) == "gateway"
    assert route_of(URL("wss://gateway.discord.gg/?v=10")) == "other"
    assert route_of(URL(f"{api}/123")) == "other"


async def test_the_server_answers_on_its_routes() -> None:
    from bot.health import health_app
    from bot.metrics import Metrics

    metrics = Metrics()
    readiness = Readiness()
    readiness.add("console", always("here"))
    app = health_app(Heartbeat(metrics.loop_lag), readiness, metrics)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://health") as http:
        alive = await http.get("/healthz")
        ready = await http.get("/readyz")
        exposed = await http.get("/metrics")
    assert (alive.status_code, alive.json()["alive"]) == (200, True)
    assert ready.json() == {"ready": True, "checks": {"console": {"ok": True, "detail": "here"}}}
    assert exposed.headers["content-type"].startswith("text/plain")
    assert 'nemo_bot_in_flight{kind="turn"} 0.0' in exposed.text
