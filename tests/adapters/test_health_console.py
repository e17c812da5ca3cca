"""`nemo-bot console` with HEALTH_PORT and LOG_FORMAT=json, typed into as a subprocess: the probes and /metrics are
scraped over HTTP while it runs, and every log line it wrote is JSON without a secret."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.adapters.test_console import REDIS_URL, _console, _env
from tests.harness import wait_for
from tests.scrape import scrape, until_scraped, until_status
from tests.store_fixtures import redis_backend

SECRET = "123456:SECRETtelegramTOKENxyz"  # configured (the console does not use it), so the redactor knows it
REDIS_DB = 11  # the console tests' database (REDIS_URL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Console:
    """The running console: what it printed so far, and a way to type a line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.printed = ""
        self.logged = bytearray()

    async def read(self) -> None:
        """Collect stdout and stderr until both close (a full pipe would stop the console)."""
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        errors = self.proc.stderr

        async def log() -> None:
            while chunk := await errors.read(65536):
                self.logged += chunk

        logging = asyncio.create_task(log())
        while chunk := await self.proc.stdout.read(4096):
            self.printed += chunk.decode()
        await logging

    async def type(self, line: str, shows: str) -> None:
        """Type a line and wait until the console shows `shows` after it."""
        assert self.proc.stdin is not None
        before = len(self.printed)
        self.proc.stdin.write(f"{line}\n".encode())
        await self.proc.stdin.drain()
        await wait_for(lambda: shows in self.printed[before:], 30)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


async def test_a_console_flow_is_seen_in_metrics_probes_and_json_logs(tmp_path: Path, http: httpx.AsyncClient) -> None:
    port = _free_port()
    async with redis_backend("redis", REDIS_DB), run_simulator(SimConfig(speed=0.001)) as sim:
        env = {
            **_env(sim, tmp_path, REDIS_URL), "HEALTH_PORT": str(port), "HEALTH_LISTEN": "127.0.0.1",
            "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG", "TELEGRAM_BOT_TOKEN": SECRET,
        }
        proc = await _console(env, tmp_path / "videos", asyncio.subprocess.PIPE)
        console = Console(proc)
        reading = asyncio.create_task(console.read())
        try:
            alive = await until_status(http, port, "/healthz", 200)
            assert alive["alive"] is True
            await console.type("make a video of a lighthouse", "is ready")
            await console.type("export", "🎬 Saved")
            ready = await until_status(http, port, "/readyz", 200)
            assert {name: check["ok"] for name, check in ready["checks"].items()} == {
                "console": True, "nemo": True, "store": True,
            }
            # A Nemo error: the next credits request answers HTTP 503 (with the envelope code 503).
            fault = {"faults": [{"path_prefix": "/api/credits", "code": 503}]}
            (await http.post(f"{sim.url}/__sim/config", json=fault)).raise_for_status()
            await console.type("credits", "🤖")
            await until_scraped(
                http, port, lambda seen: seen.value("nemo_bot_nemo_errors_total", endpoint="credits", code="503") == 1,
            )
            # Nemo's last answer was a 5xx: not ready, until a request gets an ordinary answer again.
            unready = await until_status(http, port, "/readyz", 503)
            assert unready["checks"]["nemo"]["ok"] is False
            assert "HTTP 503" in unready["checks"]["nemo"]["detail"]
            await console.type("status", "Timeline")
            await until_status(http, port, "/readyz", 200)
            seen = await scrape(http, port)
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            assert await asyncio.wait_for(proc.wait(), 60) == 0
            await reading
        stderr = bytes(console.logged)

    assert seen.value("nemo_bot_messages_in_total", platform="console", intent="agent") == 1
    assert seen.value("nemo_bot_messages_in_total", platform="console", intent="export") == 1
    assert seen.value("nemo_bot_messages_in_total", platform="console", intent="credits") == 1
    assert seen.value("nemo_bot_turns_total", platform="console", outcome="done") == 1
    assert seen.value("nemo_bot_renders_total", platform="console", outcome="delivered") == 1
    assert seen.value("nemo_bot_delivery_lag_seconds_count", platform="console") == 1
    assert seen.value("nemo_bot_in_flight", kind="turn") == 0
    for endpoint in ("anonymous_token", "session", "state", "run_sse", "render", "render_status", "credits"):
        assert seen.value("nemo_bot_nemo_request_seconds_count", endpoint=endpoint) >= 1, endpoint
    assert seen.value("nemo_bot_download_bytes_total") > 1000  # the rendered MP4
    assert seen.value("nemo_bot_event_loop_lag_seconds") < 1

    lines = stderr.decode().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert records
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    assert any(record.get("chat") == "console:local:-" and "request_id" in record for record in records)
    assert any(str(record.get("render_id", "")).startswith("render_") for record in records)
    assert SECRET not in stderr.decode()
    assert "nmv_usr_" not in stderr.decode()
