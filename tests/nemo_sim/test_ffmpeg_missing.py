"""Without the `sim` extra there is no ffmpeg: the simulator refuses to start, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nemo_sim.media import FfmpegMissing, ffmpeg_exe
from nemo_sim.server import run_simulator

# A module set to None in sys.modules fails to import, as an absent package does.
WITHOUT_FFMPEG = "import sys; sys.modules['imageio_ffmpeg'] = None; "


def test_the_simulator_names_the_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(FfmpegMissing, match=r"pip install 'nemo-video-bot\[sim\]'"):
        ffmpeg_exe()


async def test_the_simulator_does_not_start_without_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(FfmpegMissing):
        async with run_simulator():
            pytest.fail("the simulator started without ffmpeg")


def test_nemo_bot_sim_without_ffmpeg_prints_one_line_and_fails(tmp_path: Path) -> None:
    code = WITHOUT_FFMPEG + "from bot.cli import main; sys.exit(main(['sim', '--port', '0']))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2  # set up wrongly: a start-up error of its own class
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 2
    assert "the simulator needs ffmpeg" in lines[0]
    assert "pip install 'nemo-video-bot[sim]'" in lines[1]
