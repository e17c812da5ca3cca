"""A running bot for end-to-end tests: the simulator over HTTP, a real store, the real client and engine."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import imageio_ffmpeg

from bot.engine.card import Card
from bot.engine.config import EngineConfig
from bot.engine.engine import Engine
from bot.engine.messages import Action, Attachment, Incoming
from bot.engine.ports import Limits, Post, Video
from bot.nemo._http import NewClientId
from bot.nemo.client import NemoClient
from bot.pictures.frames import Frames, find_ffmpeg
from bot.pictures.maker import PictureMaker
from bot.store.keys import ChatKey
from bot.store.redis_store import RedisStore
from nemo_sim.config import SimConfig
from nemo_sim.server import Simulator, run_simulator
from tests.store_fixtures import store_backend

ATTRIBUTION = {
    "X-Skill-Source": "ai-video-maker-renderforest", "X-Skill-Version": "test", "X-Skill-Platform": "console",
}

FAST = {
    "stream_timeout": 60.0,
    "stream_idle_timeout": 30.0,
    "keepalive_ping_interval": 120.0,
    "render_poll_initial": 0.02,
    "render_poll_max": 0.05,
    "render_poll_factor": 1.5,
    "render_timeout": 30.0,
    "recovery_first_wait": 0.05,
    "recovery_wait": 0.05,
    "recovery_checks": 5,
    "lock_lease": 30.0,
    "render_poll_near": 0.02,
}


@dataclass(slots=True)
class Sent:
    """One thing the bot showed in a chat."""

    kind: str  # text | progress | edit | finish | video | link | working
    text: str
    actions: tuple[Action, ...] = ()
    path: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class RecordingChat:
    """A platform chat (`Outgoing`) that records everything and keeps delivered videos in a folder."""

    def __init__(self, folder: Path, upload_limit: int = 50_000_000, download_bytes: int | None = None) -> None:
        self.log: list[Sent] = []
        self.folder = folder
        self._limits = Limits(
            text_length=1_000_000, upload_bytes=upload_limit, download_bytes=download_bytes, platform_name="Testchat",
        )
        self._live: dict[int, str] = {}  # progress message -> its latest text

    @property
    def limits(self) -> Limits:
        """A chat with the configured upload limit and no pacing."""
        return self._limits

    async def send(self, post: Post) -> object:
        """Record a text, a progress message or a link."""
        if post.live:
            self.log.append(Sent("progress", post.text, meta={"card": post.card} if post.card else {}))
            self._live[len(self.log)] = post.text
        elif post.link is not None:
            self.log.append(Sent("link", post.text, meta={"url": post.link}))
        else:
            # A picture's caption reads as a text; the picture itself is kept beside it.
            commands = [button.command for button in post.buttons]
            picture = {"picture": post.image.read_bytes()} if post.image is not None else {}
            self.log.append(Sent("text", post.text, tuple(button.action for button in post.buttons), meta={
                "commands": commands, "private": post.private, **picture,
            }))
        return len(self.log)

    async def edit(self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None) -> None:
        """Record an edit (with its card), or the final text."""
        assert isinstance(handle, int)
        shown = self._live[handle] = text if text is not None else self._live[handle]
        meta: dict[str, Any] = {"card": card} if card else {}
        if card is not None and card.image is not None:
            meta["picture"] = card.image.read_bytes()  # removed once the turn is over: kept here as it was shown
        self.log.append(Sent("finish" if last else "edit", shown, meta=meta))

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Keep a copy of the video and record it."""
        await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
        kept = self.folder / f"video-{len(self.videos) + 1}.mp4"
        await asyncio.to_thread(shutil.copyfile, path, kept)
        meta: dict[str, Any] = {"width": video.width, "height": video.height, "duration": video.duration,
                                "title": video.title, "facts": video.facts}
        if video.thumbnail is not None:
            meta["thumbnail"] = video.thumbnail.read_bytes()
        self.log.append(Sent("video", caption, path=kept, meta=meta))

    async def show_working(self) -> None:
        """Record a working status."""
        self.log.append(Sent("working", ""))

    @property
    def texts(self) -> list[str]:
        """Every text message, in order."""
        return [item.text for item in self.log if item.kind == "text"]

    @property
    def videos(self) -> list[Sent]:
        """Every delivered video."""
        return [item for item in self.log if item.kind == "video"]

    def everything(self) -> str:
        """All the text the chat shows, joined (for 'never shows X' assertions)."""
        return "\n".join(item.text + str(item.meta) for item in self.log)


@dataclass(slots=True)
class Harness:
    """The pieces of a running bot."""

    sim: Simulator
    store: RedisStore
    nemo: NemoClient
    engine: Engine
    http: httpx.AsyncClient
    folder: Path
    counter: int = 0

    def message(
        self, text: str = "", *, chat: ChatKey | None = None, attachments: tuple[Attachment, ...] = (),
        locale: str = "en", message_id: str | None = None, direct: bool = True, user: str = "Ada",
    ) -> Incoming:
        """A message from a person; each gets a fresh message id unless one is given."""
        self.counter += 1
        return Incoming(
            chat or ChatKey("console", "chat-1"), f"user-{user}", user, text, attachments, locale,
            message_id or f"m{self.counter}", direct,
        )

    def chat(self, upload_limit: int = 50_000_000, download_bytes: int | None = None) -> RecordingChat:
        """A fresh recording chat (of a platform named Testchat)."""
        return RecordingChat(self.folder / f"chat-{self.counter}", upload_limit, download_bytes)

    async def requests(self, path: str) -> list[dict[str, Any]]:
        """The simulator's request log entries for one path."""
        return [dict(r) for r in (await self.http.get(f"{self.sim.url}/__sim/requests")).json() if r["path"] == path]

    async def configure(self, **patch: Any) -> None:
        """Flip simulator switches."""
        reply = await self.http.post(f"{self.sim.url}/__sim/config", json=patch)
        reply.raise_for_status()


@asynccontextmanager
async def running_bot(
    tmp_path: Path, *, kind: str = "redis", db: int = 14, sim: SimConfig | None = None,
    token: str | None = None, credits: int | None = 10_000, client_idle_timeout: float = 30.0,
    new_client_id: NewClientId | None = None, frames: Frames | None = None, **config: Any,
) -> AsyncIterator[Harness]:
    """Start the simulator, a store, the client and the engine; tear all down on exit.

    With `credits`, the client signs in first and the account gets that many credits. `new_client_id` is what the
    client asks for a client id the token endpoint refused (as the entry point's is). `frames` cuts the thumbnails
    (by default with the ffmpeg found here).
    """
    sim_config = sim or SimConfig(speed=0.001)
    async with (
        run_simulator(sim_config) as simulator,
        store_backend(kind, db=db, prefix="e2e") as store,
        httpx.AsyncClient(timeout=30) as http,
    ):
        nemo = NemoClient(
            http, base_url=simulator.url, client_id="test-client", attribution=ATTRIBUTION,
            token=token, anonymous=token is None, rate_limit_backoff=0.01, stream_idle_timeout=client_idle_timeout,
            new_client_id=new_client_id,
        )
        # The simulator serves its media on 127.0.0.1: its own links are let through unless a test says otherwise.
        engine = Engine(
            nemo, store, EngineConfig(workdir=tmp_path / "work", **{**FAST, "allow_private_urls": True, **config}),
            pictures=PictureMaker(frames or Frames(find_ffmpeg())),
        )
        if credits is not None and token is None:
            await nemo.authenticate()
            assert nemo.user_id is not None
            simulator.world.set_credits(nemo.user_id, credits)
        try:
            yield Harness(simulator, store, nemo, engine, http, tmp_path)
        finally:
            await engine.background.close()


def probe_video(path: Path) -> tuple[float, str]:
    """Decode the whole file with ffmpeg; returns (duration in seconds, 'WxH'). Fails on an unplayable file."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-f", "null", "-"],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-500:]
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", result.stderr)
    size = re.search(r"Video: h264.*?(\d{2,5})x(\d{2,5})", result.stderr)
    assert duration, result.stderr[-500:]
    assert size, result.stderr[-500:]
    hours, minutes, seconds = duration.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds), f"{size.group(1)}x{size.group(2)}"


async def wait_for(predicate: Any, limit: float = 10.0) -> None:
    """Poll a condition until it holds (fails the test after `limit` seconds)."""
    async with asyncio.timeout(limit):
        while not predicate():  # noqa: ASYNC110 - the condition is plain state, nothing to wait on
            await asyncio.sleep(0.01)
