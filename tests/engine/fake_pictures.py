"""A `Pictures` port for the reply layer's tests: small real files, or none at all, as the test asks."""

from __future__ import annotations

from pathlib import Path

from bot.engine.charts import Chart

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff5ccc0b6b0000000049454e44ae426082"
)
JPEG_HEAD = b"\xff\xd8\xff\xe0fake jpeg"


class FakePictures:
    """Draws every chart and cuts every frame (`able`), or none; records what it was asked."""

    def __init__(self, *, able: bool = True) -> None:
        self.able = able
        self.charts: list[Chart] = []
        self.frames: list[tuple[Path, int, int, float]] = []
        self.made: list[Path] = []

    async def timeline(self, chart: Chart, dest: Path) -> Path | None:
        """A one-pixel PNG at `dest`."""
        self.charts.append(chart)
        return self._make(dest, PNG)

    async def frame(self, video: Path, dest: Path, *, max_side: int, max_bytes: int, at: float = 0.0) -> Path | None:
        """A stand-in JPEG at `dest`."""
        self.frames.append((video, max_side, max_bytes, at))
        return self._make(dest, JPEG_HEAD)

    def _make(self, dest: Path, content: bytes) -> Path | None:
        if not self.able:
            return None
        dest.write_bytes(content)
        self.made.append(dest)
        return dest
