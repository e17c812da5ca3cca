"""The world's background work: one TaskGroup, cancelled on leaving the world, replaced on reset."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import pytest

from nemo_sim.config import SimConfig
from nemo_sim.media import temporary_media_cache
from nemo_sim.world import World


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """An entered world, with no server in front of it."""
    with temporary_media_cache() as media:
        async with World(SimConfig(speed=0.001), media) as entered:
            yield entered


async def _fail() -> None:
    raise RuntimeError("boom")


async def test_a_failing_task_is_logged_and_the_rest_runs_on(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await asyncio.wait([world.spawn(_fail(), "turn-1")])
    later = world.spawn(asyncio.sleep(0), "turn-2")
    await asyncio.wait([later])
    assert not later.cancelled()
    assert "simulator task turn-1 failed" in caplog.text


async def test_leaving_the_world_cancels_its_work() -> None:
    with temporary_media_cache() as media:
        async with World(SimConfig(), media) as world:
            endless = world.spawn(asyncio.sleep(3600), "render-1")
            await asyncio.sleep(0)
        assert endless.cancelled()
        with pytest.raises(RuntimeError, match="not entered"):
            world.spawn(asyncio.sleep(0), "too-late")


async def test_work_cancelled_before_it_started_does_not_warn(world: World) -> None:
    unstarted = world.spawn(asyncio.sleep(0), "turn-1")
    unstarted.cancel()
    await asyncio.wait([unstarted])
    assert unstarted.cancelled()
    gc.collect()  # an unawaited coroutine would warn here, which the test settings turn into a failure


async def test_reset_cancels_work_and_takes_new_work(world: World) -> None:
    endless = world.spawn(asyncio.sleep(3600), "turn-1")
    await asyncio.sleep(0)
    await world.reset()
    assert endless.cancelled()
    after = world.spawn(asyncio.sleep(0), "turn-2")
    await asyncio.wait([after])
    assert not after.cancelled()
