"""S2: one quick-edit flow (generate, edit, export) through the engine vs the same calls made directly.

Printed: the flow's time through the engine and directly (median of `--runs`), their ratio, the Nemo requests
each made (from the simulator's log), and the Redis commands the engine ran per flow (INFO commandstats). Run:

    .venv/bin/python -m bench.overhead --redis-url redis://127.0.0.1:6379/13

The simulator runs at `--speed` and the bot's timings scale with it, so the ratio is the one in real time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import (
    ATTRIBUTION,
    BenchChat,
    give_credits,
    opened_bot,
    redis_commands,
    render_directly,
    settings,
    sim_get,
    sim_set,
    simulator,
)
from bot.engine.messages import Incoming
from bot.engine.polling import RenderDurations, Schedule
from bot.nemo.client import NemoClient
from bot.nemo.transport import AiohttpTransport
from bot.store.keys import ChatKey

FLOW = ("make a video of a city at night", "add a title 'Night Shift'", "export")


async def requests_made(sim_url: str) -> collections.Counter[str]:
    """The simulator's requests since its log was last cleared, by method and endpoint."""
    log = await sim_get(sim_url, "/__sim/requests")
    kinds: collections.Counter[str] = collections.Counter()
    for record in log:
        path = record["path"]
        endpoint = "/".join("{id}" if len(part) >= 16 or sum(c.isdigit() for c in part) >= 6 else part
                            for part in path.split("/"))
        kinds[f"{record['method']} {endpoint}"] += 1
    return kinds


async def direct(sim_url: str, speed: float, folder: Path, durations: RenderDurations) -> float:
    """The flow's calls made with the client: session, two turns, a state, the render and its polls, the MP4."""
    schedule = Schedule(2.0 * speed, 1.5 * speed, 1.5, 15.0 * speed)
    timeout = httpx.Timeout(60.0, connect=15.0)
    async with (
        httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(10)) as http,
        httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(10)) as streams,
    ):
        nemo = NemoClient(http, base_url=sim_url, client_id="bench-client", attribution=ATTRIBUTION, streams=streams)
        await nemo.authenticate()
        await give_credits(sim_url, nemo.user_id)
        await sim_set(sim_url)
        started = time.monotonic()
        session = await nemo.create_session("en")
        for prompt in FLOW[:2]:
            async with contextlib.aclosing(nemo.stream(session.session_id, prompt)) as events:
                async for _ in events:
                    pass
        state = await nemo.state(session.session_id)
        render_id = f"render_direct_{time.monotonic_ns()}"
        status = await render_directly(nemo, session.session_id, state.draft, render_id, schedule, durations)
        assert status.output_url is not None
        await nemo.download(status.output_url, folder / "direct.mp4")
        return time.monotonic() - started


async def main(args: argparse.Namespace) -> None:
    """Run the flow `--runs` times each way, alternating; print the medians and what each made."""
    switches = {"speed": args.speed, "render_look": "plain", "render_spread": 0.2}
    with simulator(**switches) as sim, tempfile.TemporaryDirectory() as folder:
        config = settings(sim.url, args.redis_url, args.speed)
        mine: list[float] = []
        theirs: list[float] = []
        commands: list[int] = []
        engine_requests: collections.Counter[str] = collections.Counter()
        direct_requests: collections.Counter[str] = collections.Counter()
        durations = RenderDurations()
        async with opened_bot(config) as bot:
            engine = bot.engine("console")
            for run in range(args.runs):
                theirs.append(await direct(sim.url, args.speed, Path(folder), durations))
                direct_requests = await requests_made(sim.url)
                await sim_set(sim.url)
                before = await redis_commands(args.redis_url)
                chat, key = BenchChat(), ChatKey("console", f"overhead-{run}")
                started = time.monotonic()
                for number, text in enumerate(FLOW):
                    await engine.handle(Incoming(key, "u", "Ada", text, (), "en", f"m{run}-{number}"), chat)
                mine.append(time.monotonic() - started)
                await engine.background.drain()
                commands.append(await redis_commands(args.redis_url) - before)
                engine_requests = await requests_made(sim.url)
                assert chat.video_at is not None
                assert not chat.errors, chat.errors
    ratio = statistics.median(mine) / statistics.median(theirs)
    print(f"quick-edit flow ({' -> '.join(FLOW)}), {args.runs} runs each, simulator speed {args.speed}")
    print(f"engine {statistics.median(mine) / args.speed:.1f}s, direct {statistics.median(theirs) / args.speed:.1f}s "
          f"(real-time equivalents): ratio {ratio:.3f}x (target <= 1.05x: {'OK' if ratio <= 1.05 else 'MISSED'})")
    polls = "GET /api/render/proxy/lambda/{id}"
    for name, made in (("engine", engine_requests), ("direct", direct_requests)):
        other = sum(count for kind, count in made.items() if kind != polls)
        print(f"{name} Nemo requests: {other} + {made[polls]} render polls: "
              + ", ".join(f"{kind} x{count}" for kind, count in sorted(made.items())))
    if args.redis_url:
        print(f"Redis commands per flow: {statistics.median(commands):.0f} (runs: {commands})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--speed", type=float, default=0.05)
    parser.add_argument("--redis-url", default=None, help="a Redis to use and count (default: the embedded store)")
    asyncio.run(main(parser.parse_args()))
