"""Frames cut from an MP4 with ffmpeg: a JPEG within Telegram's thumbnail limits; none (and no error) without a
decoder, or from a file that is not a video."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from bot.pictures.frames import Frames, find_ffmpeg
from nemo_sim.media import temporary_media_cache


@pytest.fixture
async def clip() -> AsyncIterator[Path]:
    """A 1280x720, 2-second H.264 clip (ffmpeg's test pattern)."""
    with temporary_media_cache() as cache:
        yield await cache.clip(1280, 720, 2000)


async def test_a_thumbnail_is_a_small_jpeg(clip: Path, tmp_path: Path) -> None:
    frames = Frames(find_ffmpeg())
    out = await frames.jpeg(clip, tmp_path / "thumb.jpg", max_side=320, max_bytes=200_000, at=1.0)

    assert out == tmp_path / "thumb.jpg"
    assert out.read_bytes()[:3] == b"\xff\xd8\xff"
    assert out.stat().st_size <= 200_000
    with Image.open(out) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 180)


async def test_a_tight_byte_limit_lowers_the_quality_until_it_fits(clip: Path, tmp_path: Path) -> None:
    frames = Frames(find_ffmpeg())
    roomy = await frames.jpeg(clip, tmp_path / "roomy.jpg", max_side=320, max_bytes=200_000)
    assert roomy is not None
    limit = roomy.stat().st_size - 1
    tight = await frames.jpeg(clip, tmp_path / "tight.jpg", max_side=320, max_bytes=limit)

    assert tight is not None
    assert tight.stat().st_size <= limit


async def test_no_decoder_means_no_frame(clip: Path, tmp_path: Path) -> None:
    for frames in (Frames(None), Frames(str(tmp_path / "no-ffmpeg-here"))):
        assert await frames.jpeg(clip, tmp_path / "thumb.jpg", max_side=320, max_bytes=200_000) is None
    assert not (tmp_path / "thumb.jpg").exists()
    assert not Frames(None).available


async def test_a_file_that_is_not_a_video_gives_no_frame(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)

    assert await Frames(find_ffmpeg()).jpeg(junk, tmp_path / "t.jpg", max_side=320, max_bytes=200_000) is None


async def test_an_ffmpeg_that_hangs_gives_no_frame_once_its_time_is_up(clip: Path, tmp_path: Path) -> None:
    hanging = tmp_path / "ffmpeg"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(0o755)
    frames = Frames(str(hanging), timeout=0.5)

    assert await frames.jpeg(clip, tmp_path / "thumb.jpg", max_side=320, max_bytes=200_000) is None
    assert not (tmp_path / "thumb.jpg").exists()


def test_ffmpeg_is_found_without_imageio_ffmpeg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def without_imageio(name: str, *args: object, **kwargs: object) -> object:
        if name == "imageio_ffmpeg":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", without_imageio)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_ffmpeg() is None  # neither the package nor a system binary
    binary = tmp_path / "ffmpeg"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert find_ffmpeg() == str(binary)
