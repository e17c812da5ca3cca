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


# How each kind of file starts (the bot looks at a file's first bytes as well as its name).
HEADS = {
    "beach.png": b"\x89PNG\r\n\x1a\n",
    "clip.mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    "song.mp3": b"ID3\x04\x00",
    "notes.exe": b"MZ\x90\x00",
}


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    """Small files of each kind a person might send, each starting as its kind does."""
    folder = tmp_path / "media"
    folder.mkdir()
    files = {}
    for name, head in HEADS.items():
        path = folder / name
        path.write_bytes(head.ljust(2048, b"\0"))
        files[name] = path
    return files
