"""A replica that is running takes over the render of a replica killed mid-render (kill -9), within a lease of the
lapse, and delivers it once: no restart of the dead one needed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import redis.asyncio

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.nemo.client import NemoClient
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.adapters.test_console import _env, killed_mid_render
from tests.engine.test_resume import OnePlatform
from tests.harness import ATTRIBUTION, FAST, RecordingChat, probe_video, wait_for
from tests.store_fixtures import redis_url

REDIS_URL = redis_url(11)


async def test_a_live_replica_takes_over_a_killed_replicas_render(tmp_path: Path) -> None:
    client = redis.asyncio.from_url(REDIS_URL, decode_responses=True)
    await client.flushdb()
    out = tmp_path / "videos"
    try:
        async with run_simulator(SimConfig(speed=0.001, render_seconds=6000)) as sim:
            # Replica B: running before A dies, on the same Redis (the console's key prefix) and the same Nemo.
            # Replicas share the client id kept in the store, so they act as one Nemo user.
            await RedisStore(client, "nemo-bot").put_client_id_if_absent("shared-client")
            async with httpx.AsyncClient(timeout=30) as http:
                nemo = NemoClient(http, base_url=sim.url, client_id="shared-client", attribution=ATTRIBUTION)
                timings = {**FAST, "lock_lease": 2.0, "allow_private_urls": True}
                b = Engine(nemo, RedisStore(client, "nemo-bot"), EngineConfig(workdir=tmp_path / "b", **timings))
                platform = OnePlatform(RecordingChat(tmp_path / "b-chat"))
                assert await b.resume({"console": platform}) == 0

                # Replica A: a console on the same Redis, killed once its render is under way.
                await killed_mid_render(_env(sim, tmp_path, REDIS_URL), out, "make a video of a glacier")

                await wait_for(lambda: bool(platform.chat.videos), 30)
                await asyncio.sleep(1.5)  # a second delivery, if any, would come within this
                await b.background.close()
                submits = [r for r in sim.world.requests_to("/api/render/proxy/lambda", "POST")
                           if r["path"] == "/api/render/proxy/lambda"]
        [video] = platform.chat.videos
        assert video.path is not None
        assert probe_video(video.path)[1] == "640x360"
        assert list(out.glob("*.mp4")) == []  # A never got to deliver
        assert len(submits) == 1  # B followed A's render: it did not render again
        assert await RedisStore(client, "nemo-bot").open_renders() == []
    finally:
        await client.flushdb()
        await client.aclose()
