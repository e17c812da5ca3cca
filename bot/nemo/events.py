"""What an agent turn (/run_sse) yields: the events the engine relays (`bot.nemo.frames` parses them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AgentText:
    """A complete piece of the agent's reply, to show once."""

    text: str


@dataclass(frozen=True, slots=True)
class AgentTextDelta:
    """A streamed chunk of a reply whose complete text follows as AgentText."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The agent started a tool."""

    id: str | None
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool finished."""

    id: str | None
    name: str
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Keepalive:
    """The server is still working."""


@dataclass(frozen=True, slots=True)
class StreamError:
    """The agent reported an error inside the stream (the stream then usually closes)."""

    message: str


AgentEvent = AgentText | AgentTextDelta | ToolCall | ToolResult | Keepalive | StreamError
