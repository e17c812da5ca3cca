"""Values the Nemo API returns, read from their (unwrapped) JSON payloads."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.nemo._json import as_dict, dict_items, need_str, opt_float, opt_int, opt_str
from bot.nemo.draft import Draft
from bot.nemo.errors import MalformedReply
from bot.nemo.wire import RenderState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnonToken:
    """An anonymous token as issued; the token itself never shows in a repr."""

    token: str = field(repr=False)
    user_id: str
    credits: int
    expires_at: datetime | None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> AnonToken:
        """Read the anonymous-token payload."""
        expires = opt_str(data, "expires_at", "expiresAt")
        try:
            expires_at = datetime.fromisoformat(expires) if expires else None
        except ValueError:
            expires_at = None
        return cls(
            need_str(data, "token", "anonymous token"),
            opt_str(data, "user_id", "userId") or "",
            opt_int(data, "credits") or 0,
            expires_at,
        )


@dataclass(frozen=True, slots=True)
class NemoSession:
    """A project (task) and its chat session."""

    session_id: str
    task_id: str
    user_id: str | None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> NemoSession:
        """Read the create-session payload."""
        return cls(
            need_str(data, "session_id", "new session"),
            opt_str(data, "task_id", "taskId") or "",
            opt_str(data, "user_id", "userId"),
        )


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One uploaded file as the service stored it; duration in seconds."""

    filename: str
    file_type: str
    cdn_url: str
    duration: float | None
    width: int | None
    height: int | None

    @classmethod
    def list_from_wire(cls, data: dict[str, Any]) -> list[UploadedFile]:
        """Read the upload payload's `files` list."""
        files = dict_items(data.get("files"))
        if not files and not isinstance(data.get("files"), list):
            raise MalformedReply("upload: missing 'files'")
        return [
            cls(
                opt_str(f, "filename", "name") or "",
                opt_str(f, "file_type", "type") or "unknown",
                need_str(f, "cdn_url", "uploaded file"),
                opt_float(f, "duration"),
                opt_int(f, "width"),
                opt_int(f, "height"),
            )
            for f in files
        ]


@dataclass(frozen=True, slots=True)
class Credits:
    """The credit balance; `frozen` is held by work in progress."""

    available: int
    frozen: int
    total: int

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Credits:
        """Read the balance payload."""
        available = opt_int(data, "available")
        if available is None:
            raise MalformedReply("credits: missing 'available'")
        frozen = opt_int(data, "frozen") or 0
        return cls(available, frozen, opt_int(data, "total") or available + frozen)


_STATE_ALIASES = {
    "queued": RenderState.PENDING,
    "waiting": RenderState.PENDING,
    "running": RenderState.PROCESSING,
    "rendering": RenderState.PROCESSING,
    "in_progress": RenderState.PROCESSING,
    "success": RenderState.COMPLETED,
    "succeeded": RenderState.COMPLETED,
    "done": RenderState.COMPLETED,
    "error": RenderState.FAILED,
    "canceled": RenderState.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class RenderStatus:
    """A render's progress (0-100) and, once completed, its output URL."""

    id: str
    state: RenderState
    progress: int
    output_url: str | None
    error: str | None
    queue: int | None = None  # the render's place in line while it waits, where the service tells it

    @classmethod
    def from_wire(cls, data: dict[str, Any], render_id: str) -> RenderStatus:
        """Read either documented poll shape: A (`data.outputUrl`) or B (top-level, `output.url`)."""
        text = (opt_str(data, "status", "state") or "").lower()
        if not text:
            raise MalformedReply("render status: missing 'status'")
        state = _render_state(text)
        url = opt_str(data, "outputUrl", "output_url", "url") or opt_str(as_dict(data.get("output")), "url")
        progress = opt_int(data, "progress")
        if progress is None:
            progress = 100 if state is RenderState.COMPLETED else 0
        error = data.get("error") or data.get("errorMessage")
        return cls(
            opt_str(data, "id", "taskId", "renderId") or render_id,
            state,
            max(0, min(progress, 100)),
            url,
            str(error) if error else None,
            opt_int(data, "queuePosition", "queue_position"),
        )


def _render_state(text: str) -> RenderState:
    """The state for a status word; unknown words count as still processing, so polling goes on."""
    try:
        return RenderState(text)
    except ValueError:
        if text not in _STATE_ALIASES:
            log.warning("unknown render status %r, treated as processing", text[:40])
        return _STATE_ALIASES.get(text, RenderState.PROCESSING)


@dataclass(frozen=True, slots=True)
class ProjectState:
    """The project state: draft timeline, media lists, canvas; `raw` is the whole payload."""

    session_id: str
    task_id: str
    draft: Draft
    video_infos: list[dict[str, Any]]
    generated_media: list[dict[str, Any]]
    canvas: dict[str, Any]
    raw: dict[str, Any]

    @classmethod
    def from_wire(cls, data: dict[str, Any], session_id: str) -> ProjectState:
        """Read the state payload (`data` with the inner `state` object)."""
        if not isinstance(data.get("state"), dict):
            raise MalformedReply("state: missing 'state'")
        state = data["state"]
        return cls(
            opt_str(data, "session_id", "sessionId") or session_id,
            opt_str(data, "task_id", "taskId") or "",
            Draft.from_raw(state.get("draft")),
            dict_items(state.get("video_infos")),
            dict_items(state.get("generated_media")),
            as_dict(state.get("canvas_config")),
            data,
        )

    @property
    def user_id(self) -> str | None:
        """The owner's user id, when the payload names it."""
        return opt_str(self.raw, "user_id", "userId")
