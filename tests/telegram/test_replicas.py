"""Two replicas in webhook mode on one Redis, as the Kubernetes Deployment runs them: two `nemo-bot telegram`
processes against the fake Bot API and the simulator over HTTP. Every update is handled once, even one delivered to
both; a render followed by a replica killed with SIGKILL is taken over and delivered once, by the survivor."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio

from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.harness import probe_video, wait_for
from tests.scrape import scrape
from tests.store_fixtures import redis_url
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.replicas import Replica, post, started
from tests.telegram.updates import ADA, BOB, LIN, Updates

REDIS_URL = redis_url(10)
LEASE = 2.0  # seconds: a killed replica's render is taken over soon after


def replica(folder: Path, sim: Simulator, fake: FakeBotApi, api_url: str, http: httpx.AsyncClient,
            ) -> contextlib.AbstractAsyncContextManager[Replica]:
    """A replica on the test Redis, started and ready, stopped on exit."""
    return started(folder, fake, http, sim_url=sim.url, api_url=api_url, redis_url=REDIS_URL, lease=LEASE)


async def until_turns_done(http: httpx.AsyncClient, replicas: list[Replica], count: int) -> None:
    """Wait until the replicas have finished `count` turns between them, and run none: every chat is free again."""

    async def done() -> bool:
        seen = [await scrape(http, one.health_port) for one in replicas]
        finished = sum(s.value("nemo_bot_turns_total", platform="telegram", outcome="done") for s in seen)
        return finished >= count and all(s.value("nemo_bot_in_flight", kind="turn") == 0 for s in seen)

    async with asyncio.timeout(30):
        while not await done():  # noqa: ASYNC110 - the state is in other processes, nothing to wait on
            await asyncio.sleep(0.1)


def greetings(fake: FakeBotApi, user: dict[str, Any]) -> int:
    """How many times the bot greeted `user` (its answer to a hello)."""
    return len([text for text in fake.texts(user["id"]) if text.startswith("Hi! I'm Nemo")])


def prompts(sim: Simulator) -> list[str]:
    """Every message the agent received, in order."""
    return [str(r["body"]["new_message"]["parts"][0]["text"]) for r in sim.world.requests_to("/run_sse", "POST")]


@pytest.mark.timeout(120)  # two cold starts of the bot on a busy machine, then a lease to lapse
async def test_two_replicas_handle_each_update_once_and_the_survivor_delivers_a_killed_ones_render(
    tmp_path: Path,
) -> None:
    client = redis.asyncio.from_url(REDIS_URL, decode_responses=True)
    await client.flushdb()
    fake = FakeBotApi()
    updates = Updates()
    try:
        async with (
            run_simulator(SimConfig(speed=0.001, render_seconds=6000)) as sim,
            fake_server(fake) as api_url,
            httpx.AsyncClient(timeout=30) as http,
            AsyncExitStack() as stack,
        ):
            # One after the other, so they share the client id the first one keeps in Redis.
            first = await stack.enter_async_context(replica(tmp_path / "first", sim, fake, api_url, http))
            second = await stack.enter_async_context(replica(tmp_path / "second", sim, fake, api_url, http))

            # The same update at both replicas at once (Telegram re-sent it; two pods got it), then one each.
            twice = updates.text("hello there")
            await asyncio.gather(post(http, first, twice), post(http, second, twice))
            await post(http, first, updates.text("hello from Bob", user=BOB))
            await post(http, second, updates.text("hello from Lin", user=LIN))
            await until_turns_done(http, [first, second], 3)

            # A video made through the second replica, exported through the first: the first follows the render.
            await post(http, second, updates.text("make a video of a glacier"))
            await until_turns_done(http, [first, second], 4)
            await post(http, first, updates.text("/export"))
            await wait_for(lambda: bool(sim.world.requests_to("/api/render/proxy/lambda/", "GET")), 30)
            first.process.send_signal(signal.SIGKILL)
            await first.process.wait()
            killed_at = time.monotonic()

            await wait_for(lambda: bool(fake.videos(ADA["id"])), 30)
            await asyncio.sleep(LEASE)  # a second delivery, if any, would come within a lease
            submits = [r for r in sim.world.requests_to("/api/render/proxy/lambda", "POST")
                       if r["path"] == "/api/render/proxy/lambda"]
            told = prompts(sim)
            open_renders = await RedisStore(client, "nemo-bot").open_renders()

        assert sorted(told) == sorted(["hello there", "hello from Bob", "hello from Lin", "make a video of a glacier"])
        for user in (ADA, BOB, LIN):  # one greeting per chat, and no "still working": nobody saw an update twice
            assert greetings(fake, user) == 1, fake.texts(user["id"])
            assert not [text for text in fake.texts(user["id"]) if "Still working" in text], fake.texts(user["id"])
        [video] = fake.videos(ADA["id"])
        [sent] = fake.calls_to("sendVideo")
        assert sent.at > killed_at  # after the first replica died: the second one sent it
        assert len(submits) == 1  # the survivor followed the render the killed one submitted, not a new one
        assert open_renders == []
    finally:
        await client.flushdb()
        await client.aclose()
    saved = tmp_path / "delivered.mp4"
    saved.write_bytes(video.video["content"])
    assert probe_video(saved)[1] == "640x360"  # the rendered MP4 itself, uploaded whole
