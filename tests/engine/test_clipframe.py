"""A generated clip's first frame: fetched beside the turn, shown once, stopped and removed when the turn ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.engine.clipframe import ClipFrame, clip_url
from bot.engine.drawing import Drawing
from bot.engine.ports import Limits
from bot.engine.replies import ReplyLayer
from bot.engine.tasks import Supervisor
from bot.nemo.errors import Transient
from bot.store.keys import ChatKey
from tests.engine.fake_pictures import FakePictures
from tests.engine.fake_platform import FakePlatform


class SlowMedia:
    """Downloads that take `seconds` (or fail), writing a few bytes."""

    def __init__(self, seconds: float = 0.0, fail: bool = False) -> None:
        self.seconds = seconds
        self.fail = fail
        self.cancelled = False

    async def download(self, url: str, dest: Path) -> int:
        """Write a stand-in clip after a while."""
        try:
            await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if self.fail:
            raise Transient("the CDN is down")
        await asyncio.to_thread(dest.write_bytes, b"\0" * 10)
        return 10


def _frame(tmp_path: Path, media: SlowMedia, supervisor: Supervisor) -> tuple[ClipFrame, Path]:
    folder = tmp_path / "pictures"
    layer = ReplyLayer(supervisor, drawing=Drawing(FakePictures(), folder))
    out = layer.to(ChatKey("test", "1"), FakePlatform(Limits(text_length=100, upload_bytes=100)), "en")
    return ClipFrame(media.download, out, folder, supervisor), folder


def test_the_clip_link_is_found_under_its_usual_names() -> None:
    assert clip_url({"status": "success", "video_url": "https://cdn/x.mp4"}) == "https://cdn/x.mp4"
    assert clip_url({"result": {"url": "https://cdn/x.mp4"}}) is None
    assert clip_url({"url": "file:///etc/passwd"}) is None


async def test_the_frame_is_shown_once_and_removed_at_the_end(tmp_path: Path) -> None:
    supervisor = Supervisor()
    frame, folder = _frame(tmp_path, SlowMedia(), supervisor)
    shown: list[Path] = []

    async def show(path: Path) -> bool:
        shown.append(path)
        return True

    frame.fetch("https://cdn/clip.mp4", show)
    frame.fetch("https://cdn/another.mp4", show)  # one frame per turn
    await supervisor.drain()
    assert len(shown) == 1
    assert shown[0].exists()
    assert [path.name for path in folder.iterdir()] == [shown[0].name]  # the clip itself is gone already
    await frame.close()
    assert list(folder.iterdir()) == []


async def test_a_fetch_still_running_when_the_turn_ends_is_stopped(tmp_path: Path) -> None:
    supervisor = Supervisor()
    media = SlowMedia(seconds=30)
    frame, folder = _frame(tmp_path, media, supervisor)

    async def show(path: Path) -> bool:
        raise AssertionError("never shown")

    frame.fetch("https://cdn/clip.mp4", show)
    await asyncio.sleep(0.05)
    await frame.close()
    assert media.cancelled
    assert list(folder.iterdir()) == []


async def test_a_failed_download_or_a_finished_card_leaves_nothing(tmp_path: Path) -> None:
    supervisor = Supervisor()
    failing, folder = _frame(tmp_path, SlowMedia(fail=True), supervisor)

    async def too_late(path: Path) -> bool:
        return False

    failing.fetch("https://cdn/clip.mp4", too_late)
    late, _ = _frame(tmp_path, SlowMedia(), supervisor)
    late.fetch("https://cdn/clip.mp4", too_late)
    await supervisor.drain()
    assert list(folder.iterdir()) == []
