"""A process killed mid-turn (kill -9) leaves its chat's lock behind: /cancel on a live replica frees it once the
dead process's heartbeat has lapsed, and the killed process's next start frees it by itself; the chat need not
wait out the whole lease (a minute here)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio

from adapters.console import CHAT
from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.leases import holder_of
from bot.engine.messages import Incoming
from bot.engine.rules import TeamRules
from bot.nemo.client import NemoClient
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.adapters.test_console import _console, _env
from tests.harness import ATTRIBUTION, FAST, RecordingChat
from tests.store_fixtures import redis_url

REDIS_URL = redis_url(10)
PREFIX = "nemo-bot"  # the console's key prefix
BUSY = "⏳ Still working on your previous request. Send /cancel to stop waiting on it."
FRESH = "🆕 Started a fresh project."
FREED = (
    "🔓 The bot restarted while working on your previous request, which kept this chat waiting: it is free again "
    "now. Send status to see where your project stands."
)


@pytest.fixture
async def client() -> AsyncIterator[redis.asyncio.Redis]:
    opened = redis.asyncio.from_url(REDIS_URL, decode_responses=True)
    await opened.flushdb()
    try:
        yield opened
    finally:
        await opened.flushdb()
        await opened.aclose()


async def killed_mid_turn(sim: Simulator, tmp_path: Path) -> None:
    """A console with a minute's lease and a short heartbeat, killed while its agent turn runs."""
    env = {**_env(sim, tmp_path, REDIS_URL), "LOCK_LEASE": "60", "HEARTBEAT": "0.5"}
    proc = await _console(env, tmp_path / "videos", asyncio.subprocess.PIPE)
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(b"make a video of a glacier\n")
    await proc.stdin.drain()
    async with asyncio.timeout(30):
        while b"Generating video" not in await proc.stdout.readline():
            pass
    proc.send_signal(signal.SIGKILL)
    await proc.wait()


NO_QUEUE = TeamRules(queue_per_chat=0)


def replica(sim: Simulator, http: httpx.AsyncClient, store: RedisStore, tmp_path: Path) -> Engine:
    """Another process of the same bot (the same Nemo user), on this machine."""
    nemo = NemoClient(http, base_url=sim.url, client_id="shared-client", attribution=ATTRIBUTION)
    # A busy chat answers "busy" rather than queueing: these tests are about whose lock it is.
    timings = {**FAST, "lock_lease": 60.0, "heartbeat": 0.5, "allow_private_urls": True, "team": NO_QUEUE}
    return Engine(nemo, store, EngineConfig(workdir=tmp_path / "replica", **timings))


def typed(text: str, n: int) -> Incoming:
    return Incoming(CHAT, "local", "local", text, (), "en", f"typed-{n}")


async def test_cancel_frees_the_lock_of_a_killed_process(client: redis.asyncio.Redis, tmp_path: Path) -> None:
    store = RedisStore(client, PREFIX)
    await store.put_client_id_if_absent("shared-client")
    async with run_simulator(SimConfig(speed=0.001, gen_seconds=60_000)) as sim, httpx.AsyncClient() as http:
        await killed_mid_turn(sim, tmp_path)
        engine = replica(sim, http, store, tmp_path)
        try:
            chat = RecordingChat(tmp_path / "chat")
            await engine.handle(typed("/new", 1), chat)
            assert chat.texts == [BUSY]

            owner = await store.turn_lock(CHAT).holder()
            assert owner is not None
            dead = holder_of(owner)
            assert dead is not None
            while await store.is_alive(dead.start):  # noqa: ASYNC110 - its heartbeat lapses 0.5 s after the kill
                await asyncio.sleep(0.05)
            await engine.handle(typed("/cancel", 2), chat)
            await engine.handle(typed("/new", 3), chat)
            assert chat.texts[:3] == [BUSY, FREED, FRESH]
        finally:
            await engine.background.close()


async def test_the_restarted_process_frees_its_own_dead_lock(client: redis.asyncio.Redis, tmp_path: Path) -> None:
    store = RedisStore(client, PREFIX)
    await store.put_client_id_if_absent("shared-client")
    async with run_simulator(SimConfig(speed=0.001, gen_seconds=60_000)) as sim, httpx.AsyncClient() as http:
        await killed_mid_turn(sim, tmp_path)
        assert await store.turn_lock(CHAT).holder() is not None
        engine = replica(sim, http, store, tmp_path)  # the same machine: the killed process started again
        try:
            await engine.resume({})
            async with asyncio.timeout(5):  # within a heartbeat of the kill, not the minute of the lease
                await _unlocked(store)
            chat = RecordingChat(tmp_path / "chat")
            await engine.handle(typed("/new", 1), chat)
            assert chat.texts[0] == FRESH
        finally:
            await engine.background.close()


async def _unlocked(store: RedisStore) -> None:
    while await store.turn_lock(CHAT).holder() is not None:  # noqa: ASYNC110 - state in the store: nothing to wait on
        await asyncio.sleep(0.05)
