"""The per-process cap on agent turns: turns beyond it wait in arrival order instead of failing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable


class TurnGate:
    """At most `size` agent turns run at once in this process; the others wait, first come first served.

    Shared by every platform's engine in the process (the composition root makes one), so the cap is the
    process's, and the streaming pool is sized to it: a turn that gets a place always gets a connection.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a turn gate needs at least one place, not {size!r}")
        self.size = size
        self._places = asyncio.Semaphore(size)

    @contextlib.asynccontextmanager
    async def place(self, on_queued: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        """Hold a place for the block; `on_queued` runs first when the turn has to wait for one."""
        if self._places.locked():
            await on_queued()
        async with self._places:
            yield
