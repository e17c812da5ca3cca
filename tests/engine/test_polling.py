"""Render polls on a simulated clock: the MP4 is posted soon after the render completes, with fewer polls than the
back-off schedule, whatever the render's length; HTTP 429 and silent progress back off."""

from __future__ import annotations

import statistics
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.messages import Incoming
from bot.engine.polling import BackOff, RenderPoller, Schedule
from bot.store.keys import ChatKey
from bot.store.models import ChatSession
from bot.store.redis_store import RedisStore
from nemo_sim.records import RenderRecord
from nemo_sim.render import advance
from tests.engine.fake_renders import FakeRenders, SimulatedClock, completed_at
from tests.harness import RecordingChat
from tests.store_fixtures import store_backend

SCHEDULE = Schedule(initial=2.0, near=1.5, factor=1.5, longest=15.0)
CHAT = ChatKey("console", "renders")
# Renders of 30, 60 and 90 s, each up to 20 % shorter or longer, as real ones spread.
LENGTHS = [base * factor for base in (30, 60, 90) for factor in (0.8, 1.13, 0.91, 1.2, 1.04, 0.86)]


def backoff_polls(seconds: float) -> int:
    """Polls the back-off schedule (at once, then 2 s growing to 15 s) makes until a render of `seconds` is seen."""
    schedule, now, polls = BackOff(SCHEDULE), 0.0, 0
    while True:
        now += schedule.delay(now)
        polls += 1
        if now >= seconds:
            return polls


@pytest.fixture
async def store() -> AsyncIterator[RedisStore]:
    async with store_backend("embedded", prefix="polling") as opened:
        yield opened


async def export_all(store: RedisStore, tmp_path: Path, renders: FakeRenders, clock: SimulatedClock) -> RecordingChat:
    """Export once per render length, one after the other, through the engine on the simulated clock."""
    timings: dict[str, Any] = {"render_poll_initial": 2.0, "render_poll_near": 1.5, "render_poll_max": 15.0}
    engine = Engine(renders, store, EngineConfig(workdir=tmp_path, **timings), clock=clock, sleep=clock.sleep)
    chat = RecordingChat(tmp_path / "videos")
    try:
        for index in range(len(renders.durations)):
            session = ChatSession(f"s{index}", "t", "en", 1.0)
            await store.put_session(CHAT, session)
            await engine.handle(Incoming(CHAT, "u", "Ada", "export", (), "en", f"m{index}"), chat)
    finally:
        await engine.background.close()
    return chat


async def test_mp4s_are_posted_within_seconds_of_completion_with_fewer_polls(store: RedisStore, tmp_path: Path) -> None:
    clock = SimulatedClock()
    renders = FakeRenders(clock, list(LENGTHS))
    chat = await export_all(store, tmp_path, renders, clock)

    assert len(chat.videos) == len(LENGTHS)
    records = list(renders.renders.values())
    lags = [renders.downloaded[r.render_id] - completed_at(r) for r in records]
    assert max(lags) <= 5.0
    assert statistics.median(lags) <= 2.0
    for start in range(0, len(records), 6):  # the 30 s renders, then the 60 s ones, then the 90 s ones
        group = records[start : start + 6]
        assert sum(r.polls for r in group) <= sum(backoff_polls(r.run_seconds) for r in group)


async def test_a_poll_refused_with_429_waits_the_longest_delay(store: RedisStore, tmp_path: Path) -> None:
    clock = SimulatedClock()
    renders = FakeRenders(clock, [30.0], rate_limited_polls=1)
    chat = await export_all(store, tmp_path, renders, clock)
    [record] = renders.renders.values()
    assert len(chat.videos) == 1
    # The first poll (at 2 s) was refused: the next came no sooner than 15 s later.
    assert record.polls >= 1
    assert renders.downloaded[record.render_id] - completed_at(record) <= 5.0


def test_without_a_percentage_the_schedule_backs_off() -> None:
    poller = RenderPoller(SCHEDULE, started=0.0)
    delays = []
    now = 0.0
    for _ in range(6):
        delay = poller.delay(now)
        delays.append(delay)
        now += delay
        poller.observe(now, None)
    assert delays == [2.0, 3.0, 4.5, 6.75, 10.125, 15.0]


def test_the_first_poll_of_a_render_comes_at_a_part_of_the_usual_duration() -> None:
    assert RenderPoller(SCHEDULE, started=0.0, prior=60.0).delay(0.0) == pytest.approx(18.0)


def test_429_backs_off_to_the_longest_delay() -> None:
    poller = RenderPoller(SCHEDULE, started=0.0)
    poller.observe(10.0, 40.0)
    poller.failed(rate_limited=True)
    assert poller.delay(10.0) == 15.0


def test_a_render_past_its_predicted_end_is_polled_ever_less_often() -> None:
    poller = RenderPoller(SCHEDULE, started=0.0)
    poller.observe(10.0, 50.0)  # predicts the end at 20 s
    delays = [poller.delay(now) for now in (21.0, 23.0, 26.0, 30.0)]
    assert delays == [1.5, 2.25, 3.375, 5.0625]


def test_linear_progress_predicts_the_end() -> None:
    record = RenderRecord("render_line", "u", "s", created_at=0.0, duration_ms=1000, width=16, height=16)
    record.run_seconds = 80.0
    record.file = Path("done.mp4")
    poller = RenderPoller(SCHEDULE, started=0.0)
    for now in (10.0, 30.0, 50.0):
        advance(record, now)
        record.polls += 1
        poller.observe(now, record.progress)
    end = poller.predicted_end()
    assert end is not None
    assert abs(end - 80.0) < 8.0
