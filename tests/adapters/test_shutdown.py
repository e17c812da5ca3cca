"""SIGTERM (docker stop, a deploy) while a turn or a render runs: the person is told the bot is restarting and where
their request stands, never that it was stopped, and no progress line is left saying it is still working."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.adapters.test_console import _console, _env

TURN_NOTE = (
    "🔄 The bot is restarting. Your request went through and keeps running on the video service: send status in a "
    "few minutes to see the result."
)
RENDER_NOTE = "🔄 The bot is restarting. Your video keeps rendering; I will send it here once I am back."


async def stopped_once(sim_config: SimConfig, tmp_path: Path, lines: bytes, seen: bytes) -> tuple[int, list[str]]:
    """Run a console, send SIGTERM once `seen` is printed; its exit code and every line it printed."""
    async with run_simulator(sim_config) as sim:
        proc = await _console(_env(sim, tmp_path, None), tmp_path / "videos", asyncio.subprocess.PIPE)
        assert proc.stdin is not None
        assert proc.stdout is not None
        proc.stdin.write(lines)
        await proc.stdin.drain()
        printed: list[str] = []
        async with asyncio.timeout(30):
            while seen not in (line := await proc.stdout.readline()):
                printed.append(line.decode())
            proc.send_signal(signal.SIGTERM)
            rest, _ = await proc.communicate()
    return proc.returncode or 0, [*printed, *rest.decode().splitlines(keepends=True)]


async def test_sigterm_mid_turn_says_the_bot_restarts_and_where_to_look(tmp_path: Path) -> None:
    code, printed = await stopped_once(
        SimConfig(speed=0.001, gen_seconds=60_000), tmp_path, b"make a video of a glacier\n", b"Generating video",
    )
    assert code == 0
    assert printed[-1].strip() == f"… {TURN_NOTE}"
    assert "Stopped" not in "".join(printed)


async def test_sigterm_mid_render_closes_its_card_saying_the_video_will_follow(tmp_path: Path) -> None:
    code, printed = await stopped_once(
        SimConfig(speed=0.001, render_seconds=60_000), tmp_path, b"make a video of a glacier\nexport\n", b"Rendering",
    )
    assert code == 0
    assert printed[-1].strip() == f"… {RENDER_NOTE}"
    assert "Stopped" not in "".join(printed)
