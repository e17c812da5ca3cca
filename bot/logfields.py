"""What a log line is about (the chat, the render, the request), kept in context variables for the JSON log.

The engine names the chat and a fresh request id when it starts handling a message, and the render when it starts
following one; tasks started from there inherit them, as asyncio copies the context into every new task.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar

from bot.store.keys import ChatKey

_chat: ContextVar[str | None] = ContextVar("log_chat", default=None)
_render: ContextVar[str | None] = ContextVar("log_render_id", default=None)
_request: ContextVar[str | None] = ContextVar("log_request_id", default=None)

FIELDS = ("chat", "render_id", "request_id")
"""The names the fields take in a JSON log line."""


def bind_message(chat: ChatKey) -> None:
    """From here on, log lines are about this chat and a new request (and no render yet)."""
    _chat.set(str(chat))
    _request.set(uuid.uuid4().hex[:16])
    _render.set(None)


def bind_render(render_id: str, chat: ChatKey) -> None:
    """From here on, log lines are about this render of this chat."""
    _chat.set(str(chat))
    _render.set(render_id)


def current() -> dict[str, str]:
    """The fields known here, by their JSON names."""
    values = zip(FIELDS, (_chat.get(), _render.get(), _request.get()), strict=True)
    return {name: value for name, value in values if value is not None}
