"""Time to draw the timeline picture of a 20-track draft, as `status` does (target: well under 100 ms).

Each run draws the whole PNG (layout, text in the shipped CJK font, encoding) in a worker thread, the way the bot
does; the first draw, which loads the font, is timed on its own. Wall time counts waiting for a core on a busy
machine; the thread's CPU time is what the drawing itself costs. Run:
    .venv/bin/python bench/timeline_image.py [--tracks 20] [--runs 50] [--locale zh]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.engine.charts import Chart, chart_of
from bot.nemo.draft import Draft
from bot.pictures.frames import Frames
from bot.pictures.maker import PictureMaker
from bot.pictures.timeline import draw_png, size_of

_KINDS = (0, 1, 7, 3)  # video, music, title, another type


def draft(tracks: int, seconds: int = 60) -> Draft:
    """A busy draft: `tracks` tracks of every kind, up to six clips each, labels in English and Chinese."""
    raw: dict[str, Any] = {"d": seconds * 1000, "m": {"title": "城市夜景 City at night"}, "t": []}
    for index in range(tracks):
        kind = _KINDS[index % len(_KINDS)]
        clips = 1 + index % 6
        length = seconds * 1000 // clips
        segments = [
            {"label": f"镜头 {index}-{clip} a street at night with neon signs", "s": clip * length, "d": length,
             **({"vol": 0.35} if kind == 1 else {})}
            for clip in range(clips)
        ]
        raw["t"].append({"tt": kind, "n": f"Layer {index}", "sg": segments})
    return Draft.from_raw(raw)


async def measure(tracks: int, runs: int, locale: str) -> None:
    """Draw the picture `runs` times and print the figures."""
    chart = chart_of(draft(tracks), locale)
    maker = PictureMaker(Frames(None))
    with tempfile.TemporaryDirectory() as folder:
        dest = Path(folder) / "timeline.png"
        started = time.perf_counter()
        await maker.timeline(chart, dest)
        first = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            await maker.timeline(chart, dest)
            times.append((time.perf_counter() - started) * 1000)
        size = dest.stat().st_size
    cpu = sorted([await asyncio.to_thread(_cpu_ms, chart) for _ in range(runs)])
    width, height = size_of(chart)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"timeline picture, {tracks} tracks ({locale}), {width}x{height} px, {size / 1000:.0f} kB PNG")
    print(f"first draw (loads the font): {first:.1f} ms")
    print(f"wall: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms over {runs} runs")
    print(f"CPU:  median {statistics.median(cpu):.1f} ms, max {cpu[-1]:.1f} ms")


def _cpu_ms(chart: Chart) -> float:
    started = time.thread_time()
    draw_png(chart)
    return (time.thread_time() - started) * 1000


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=20)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--locale", default="zh")
    args = parser.parse_args()
    asyncio.run(measure(args.tracks, args.runs, args.locale))


if __name__ == "__main__":
    main()
