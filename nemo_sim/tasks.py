"""A small supervisor for the simulator's background work (agent turns, renders): none is fire-and-forget."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


class Supervisor:
    """Owns background tasks, logs their failures, and cancels whatever is left on `aclose()`."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Start `coro` as a supervised task."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("simulator task %s failed", task.get_name(), exc_info=exc)

    @property
    def running(self) -> int:
        """How many tasks are still running."""
        return len(self._tasks)

    async def wait_idle(self) -> None:
        """Wait until every task (including ones spawned meanwhile) has finished; callers bound the wait."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        """Cancel every task and wait for them to unwind."""
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
