"""A chat's lock held through a slow store: a renewal that times out is retried, so the chat stays locked while its
turn runs and a second message is told to wait rather than sent to the agent beside the first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.leases import Incarnation, held
from bot.engine.rules import TeamRules
from bot.store.keys import ChatKey
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from tests.harness import FAST, Harness, running_bot, wait_for
from tests.redis_proxy import RedisLink, redis_link
from tests.store_fixtures import store_backend

BUSY = "⏳ Still working on your previous request. Send /cancel to stop waiting on it."
NO_QUEUE = TeamRules(queue_per_chat=0)  # a busy chat answers "busy": these tests are about its lock
LEASE = 1.5  # renewed every 0.375 s
ANSWER = 0.3  # the slow store's client gives up on one command after this long
CHAT = ChatKey("console", "chat-1")


@contextlib.asynccontextmanager
async def slow_store_engine(bot: Harness, tmp_path: Path) -> AsyncIterator[tuple[Engine, RedisLink]]:
    """An engine of the same bot (same key prefix and Nemo account) whose store is reached through a link that can
    pause, with a client that gives up on a command after ANSWER seconds, as redis-py's socket timeout does."""
    async with redis_link() as link:
        client = link.client(db=14, timeout=ANSWER)
        timings: dict[str, Any] = {**FAST, "lock_lease": LEASE, "team": NO_QUEUE}
        engine = Engine(bot.nemo, RedisStore(client, "e2e"), EngineConfig(workdir=tmp_path / "slow", **timings))
        try:
            yield engine, link
        finally:
            await engine.background.close()
            await client.aclose()


async def test_a_renewal_that_times_out_keeps_the_chat_locked(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=6000)  # the turn runs about six seconds
    no_queue: dict[str, Any] = {"lock_lease": LEASE, "team": NO_QUEUE}
    async with running_bot(tmp_path, db=14, sim=sim, **no_queue) as bot, slow_store_engine(bot, tmp_path) as (
        engine, link,
    ):
        first = bot.chat()
        await engine.handle(bot.message("hello"), first)  # the chat's project, made before the store slows down
        turn = asyncio.create_task(engine.handle(bot.message("make a video of a glacier"), first))
        await wait_for(lambda: any("Generating video" in item.text for item in first.log))

        link.pause()  # the next renewal gets no answer: it times out
        await asyncio.sleep(LEASE * 0.6)
        link.resume()
        await asyncio.sleep(LEASE * 0.6)  # past the end of the lease the last renewal before the pause gave
        second = bot.chat()
        await bot.engine.handle(bot.message("make it longer"), second)  # the same chat, on another replica
        assert second.texts == [BUSY]

        link.pause()  # longer than the lease: the lock lapses while the turn runs
        await asyncio.sleep(LEASE * 1.3)
        link.resume()
        await asyncio.sleep(LEASE * 0.4)
        await bot.engine.handle(bot.message("make it longer"), second)
        assert second.texts == [BUSY, BUSY]
        assert len(await bot.requests("/run_sse")) == 2  # "hello" and the glacier: nothing beside the glacier

        await turn
        assert "I'll generate" in first.everything()
        assert first.log[-1].text.startswith("✅")
        for said in first.texts:
            assert "try again" not in said.lower()
            assert "refused" not in said


async def test_cancel_on_another_replica_leaves_a_live_turn_locked(tmp_path: Path) -> None:
    sim = SimConfig(speed=0.001, gen_seconds=3000)
    async with running_bot(tmp_path, db=14, sim=sim, heartbeat=0.3, team=NO_QUEUE) as bot:
        await bot.engine.resume({})  # alive from now on
        timings: dict[str, Any] = {**FAST, "heartbeat": 0.3, "team": NO_QUEUE}
        other = Engine(bot.nemo, bot.store, EngineConfig(workdir=tmp_path / "other", **timings))
        try:
            first = bot.chat()
            turn = asyncio.create_task(bot.engine.handle(bot.message("make a video of a glacier"), first))
            await wait_for(lambda: any("Generating video" in item.text for item in first.log))
            await asyncio.sleep(0.5)  # longer than a heartbeat: the running process has renewed its own

            second = bot.chat()
            # Someone else's /cancel on another replica: the live turn is not theirs to stop, and its lock stays.
            await other.handle(bot.message("/cancel", user="Bob"), second)
            await other.handle(bot.message("make it longer", user="Bob"), second)
            assert second.texts == ["Only whoever asked (Ada) or an admin can stop what is running now.", BUSY]
            await turn
            assert first.log[-1].text.startswith("✅")
        finally:
            await other.background.close()


async def test_a_lease_lost_to_another_holder_is_noticed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, "bot.engine.leases")
    async with store_backend("embedded") as store:
        lock = store.turn_lock(CHAT)
        async with held(lock, 0.4, Incarnation.new()) as holding:
            owner = await lock.holder()
            assert owner is not None
            assert await lock.release(owner)  # as if it had lapsed...
            assert await lock.acquire("another", 30)  # ...and another process took the chat
            async with asyncio.timeout(5):
                while not holding.lost:  # noqa: ASYNC110 - the renewer sets a flag: nothing to wait on
                    await asyncio.sleep(0.05)
        assert await lock.holder() == "another"  # leaving did not free someone else's lock
    assert "lost a lease to another holder" in caplog.text


async def test_a_lapsed_lease_nobody_took_is_taken_back() -> None:
    async with store_backend("embedded") as store:
        lock = store.turn_lock(CHAT)
        async with held(lock, 0.4, Incarnation.new()) as holding:
            owner = await lock.holder()
            assert owner is not None
            assert await lock.release(owner)  # lapsed while the store was away
            async with asyncio.timeout(5):
                while await lock.holder() != owner:  # noqa: ASYNC110 - state in the store: nothing to wait on
                    await asyncio.sleep(0.05)
            assert not holding.lost
            assert not await lock.acquire("another", 30)
        assert await lock.holder() is None
