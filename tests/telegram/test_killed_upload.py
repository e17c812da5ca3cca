"""A Telegram bot process killed (kill -9) while its video upload is on the way, then started again: the video is
delivered all the same, at least once (twice only when the first upload had been taken and its answer was lost).

The bot runs as `nemo-bot telegram` subprocesses on one Redis, against the fake Bot API (which holds the upload)
and the simulator."""

from __future__ import annotations

import asyncio
import functools
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio

from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.command import command_env
from tests.harness import wait_for
from tests.store_fixtures import redis_url
from tests.telegram.conftest import fake_server
from tests.telegram.fake_api import TOKEN, FakeBotApi
from tests.telegram.updates import ADA, Updates

# Two bot processes start one after the other, on a machine that may be busy.
pytestmark = pytest.mark.timeout(300)

CHAT = ADA["id"]
REDIS_URL = redis_url(13)
DONE = "✅ Video ready!"


@asynccontextmanager
async def _world(tmp_path: Path) -> AsyncIterator[tuple[Simulator, FakeBotApi, dict[str, str]]]:
    """The simulator, the fake Bot API, a clean Redis, and the environment of a bot process using them."""
    client = redis.asyncio.from_url(REDIS_URL)
    await client.flushdb()
    fake = FakeBotApi()
    try:
        async with run_simulator(SimConfig(speed=0.001)) as sim, fake_server(fake) as url:
            env = command_env(
                tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=url, NEMO_API_URL=sim.url, REDIS_URL=REDIS_URL,
                ALLOW_PRIVATE_URLS="true", RENDER_POLL_INITIAL="0.05", RENDER_POLL_MAX="0.1", PYTHONUNBUFFERED="1",
                LOCK_LEASE="2",  # the killed process's leases lapse quickly, so the next start takes its render over
            )
            yield sim, fake, env
    finally:
        fake.release()
        await client.flushdb()
        await client.aclose()


@asynccontextmanager
async def _bot(env: dict[str, str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """A `nemo-bot telegram` process logging to `log`; killed on the way out if it still runs."""
    with log.open("ab") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "telegram", env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
        )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _until(fake: FakeBotApi, what: str, predicate: Callable[[], bool], limit: float) -> None:
    """Wait for something the chat shows; on failure, say what it showed."""
    try:
        await wait_for(predicate, limit)
    except TimeoutError:
        raise AssertionError(f"no {what} within {limit} s; the chat shows {fake.texts(CHAT)}") from None


async def _killed_mid_upload(fake: FakeBotApi, env: dict[str, str], log: Path, *, taken: bool) -> None:
    """A bot makes a video and exports it; kill -9 it while Telegram holds its sendVideo."""
    fake.hold("sendVideo", taken=taken)
    async with _bot(env, log) as first:
        updates = Updates()
        await fake.push_update(updates.text("make a video of a kite over a beach"))
        await _until(fake, "video made", lambda: any('send "export"' in text for text in fake.texts(CHAT)), 120)
        # The turn ends just after its last reply: an export sent before that is told the chat is busy, and sent
        # again.
        while not fake.calls_to("sendVideo"):
            await fake.push_update(updates.text("export"))
            await _until(fake, "upload", functools.partial(_answered, fake, _busy(fake)), 60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    fake.release()


def _busy(fake: FakeBotApi) -> int:
    return sum(text.startswith("⏳ Still working") for text in fake.texts(CHAT))


def _answered(fake: FakeBotApi, busy: int) -> bool:
    """The export began its upload, or the chat was busy once more than `busy` times."""
    return bool(fake.calls_to("sendVideo")) or _busy(fake) > busy


async def _restarted(fake: FakeBotApi, env: dict[str, str], log: Path) -> None:
    """Start the bot again; let it resume the render until it says the video is ready, then stop it."""
    async with _bot(env, log) as second:
        await _until(fake, DONE, lambda: DONE in fake.texts(CHAT), 120)
        await asyncio.sleep(1.0)  # a second delivery, if any, would come within this
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)


async def test_killed_while_its_upload_was_cut_off_the_next_start_delivers_the_video(tmp_path: Path) -> None:
    async with _world(tmp_path) as (sim, fake, env):
        await _killed_mid_upload(fake, env, tmp_path / "first.log", taken=False)
        assert fake.videos(CHAT) == []
        assert DONE not in fake.texts(CHAT)

        await _restarted(fake, env, tmp_path / "second.log")
        submits = [r for r in sim.world.requests_to("/api/render/proxy/lambda", "POST")
                   if r["path"] == "/api/render/proxy/lambda"]

    [video] = fake.videos(CHAT)
    assert video.video["content"][4:8] == b"ftyp"
    assert len(fake.calls_to("sendVideo")) == 2  # the one cut off, and the one that arrived
    assert len(submits) == 1  # rendered once
    assert "possible duplicate" in (tmp_path / "second.log").read_text()


async def test_killed_after_telegram_took_the_video_the_next_start_sends_it_again(tmp_path: Path) -> None:
    async with _world(tmp_path) as (_, fake, env):
        await _killed_mid_upload(fake, env, tmp_path / "first.log", taken=True)
        assert len(fake.videos(CHAT)) == 1  # shown, but the bot never heard so
        await _restarted(fake, env, tmp_path / "second.log")

    # At least once: the confirmation never came, so the video is sent again (a duplicate, said in the log).
    assert len(fake.videos(CHAT)) == 2
    assert "possible duplicate" in (tmp_path / "second.log").read_text()
