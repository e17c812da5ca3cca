"""Fixtures: the Nemo simulator served over real HTTP on 127.0.0.1, and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.nemo.client import NemoClient
from bot.nemo.models import AnonToken
from bot.nemo.transport import AiohttpTransport

ATTRIBUTION = {"X-Skill-Source": "nemo-video", "X-Skill-Version": "0.1.0", "X-Skill-Platform": "console"}
CLIENT_ID = "7d3c2f0e-1b7a-4c55-9a7e-0f6f2b3c4d5e"


@pytest.fixture
async def sim() -> AsyncIterator[Any]:
    """A running simulator with every delay scaled down."""
    # Imported here so the unit tests in this folder run even without the simulator package.
    from nemo_sim.config import SimConfig
    from nemo_sim.server import run_simulator

    config = SimConfig(speed=0.001, hb_interval=15.0, gen_seconds=60.0, render_seconds=10.0)
    async with run_simulator(config) as running:
        yield running


@pytest.fixture(params=["httpcore", "aiohttp"])
async def http(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """The one HTTP client the Nemo client is given: over httpx's own transport, and over the one the bot runs
    with (`AiohttpTransport`), whose failures must read exactly as httpx's do."""
    transport = AiohttpTransport(10) if request.param == "aiohttp" else None
    async with httpx.AsyncClient(timeout=httpx.Timeout(20.0), transport=transport) as client:
        yield client


@pytest.fixture
def issued() -> list[AnonToken]:
    """Every anonymous token the client reported through `on_token`."""
    return []


@pytest.fixture
def nemo(sim: Any, http: httpx.AsyncClient, issued: list[AnonToken]) -> NemoClient:
    """A client on the simulator with short waits."""

    async def keep(token: AnonToken) -> None:
        issued.append(token)

    return NemoClient(
        http,
        base_url=sim.url,
        client_id=CLIENT_ID,
        attribution=ATTRIBUTION,
        web_url="https://web.test",
        rate_limit_backoff=0.01,
        stream_idle_timeout=5.0,
        on_token=keep,
    )


async def configure(http: httpx.AsyncClient, sim: Any, **changes: Any) -> dict[str, Any]:
    """Change simulator switches over its HTTP control endpoint."""
    response = await http.post(f"{sim.url}/__sim/config", json=changes)
    response.raise_for_status()
    config: dict[str, Any] = response.json()
    return config


async def recorded(http: httpx.AsyncClient, sim: Any, path: str = "") -> list[dict[str, Any]]:
    """The simulator's request log (optionally under a path prefix)."""
    response = await http.get(f"{sim.url}/__sim/requests", params={"path": path} if path else None)
    response.raise_for_status()
    records: list[dict[str, Any]] = response.json()
    return records
