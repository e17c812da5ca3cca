"""What the benchmarks share: a simulator in another process, the bot opened as `nemo-bot` opens it, a chat
that records when things arrive, and the figures (percentiles, event-loop lag, memory, CPU, Redis commands)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bot.app import Bot, open_bot
from bot.config import EngineSettings, RedisSettings, Settings
from bot.engine.card import Card
from bot.engine.polling import RenderDurations, RenderPoller, Schedule
from bot.engine.ports import Limits, Post, Video
from bot.i18n.locales.en import MESSAGES
from bot.logs import Redactor
from bot.nemo.client import NemoClient
from bot.nemo.draft import Draft
from bot.nemo.models import RenderStatus
from bot.nemo.wire import RenderState

ATTRIBUTION = {"X-Skill-Source": "nemo-video", "X-Skill-Version": "bench", "X-Skill-Platform": "console"}
# What the bot says when something went wrong: a reply starting like one of these is an error reply.
ERROR_KEYS = (
    "store_unavailable", "check_later", "stream_timeout", "stream_error", "busy", "render_failed", "render_timeout",
    "connection_lost_failed", "turn_failed", "video_too_big", "video_slow", "nothing_to_export",
)
ERROR_STARTS = tuple(
    text.split("{")[0] for key, text in MESSAGES.items() if key.startswith("error_") or key in ERROR_KEYS
)
QUEUED = MESSAGES["turn_queued"]


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Sim:
    """A simulator running in another process."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the simulator's process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def simulator(**switches: object) -> Iterator[Sim]:
    """`nemo-bot sim` in another process (SIM_<NAME> for each switch), once it answers."""
    port = free_port()
    env = {**os.environ, **{f"SIM_{name.upper()}": str(value) for name, value in switches.items()}}
    command = [sys.executable, "-m", "nemo_sim", "--host", "127.0.0.1", "--port", str(port)]
    with server_process(command, env, f"http://127.0.0.1:{port}", "/__sim/config") as (url, pid):
        yield Sim(url, pid)


@contextlib.contextmanager
def server_process(
    command: list[str], env: Mapping[str, str], url: str, probe: str,
) -> Iterator[tuple[str, int]]:
    """Run `command` (an HTTP server at `url`) in another process; yields its URL and pid once `probe` answers."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}{probe}", timeout=1).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def raise_open_files() -> None:
    """Let this process open as many sockets as its hard limit allows (each chat holds a few)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def settings(sim_url: str, redis_url: str | None, speed: float, **overrides: Any) -> Settings:
    """The bot's settings against the simulator, every engine timing scaled by the simulator's `speed`.

    Scaling the bot's clock as the simulator's keeps every ratio (polls per render, what waits for what) as in
    real time; only the figures printed are scaled back to real seconds.
    """
    timings = {
        "render_poll_initial": 2.0 * speed, "render_poll_max": 15.0 * speed, "render_poll_near": 1.5 * speed,
        "keepalive_ping_interval": 120.0 * speed, "recovery_first_wait": 30.0 * speed, "recovery_wait": 60.0 * speed,
    }
    engine_fields = set(EngineSettings.model_fields)
    engine = EngineSettings(
        _env_file=None, allow_private_urls=True,
        **{**timings, **{key: value for key, value in overrides.items() if key in engine_fields}},
    )
    rest = {key: value for key, value in overrides.items() if key not in engine_fields}
    redis = RedisSettings(_env_file=None, pool_size=rest.pop("redis_pool_size", 1000))
    return Settings(
        _env_file=None, nemo_api_url=sim_url, nemo_client_id="bench-client", redis_url=redis_url,
        redis_prefix=f"bench-{os.getpid()}-{time.monotonic_ns()}", engine=engine, redis=redis, **rest,
    )


@contextlib.asynccontextmanager
async def opened_bot(config: Settings, credits: int = 10_000_000) -> AsyncIterator[Bot]:
    """The bot as `nemo-bot` opens it, signed in, with `credits` on its account; its Redis keys removed on exit."""
    async with open_bot(config, Redactor()) as bot:
        await bot.nemo.authenticate()
        await give_credits(config.nemo_api_url, bot.nemo.user_id, credits)
        try:
            yield bot
        finally:
            await _forget(config)


async def give_credits(sim_url: str, user_id: str | None, credits: int = 10_000_000) -> None:
    """Set the simulated account's balance."""
    async with httpx.AsyncClient() as http:
        body = {"user_id": user_id, "available": credits}
        (await http.post(f"{sim_url}/__sim/credits", json=body)).raise_for_status()


async def _forget(config: Settings) -> None:
    if config.redis_url is None:
        return
    redis = Redis.from_url(config.redis_url)
    try:
        async for key in redis.scan_iter(match=f"{{{config.redis_prefix}}}:*", count=1000):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def sim_get(sim_url: str, path: str) -> Any:
    """A `/__sim` control endpoint's JSON."""
    async with httpx.AsyncClient(timeout=60) as http:
        reply = await http.get(f"{sim_url}{path}")
        reply.raise_for_status()
        return reply.json()


async def sim_set(sim_url: str, **switches: object) -> None:
    """Flip simulator switches."""
    async with httpx.AsyncClient(timeout=60) as http:
        (await http.post(f"{sim_url}/__sim/config", json=switches)).raise_for_status()
        (await http.delete(f"{sim_url}/__sim/requests")).raise_for_status()


async def redis_commands(redis_url: str | None) -> int:
    """Commands the Redis server has run so far (INFO commandstats), not counting this look itself (a connection's
    handshake and the INFO)."""
    if redis_url is None:
        return 0
    redis = Redis.from_url(redis_url)
    try:
        stats: Mapping[str, Any] = await redis.info("commandstats")
    finally:
        await redis.aclose()
    own = {"cmdstat_info", "cmdstat_select", "cmdstat_hello", "cmdstat_client|setinfo"}
    return sum(int(value["calls"]) for name, value in stats.items() if name not in own)


@dataclass(slots=True)
class BenchChat:
    """An `Outgoing` chat that keeps only what the figures need: when things arrived, and what went wrong."""

    started: float = field(default_factory=time.monotonic)
    first_reply: float | None = None
    first_agent_text: float | None = None
    video_at: float | None = None
    video_wall: float | None = None
    errors: list[str] = field(default_factory=list)
    queued: int = 0
    texts: int = 0

    @property
    def limits(self) -> Limits:
        """A chat with no pacing and a 50 MB upload limit."""
        return Limits(text_length=4096, upload_bytes=50_000_000)

    async def send(self, post: Post) -> object:
        """Note the time of the first reply and the first agent text (posted with buttons), and any error."""
        now = time.monotonic()
        self.texts += 1
        if self.first_reply is None:
            self.first_reply = now - self.started
        if post.buttons and self.first_agent_text is None:
            self.first_agent_text = now - self.started
        if post.text == QUEUED:
            self.queued += 1
        elif post.text.startswith(ERROR_STARTS):
            self.errors.append(post.text)
        return self.texts

    async def edit(
        self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None,
    ) -> None:
        """Progress edits are not measured."""

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Note when the video was posted (on both clocks)."""
        self.video_at = time.monotonic() - self.started
        self.video_wall = time.time()

    async def show_working(self) -> None:
        """Nothing to show."""


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile (0-1) of `values`, nearest-rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    """The median, NaN for no values."""
    return statistics.median(values) if values else float("nan")


@contextlib.asynccontextmanager
async def loop_lag(interval: float = 0.01) -> AsyncIterator[list[float]]:
    """Samples of how late the event loop wakes a task that sleeps `interval` seconds, while the block runs."""
    samples: list[float] = []

    async def watch() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(interval)
            samples.append(time.perf_counter() - before - interval)

    watcher = asyncio.create_task(watch(), name="loop-lag")
    try:
        yield samples
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


def reset_peak() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) where Linux allows it, so earlier work does not hide growth."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_rss_mb() -> float:
    """This process's peak resident set size, in MB: VmHWM when readable, else ru_maxrss (KiB on Linux)."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident set size now, in MB."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return peak_rss_mb()


def cpu_seconds() -> float:
    """CPU time this process has used (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def render_directly(
    nemo: NemoClient, session_id: str, draft: Draft, render_id: str, schedule: Schedule, durations: RenderDurations,
) -> RenderStatus:
    """Submit a render with the client and poll it to completion as the bot's poller would; its final status."""
    await nemo.submit_render(session_id, draft, render_id)
    poller = RenderPoller(schedule, time.monotonic(), durations.expected())
    while True:
        await asyncio.sleep(poller.delay(time.monotonic()))
        status = await nemo.render_status(render_id)
        if status.state is RenderState.COMPLETED:
            durations.add(poller.duration(time.monotonic()))
            return status
        poller.observe(time.monotonic(), status.progress)
