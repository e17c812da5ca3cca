"""How each Bot API call ended, told to the composition root (metrics, readiness): PTB's own request layer, watched."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput  # the type of PTB's own signature, which this one must match

CallReport = Callable[[str, str | None], None]
"""Told `(method, code)` after every call: code None when it succeeded, else the HTTP status, `timeout` or
`network`. It must return at once and never raise."""

FILE = "file"
"""The method name of a file download (`/file/bot<token>/<path>`)."""
_METHOD = re.compile(r"[A-Za-z]{1,64}")


def method_of(url: str, http_method: str) -> str:
    """The Bot API method a request URL calls (its last segment), or FILE; never a token or a file's path."""
    if http_method == "GET":  # PTB posts every method call; a GET fetches a file
        return FILE
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return name if _METHOD.fullmatch(name) else "other"


class WatchedRequest(HTTPXRequest):
    """PTB's HTTPX request layer, telling `report` how each call ended."""

    def __init__(self, report: CallReport, **options: Any) -> None:
        super().__init__(**options)  # HTTPXRequest's own keywords
        self._report = report

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the call, then report its HTTP status (or that no reply came)."""
        name = method_of(url, method)
        try:
            status, payload = await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout,
            )
        except TimedOut:
            self._report(name, "timeout")
            raise
        except NetworkError:
            self._report(name, "network")
            raise
        self._report(name, None if status < 400 else str(status))
        return status, payload
