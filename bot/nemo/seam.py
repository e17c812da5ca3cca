"""The seam between httpx and the client: every foreign exception and error envelope is translated here.

An error sent as an HTTP status with an envelope and the same error sent as HTTP 200 with `code != 0` raise
the same exception; so does the render proxy's `{"success": false, "error": ...}`, and so does an HTTP status
(402, 429, ...) that a gateway wrapped as the `code` of an HTTP 200 envelope.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.nemo._json import opt_str
from bot.nemo.errors import (
    AuthError,
    BadRequest,
    ConnectionLost,
    CreditsExhausted,
    ExportBlocked,
    FileTooLarge,
    MalformedReply,
    NemoError,
    NemoTimeout,
    NotFound,
    RateLimited,
    ServerError,
    SessionNotFound,
    StreamDropped,
    UnsupportedFileType,
)
from bot.nemo.wire import ANON_USER_PREFIX, AUTH_CODES, Endpoint, ErrorCode

_BY_CODE: dict[int, type[NemoError]] = {
    **dict.fromkeys(AUTH_CODES, AuthError),
    ErrorCode.SESSION_NOT_FOUND: SessionNotFound,
    ErrorCode.CREDITS_EXHAUSTED: CreditsExhausted,
    ErrorCode.UNSUPPORTED_FILE_TYPE: UnsupportedFileType,
    ErrorCode.FILE_TOO_LARGE: FileTooLarge,
}
_BY_STATUS: dict[int, type[NemoError]] = {401: AuthError, 402: ExportBlocked, 429: RateLimited}
_MAX_MESSAGE = 300
_HTTP_ERRORS = range(400, 600)


@dataclass(frozen=True, slots=True)
class Who:
    """Who is asking, for the registration link a 2001 error carries."""

    user_id: str | None
    web_url: str


@contextmanager
def translated(*, streaming: bool = False) -> Iterator[None]:
    """Map httpx failures to NemoError; with `streaming`, a cut connection is a StreamDropped."""
    try:
        yield
    except (httpx.TimeoutException, TimeoutError) as exc:
        raise NemoTimeout(f"timed out ({type(exc).__name__})") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise MalformedReply(f"unusable URL ({type(exc).__name__})") from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        kind = StreamDropped if streaming else ConnectionLost
        raise kind(f"connection broken ({type(exc).__name__}: {exc})") from exc
    except httpx.TransportError as exc:
        raise ConnectionLost(f"connection failed ({type(exc).__name__}: {exc})") from exc
    except httpx.HTTPError as exc:
        raise MalformedReply(f"unreadable reply ({type(exc).__name__}: {exc})") from exc


@contextmanager
def at(endpoint: Endpoint | None) -> Iterator[None]:
    """Name `endpoint` (None: a link outside the API) on a NemoError raised inside.

    The innermost name stays, so a token fetched on the way keeps its own.
    """
    try:
        yield
    except NemoError as exc:
        if exc.endpoint is None:
            exc.endpoint = endpoint
        raise


def unwrap(response: httpx.Response, who: Who, missing: type[NotFound] | None = None) -> dict[str, Any]:
    """The payload of a successful reply in any envelope; raises the matching NemoError otherwise.

    `missing` is what a plain HTTP 404 means for this request (an unknown render, say); without it, a BadRequest.
    """
    body = _json_body(response.content)
    error = error_for(response.status_code, body, who, missing)
    if error is not None:
        raise _timed(error, response)
    if not isinstance(body, dict):
        raise MalformedReply("expected a JSON object", http_status=response.status_code)
    data = body.get("data", body) if "code" in body or "success" in body else body
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MalformedReply("expected an object under 'data'", http_status=response.status_code)
    return data


def raise_for_reply(
    response: httpx.Response, who: Who, content: bytes | None = None, missing: type[NotFound] | None = None,
) -> None:
    """Raise the NemoError a read reply (or its first `content` bytes) stands for, else MalformedReply."""
    body = _json_body(response.content if content is None else content)
    error = error_for(response.status_code, body, who, missing)
    kind = response.headers.get("content-type", "untyped").partition(";")[0]
    if error is not None:
        raise _timed(error, response)
    raise MalformedReply(f"unexpected {kind!r} reply", http_status=response.status_code)


def error_for(status: int, body: object, who: Who, missing: type[NotFound] | None = None) -> NemoError | None:
    """The exception an HTTP status and body stand for, or None for a success."""
    envelope = body if isinstance(body, dict) else {}
    code = _code(envelope)
    failed = status >= 400 or bool(code) or envelope.get("success") is False
    if not failed:
        return None
    message = _message(envelope, status)
    kind = _kind(_meant(status, code), code, envelope, missing)
    if kind is CreditsExhausted:
        anon = who.user_id if who.user_id and who.user_id.startswith(ANON_USER_PREFIX) else None
        link = f"{who.web_url.rstrip('/')}/register?bind={anon}" if anon else None
        return CreditsExhausted(message, code=code, http_status=status, user_id=who.user_id, register_url=link)
    return kind(message, code=code, http_status=status)


def _kind(status: int, code: int | None, envelope: dict[str, Any], missing: type[NotFound] | None) -> type[NemoError]:
    """Envelope code first (it is the precise one), then the HTTP status."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if status == 404 and "session not found" in str(envelope.get("detail", "")).lower():
        return SessionNotFound
    if status == 404 and missing is not None:
        return missing
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else BadRequest


def _timed(error: NemoError, response: httpx.Response) -> NemoError:
    """`error`, with the wait a rate-limited reply asked for (`Retry-After`: seconds or an HTTP date)."""
    if isinstance(error, RateLimited):
        error.retry_after = retry_after(response.headers.get("retry-after"))
    return error


def retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header value; None when there is none or it cannot be read."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _meant(status: int, code: int | None) -> int:
    """The HTTP status the server meant: its own, unless a success carries an HTTP status as the envelope's code."""
    if status < _HTTP_ERRORS.start and code is not None and code in _HTTP_ERRORS:
        return code
    return status


def _code(envelope: dict[str, Any]) -> int | None:
    """The envelope's numeric code (0 is success), tolerating numeric strings."""
    value = envelope.get("code")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _message(envelope: dict[str, Any], status: int) -> str:
    """The server's own words, if any, cut short."""
    text = opt_str(envelope, "message", "msg", "error", "detail")
    if text is None and isinstance(envelope.get("error"), dict):
        text = opt_str(envelope["error"], "message", "detail")
    code = envelope.get("code")
    prefix = f"HTTP {status}" + (f", code {code}" if code not in (None, 0) else "")
    return f"{prefix}: {text[:_MAX_MESSAGE]}" if text else prefix


def _json_body(content: bytes) -> object:
    """The parsed JSON body, or None when it is not JSON."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None
