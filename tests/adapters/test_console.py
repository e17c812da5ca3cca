"""The console adapter driven through stdin in a subprocess, against the simulator and a real Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio

from nemo_sim.config import Fault, SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.harness import probe_video
from tests.store_fixtures import redis_url

REDIS_URL = redis_url(11)


@pytest.fixture
async def clean_redis() -> AsyncIterator[str]:
    """Redis db 11, flushed before and after."""
    client = redis.asyncio.from_url(REDIS_URL)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


def _env(sim: Simulator, tmp_path: Path, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_"))}
    env.update(
        NEMO_API_URL=sim.url, NEMO_CONFIG_DIR=str(tmp_path / "cfg"), WORK_DIR=str(tmp_path / "work"),
        RENDER_POLL_INITIAL="0.05", RENDER_POLL_MAX="0.1", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
        LOCK_LEASE="2",  # a killed process's leases lapse quickly, so the next start takes over its render
        LANG="C.UTF-8",  # the console speaks the terminal's language; these tests read English
    )
    for name in ("LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


async def _console(env: dict[str, str], out: Path, stdin: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "console", "--out", str(out),
        stdin=stdin, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )


async def killed_mid_render(env: dict[str, str], out: Path, prompt: str) -> None:
    """Run a console that makes a video and exports it; kill -9 it once a poll shows the render under way."""
    proc = await _console(env, out, asyncio.subprocess.PIPE)
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(f"{prompt}\nexport\n".encode())
    await proc.stdin.drain()
    async with asyncio.timeout(60):
        while b"Rendering" not in await proc.stdout.readline():  # a poll answered: the submit arrived
            pass
    proc.send_signal(signal.SIGKILL)
    await proc.wait()


async def test_piped_lines_make_and_save_a_playable_video(tmp_path: Path) -> None:
    out = tmp_path / "videos"
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        proc = await _console(_env(sim, tmp_path, None), out, asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(
            proc.communicate(b"make a video of a lighthouse at dusk\nstatus\nexport\n"), 60
        )
    text = stdout.decode()
    assert proc.returncode == 0, stderr.decode()
    assert text.index("Setting things up") < text.index("I'll generate") < text.index("Timeline (3 tracks)")
    [saved] = sorted(out.glob("*.mp4"))
    assert f"🎬 Saved: {saved}" in text
    assert probe_video(saved)[1] == "640x360"
    assert "nmv_usr_" not in text + stderr.decode()
    # The timeline as a picture next to the videos, its path printed above the summary.
    [picture] = sorted(out.glob("timeline-*.png"))
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"🖼 Saved: {picture}\n🤖 Timeline (3 tracks)" in text


async def test_upload_command_and_a_missing_file(tmp_path: Path) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG" + b"\0" * 100)
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        proc = await _console(_env(sim, tmp_path, None), tmp_path / "v", asyncio.subprocess.PIPE)
        lines = f"/upload {image}\n/upload {tmp_path / 'nope.png'}\n".encode()
        stdout, _ = await asyncio.wait_for(proc.communicate(lines), 60)
    text = stdout.decode()
    assert proc.returncode == 0
    assert "📎 Added: cat.png (image)" in text
    assert f"No such file: {tmp_path / 'nope.png'}" in text


async def test_a_chinese_terminal_gets_chinese_replies(tmp_path: Path) -> None:
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        env = {**_env(sim, tmp_path, None), "LC_ALL": "zh_CN.UTF-8"}  # LC_ALL outranks LANG
        proc = await _console(env, tmp_path / "v", asyncio.subprocess.PIPE)
        stdout, _ = await asyncio.wait_for(proc.communicate(f"/upload {tmp_path / 'nope.png'}\n积分\n".encode()), 60)
    text = stdout.decode()
    assert proc.returncode == 0
    assert f"🤖 找不到文件：{tmp_path / 'nope.png'}" in text
    assert "💳 积分：可用" in text


async def test_killed_mid_render_the_next_start_delivers_exactly_once(tmp_path: Path, clean_redis: str) -> None:
    out = tmp_path / "videos"
    async with run_simulator(SimConfig(speed=0.001, render_seconds=4000)) as sim:
        env = _env(sim, tmp_path, clean_redis)
        await killed_mid_render(env, out, "make a video of a waterfall")
        assert list(out.glob("*.mp4")) == []

        second = await _console(env, out, asyncio.subprocess.DEVNULL)
        stdout, stderr = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 0, stderr.decode()
        assert stdout.decode().count("🎬 Saved:") == 1

        third = await _console(env, out, asyncio.subprocess.DEVNULL)
        stdout, _ = await asyncio.wait_for(third.communicate(), 60)
        assert "Saved" not in stdout.decode()
        submits = sim.world.requests_to("/api/render/proxy/lambda", "POST")

    [video] = list(out.glob("*.mp4"))
    assert probe_video(video)[1] == "640x360"
    assert len([r for r in submits if r["path"] == "/api/render/proxy/lambda"]) == 1


async def _chat_with_a_failing_balance(
    tmp_path: Path, env_patch: dict[str, str | None], *options: str,
) -> tuple[str, str]:
    """Ask for credits while the balance endpoint says "out of credits" (a warning in the log); stdout, stderr."""
    sim = SimConfig(speed=0.001, faults=[Fault(path_prefix="/api/credits/", code=2001, times=5)])
    async with run_simulator(sim) as server:
        env = _env(server, tmp_path, None)
        for name, value in env_patch.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "console", "--out", str(tmp_path / "v"), *options,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(b"credits\n"), 60)
    assert proc.returncode == 0, stderr.decode()
    return stdout.decode(), stderr.decode()


WARNING_LINE = "WARNING bot.engine.engine: nemo error in console:local:-"


async def test_by_default_the_console_prints_only_the_conversation(tmp_path: Path) -> None:
    stdout, stderr = await _chat_with_a_failing_balance(tmp_path, {"LOG_LEVEL": None})
    assert stdout.splitlines()[-1].startswith("🤖 💳 You are out of credits.")
    assert all(line.startswith(("🤖", "  …", "🔗")) or not line.strip() for line in stdout.splitlines())
    assert stderr == ""


async def test_log_level_sends_the_log_to_stderr_never_stdout(tmp_path: Path) -> None:
    stdout, stderr = await _chat_with_a_failing_balance(tmp_path, {"LOG_LEVEL": "WARNING"})
    assert WARNING_LINE in stderr
    assert "WARNING" not in stdout
    assert "💳 You are out of credits." in stdout


async def test_log_file_takes_the_log_masked_and_the_terminal_keeps_the_conversation(tmp_path: Path) -> None:
    log_file = tmp_path / "bot.log"
    stdout, stderr = await _chat_with_a_failing_balance(
        tmp_path, {"LOG_LEVEL": "DEBUG"}, "--log-file", str(log_file),
    )
    written = log_file.read_text(encoding="utf-8")
    assert WARNING_LINE in written
    assert "DEBUG" in written  # the level asked for
    assert "nmv_usr_" not in written
    assert "WARNING" not in stdout
    assert "💳 You are out of credits." in stdout
    assert stderr == ""
