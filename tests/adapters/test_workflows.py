"""The three workflows people use the bot for, typed into the console (a subprocess) against the simulator, on the
100 credits an anonymous account starts with: quick edit, batch and iterative, in English and in Chinese."""

from __future__ import annotations

import asyncio
import hashlib
import os
import struct
import sys
import zlib
from pathlib import Path

import pytest

from nemo_sim.config import SimConfig
from nemo_sim.server import run_simulator
from tests.harness import probe_video

COLOURS = ((200, 40, 40), (40, 160, 60), (40, 60, 200))


def _png(path: Path, rgb: tuple[int, int, int], size: int = 32) -> Path:
    """A real PNG of one colour."""
    row = b"\0" + bytes(rgb) * size
    chunks = (
        (b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)),
        (b"IDAT", zlib.compress(row * size)),
        (b"IEND", b""),
    )
    body = b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)) for kind, data in chunks
    )
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def _env(url: str, tmp_path: Path, language: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEMO_", "REDIS_", "TELEGRAM_", "DISCORD_", "LC_"))}
    env.update(
        NEMO_API_URL=url, NEMO_CONFIG_DIR=str(tmp_path / "cfg"), WORK_DIR=str(tmp_path / "work"),
        RENDER_POLL_INITIAL="0.05", RENDER_POLL_MAX="0.1", PYTHONUNBUFFERED="1", LANG=language,
        ALLOW_PRIVATE_URLS="true",
    )
    env.pop("LOG_LEVEL", None)
    return env


async def _session(tmp_path: Path, lines: list[str], language: str = "C.UTF-8") -> tuple[str, list[Path]]:
    """Type the lines into a console on a fresh anonymous account; returns what it printed and the videos saved."""
    out = tmp_path / "videos"
    async with run_simulator(SimConfig(speed=0.001)) as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "console", "--out", str(out),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=_env(sim.url, tmp_path, language),
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate("\n".join(lines).encode() + b"\n"), 120)
    text = stdout.decode()
    assert proc.returncode == 0, stderr.decode()
    assert stderr.decode() == ""  # no log lines unless LOG_LEVEL asks for them
    saved = sorted(out.glob("*.mp4"), key=lambda path: path.stat().st_mtime_ns)
    return text, saved


def _digests(paths: list[Path]) -> set[str]:
    return {hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


@pytest.mark.parametrize(
    ("language", "prompt", "export"),
    [
        ("C.UTF-8", "create a 30-second promo video with animations and background music", "export"),
        ("zh_CN.UTF-8", "做一个30秒的猫咪宣传视频", "导出"),
    ],
)
async def test_quick_edit_gives_a_video_of_the_length_asked_for(
    tmp_path: Path, language: str, prompt: str, export: str,
) -> None:
    text, saved = await _session(tmp_path, [prompt, export], language)
    [video] = saved
    seconds, _ = probe_video(video)
    assert abs(seconds - 30) < 0.5
    assert "out of credits" not in text.lower()
    assert "积分不足" not in text


@pytest.mark.parametrize(
    ("language", "instructions", "export"),
    [
        ("C.UTF-8", ("make a video from this photo", "make a video from this one too", "make a video of this one"),
         "export"),
        ("zh_CN.UTF-8", ("用这张照片做一个视频", "用这张也做一个视频", "再用这张做一个视频"), "导出"),
    ],
)
async def test_batch_gives_each_file_its_own_video(
    tmp_path: Path, language: str, instructions: tuple[str, ...], export: str,
) -> None:
    lines: list[str] = []
    for index, (colour, instruction) in enumerate(zip(COLOURS, instructions, strict=True)):
        photo = _png(tmp_path / f"photo-{index}.png", colour)
        lines += [f"/upload {photo}", instruction, export]
    text, saved = await _session(tmp_path, lines, language)
    assert len(saved) == 3
    assert len(_digests(saved)) == 3  # three renders of three different timelines
    assert "out of credits" not in text.lower()
    assert "积分不足" not in text


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("C.UTF-8", ["make a video of a rocket launch", "status", 'add a title "Liftoff"', "export",
                     "change the music to something calmer", "status", "export"]),
        ("zh_CN.UTF-8", ["做一个火箭发射的视频", "状态", "加上标题“升空”", "导出",
                         "把背景音乐换成更舒缓的", "状态", "导出"]),
    ],
)
async def test_iterative_each_export_reflects_the_latest_edits(tmp_path: Path, language: str, lines: list[str]) -> None:
    text, saved = await _session(tmp_path, lines, language)
    first, second = saved
    assert len(_digests([first, second])) == 2
    assert text.count("Timeline (") + text.count("时间线（") == 2
    assert "out of credits" not in text.lower()
    assert "积分不足" not in text
