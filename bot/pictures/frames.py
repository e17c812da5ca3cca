"""Frames cut from videos on disk with the ffmpeg binary, in a subprocess: a JPEG within a size in pixels and bytes.

ffmpeg reads the file itself and decodes one frame; a worker thread starts it, waits for it and has Pillow encode
the frame, so the event loop never blocks on either. Where no ffmpeg is found (the runtime image may have neither
imageio-ffmpeg nor a system ffmpeg), or it fails or takes too long, there is no frame: the caller replies with text
alone.
"""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import subprocess
from pathlib import Path

from PIL import Image

log = logging.getLogger(__name__)

QUALITIES = (85, 70, 55, 40, 25)  # JPEG qualities tried in turn until the frame fits its byte limit
TIMEOUT = 30.0
AT_ONCE = 4  # ffmpeg processes at a time: a burst of renders finishing together queues instead of crowding the CPUs


def find_ffmpeg() -> str | None:
    """The ffmpeg binary: imageio-ffmpeg's when that package is installed (it honours IMAGEIO_FFMPEG_EXE), else an
    `ffmpeg` on PATH; None when there is neither."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return shutil.which("ffmpeg")
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError:  # the package without its binary (an unsupported platform)
        return shutil.which("ffmpeg")


class Frames:
    """Cuts single frames out of videos with one ffmpeg binary (None: never, every call gives None)."""

    def __init__(self, ffmpeg: str | None, timeout: float = TIMEOUT, at_once: int = AT_ONCE) -> None:
        self._ffmpeg = ffmpeg
        self._timeout = timeout
        self._places = asyncio.Semaphore(at_once)

    @property
    def available(self) -> bool:
        """Whether frames can be had at all."""
        return self._ffmpeg is not None

    async def jpeg(self, video: Path, dest: Path, *, max_side: int, max_bytes: int, at: float = 0.0) -> Path | None:
        """The frame at `at` seconds as a JPEG at `dest`, at most `max_side` pixels a side and `max_bytes` long."""
        if self._ffmpeg is None:
            return None
        async with self._places:
            # Starting a process blocks until it runs, and asyncio's child watcher starts a thread per process:
            # both are done in a worker thread, which waits for ffmpeg and encodes its frame, off the event loop.
            return await asyncio.to_thread(self._cut, self._ffmpeg, video, dest, max_side, max_bytes, at)

    def _cut(self, ffmpeg: str, video: Path, dest: Path, max_side: int, max_bytes: int, at: float) -> Path | None:
        """The frame as a JPEG at `dest`, or None (logged) when there is none (blocking)."""
        try:
            png = self._decode(ffmpeg, video, max_side, at)
            if png is None:
                return None
            _encode(png, dest, max_bytes)
        except subprocess.TimeoutExpired:
            log.warning("no frame from %s: ffmpeg took more than %.0f s", video.name, self._timeout)
            return None
        except (OSError, ValueError) as exc:  # ValueError: Pillow's error for an image it cannot read or write
            log.warning("no frame from %s: %s", video.name, exc or type(exc).__name__)
            return None
        return dest

    def _decode(self, ffmpeg: str, video: Path, max_side: int, at: float) -> bytes | None:
        """One frame, already scaled down by ffmpeg, as PNG bytes (a few kilobytes at thumbnail sizes; blocking)."""
        scale = f"scale=w={max_side}:h={max_side}:force_original_aspect_ratio=decrease"
        done = subprocess.run(  # a process past its timeout is killed and waited for
            [
                ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-ss", f"{max(at, 0.0):.3f}", "-i",
                str(video), "-frames:v", "1", "-vf", scale, "-f", "image2pipe", "-c:v", "png", "-",
            ],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=self._timeout, check=False,
        )
        if done.returncode != 0 or not done.stdout:
            log.warning("no frame from %s: ffmpeg exited with %s: %s", video.name, done.returncode,
                        done.stderr.decode(errors="replace")[-300:].strip())
            return None
        return done.stdout


def _encode(png: bytes, dest: Path, max_bytes: int) -> None:
    """Re-encode a frame as a JPEG no longer than `max_bytes`, lowering the quality until it is (blocking)."""
    with Image.open(io.BytesIO(png)) as frame:
        rgb = frame.convert("RGB")
    for quality in QUALITIES:
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= max_bytes:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(out.getvalue())
            return
    raise ValueError(f"the frame does not fit {max_bytes} bytes even at quality {QUALITIES[-1]}")
