"""The engine's ports: small protocols for the Nemo API, the store, and the chat it replies to."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import Any, Protocol

from bot.engine.messages import Action
from bot.nemo.draft import Draft
from bot.nemo.events import AgentEvent
from bot.nemo.models import Credits, NemoSession, ProjectState, RenderStatus, UploadedFile
from bot.store.keys import ChatKey
from bot.store.models import ChatSession, RenderJob


class NemoAgent(Protocol):
    """The agent side of the Nemo API."""

    async def create_session(self, language: str, task_name: str = "project") -> NemoSession:
        """Create a project and its chat session."""

    def stream(self, session_id: str, text: str) -> AsyncGenerator[AgentEvent, None]:
        """Send one message and yield the agent's events until the stream closes."""

    async def state(self, session_id: str) -> ProjectState:
        """The project's latest state."""

    async def credits(self) -> Credits:
        """The account's credit balance."""


class NemoMedia(Protocol):
    """Uploads and downloads."""

    async def upload_files(self, session_id: str, paths: Sequence[Path]) -> list[UploadedFile]:
        """Upload files from disk into the session."""

    async def upload_urls(self, session_id: str, urls: Sequence[str]) -> list[UploadedFile]:
        """Have Nemo fetch files by URL into the session."""

    async def download(self, url: str, dest: Path) -> int:
        """Stream a file to disk; returns its size in bytes."""

    async def download_render(self, render_id: str, dest: Path) -> int:
        """Stream a render's result through the API's fallback download; returns its size."""


class NemoRender(Protocol):
    """Export renders."""

    async def submit_render(self, session_id: str, draft: Draft, render_id: str) -> RenderStatus:
        """Submit a render of the draft under a client-chosen id."""

    async def render_status(self, render_id: str) -> RenderStatus:
        """Poll a render."""

    async def cancel_render(self, render_id: str) -> None:
        """Cancel a render."""


class NemoApi(NemoAgent, NemoMedia, NemoRender, Protocol):
    """Everything the engine asks of Nemo."""

    @property
    def user_id(self) -> str | None:
        """The Nemo user id once known (an `anon_...` id for anonymous tokens)."""


class SessionStore(Protocol):
    """Chat sessions and the last state seen per chat and session."""

    async def get_session(self, chat: ChatKey) -> ChatSession | None:
        """The chat's Nemo session, if any."""

    async def put_session(self, chat: ChatKey, session: ChatSession) -> None:
        """Remember the chat's Nemo session."""

    async def drop_session(self, chat: ChatKey) -> None:
        """Forget the chat's session (a fresh one is made on the next message)."""

    async def get_last_state(self, chat: ChatKey, session_id: str) -> dict[str, Any] | None:
        """The project state seen at the end of the chat's last turn in the session."""

    async def put_last_state(self, chat: ChatKey, session_id: str, state: dict[str, Any]) -> None:
        """Remember the session's project state for the next diff."""


class Lease(Protocol):
    """A key one owner holds at a time, lapsing unless the owner extends it."""

    async def acquire(self, owner: str, seconds: float) -> bool:
        """Take the lease for `seconds`; False while anyone holds it."""

    async def extend(self, owner: str, seconds: float) -> bool:
        """Reset a held lease to `seconds` from now."""

    async def release(self, owner: str) -> bool:
        """Release a held lease."""


class TurnStore(Protocol):
    """Idempotency, and the leases that keep a piece of work to one process at a time."""

    async def first_sighting(self, chat: ChatKey, message_id: str, ttl: float = ...) -> bool:
        """True only the first time a chat's message is seen."""

    def turn_lock(self, chat: ChatKey) -> Lease:
        """The chat's turn lock."""

    def render_lease(self, render_id: str) -> Lease:
        """The lease of the process following a render."""


class RenderStore(Protocol):
    """Durable render jobs."""

    async def put_render(self, job: RenderJob) -> None:
        """Save a render job (open until delivered or failed)."""

    async def open_renders(self) -> list[RenderJob]:
        """Every render job not yet delivered or failed."""

    async def get_render(self, render_id: str) -> RenderJob | None:
        """One render job, open or closed."""

    async def claim_delivery(self, render_id: str) -> bool:
        """True exactly once per render, across processes."""

    async def close_render(self, render_id: str, status: Any) -> None:
        """Mark a render delivered or failed."""


class Store(SessionStore, TurnStore, RenderStore, Protocol):
    """Everything the engine keeps."""


class Progress(Protocol):
    """A message edited in place to show progress."""

    async def update(self, text: str) -> None:
        """Replace the progress text (adapters coalesce and throttle)."""

    async def finish(self, text: str) -> None:
        """Show the final progress text; later updates are ignored."""


class Outgoing(Protocol):
    """Replies to one chat."""

    @property
    def upload_limit(self) -> int:
        """Largest file in bytes this chat accepts as an upload from the bot."""

    async def send_text(self, text: str, actions: Sequence[Action] = ()) -> None:
        """Send plain text (adapters escape and split), with optional action buttons."""

    async def start_progress(self, text: str) -> Progress:
        """Send a progress message that later updates edit in place."""

    async def send_video(
        self, path: Path, *, width: int, height: int, duration: float, caption: str, link: str | None = None,
    ) -> None:
        """Send a video file from disk; `link` is where it can be fetched if the platform refuses the file."""

    async def send_link(self, url: str, note: str) -> None:
        """Send a link with a short note (a video too big to upload)."""

    async def show_working(self) -> None:
        """Show a working status (typing, upload_video) for a few seconds."""


class Platform(Protocol):
    """An adapter as the engine sees it: how to reach a chat again (for renders resumed after a restart)."""

    @property
    def name(self) -> str:
        """The platform name used in chat keys (console, telegram, discord)."""

    def outgoing(self, chat: ChatKey, reply_to: str | None, locale: str) -> Outgoing:
        """Replies to a chat in the user's language, outside any incoming message."""
