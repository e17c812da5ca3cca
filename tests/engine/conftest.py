"""Fixtures for end-to-end engine tests: a running bot over the simulator and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Harness, running_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """A bot on the real Redis (db 14), the simulator at high speed."""
    async with running_bot(tmp_path, db=14) as harness:
        yield harness


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    """Small files of each kind a person might send."""
    folder = tmp_path / "media"
    folder.mkdir()
    files = {}
    for name in ("beach.png", "clip.mp4", "song.mp3", "notes.exe"):
        path = folder / name
        path.write_bytes(b"\0" * 2048)
        files[name] = path
    return files
