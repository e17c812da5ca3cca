"""S1: many chats at once in one process, each: prompt -> generated video -> export -> MP4 delivered.

The same load is run twice against one simulator in another process: directly with the Nemo client (the same
calls, the same connection pools, no engine, no Redis), then through the engine as `nemo-bot` opens it. Printed:
completed and error replies, first reply p99, first agent text p99 (and its ratio to the direct run's), event-loop
lag p99, peak RSS, CPU per chat (and its ratio to the direct run's). Run:

    .venv/bin/python -m bench.burst --chats 1000 --redis-url redis://127.0.0.1:6379/13
    .venv/bin/python -m bench.burst --chats 3000 --cap 500 --redis-url ...   # more chats than turn places

The simulator runs at `--speed` (0.05: a 2-minute generation takes 6 s) and the bot's timings are scaled by the
same factor, so a render is polled as many times as in real time; latencies are printed in real seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import (
    ATTRIBUTION,
    BenchChat,
    Sim,
    cpu_seconds,
    give_credits,
    loop_lag,
    opened_bot,
    peak_rss_mb,
    percentile,
    raise_open_files,
    render_directly,
    reset_peak,
    settings,
    simulator,
)
from bot import collector
from bot.engine.messages import Incoming
from bot.engine.polling import RenderDurations, Schedule
from bot.nemo.client import NemoClient
from bot.nemo.events import AgentText
from bot.nemo.transport import AiohttpTransport
from bot.store.keys import ChatKey

PROMPT = "make a video of a harbour at dawn"


@dataclass(slots=True)
class Run:
    """The figures of one run."""

    name: str
    chats: list[BenchChat]
    seconds: float
    cpu: float
    lag: list[float]
    rss: float
    sim_cpu: float

    @property
    def completed(self) -> int:
        """Chats that got their video."""
        return sum(chat.video_at is not None for chat in self.chats)

    def p99(self, attribute: str) -> float:
        """The 99th percentile of one of the chats' timings."""
        values = [value for chat in self.chats if (value := getattr(chat, attribute)) is not None]
        return percentile(values, 0.99)

    def show(self) -> None:
        """Print the run's figures."""
        errors = sum(len(chat.errors) for chat in self.chats)
        queued = sum(chat.queued for chat in self.chats)
        print(
            f"{self.name:>6}: {self.completed}/{len(self.chats)} completed, {errors} error replies, "
            f"{queued} queued notices, in {self.seconds:.1f}s; "
            f"first reply p99 {self.p99('first_reply') * 1000:.0f} ms, "
            f"first agent text p99 {self.p99('first_agent_text'):.2f}s, loop lag p99 "
            f"{percentile(self.lag, 0.99) * 1000:.0f} ms, peak RSS {self.rss:.0f} MB, "
            f"CPU {self.cpu / len(self.chats) * 1000:.1f} ms/chat (simulator: {self.sim_cpu / self.seconds:.0%} "
            "of a core)"
        )
        for text in sorted({text for chat in self.chats for text in chat.errors})[:5]:
            print(f"        error reply: {text[:100]}")


async def measured(sim: Sim, name: str, chats: list[BenchChat], work: list[asyncio.Task[None]]) -> Run:
    """Wait for `work`, measuring the loop lag, CPU and peak memory meanwhile."""
    started, cpu, sim_cpu = time.monotonic(), cpu_seconds(), sim.cpu_seconds()
    async with loop_lag() as lag:
        await asyncio.gather(*work)
    seconds = time.monotonic() - started
    return Run(name, chats, seconds, cpu_seconds() - cpu, lag, peak_rss_mb(), sim.cpu_seconds() - sim_cpu)


async def direct(sim: Sim, count: int, speed: float, cap: int, folder: Path, rounds: int) -> list[Run]:
    """The same calls made directly with the client: session, agent turn, state, render, polls, download."""
    timeout = httpx.Timeout(60.0, connect=15.0)
    schedule = Schedule(2.0 * speed, 1.5 * speed, 1.5, 15.0 * speed)
    durations = RenderDurations()
    places = asyncio.Semaphore(cap)
    async with (
        httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(100)) as http,
        httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(cap)) as streams,
    ):
        nemo = NemoClient(http, base_url=sim.url, client_id="bench-client", attribution=ATTRIBUTION, streams=streams)
        await nemo.authenticate()
        await give_credits(sim.url, nemo.user_id)

        async def one(index: int, chat: BenchChat) -> None:
            session = await nemo.create_session("en")
            chat.first_reply = time.monotonic() - chat.started
            async with places, contextlib.aclosing(nemo.stream(session.session_id, PROMPT)) as events:
                async for event in events:
                    if isinstance(event, AgentText) and chat.first_agent_text is None:
                        chat.first_agent_text = time.monotonic() - chat.started
            state = await nemo.state(session.session_id)
            render_id = f"render_direct_{index}_{time.monotonic_ns()}"
            status = await render_directly(nemo, session.session_id, state.draft, render_id, schedule, durations)
            assert status.output_url is not None
            path = folder / f"{render_id}.mp4"
            await nemo.download(status.output_url, path)
            path.unlink()
            chat.video_at = time.monotonic() - chat.started

        runs = []
        for turn in range(rounds):
            chats = [BenchChat() for _ in range(count)]
            reset_peak()
            work = [asyncio.create_task(one(i, c)) for i, c in enumerate(chats)]
            runs.append(await measured(sim, f"direct {turn + 1}", chats, work))
        return runs


async def through_engine(
    sim: Sim, redis_url: str | None, count: int, speed: float, cap: int, rounds: int, **pools: int,
) -> list[Run]:
    """Every chat sends the prompt, then `export`, through the engine; `rounds` bursts, one after the other."""
    config = settings(sim.url, redis_url, speed, max_concurrent_turns=cap, **pools)
    async with opened_bot(config) as bot:
        engine = bot.engine("console")

        async def one(turn: int, index: int, chat: BenchChat) -> None:
            key = ChatKey("console", f"burst-{turn}-{index}")
            for number, text in enumerate((PROMPT, "export")):
                await engine.handle(Incoming(key, "u", "Ada", text, (), "en", f"m{index}-{number}"), chat)

        runs = []
        for turn in range(rounds):
            chats = [BenchChat() for _ in range(count)]
            reset_peak()
            work = [asyncio.create_task(one(turn, i, c)) for i, c in enumerate(chats)]
            runs.append(await measured(sim, f"engine {turn + 1}", chats, work))
            await engine.background.drain()
        return runs


async def main(args: argparse.Namespace) -> None:
    """Start the simulator, run the load directly then through the engine, print both and the ratios."""
    raise_open_files()
    collector.settle()  # as `nemo-bot` does once started: both runs below have the same collector
    cap = args.cap or args.chats
    switches = {"speed": args.speed, "render_look": "plain", "render_spread": 0.2, "max_clients_per_ip": 1000}
    with simulator(**switches) as sim, tempfile.TemporaryDirectory() as folder:
        print(f"{args.chats} chats at once, {cap} agent turns at a time, simulator speed {args.speed}")
        print("round 1 starts with every pool empty (a process just started); later rounds find them warm")
        bases = await direct(sim, args.chats, args.speed, cap, Path(folder), args.rounds) if args.direct else []
        for base in bases:
            base.show()
        pools = {"redis_pool_size": args.redis_pool, "nemo_connections": args.nemo_connections}
        mines = await through_engine(sim, args.redis_url, args.chats, args.speed, cap, args.rounds, **pools)
        for mine in mines:
            mine.show()
    for base, mine in zip(bases, mines, strict=False):
        verdict(args.chats, base, mine)


def verdict(count: int, base: Run, mine: Run) -> None:
    """One round's ratios and targets."""
    text = mine.p99("first_agent_text") / base.p99("first_agent_text")
    cpu = mine.cpu / base.cpu
    print(f"{mine.name}: first agent text p99 {text:.2f}x direct (target <= 1.5), CPU per chat {cpu:.2f}x direct "
          f"(target <= 1.5)")
    args = argparse.Namespace(chats=count)
    print(f"   target: {args.chats}/{args.chats} complete and 0 errors: "
          f"{'OK' if mine.completed == args.chats and not any(c.errors for c in mine.chats) else 'MISSED'}; "
          f"first reply p99 < 250 ms: {'OK' if mine.p99('first_reply') < 0.25 else 'MISSED'}; "
          f"loop lag p99 < 50 ms: {'OK' if percentile(mine.lag, 0.99) < 0.05 else 'MISSED'}; "
          f"peak RSS < 400 MB: {'OK' if mine.rss < 400 else 'MISSED'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--cap", type=int, default=0, help="MAX_CONCURRENT_TURNS (default: as many as chats)")
    parser.add_argument("--speed", type=float, default=0.05)
    parser.add_argument("--redis-url", default=None, help="a Redis to use (default: the embedded store)")
    parser.add_argument("--redis-pool", type=int, default=1000, help="REDIS_POOL_SIZE")
    parser.add_argument("--nemo-connections", type=int, default=100, help="NEMO_CONNECTIONS")
    parser.add_argument("--rounds", type=int, default=2, help="bursts one after the other (the first is cold)")
    parser.add_argument("--no-direct", dest="direct", action="store_false", help="skip the direct baseline")
    asyncio.run(main(parser.parse_args()))
