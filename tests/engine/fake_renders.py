"""A Nemo render service on a simulated clock: renders progress as the simulator's do, but in simulated seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.nemo.draft import Draft
from bot.nemo.errors import RateLimited
from bot.nemo.events import AgentEvent
from bot.nemo.models import Credits, NemoSession, ProjectState, RenderStatus, UploadedFile
from bot.nemo.wire import RenderState
from nemo_sim.records import RenderRecord
from nemo_sim.render import advance

DRAFT = {"t": [{"tt": 0, "sg": [{"src": "x", "s": 0, "d": 10000}]}], "d": 10000, "m": {"title": "Tide"}}


@dataclass(slots=True)
class SimulatedClock:
    """Time that moves only when someone sleeps: `sleep` jumps the clock ahead, then yields to the loop once."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Move the clock `seconds` ahead."""
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass(slots=True)
class FakeRenders:
    """Submit, poll and download against `clock`; each render runs the next of `durations` seconds."""

    clock: SimulatedClock
    durations: list[float]
    rate_limited_polls: int = 0  # the next N polls answer HTTP 429
    renders: dict[str, RenderRecord] = field(default_factory=dict)
    downloaded: dict[str, float] = field(default_factory=dict)  # render id -> when its MP4 was fetched

    async def state(self, session_id: str) -> ProjectState:
        """A project with one clip on its timeline."""
        return ProjectState.from_wire({"state": {"draft": DRAFT}}, session_id)

    async def submit_render(self, session_id: str, draft: Draft, render_id: str) -> RenderStatus:
        """Start a render of the next duration."""
        record = RenderRecord(render_id, "u", session_id, self.clock.now, 10000, 640, 360)
        record.run_seconds = self.durations.pop(0)
        record.file = Path("ready.mp4")
        self.renders[render_id] = record
        return self._status(record)

    async def render_status(self, render_id: str) -> RenderStatus:
        """Where the render is now on the simulated clock, as the simulator reports it."""
        record = self.renders[render_id]
        if self.rate_limited_polls:
            self.rate_limited_polls -= 1
            raise RateLimited("HTTP 429", http_status=429)
        record.polls += 1
        advance(record, self.clock.now)
        return self._status(record)

    async def download(self, url: str, dest: Path) -> int:
        """Write a small MP4 stand-in."""
        render_id = url.rsplit("/", 1)[-1]
        self.downloaded[render_id] = self.clock.now
        await asyncio.to_thread(dest.write_bytes, b"\x00\x00\x00\x18ftypmp42")
        return 12

    async def download_render(self, render_id: str, dest: Path) -> int:
        """As `download`."""
        return await self.download(render_id, dest)

    async def cancel_render(self, render_id: str) -> None:
        """Not used here."""

    def _status(self, record: RenderRecord) -> RenderStatus:
        done = record.status is RenderState.COMPLETED
        url = f"https://cdn.example/{record.render_id}" if done else None
        return RenderStatus(record.render_id, record.status, record.progress, url, None)

    # The agent side is not used by these tests.

    async def create_session(self, language: str, task_name: str = "project") -> NemoSession:
        """Not used here."""
        raise NotImplementedError

    def stream(self, session_id: str, text: str) -> AsyncGenerator[AgentEvent, None]:
        """Not used here."""
        raise NotImplementedError

    async def credits(self) -> Credits:
        """Not used here."""
        raise NotImplementedError

    async def upload_files(self, session_id: str, paths: Sequence[Path]) -> list[UploadedFile]:
        """Not used here."""
        raise NotImplementedError

    async def upload_urls(self, session_id: str, urls: Sequence[str]) -> list[UploadedFile]:
        """Not used here."""
        raise NotImplementedError


def completed_at(record: RenderRecord) -> float:
    """When a render reached 100 % (its time was up; its file was always ready)."""
    return record.created_at + record.run_seconds
