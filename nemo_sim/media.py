"""Real, playable H.264 MP4 clips for renders and CDN links, made by ffmpeg in a subprocess and cached on disk."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIN_SECONDS = 0.1
MAX_SECONDS = 600.0
MAX_WIDTH, MAX_HEIGHT = 3840, 2160


class MediaError(Exception):
    """ffmpeg could not make a clip."""


class FfmpegMissing(MediaError):
    """The simulator was started without an ffmpeg (the `sim` extra is not installed)."""


FFMPEG_MISSING = (
    "the simulator needs ffmpeg: pip install 'nemo-video-bot[sim]' (or build the image's sim target)"
)


def ffmpeg_exe() -> str:
    """The ffmpeg that imageio-ffmpeg ships (the `sim` extra); FfmpegMissing, in one line, without it."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise FfmpegMissing(FFMPEG_MISSING) from None
    path: str = imageio_ffmpeg.get_ffmpeg_exe()
    return path


def _even(value: int, low: int, high: int) -> int:
    # yuv420p needs even dimensions.
    clamped = max(low, min(high, value))
    return clamped - clamped % 2


class MediaCache:
    """Test-pattern MP4s keyed by (width, height, duration), encoded once and reused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._locks: dict[str, asyncio.Lock] = {}
        self._ffmpeg = ffmpeg_exe()

    @staticmethod
    def normalize(width: int, height: int, duration_ms: int) -> tuple[int, int, float]:
        """The size and length (seconds) a clip request is clamped to."""
        seconds = min(MAX_SECONDS, max(MIN_SECONDS, duration_ms / 1000))
        return _even(width, 16, MAX_WIDTH), _even(height, 16, MAX_HEIGHT), round(seconds, 3)

    async def clip(self, width: int, height: int, duration_ms: int) -> Path:
        """The path of an MP4 of that size and length, encoding it first if it is not cached yet."""
        w, h, seconds = self.normalize(width, height, duration_ms)
        name = f"clip_{w}x{h}_{int(seconds * 1000)}.mp4"
        path = self.root / name
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if not path.exists():
                await self._encode(path, w, h, seconds)
        return path

    async def _encode(self, path: Path, width: int, height: int, seconds: float) -> None:
        partial = path.with_suffix(".part.mp4")
        source = f"testsrc=size={width}x{height}:rate=24:duration={seconds}"
        proc = await asyncio.create_subprocess_exec(
            self._ffmpeg,
            *("-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", source),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart"),
            str(partial),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            _, stderr = await proc.communicate()
        except asyncio.CancelledError:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        if proc.returncode != 0:
            raise MediaError(f"ffmpeg exited with {proc.returncode}: {stderr.decode(errors='replace')[-500:]}")
        # Rename last, so a reader never sees a half-written file.
        partial.replace(path)


@contextmanager
def temporary_media_cache() -> Iterator[MediaCache]:
    """A cache in a fresh temporary directory, removed on exit."""
    root = Path(tempfile.mkdtemp(prefix="nemo-sim-media-"))
    try:
        yield MediaCache(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
