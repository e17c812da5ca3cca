"""The parser from /run_sse's SSE frames to agent events.

Frames come in every form the protocol reference lists: ADK Event JSON (one or several parts, text and
functionCall together, no parts, empty text, `errorCode` endings), legacy `{"type": ...}` frames, keepalives
(`: comment`, empty `data:`, `{"type": "heartbeat"}`, `event: heartbeat`, `[DONE]`) and `{"error": ...}`.
Unknown JSON is logged at debug level and skipped; data that is not JSON at all is logged at warning level
and skipped too, because a proxy's plain-text ping must not end a paid turn (real errors arrive as JSON).
"""

from __future__ import annotations

import json
import logging
from typing import Any

# httpx-sse's public `aiter_sse()` swallows `:` comment lines, which some proxies use as keepalives, so the
# decoder is driven line by line here (httpx-sse is pinned <0.5 in pyproject.toml).
from httpx_sse._decoders import SSEDecoder

from bot.nemo._json import dict_items, opt_str
from bot.nemo.errors import redact
from bot.nemo.events import AgentEvent, AgentText, AgentTextDelta, Keepalive, StreamError, ToolCall, ToolResult
from bot.nemo.wire import HEARTBEAT, NO_CONTENT, LegacyFrame

log = logging.getLogger(__name__)

_KEEPALIVE_DATA = {"", "[DONE]"}


def parse_frame(event_name: str, data: str) -> list[AgentEvent]:
    """The events one SSE frame carries (often one, sometimes none or several); never raises."""
    if event_name == HEARTBEAT or data.strip() in _KEEPALIVE_DATA:
        return [Keepalive()]
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        log.warning("skipping non-JSON stream data: %r", redact(data[:200]))
        return []
    if not isinstance(payload, dict):
        log.debug("skipping non-object stream frame: %r", redact(data[:200]))
        return []
    if isinstance(payload.get("type"), str) and not isinstance(payload.get("content"), dict):
        return _legacy(payload)
    return _adk(payload)


def _adk(payload: dict[str, Any]) -> list[AgentEvent]:
    """An ADK Event, or ADK's `{"error": ...}` frame."""
    events: list[AgentEvent] = []
    content = payload.get("content")
    if isinstance(content, dict):
        events = _parts(dict_items(content.get("parts")), partial=payload.get("partial") is True)
    error = payload.get("error")
    if error:
        events.append(StreamError(_message(error)))
    code = payload.get("errorCode")
    if code and code != NO_CONTENT:
        events.append(StreamError(_message(payload.get("errorMessage") or code)))
    if not isinstance(content, dict) and not error and not code:
        log.debug("skipping unknown stream frame with keys %s", sorted(payload)[:10])
    return events


def _parts(parts: list[dict[str, Any]], *, partial: bool) -> list[AgentEvent]:
    """One event per part, adjacent text parts merged; thoughts never surface."""
    events: list[AgentEvent] = []
    for part in parts:
        text = part.get("text")
        if isinstance(text, str):
            if text.strip() and part.get("thought") is not True:
                _add_text(events, text, partial=partial)
            continue
        # A partial event's functionCall is repeated by its final event; acting on both would run it twice.
        call = part.get("functionCall")
        if isinstance(call, dict) and not partial:
            events.append(ToolCall(opt_str(call, "id"), opt_str(call, "name") or "", _obj(call.get("args"))))
        reply = part.get("functionResponse")
        if isinstance(reply, dict):
            name = opt_str(reply, "name") or ""
            events.append(ToolResult(opt_str(reply, "id"), name, _obj(reply.get("response"))))
    return events


def _add_text(events: list[AgentEvent], text: str, *, partial: bool) -> None:
    """Append a text event, or extend the previous one when it is text of the same kind."""
    last = events[-1] if events else None
    if partial:
        if isinstance(last, AgentTextDelta):
            events[-1] = AgentTextDelta(last.text + text)
        else:
            events.append(AgentTextDelta(text))
    elif isinstance(last, AgentText):
        events[-1] = AgentText(last.text + text)
    else:
        events.append(AgentText(text))


def _legacy(payload: dict[str, Any]) -> list[AgentEvent]:
    """The illustrative v4.4 frames: `{"type": "text" | "tool_call" | "tool_result" | "heartbeat" | ...}`."""
    kind = payload.get("type")
    if kind == LegacyFrame.TEXT:
        text = opt_str(payload, "content", "text") or ""
        return [AgentText(text)] if text.strip() else []
    if kind == LegacyFrame.TOOL_CALL:
        return [ToolCall(opt_str(payload, "id"), opt_str(payload, "name") or "", _obj(payload.get("args")))]
    if kind == LegacyFrame.TOOL_RESULT:
        response = _obj(payload.get("result", payload.get("response", payload.get("content"))))
        return [ToolResult(opt_str(payload, "id"), opt_str(payload, "name") or "", response)]
    if kind in (LegacyFrame.HEARTBEAT, LegacyFrame.PING, LegacyFrame.KEEPALIVE):
        return [Keepalive()]
    if kind == LegacyFrame.ERROR:
        detail = payload.get("message") or payload.get("error") or payload.get("content")
        return [StreamError(_message(detail))]
    log.debug("skipping unknown legacy frame type %r", str(kind)[:40])
    return []


def _obj(value: object) -> dict[str, Any]:
    """A JSON object as is; any other value wrapped as `{"result": value}`."""
    if isinstance(value, dict):
        return value
    return {} if value is None else {"result": value}


def _message(value: object) -> str:
    """Readable error text from a string, an object with a message, or anything else."""
    if isinstance(value, dict):
        value = opt_str(value, "message", "error", "detail") or json.dumps(value)[:300]
    return redact(str(value) if value else "agent error")


class StreamDecoder:
    """Turns the raw lines of one /run_sse response into events, keeping the partial-text bookkeeping."""

    def __init__(self) -> None:
        self._sse = SSEDecoder()
        self._chunks: list[str] = []

    def feed_line(self, line: str) -> list[AgentEvent]:
        """The events completed by one line (without its line ending)."""
        if line.startswith(":"):
            return [Keepalive()]
        frame = self._sse.decode(line)
        return self._track(parse_frame(frame.event, frame.data)) if frame is not None else []

    def finish(self) -> list[AgentEvent]:
        """Flush at connection close: a last frame with no blank line, then partial text never finalized."""
        events = self.feed_line("")
        if self._chunks:
            events.append(AgentText("".join(self._chunks)))
            self._chunks = []
        return events

    def _track(self, events: list[AgentEvent]) -> list[AgentEvent]:
        """Remember partial chunks; a complete text replaces them rather than adding to them."""
        for event in events:
            if isinstance(event, AgentTextDelta):
                self._chunks.append(event.text)
            elif isinstance(event, AgentText):
                self._chunks = []
        return events
