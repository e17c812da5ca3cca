"""The Nemo API as the engine uses it, noting for the quotas which paid calls Nemo actually worked on.

An agent turn counts once Nemo accepted it (its first event, or a stream that may have arrived: cut, timed out,
cancelled); a turn refused before it started (out of credits, a rate limit, an unknown session) does not. An export
counts once its render was submitted (or may have been). Before a turn, where credits are measured, the balance is read.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from pathlib import Path

from bot.engine.ports import NemoApi
from bot.engine.quotas import current, mark
from bot.engine.rules import Kind
from bot.nemo.draft import Draft
from bot.nemo.errors import NemoError, Unconfirmed
from bot.nemo.events import AgentEvent
from bot.nemo.models import Credits, NemoSession, ProjectState, RenderStatus, UploadedFile

log = logging.getLogger(__name__)


class Metered:
    """Every call passed on as it is; turns and exports reported to the current request's quota bookkeeping."""

    def __init__(self, nemo: NemoApi) -> None:
        self._nemo = nemo

    async def available(self) -> int | None:
        """The shared balance's available credits; None when it cannot be read (the turn goes on regardless)."""
        try:
            return (await self._nemo.credits()).available
        except NemoError as exc:
            log.warning("could not read the credit balance for a quota: %s", exc)
            return None

    async def stream(self, session_id: str, text: str) -> AsyncGenerator[AgentEvent, None]:
        """Send one message and yield the agent's events; the turn counts once Nemo may have worked on it."""
        spending = current()
        if spending is not None and spending.measure_credits and spending.balance_before is None:
            spending.balance_before = await self.available()
        worked = False
        try:
            async with aclosing(self._nemo.stream(session_id, text)) as events:
                async for event in events:
                    if not worked:
                        worked = True
                        mark(Kind.TURNS)
                    yield event
        except NemoError as exc:
            # Refused before it started: Nemo did no work and charged nothing.
            if worked or isinstance(exc, Unconfirmed):
                mark(Kind.TURNS)
            raise
        except BaseException:
            mark(Kind.TURNS)  # cancelled or closed while it may have been under way
            raise
        mark(Kind.TURNS)

    async def submit_render(self, session_id: str, draft: Draft, render_id: str) -> RenderStatus:
        """Submit a render; the export counts once it was (or may have been) accepted."""
        try:
            status = await self._nemo.submit_render(session_id, draft, render_id)
        except Unconfirmed:
            mark(Kind.EXPORTS)
            raise
        mark(Kind.EXPORTS)
        return status

    # Everything else as it is.

    async def create_session(self, language: str, task_name: str = "project") -> NemoSession:
        """Create a project and its chat session."""
        return await self._nemo.create_session(language, task_name)

    async def state(self, session_id: str) -> ProjectState:
        """The project's latest state."""
        return await self._nemo.state(session_id)

    async def credits(self) -> Credits:
        """The account's credit balance."""
        return await self._nemo.credits()

    async def upload_files(self, session_id: str, paths: Sequence[Path]) -> list[UploadedFile]:
        """Upload files from disk into the session."""
        return await self._nemo.upload_files(session_id, paths)

    async def upload_urls(self, session_id: str, urls: Sequence[str]) -> list[UploadedFile]:
        """Have Nemo fetch files by URL into the session."""
        return await self._nemo.upload_urls(session_id, urls)

    async def download(self, url: str, dest: Path) -> int:
        """Stream a file to disk."""
        return await self._nemo.download(url, dest)

    async def download_render(self, render_id: str, dest: Path) -> int:
        """Stream a render's result through the fallback download."""
        return await self._nemo.download_render(render_id, dest)

    async def render_status(self, render_id: str) -> RenderStatus:
        """Poll a render."""
        return await self._nemo.render_status(render_id)

    async def cancel_render(self, render_id: str) -> None:
        """Cancel a render."""
        await self._nemo.cancel_render(render_id)
