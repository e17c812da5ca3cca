"""SSE framing and ADK Event JSON, shaped like `Event.model_dump_json(exclude_none=True, by_alias=True)`."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from bot.nemo.wire import HEARTBEAT, LegacyFrame
from nemo_sim import ids

AUTHOR = "nemo_agent"
MODEL_VERSION = "gemini-2.5-flash"

HbStyle = Literal["comment", "empty", "json", "event"]

KEEPALIVES: dict[str, bytes] = {
    "comment": b": ping\n\n",
    "empty": b"data: \n\n",
    "json": f'data: {{"type":"{LegacyFrame.HEARTBEAT}"}}\n\n'.encode(),
    "event": f"event: {HEARTBEAT}\ndata: \n\n".encode(),
}


def frame(payload: dict[str, Any]) -> bytes:
    """One `data: <compact JSON>\\n\\n` frame; non-ASCII stays raw UTF-8, as ADK sends it."""
    return b"data: " + json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"


def spaced_frame(payload: dict[str, Any]) -> bytes:
    """A frame with Python's default `json.dumps` spacing, as ADK's error frames are written."""
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def keepalive(style: HbStyle) -> bytes:
    """A keepalive frame in one of the styles a proxy in front of ADK might use."""
    return KEEPALIVES[style]


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class EventFactory:
    """Builds the ADK events of one invocation (one user turn): shared `invocationId`, uuid4 event ids."""

    def __init__(self) -> None:
        self.invocation_id = ids.new_invocation_id()

    def event(
        self,
        parts: list[dict[str, Any]] | None,
        *,
        role: str = "model",
        with_content: bool = True,
        event_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A generic event; `parts=None` leaves the `parts` key out of `content` (ADK 1.x empty final)."""
        content = _drop_none({"parts": parts, "role": role}) if with_content else None
        base: dict[str, Any] = {
            "content": content,
            "invocationId": self.invocation_id,
            "author": AUTHOR,
            "actions": {
                "stateDelta": {},
                "artifactDelta": {},
                "requestedAuthConfigs": {},
                "requestedToolConfirmations": {},
            },
            "id": event_id or ids.new_event_id(),
            "timestamp": time.time(),
        }
        return _drop_none({**base, **extra})

    def text(self, text: str, *, partial: bool | None = None, event_id: str | None = None) -> dict[str, Any]:
        """A model text event (a partial chunk when `partial=True`)."""
        finish = None if partial else "STOP"
        return self.event(
            [{"text": text}],
            partial=partial,
            event_id=event_id,
            finishReason=finish,
            usageMetadata=None if partial else _usage(text),
            modelVersion=MODEL_VERSION,
        )

    def call(
        self,
        name: str,
        args: dict[str, Any],
        *,
        text: str | None = None,
        partial: bool | None = None,
        event_id: str | None = None,
    ) -> tuple[dict[str, Any], str]:
        """A functionCall event (with a leading text part when `text` is given) and the call id."""
        call_id = f"adk-{uuid.uuid4()}"
        parts: list[dict[str, Any]] = [{"text": text}] if text else []
        parts.append({"functionCall": {"id": call_id, "name": name, "args": args}})
        event = self.event(
            parts,
            partial=partial,
            event_id=event_id,
            finishReason="STOP",
            longRunningToolIds=[],
            usageMetadata=_usage(text or name),
            modelVersion=MODEL_VERSION,
        )
        return event, call_id

    def response(self, call_id: str, name: str, response: dict[str, Any]) -> dict[str, Any]:
        """A functionResponse event: `author` is the agent but `content.role` is "user", as in ADK."""
        part = {"functionResponse": {"id": call_id, "name": name, "response": response}}
        return self.event([part], role="user")


def _usage(text: str) -> dict[str, int]:
    candidates = max(1, len(text) // 4)
    return {"candidatesTokenCount": candidates, "promptTokenCount": 812, "totalTokenCount": 812 + candidates}
