"""`bench/chaos.py` in a tiny configuration: two renders, one replica killed, one Redis restart; its summary reads as
documented and shows every video delivered and nothing paid twice."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def figure(summary: str, name: str) -> int:
    """The number on the summary's line `name: N ...`."""
    found = re.search(rf"^{re.escape(name)}: (\d+)", summary, re.MULTILINE)
    assert found is not None, summary
    return int(found.group(1))


@pytest.mark.timeout(180)  # two cold starts of the bot, a replica started again, a lease to lapse
async def test_the_chaos_script_delivers_every_video_once_and_charges_nothing_twice(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.chaos", "--renders", "2", "--kills", "1", "--redis-restarts", "1",
        "--concurrency", "2", "--seed", "3", "--keep", str(tmp_path), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    summary = output.decode()

    assert process.returncode == 0, summary
    assert figure(summary, "renders requested") == 2
    assert figure(summary, "replica kills") == 1
    assert figure(summary, "redis restarts") == 1
    assert figure(summary, "lost") == 0
    assert figure(summary, "double-paid") == 0
    assert figure(summary, "delivered exactly once") + figure(summary, "delivered more than once") == 2
    assert "told: " in summary
