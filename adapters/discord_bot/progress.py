"""A progress message: edits are coalesced and throttled, and sent only when the text changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from adapters.discord_bot.surfaces import Posted

Clock = Callable[[], float]


class Renderer(Protocol):
    """Shows a progress message's new text wherever replies go now."""

    async def render(self, progress: DiscordProgress, text: str) -> None:
        """Edit the progress message (or repost it where replies moved)."""


class DiscordProgress:
    """One progress message; the engine may call `update` far more often than Discord should be edited."""

    def __init__(self, renderer: Renderer, text: str, clock: Clock, interval: float) -> None:
        self.text = text  # what the user sees now
        self.posted: Posted | None = None
        self.done = False
        self._renderer = renderer
        self._clock = clock
        self._interval = interval
        self._last = clock()

    async def update(self, text: str) -> None:
        """Show `text` unless it is already shown or the last edit was too recent.

        A skipped text is not queued: the engine keeps calling with the newest text, so the next call after the
        interval (or `finish`) shows it. That coalesces a burst into one edit without a timer task.
        """
        if self.done or text == self.text or self._clock() - self._last < self._interval:
            return
        await self._show(text)

    async def finish(self, text: str) -> None:
        """Show the final text at once; later updates are ignored."""
        if self.done:
            return
        self.done = True
        if text != self.text:
            await self._show(text)

    async def _show(self, text: str) -> None:
        self.text = text
        self._last = self._clock()
        await self._renderer.render(self, text)
