"""A Telegram flow through the composition root (`serve_platforms`, long polling against the fake Bot API) with
HEALTH_PORT set: /metrics moves with it, refused Bot API calls are counted, and /readyz follows getUpdates."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.telegram.webhook import SECRET_HEADER
from bot.app import serve_platforms
from bot.config import EngineSettings, HealthSettings, Settings, TelegramSettings
from bot.logs import Redactor
from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.harness import FAST, wait_for
from tests.scrape import scrape, until_scraped, until_status
from tests.store_fixtures import REDIS_HOST, REDIS_PORT, redis_backend
from tests.telegram.conftest import REDIS_DB, fake_server
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.updates import ADA, Updates

ENGINE: dict[str, Any] = {**FAST, "allow_private_urls": True}  # the simulator serves its media on 127.0.0.1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_telegram_flow_is_seen_in_metrics_and_readiness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB reports retry_after as a timedelta (the int form warns)
    fake = FakeBotApi()
    updates = Updates()
    port = _free_port()
    async with (
        redis_backend("redis", REDIS_DB),
        run_simulator(SimConfig(speed=0.001)) as sim,
        fake_server(fake) as url,
        httpx.AsyncClient(timeout=10) as http,
    ):
        settings = _settings(
            tmp_path, sim.url, port, TelegramSettings(_env_file=None, bot_token=TOKEN, api_url=url),
        )
        task = asyncio.create_task(serve_platforms(settings, ["telegram"], Redactor()))
        try:
            ready = await until_status(http, port, "/readyz", 200)
            assert ready["checks"]["telegram"]["ok"] is True
            fake.fail("sendChatAction", 429, "Too Many Requests: retry after 1", retry_after=1)
            await fake.push_update(updates.text("make a video of a lighthouse"))
            # The turn is over (and the chat free) once it is counted.
            await until_scraped(
                http, port, lambda seen: seen.value("nemo_bot_in_flight", kind="turn") == 0 and seen.value(
                    "nemo_bot_turns_total", platform="telegram", outcome="done") == 1, limit=30,
            )
            await fake.push_update(updates.text("/export"))
            await wait_for(lambda: bool(fake.videos(ADA["id"])), 30)
            seen = await until_scraped(
                http, port, lambda seen: seen.value("nemo_bot_renders_total", platform="telegram",
                                                    outcome="delivered") == 1,
            )
            assert (await until_status(http, port, "/readyz", 200))["checks"]["telegram"]["detail"].startswith(
                "getUpdates answered",
            )
            # Bot API trouble: getUpdates fails three times (PTB waits and tries again), then works.
            fake.fail("getUpdates", 502, "Bad Gateway", times=3)
            await fake.push_update(updates.text("/credits"))  # ends the current long poll
            unready = await until_status(http, port, "/readyz", 503)
            assert unready["checks"]["telegram"] == {**unready["checks"]["telegram"], "ok": False}
            assert "getUpdates failed (502)" in unready["checks"]["telegram"]["detail"]
            await until_status(http, port, "/readyz", 200, limit=30)
            await wait_for(lambda: any("Credits" in text for text in fake.texts(ADA["id"])), 30)
            after = await scrape(http, port)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    assert seen.value("nemo_bot_messages_in_total", platform="telegram", intent="agent") == 1
    assert seen.value("nemo_bot_messages_in_total", platform="telegram", intent="export") == 1
    assert seen.value("nemo_bot_turns_total", platform="telegram", outcome="done") == 1
    assert seen.value("nemo_bot_delivery_lag_seconds_count", platform="telegram") == 1
    assert seen.value("nemo_bot_delivery_lag_seconds_sum", platform="telegram") > 0
    for endpoint in ("run_sse", "render", "render_status", "state"):
        assert seen.value("nemo_bot_nemo_request_seconds_count", endpoint=endpoint) >= 1, endpoint
    assert seen.value(
        "nemo_bot_platform_api_errors_total", platform="telegram", method="sendChatAction", code="429",
    ) == 1
    assert after.value(
        "nemo_bot_platform_api_errors_total", platform="telegram", method="getUpdates", code="502",
    ) == 3
    assert after.value("nemo_bot_messages_in_total", platform="telegram", intent="credits") == 1


async def test_the_webhook_can_share_the_health_port(tmp_path: Path) -> None:
    fake = FakeBotApi()
    updates = Updates()
    port = _free_port()
    secret = "one_port-for-both"
    async with (
        redis_backend("redis", REDIS_DB),
        run_simulator(SimConfig(speed=0.001)) as sim,
        fake_server(fake) as url,
        httpx.AsyncClient(timeout=10) as http,
    ):
        settings = _settings(tmp_path, sim.url, port, TelegramSettings(
            _env_file=None, bot_token=TOKEN, api_url=url, webhook_url="https://bot.example.com/tg/hook",
            webhook_secret=secret, webhook_port=port,
        ))
        task = asyncio.create_task(serve_platforms(settings, ["telegram"], Redactor()))
        try:
            ready = await until_status(http, port, "/readyz", 200)
            assert ready["checks"]["telegram"]["detail"].startswith("setWebhook answered")
            hook = f"http://127.0.0.1:{port}/tg/hook"
            assert (await http.post(hook, json=updates.text("hello there"))).status_code == 403  # no secret
            sent = await http.post(hook, json=updates.text("hello there"), headers={SECRET_HEADER: secret})
            assert sent.status_code == 200
            await wait_for(lambda: any(t.startswith("Hi! I'm Nemo") for t in fake.texts(ADA["id"])), 30)
            seen = await until_scraped(
                http, port, lambda seen: seen.value("nemo_bot_turns_total", platform="telegram", outcome="done") == 1,
            )
            assert (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    assert seen.value("nemo_bot_messages_in_total", platform="telegram", intent="agent") == 1
    [registered] = fake.calls_to("setWebhook")
    assert registered.params["url"] == "https://bot.example.com/tg/hook"


def _settings(tmp_path: Path, sim_url: str, port: int, telegram: TelegramSettings) -> Settings:
    """The bot on this test's Redis database and simulator, with `telegram` and health checks on `port`."""
    return Settings(
        _env_file=None, nemo_api_url=sim_url, redis_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        nemo_config_dir=str(tmp_path / "cfg"), work_dir=str(tmp_path / "work"),
        engine=EngineSettings(_env_file=None, **ENGINE), telegram=telegram,
        health=HealthSettings(_env_file=None, port=port, listen="127.0.0.1"),
    )
