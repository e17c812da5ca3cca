"""Real, playable H.264 MP4 clips for renders and CDN links, made by ffmpeg in a subprocess and cached on disk.

A render draws its draft (a `Look`): the video's colour, a band in the draft's own colour, the title and a line
naming the music and effects. Two different drafts therefore never give the same file, and one draft always
gives the same one. Other media links get ffmpeg's test pattern.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MIN_SECONDS = 0.1
MAX_SECONDS = 600.0
MAX_WIDTH, MAX_HEIGHT = 3840, 2160
FPS = 24
logger = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class Look:
    """What a rendered clip shows: colours (`rrggbb`), the main clip's name, a title and a caption line; `key`
    names it in the cache."""

    key: str
    background: str
    band: str
    source: str
    title: str
    caption: str


def _literal(value: str) -> str:
    """A filter option value that ffmpeg reads back as written: escaped for the option, then for the graph."""
    escaped = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\',;\[\]])", r"\\\1", escaped)


def _text(path: Path, words: str, size: str, y: str) -> str:
    # Han text asks fontconfig for a font that has it; drawing from a file avoids escaping the text itself.
    font = "Sans:lang=zh" if re.search(r"[\u3400-\u9fff]", words) else "Sans"
    return (f"drawtext=textfile={_literal(str(path))}:expansion=none:font={_literal(font)}:fontsize={size}"
            f":fontcolor=white:x=(w-text_w)/2:y={y}")


def _card_filter(look: Look, texts: dict[str, Path], frames: int, *, text: bool) -> str:
    """One frame drawn (band, words), then repeated: every frame is the same card, so this stays fast."""
    steps = [f"drawbox=x=0:y=ih*2/3:w=iw:h=ih/3:color=0x{look.band}:t=fill"]
    if text:
        steps += [
            _text(texts["source"], look.source, "h/22", "h/12"),
            _text(texts["title"], look.title, "h/10", "h*2/3+h/24"),
            _text(texts["caption"], look.caption, "h/22", "h*2/3+h/6"),
        ]
    steps += ["format=yuv420p", f"loop=loop={frames - 1}:size=1:start=0", f"trim=end_frame={frames}",
              f"setpts=N/{FPS}/TB"]
    return ",".join(steps)


class MediaCache:
    """MP4s keyed by (width, height, duration, look), encoded once and reused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._locks: dict[str, asyncio.Lock] = {}
        self._ffmpeg = ffmpeg_exe()

    @staticmethod
    def normalize(width: int, height: int, duration_ms: int) -> tuple[int, int, float]:
        """The size and length (seconds) a clip request is clamped to."""
        seconds = min(MAX_SECONDS, max(MIN_SECONDS, duration_ms / 1000))
        return _even(width, 16, MAX_WIDTH), _even(height, 16, MAX_HEIGHT), round(seconds, 3)

    async def clip(self, width: int, height: int, duration_ms: int, look: Look | None = None) -> Path:
        """The path of an MP4 of that size and length (drawing `look`, else a test pattern), encoded if new."""
        w, h, seconds = self.normalize(width, height, duration_ms)
        name = f"clip_{w}x{h}_{int(seconds * 1000)}{f'_{look.key}' if look else ''}.mp4"
        path = self.root / name
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            if not path.exists():
                await (self._card(path, w, h, seconds, look) if look else self._pattern(path, w, h, seconds))
        return path

    async def _pattern(self, path: Path, width: int, height: int, seconds: float) -> None:
        source = f"testsrc=size={width}x{height}:rate={FPS}:duration={seconds}"
        await self._encode(path, ("-f", "lavfi", "-i", source))

    async def _card(self, path: Path, width: int, height: int, seconds: float, look: Look) -> None:
        texts = {name: path.with_suffix(f".{name}.txt") for name in ("source", "title", "caption")}
        for name, file in texts.items():
            await asyncio.to_thread(file.write_text, getattr(look, name) or " ", encoding="utf-8")
        frames = max(1, round(seconds * FPS))
        source = ("-f", "lavfi", "-i", f"color=c=0x{look.background}:size={width}x{height}:rate={FPS}:duration=1")
        try:
            await self._encode(path, (*source, "-vf", _card_filter(look, texts, frames, text=True)))
        except MediaError as exc:
            # An ffmpeg without fonts cannot draw text; the colours alone still tell drafts apart.
            logger.warning("drawing the title failed, rendering without text: %s", exc)
            await self._encode(path, (*source, "-vf", _card_filter(look, texts, frames, text=False)))
        finally:
            for file in texts.values():
                file.unlink(missing_ok=True)

    async def _encode(self, path: Path, source: tuple[str, ...]) -> None:
        partial = path.with_suffix(".part.mp4")
        proc = await asyncio.create_subprocess_exec(
            self._ffmpeg,
            *("-hide_banner", "-loglevel", "error", "-nostdin", "-y", *source, "-r", str(FPS)),
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
