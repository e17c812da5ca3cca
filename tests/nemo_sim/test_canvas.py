"""The canvas option: 360p by default (fast renders for tests), up to 1080p from the config, `SIM_RESOLUTION`,
`POST /__sim/config`, `nemo-bot sim --resolution` and `nemo-bot console --sim --sim-resolution`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest

from bot.cli import build_parser
from nemo_sim import SimConfig, run_simulator
from tests.nemo_sim.wire import configure, export, new_account, probe, run_turn, state_of


def test_the_default_canvas_is_small_and_1080p_is_one_setting_away() -> None:
    assert SimConfig().canvas == (640, 360)
    assert SimConfig(resolution="1080p").canvas == (1920, 1080)
    assert SimConfig.from_env({"SIM_RESOLUTION": "720p"}).canvas == (1280, 720)
    with pytest.raises(ValueError, match="resolution"):
        SimConfig.model_validate({"resolution": "4k"})


async def test_a_1080p_simulator_makes_1080p_projects_and_videos(tmp_path: Path) -> None:
    async with run_simulator(SimConfig(speed=0.001, resolution="1080p")) as sim, \
            httpx.AsyncClient(base_url=sim.url, timeout=30) as client:
        account = await new_account(client)
        assert (await state_of(client, account))["canvas_config"] == {"width": 1920, "height": 1080, "ratio": "16:9"}
        await run_turn(client, account, "make a video of a harbour in 2 seconds")
        draft = (await state_of(client, account))["draft"]
        assert (draft["m"]["width"], draft["m"]["height"], draft["d"]) == (1920, 1080, 2000)
        info = await probe(await export(client, account, "render_hd", tmp_path))
        assert (info.width, info.height, info.ok) == (1920, 1080, True)
        assert info.seconds == pytest.approx(2, abs=0.1)


async def test_the_resolution_can_change_at_runtime_for_new_sessions(client: httpx.AsyncClient) -> None:
    before = await new_account(client, "before")
    await configure(client, resolution="720p")
    after = await new_account(client, "after")
    assert (await state_of(client, before))["canvas_config"]["width"] == 640
    assert (await state_of(client, after))["canvas_config"]["width"] == 1280


def test_the_command_line_takes_a_resolution(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    assert parser.parse_args(["console", "--sim", "--sim-resolution", "1080p"]).sim_resolution == "1080p"
    assert parser.parse_args(["console", "--sim"]).sim_resolution is None  # the simulator's own default
    assert parser.parse_args(["sim", "--resolution", "720p"]).resolution == "720p"
    assert parser.parse_args(["sim", "--sim-resolution", "480p"]).resolution == "480p"
    with pytest.raises(SystemExit):
        parser.parse_args(["console", "--sim-resolution", "4k"])
    assert "choose from 360p, 480p, 720p, 1080p" in capsys.readouterr().err


async def test_console_sim_resolution_reaches_the_saved_video(tmp_path: Path) -> None:
    foreign = ("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_", "SIM_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(foreign)}
    env.update(NEMO_CONFIG_DIR=str(tmp_path / "cfg"), WORK_DIR=str(tmp_path / "work"), LANG="C.UTF-8",
               RENDER_POLL_INITIAL="0.05", RENDER_POLL_MAX="0.1", LOG_LEVEL="WARNING")
    out = tmp_path / "videos"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "console", "--sim", "--sim-speed", "0.001", "--sim-resolution", "720p",
        "--out", str(out), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(b"make a video of a kite in 2 seconds\nexport\n"), 60)
    assert proc.returncode == 0, stderr.decode()
    [saved] = sorted(out.glob("*.mp4"))
    info = await probe(saved)
    assert (info.width, info.height) == (1280, 720), stdout.decode()
