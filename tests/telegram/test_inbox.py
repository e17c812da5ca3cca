"""The webhook's inbox across replicas: an update Telegram was answered 200 for is handled once even when the
replica that answered is killed with SIGKILL at once, whether it had not read the update yet (another replica reads
it), had read it, or had even marked the message seen but not yet recorded the request (a live replica claims it
after a lease, and the dedupe lets that same delivery run). Two `nemo-bot telegram` processes,
the first one's Redis behind a link that freezes it right after the chosen step."""

from __future__ import annotations

import asyncio
import signal
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path

import httpx
import pytest
import redis.asyncio

from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.redis_proxy import RedisLink, redis_link
from tests.store_fixtures import redis_url
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.replicas import Replica, post, started
from tests.telegram.test_replicas import LEASE, greetings, prompts
from tests.telegram.updates import ADA, Updates

DB = 10
REDIS_URL = redis_url(DB)


async def kill(replica: Replica) -> None:
    """SIGKILL, as a node failure ends a pod."""
    replica.process.send_signal(signal.SIGKILL)
    await replica.process.wait()


async def answered_once(fake: FakeBotApi, sim: Simulator, text: str) -> None:
    """The greeting reached Ada once, and a lease later still once; the agent was asked once."""
    async with asyncio.timeout(30):
        while not greetings(fake, ADA):  # noqa: ASYNC110 - another process's work
            await asyncio.sleep(0.1)
    await asyncio.sleep(2 * LEASE)
    assert greetings(fake, ADA) == 1, fake.texts(ADA["id"])
    assert prompts(sim).count(text) == 1


@pytest.mark.timeout(120)  # two cold starts of the bot on a busy machine
@pytest.mark.parametrize("step", ["kept", "read", "seen"])
async def test_an_update_answered_200_survives_the_replica_killed_right_after(tmp_path: Path, step: str) -> None:
    client = redis.asyncio.from_url(REDIS_URL, decode_responses=True)
    await client.flushdb()
    fake = FakeBotApi()
    text = "hello there"
    try:
        async with (
            run_simulator(SimConfig(speed=0.001)) as sim, fake_server(fake) as api_url,
            httpx.AsyncClient(timeout=30) as http, redis_link() as link, AsyncExitStack() as stack,
        ):
            def replica(name: str, through: RedisLink | None = None) -> AbstractAsyncContextManager[Replica]:
                url = f"redis://127.0.0.1:{through.port}/{DB}" if through else REDIS_URL
                return started(tmp_path / name, fake, http, sim_url=sim.url, api_url=api_url, redis_url=url,
                               lease=LEASE)

            first = await stack.enter_async_context(replica("first", link))
            second: Replica | None = None
            if step == "kept":
                second = await stack.enter_async_context(replica("second"))
                # Frozen once the update is kept in the inbox: it answers 200, and reads nothing more.
                link.hold_after_sent(text.encode())
            elif step == "read":
                # Frozen once it has read the update from the inbox, before the engine has seen it.
                link.hold_after_received(text.encode())
            else:
                # Frozen once the engine has marked the message seen, before the request left any other trace.
                link.hold_after_sent(b":seen:")
            await post(http, first, Updates().text(text))
            async with asyncio.timeout(10):
                await link.held.wait()
            await kill(first)
            if second is None:  # a replica started after the kill claims what the dead one held
                await stack.enter_async_context(replica("second"))

            await answered_once(fake, sim, text)
    finally:
        await client.flushdb()
        await client.aclose()
