"""How each Discord API call ended, told to the composition root (metrics): an aiohttp trace on discord.py's session."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
from yarl import URL

CallReport = Callable[[str, str | None], None]
"""Told `(route, code)` after every call: code None when it succeeded, else the HTTP status (429: rate limited),
`timeout` or `network`. It must return at once and never raise."""

_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
_VERSION = re.compile(r"v\d+")


def route_of(url: URL) -> str:
    """The resource a call names: the first part of its path after `/api/v10` (`channels`, `interactions`,
    `webhooks`), never an id or a token."""
    parts = [part for part in url.path.split("/") if part]
    if parts[:1] == ["api"]:
        parts = parts[1:]
    if parts and _VERSION.fullmatch(parts[0]):
        parts = parts[1:]
    return parts[0] if parts and _NAME.fullmatch(parts[0]) else "other"


def traced(report: CallReport) -> aiohttp.TraceConfig:
    """A trace for discord.py's HTTP session (`discord.Client(http_trace=...)`) that reports every call."""

    async def ended(session: aiohttp.ClientSession, context: SimpleNamespace, end: aiohttp.TraceRequestEndParams,
                    ) -> None:
        status = end.response.status
        report(route_of(end.url), None if status < 400 else str(status))

    async def failed(session: aiohttp.ClientSession, context: SimpleNamespace,
                     failure: aiohttp.TraceRequestExceptionParams) -> None:
        report(route_of(failure.url), "timeout" if isinstance(failure.exception, TimeoutError) else "network")

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(ended)
    trace.on_request_exception.append(failed)
    return trace
