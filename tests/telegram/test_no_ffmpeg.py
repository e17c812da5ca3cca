"""The runtime image has no ffmpeg: a voice note is then refused as unreadable (send it as an audio file)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from adapters.telegram.files import to_m4a


async def test_a_voice_note_without_ffmpeg_is_not_converted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg on PATH either
    source = tmp_path / "voice.oga"
    source.write_bytes(b"OggS")
    assert not await to_m4a(source, tmp_path / "voice.m4a")
    assert "no ffmpeg" in caplog.text
