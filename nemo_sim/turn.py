"""One agent turn: a supervised producer task that writes frames to a queue, and the SSE body that reads it.

The producer is decoupled from the response on purpose: like the real backend, the work (and its state
changes and charges) carries on after the client goes away or the connection is cut.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nemo_sim import replies
from nemo_sim.config import SimConfig
from nemo_sim.records import SessionRecord, User
from nemo_sim.stream import EventFactory, frame, keepalive
from nemo_sim.world import World

PAUSE = 0.4  # nominal seconds between two model events
MIN_TICK = 0.005  # floor for loops, so speed=0 cannot spin


class Signal(enum.Enum):
    """Queue items that are not frames."""

    CLOSE = "close"
    CUT = "cut"


class StreamCut(Exception):
    """Raised in the response body so uvicorn aborts the connection without the chunked terminator."""


@dataclass(slots=True, eq=False)
class Turn:
    """The context a scenario script runs in."""

    world: World
    session: SessionRecord
    user: User
    prompt: str
    base_url: str
    cost: int
    variant: int
    events: EventFactory = field(default_factory=EventFactory)
    queue: asyncio.Queue[bytes | Signal] = field(default_factory=asyncio.Queue)
    listener_gone: asyncio.Event = field(default_factory=asyncio.Event)
    settled: bool = False

    @property
    def config(self) -> SimConfig:
        """The world's current config (it may change between events)."""
        return self.world.config

    @property
    def lang(self) -> str:
        """The language the agent answers in: the session's, or Chinese for a prompt written in Chinese."""
        return replies.language(self.session.language, self.prompt)

    @property
    def state(self) -> dict[str, Any]:
        """The session's project state, changed in place by scenarios."""
        return self.session.state

    def emit(self, event: dict[str, Any]) -> None:
        """Send one JSON event frame."""
        self.queue.put_nowait(frame(event))

    def emit_bytes(self, data: bytes) -> None:
        """Send raw SSE bytes."""
        self.queue.put_nowait(data)

    def cut(self) -> None:
        """Cut the connection mid-stream (the script itself keeps running)."""
        self.queue.put_nowait(Signal.CUT)

    def close(self) -> None:
        """End the stream normally."""
        self.queue.put_nowait(Signal.CLOSE)

    async def pause(self, nominal: float = PAUSE) -> None:
        """Wait between two events, scaled by speed."""
        await asyncio.sleep(self.config.delay(nominal))

    async def work(self, nominal_seconds: float) -> None:
        """Let a tool "run" for `nominal_seconds` (scaled), sending a keepalive every `hb_interval`."""
        remaining = self.config.delay(nominal_seconds)
        while remaining > 0:
            interval = max(MIN_TICK, self.config.delay(self.config.hb_interval))
            step = min(interval, remaining)
            await asyncio.sleep(step)
            remaining -= step
            if step >= interval:
                self.emit_bytes(keepalive(self.config.hb_style))

    async def keepalives_until_gone(self) -> None:
        """Send keepalives and nothing else until the client disconnects."""
        while not self.listener_gone.is_set():
            interval = max(MIN_TICK, self.config.delay(self.config.hb_interval))
            try:
                await asyncio.wait_for(self.listener_gone.wait(), interval)
            except TimeoutError:
                self.emit_bytes(keepalive(self.config.hb_style))

    def charge(self) -> None:
        """Charge the credits held for this turn."""
        if not self.settled:
            self.user.settle(self.cost)
            self.settled = True

    def cdn_url(self, *parts: str) -> str:
        """A URL under the simulator's own `/cdn/`."""
        return f"{self.base_url}/cdn/{'/'.join(parts)}"


Script = Callable[[Turn], Awaitable[None]]


async def run_turn(turn: Turn, script: Script, *, wait_for_session: bool) -> None:
    """Run a scenario script; always ends the stream, refunds uncharged credits and frees the session."""
    lock = turn.session.lock
    held = not wait_for_session  # in reject mode the endpoint already took the lock
    try:
        if wait_for_session:
            await lock.acquire()
            held = True
        turn.session.turns += 1
        await script(turn)
    finally:
        if not turn.settled:
            turn.user.refund(turn.cost)
        turn.close()
        if held:
            lock.release()


async def sse_body(turn: Turn) -> AsyncIterator[bytes]:
    """The response body: frames from the queue until CLOSE; CUT aborts the connection."""
    try:
        while True:
            item = await turn.queue.get()
            if item is Signal.CLOSE:
                return
            if item is Signal.CUT:
                raise StreamCut("connection cut by the drop scenario")
            yield item
    finally:
        turn.listener_gone.set()
