"""A recording platform for the reply layer's tests: declared limits, every primitive call timed, refusals on cue."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.engine.card import Card
from bot.engine.ports import Limits, Post, Video


@dataclass(frozen=True, slots=True)
class Call:
    """One primitive call the reply layer made."""

    method: str  # send | edit | video | working
    text: str | None
    at: float
    post: Post | None = None
    handle: object = None
    last: bool = False
    card: Card | None = None
    video: Video | None = None


class FakePlatform:
    """An `Outgoing` that records calls and raises the refusals queued for a method."""

    def __init__(self, limits: Limits) -> None:
        self.limits_now = limits
        self.calls: list[Call] = []
        self._refusals: dict[str, list[Exception]] = defaultdict(list)

    @property
    def limits(self) -> Limits:
        """The limits the test declared."""
        return self.limits_now

    def refuse(self, method: str, *errors: Exception) -> None:
        """Make the next calls of `method` raise these, in order."""
        self._refusals[method].extend(errors)

    async def send(self, post: Post) -> object:
        """Record a message; its handle is its position in the log."""
        self._raise("send")
        self.calls.append(Call("send", post.text, time.monotonic(), post=post))
        return len(self.calls)

    async def edit(self, handle: object, text: str | None, *, last: bool = False, card: Card | None = None) -> None:
        """Record an edit (refused ones too: the platform saw the request)."""
        self.calls.append(Call("edit", text, time.monotonic(), handle=handle, last=last, card=card))
        self._raise("edit")

    async def send_video(self, path: Path, video: Video, caption: str) -> None:
        """Record an upload (refused ones too)."""
        self.calls.append(Call("video", caption, time.monotonic(), video=video))
        self._raise("video")

    async def show_working(self) -> None:
        """Record a working status."""
        self.calls.append(Call("working", None, time.monotonic()))

    def of(self, method: str) -> list[Call]:
        """The calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def sent(self) -> list[Post]:
        """Every message posted, in order."""
        return [call.post for call in self.calls if call.post is not None]

    def _raise(self, method: str) -> None:
        if self._refusals[method]:
            raise self._refusals[method].pop(0)
