"""The `nemo-bot` command run as a subprocess, as an operator runs it, and what a failed start may print."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Settings of the surroundings the command must not see.
FOREIGN = ("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_", "LOG_LEVEL", "SKILL_", "WORK_DIR", "ALLOW_PRIVATE_URLS")


@dataclass(frozen=True, slots=True)
class Finished:
    """How the command ended."""

    code: int
    stderr: str
    seconds: float


def command_env(folder: Path, **settings: str) -> dict[str, str]:
    """The environment of the command: no setting from the surroundings, a folder of its own, and `settings`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(FOREIGN)}
    env.update(NEMO_CONFIG_DIR=str(folder / "cfg"), WORK_DIR=str(folder / "work"), **settings)
    return env


LIMIT = 60.0
"""Seconds a failing start may take before the test fails."""


async def run_command(folder: Path, *args: str, **settings: str) -> Finished:
    """Run `nemo-bot ARGS` in `folder` (so no `.env` is read) with `settings` until it exits by itself."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=folder, env=command_env(folder, **settings),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), LIMIT)
    assert proc.returncode is not None
    return Finished(proc.returncode, stderr.decode(), loop.time() - started)


def assert_plain_failure(
    finished: Finished, code: int, *, names: Iterable[str], secrets: Iterable[str] = (),
) -> None:
    """The start failed with `code` and one or two plain lines naming each of `names`, and none of `secrets`."""
    shown = finished.stderr
    assert finished.code == code, shown
    lines = shown.splitlines()
    assert 1 <= len(lines) <= 2, shown
    assert lines[0].startswith("nemo-bot: "), shown
    for wrapper in ("Traceback", "ExceptionGroup", "TaskGroup", "sub-exception"):
        assert wrapper not in shown
    for name in names:
        assert name in shown
    for secret in secrets:
        assert secret not in shown
