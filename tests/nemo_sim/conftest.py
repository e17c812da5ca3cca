"""Fixtures: a simulator served by uvicorn on a free port, an HTTP client, and a ready account."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from nemo_sim import SimConfig, Simulator, run_simulator
from tests.nemo_sim.wire import Account, new_account

FAST = SimConfig(speed=0.001)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A fresh simulator at 1/1000 speed."""
    async with run_simulator(FAST.model_copy(deep=True)) as running:
        yield running


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client pointed at the simulator."""
    async with httpx.AsyncClient(base_url=sim.url, timeout=10) as http:
        yield http


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    """An anonymous account (100 credits) with one session."""
    return await new_account(client)
