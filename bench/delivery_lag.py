"""S3: render completed -> MP4 posted, for 30, 60 and 90 s renders that each run up to 20 % shorter or longer.

For each render length, `--renders` chats each make a video and export it through the engine, once with the
polls following the predicted end (the default) and once with the back-off schedule alone (2 s growing to 15 s,
RENDER_POLL_PREDICT=false), the baseline. Printed per length: the median and the longest time from the render's
completion (as the simulator records it) to the MP4 being posted, and the polls each render took. Run:

    .venv/bin/python -m bench.delivery_lag --renders 10

Scaling: the simulator runs at `--speed` (0.1: a 90 s render takes 9 s) and every bot timing (first poll, the
polls near the end, the longest delay) is scaled by the same factor, so the polls fall where they would in real
time. Times are printed divided by the speed, i.e. in real-time seconds; the few milliseconds a poll, the download
and the post take are multiplied by 1/speed with them, so the printed lag errs on the long side.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from bench.common import BenchChat, median, opened_bot, settings, sim_get, sim_set, simulator
from bot.app import Bot
from bot.engine.messages import Incoming
from bot.store.keys import ChatKey

LENGTHS = (30, 60, 90)
SPREAD = 0.2


@dataclass(frozen=True, slots=True)
class Figures:
    """One schedule's figures for one render length."""

    lags: list[float]
    polls: list[int]

    def line(self, name: str) -> str:
        """The figures in one line."""
        return (f"{name:>8}: posted {median(self.lags):5.1f}s median, {max(self.lags):5.1f}s max after completion; "
                f"{sum(self.polls) / len(self.polls):4.1f} polls/render (max {max(self.polls)})")


async def renders_of(sim_url: str, bot: Bot, speed: float, length: int, count: int) -> Figures:
    """`count` chats make and export a video at once; each render runs about `length` seconds."""
    await sim_set(sim_url, render_seconds=length, render_spread=SPREAD)
    engine = bot.engine("console")
    chats = {ChatKey("console", f"lag-{length}-{index}"): BenchChat() for index in range(count)}

    async def one(key: ChatKey, chat: BenchChat) -> None:
        for number, text in enumerate(("make a video of a river delta", "export")):
            await engine.handle(Incoming(key, "u", "Ada", text, (), "en", f"{key.chat_id}-{number}"), chat)

    await asyncio.gather(*(one(key, chat) for key, chat in chats.items()))
    await engine.background.drain()
    sessions = {}
    for key, chat in chats.items():
        session = await bot.store.get_session(key)
        assert session is not None
        assert chat.video_wall is not None, chat.errors
        sessions[session.session_id] = chat.video_wall
    renders = [r for r in await sim_get(sim_url, "/__sim/renders") if r["session_id"] in sessions]
    assert len(renders) == count
    lags = [(sessions[r["session_id"]] - r["completed_at"]) / speed for r in renders]
    return Figures(lags, [r["polls"] for r in renders])


async def schedule(sim_url: str, args: argparse.Namespace, *, predict: bool) -> list[Figures]:
    """One bot (one process's memory of past renders) exporting renders of each length in turn."""
    config = settings(sim_url, args.redis_url, args.speed, render_poll_predict=predict)
    async with opened_bot(config) as bot:
        return [await renders_of(sim_url, bot, args.speed, length, args.renders) for length in LENGTHS]


async def main(args: argparse.Namespace) -> None:
    """Each schedule through every length; then the figures side by side."""
    with simulator(speed=args.speed, gen_seconds=10, render_look="plain") as sim:
        print(f"{args.renders} renders per length, each within +-{SPREAD:.0%} of it; simulator speed {args.speed}; "
              "real-time seconds")
        predicted = await schedule(sim.url, args, predict=True)
        backoff = await schedule(sim.url, args, predict=False)
    for length, mine, today in zip(LENGTHS, predicted, backoff, strict=True):
        print(f"{length} s renders:")
        print(mine.line("predict"))
        print(today.line("back-off"))
        held = median(mine.lags) <= 2 and max(mine.lags) <= 5 and sum(mine.polls) <= sum(today.polls)
        print(f"   ratio: median lag {median(mine.lags) / median(today.lags):.2f}x back-off, polls "
              f"{sum(mine.polls) / sum(today.polls):.2f}x (target median <= 2 s, max <= 5 s, polls <= back-off: "
              f"{'OK' if held else 'MISSED'})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--speed", type=float, default=0.1)
    parser.add_argument("--redis-url", default=None, help="a Redis to use (default: the embedded store)")
    asyncio.run(main(parser.parse_args()))
