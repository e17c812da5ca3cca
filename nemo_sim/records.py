"""Plain records the simulated backend keeps: requests, users, tokens, clients, sessions, renders."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from bot.nemo.wire import RenderState

ANON_CREDITS = 100


class RequestRecord(TypedDict):
    """One recorded request, as `GET /__sim/requests` lists it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass(slots=True)
class User:
    """A Nemo user and their credit balance."""

    user_id: str
    available: int = ANON_CREDITS
    frozen: int = 0

    def hold(self, cost: int) -> bool:
        """Freeze `cost` credits for a running operation; False when the balance is too low."""
        if self.available < cost:
            return False
        self.available -= cost
        self.frozen += cost
        return True

    def settle(self, cost: int) -> None:
        """Charge credits held by `hold` (they leave the frozen pool)."""
        self.frozen -= min(cost, self.frozen)

    def refund(self, cost: int) -> None:
        """Return credits held by `hold` to the available pool."""
        back = min(cost, self.frozen)
        self.frozen -= back
        self.available += back


@dataclass(slots=True)
class TokenRecord:
    """An issued bearer token."""

    token: str
    user_id: str
    expires_at: float
    client_id: str | None = None


@dataclass(slots=True)
class ClientRecord:
    """An anonymous client id and the token it was given."""

    client_id: str
    user_id: str
    token: str
    issued_at: float
    count: int = 1


def empty_state(width: int, height: int) -> dict[str, Any]:
    """A new session's project state."""
    div = math.gcd(width, height)
    canvas = {"width": width, "height": height, "ratio": f"{width // div}:{height // div}"}
    return {"draft": {}, "video_infos": [], "generated_media": [], "canvas_config": canvas, "video_analyses": {}}


@dataclass(slots=True)
class SessionRecord:
    """A task and its agent chat session."""

    session_id: str
    task_id: str
    task_name: str
    user_id: str
    language: str
    state: dict[str, Any]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    turns: int = 0
    uploads: list[dict[str, Any]] = field(default_factory=list)  # every uploaded file's `video_infos` entry
    uploads_used: int = 0  # how many of them a timeline has been built from
    brief: str = ""  # the prompt of the latest generation, for titles the edits after it need


@dataclass(slots=True)
class RenderRecord:
    """A submitted export render."""

    render_id: str
    user_id: str
    session_id: str
    created_at: float
    duration_ms: int
    width: int
    height: int
    run_seconds: float = 0.0
    will_fail: bool = False
    status: RenderState = RenderState.PENDING
    progress: int = 0
    polls: int = 0
    completed_at: float | None = None
    encoded_at: float | None = None
    error: str | None = None
    file: Path | None = None
