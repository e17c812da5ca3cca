"""What the client tells an observer about each request it sends: the endpoint, how it ended, how long it took.

The composition root hands the client an `Observer` (metrics, the readiness check); the client calls it once per
HTTP request, retries included, from `observed()` around the request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.nemo.errors import NemoError
from bot.nemo.wire import Endpoint

FILE = "file"
"""The endpoint name of a download from another origin than the API's (a CDN link)."""
OTHER = "other"
"""The endpoint name of an API path that is no documented endpoint."""
PING = "ping"
"""The endpoint name of the reachability check (`NemoClient.ping`: the API's root)."""

# Each endpoint's path as a pattern: the `{uid}`, `{sid}` and `{rid}` parts match one path segment.
_PATHS = tuple((re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(e.value)) + "$"), e) for e in Endpoint)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request as it ended."""

    endpoint: str  # the Endpoint's name in lower case (`state`, `run_sse`), FILE, OTHER or PING
    status: int | None  # the HTTP status; None when no reply came
    error: str | None  # None: it succeeded; else the envelope code, `http_<status>`, or the failure's kind
    seconds: float  # to the reply's headers (a stream's or a download's start), or to the failure
    sent: int = 0  # bytes of files uploaded
    received: int = 0  # bytes of a file downloaded


Observer = Callable[[Exchange], None]
"""Told about every request; it must return at once and never raise."""


def endpoint_name(path: str) -> str:
    """The name of the endpoint an API path (no query) belongs to."""
    for pattern, endpoint in _PATHS:
        if pattern.match(path):
            return endpoint.name.lower()
    return OTHER


def error_code(exc: NemoError) -> str:
    """How a failure is counted: the envelope code, else the HTTP status, else the exception's kind."""
    if exc.code:
        return str(exc.code)
    if exc.http_status is not None:
        return f"http_{exc.http_status}"
    return type(exc).__name__


@dataclass(slots=True)
class Watch:
    """One request being watched: what has been seen of it so far."""

    endpoint: str
    started: float = field(default_factory=time.monotonic)
    status: int | None = None
    headers_at: float | None = None
    sent: int = 0
    received: int = 0

    def replied(self, status: int) -> None:
        """The reply's status line and headers arrived."""
        self.status = status
        self.headers_at = time.monotonic()

    def ended(self, error: str | None, status: int | None) -> Exchange:
        """The exchange as it ended."""
        seconds = (self.headers_at or time.monotonic()) - self.started
        return Exchange(self.endpoint, status, error, seconds, self.sent, self.received)


@contextmanager
def observed(observer: Observer | None, endpoint: str) -> Iterator[Watch]:
    """Watch the request made in the block and tell `observer` how it ended: a NemoError is a failure; any other
    exception (a cancellation) counts only once the reply had come, as a success."""
    watch = Watch(endpoint)
    try:
        yield watch
    except NemoError as exc:
        if observer is not None:
            observer(watch.ended(error_code(exc), exc.http_status or watch.status))
        raise
    except BaseException:
        if observer is not None and watch.status is not None:
            observer(watch.ended(None, watch.status))
        raise
    if observer is not None:
        observer(watch.ended(None, watch.status))
